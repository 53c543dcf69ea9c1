"""Checkpoints that are never half-written, the model card, and `unibench_model.json`.

While training, checkpoints go to `<OUT>.partial/step-NNNNNNN/`. Each is first written to a
hidden temporary folder beside it (weights, tokenizer, README.md, unibench_model.json,
training_log.json, every file fsync'ed) and then renamed into place, so a crash or Ctrl-C in the
middle of a save leaves at most a temporary folder, never a folder that looks complete. The last
two checkpoints are kept (the original's save_total_limit 2).

When training ends, the final checkpoint is renamed to OUT, which `unibench run --model hf:OUT`
loads. On Ctrl-C the last complete checkpoint is renamed to OUT instead, and its card and
`unibench_model.json` say it is partial (step N of M). After a hard crash (kill -9, power loss)
the complete checkpoints are still in `<OUT>.partial/` and load with `hf:<OUT>.partial/step-N`.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
from pathlib import Path
from typing import Callable

import jinja2

from .. import __version__
from ..errors import UnibenchError
from ..io import atomic_write_json, atomic_write_text, replace_dir

KEEP = 2
_CARD = Path(__file__).resolve().parent / "templates" / "model_card.md.j2"


def work_dir_for(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def prepare_output(out: Path, overwrite: bool) -> Path:
    """Check OUT before any expensive work; returns the (fresh) checkpoint work folder."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite:
        raise UnibenchError("the output folder already exists and is not empty", path=out,
                            hint="choose another --out, or pass --overwrite to replace it when training ends")
    work = work_dir_for(out)
    if work.exists():
        if not overwrite:
            steps = sorted(p.name for p in work.glob("step-*"))
            raise UnibenchError(f"checkpoints of an earlier unfinished run are here ({', '.join(steps) or 'none'})",
                                path=work, hint=f"evaluate one with --model hf:{work}/<step>, delete the folder, "
                                                "or pass --overwrite")
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return work


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def save_checkpoint(work: Path, step: int, write: Callable[[Path], None], keep: int = KEEP) -> Path:
    """`write(tmp_folder)` fills a temporary folder, which is then renamed to step-NNNNNNN."""
    name = f"step-{step:07d}"
    tmp = work / f".tmp-{name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        tmp.mkdir(parents=True)
        write(tmp)
        _fsync_tree(tmp)
        final = work / name
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in sorted(p for p in work.glob("step-*") if p.is_dir())[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(work: Path) -> Path | None:
    steps = sorted(p for p in work.glob("step-*") if p.is_dir())
    return steps[-1] if steps else None


def promote(checkpoint: Path, out: Path) -> Path:
    """Rename a complete checkpoint to OUT (replacing an old OUT only now, at the very end)."""
    return replace_dir(checkpoint, out)


def run_guarded(work: Path, out: Path, train: Callable[[], dict], console=None) -> dict:
    """Run a training function so that an interruption never costs finished work: on Ctrl-C the
    last complete checkpoint becomes OUT (marked partial in its card) and the work folder is
    cleaned up; on any other failure the work folder is removed only if it holds no checkpoint."""
    try:
        return train()
    except KeyboardInterrupt:
        last = latest_checkpoint(work)
        if last is not None:
            promote(last, out)
            if console is not None:
                console.print(f"interrupted: {out} holds the last complete checkpoint ({last.name}, partial)")
        elif console is not None:
            console.print("interrupted before the first checkpoint: nothing was written")
        finish(work)
        raise
    except BaseException:
        if latest_checkpoint(work) is None:  # nothing finished: leave no empty folder behind
            finish(work)
        raise


def finish(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)


def today() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_metadata(folder: Path, meta: dict, card: dict) -> None:
    """unibench_model.json (read by `unibench run` to pick the adapter) + README.md model card."""
    meta = {**meta, "unibench_version": __version__}
    atomic_write_json(folder / "unibench_model.json", meta)
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    text = env.from_string(_CARD.read_text(encoding="utf-8")).render(meta=meta, card=card,
                                                                    unibench_version=__version__)
    atomic_write_text(folder / "README.md", text)
