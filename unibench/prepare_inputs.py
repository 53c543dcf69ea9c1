"""What a prepared split was made from, and whether that still holds.

A prepared split (`<cache>/prepared/<row>/<version>/<split>.jsonl`) is only as good as the raw files it
was read from. Its manifest entry therefore records the inputs: the data dir, every raw file the reader
reads for that split (path relative to the data dir, size, mtime, sha256) or the Hub source, and the
reader version. Before the cache is used, the same inputs are looked up again; if the data dir, the set
of files or any file's content differs, the split is prepared again and the caller is told why in one
line. The check is cheap: a file whose size and mtime are unchanged is trusted; only a file whose
size or mtime changed is hashed again (a `touch` or a byte-identical copy does not re-prepare).

This also makes a mistyped or different data dir visible: the inputs come from another folder, so
the cache prepared from the old one is never served for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .cards import DatasetCard
from .errors import MissingDataError
from .io import sha256_file

NOT_FOUND = "its raw files are not found"  # the loader then raises, naming the folder it looked in


def check_data_dir(cli_value, resolved: Path, cards=()) -> None:
    """A data dir the user named (`--data-dir` or $UNIBENCH_DATA) must exist: a typo is an error naming
    the folder, never a silent fallback to a cache prepared from some other folder. (The default data
    dir may be absent: rows with a Hub source are then read from the Hub.) For rows that cannot be
    downloaded, the message says how to obtain them, as a missing row folder does."""
    given = "--data-dir" if cli_value else ("$UNIBENCH_DATA" if os.environ.get("UNIBENCH_DATA") else None)
    if given and not Path(resolved).is_dir():
        how = "".join(f" To obtain {c.id}: {c.access.how} Put the files in {c.access.where}."
                      for c in cards if c.access)
        raise MissingDataError(f"data dir {resolved} (from {given}) does not exist.{how}",
                               hint="give the folder that holds one <dataset id>/ subfolder per row (the layout of "
                                    "the staged data); `unibench data show ID` says which files a row needs")


def _listed(folder: Path, names: list[str], option_values: list) -> Optional[list[Path]]:
    """The raw files a reader reads: the card's split files (folders expanded to the files in them) and
    any file an option names (e.g. brat's `split_file`). None when a listed file is missing."""
    out: list[Path] = []
    for name in names:
        p = folder / name
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            return None
    for value in option_values:
        if isinstance(value, str) and value and (folder / value).is_file():
            out.append(folder / value)
    return sorted(set(out))


def current_inputs(card: DatasetCard, split: str, data_dir: Path) -> Optional[dict]:
    """The inputs the loader would read now for this split (the same choice as loaders._read_raw: local
    files when the row's folder holds them, else the Hub source), without sha256s. None when neither
    is there (loading will fail and say why)."""
    from .loaders import local_folder
    from .prepare import READER_VERSION

    src = card.sources.local
    folder = local_folder(card, data_dir)
    file_split = "all" if card.split_policy is not None else split
    if src is not None and folder is not None and folder.is_dir() and file_split in src.files:
        names = src.files[file_split]
        options = list(src.options.values())  # + every version's reader options (a file any of them may name)
        options += [v for proc in getattr(card, "processing", {}).values() for v in proc.options.values()]
        files = _listed(folder, [names] if isinstance(names, str) else list(names), options)
        if files is None:
            return None
        # paths relative to the data dir as given (a row folder may be a symlink to elsewhere)
        return {"kind": "local", "data_dir": str(Path(data_dir).resolve()), "reader_version": READER_VERSION,
                "files": [{"path": f.relative_to(data_dir).as_posix(), "size": f.stat().st_size,
                           "mtime_ns": f.stat().st_mtime_ns} for f in files]}
    hf = card.sources.hf
    if hf is not None and split in hf.splits:
        return {"kind": "hf", "repo": hf.repo, "revision": hf.revision, "config": hf.config,
                "reader_version": READER_VERSION}
    return None


def with_hashes(inputs: Optional[dict]) -> Optional[dict]:
    """The inputs as the manifest records them: every local file with its sha256."""
    if inputs is None or inputs["kind"] != "local":
        return inputs
    root = Path(inputs["data_dir"])
    return inputs | {"files": [f | {"sha256": sha256_file(root / f["path"])} for f in inputs["files"]]}


def _where(inputs: dict) -> str:
    return inputs["data_dir"] if inputs["kind"] == "local" else f"the Hub ({inputs['repo']}@{inputs['revision']})"


def changed_inputs(recorded: Optional[dict], now: Optional[dict]) -> tuple[Optional[str], Optional[dict]]:
    """(why the prepared split is stale, or None) and, when it is fresh, the record to keep (mtimes of
    files whose content was re-hashed and found unchanged are updated, so they are not hashed again)."""
    if now is None:
        return NOT_FOUND, None
    if recorded is None:
        return "the cache predates input tracking (no record of the raw files it was made from)", None
    if recorded.get("reader_version") != now["reader_version"]:
        return (f"unibench's reader version changed ({recorded.get('reader_version')} -> "
                f"{now['reader_version']})"), None
    if recorded.get("kind") != now["kind"] or (now["kind"] == "local" and recorded.get("data_dir") != now["data_dir"]):
        return f"the data now comes from {_where(now)} (prepared from {_where(recorded)})", None
    if now["kind"] == "hf":
        same = all(recorded.get(k) == now[k] for k in ("repo", "revision", "config"))
        return (None, recorded) if same else (f"the Hub source is now {_where(now)} (was {_where(recorded)})", None)
    old = {f["path"]: f for f in recorded.get("files", [])}
    new = {f["path"]: f for f in now["files"]}
    if set(old) != set(new):
        added, gone = sorted(set(new) - set(old)), sorted(set(old) - set(new))
        what = "; ".join(x for x in (f"new: {', '.join(added[:3])}" if added else "",
                                     f"gone: {', '.join(gone[:3])}" if gone else "") if x)
        return f"the raw files changed ({what})", None
    kept, root = [], Path(now["data_dir"])
    for path, f in new.items():
        was = old[path]
        if (f["size"], f["mtime_ns"]) == (was.get("size"), was.get("mtime_ns")):
            kept.append(was)
            continue
        digest = sha256_file(root / path) if f["size"] == was.get("size") else None
        if digest != was.get("sha256"):
            return f"raw file {path} changed since it was prepared", None
        kept.append(f | {"sha256": digest})
    return None, recorded | {"files": kept}
