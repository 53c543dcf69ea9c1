"""Putting Familiarity into result files: a student's runs, and existing results (`--annotate`).

`unibench run --model hf:DIR` on a checkpoint that has a `training_types.json` (every one
`unibench train` makes) stamps each row result with its Familiarity; `unibench familiarity
--annotate RESULTS` adds it to result files that already exist (a model trained elsewhere whose
training data is known). Either way the value is the optional `familiarity` field of the one
results schema (unibench/results.py), so `validate`, `submit` and the leaderboard carry it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..errors import UnibenchError
from ..results import Familiarity, iter_result_files, read_result, write_result
from .compute import FamiliarityRun, compute
from .metric import DEFAULT_K
from .training_types import FILE_NAME, TrainingTypes, load_training_types


def to_schema(run: FamiliarityRun, types: list[str]) -> Familiarity:
    row = run.row(types)
    return Familiarity(mean=row["mean"], per_type=row["per_type"], embedding_model=run.model, k=run.k,
                       training_types_sha256=run.training.sha256, training_source=run.training.source)


def checkpoint_training_types(model_path: str | Path) -> Optional[Path]:
    """The `training_types.json` of a local checkpoint folder, if it has one."""
    path = Path(model_path).expanduser() / FILE_NAME
    return path if path.is_file() else None


def familiarity_for_card(training_types: Path, card, cache_dir: Optional[Path], warn=None) -> Optional[Familiarity]:
    """The row's Familiarity for a run; None (with a warning) when it cannot be computed, because a
    missing embedding model must not cost the user the evaluation they asked for."""
    try:
        run = compute(load_training_types(training_types), card.types, cache_dir=cache_dir)
        return to_schema(run, card.types)
    except UnibenchError as exc:
        if warn:
            warn(f"Familiarity not computed for {card.id}: {exc.render()}")
        return None


def annotate(results: Path, training: TrainingTypes, *, model: Optional[str], k: int = DEFAULT_K,
             cache_dir: Optional[Path]) -> list[str]:
    """Add Familiarity to every row result under `results` (a file or a folder); -> paths written."""
    from ..cards import load_registry

    reg = load_registry()
    paths = [results] if Path(results).is_file() else list(iter_result_files(results))
    todo = []
    for p in paths:
        r = read_result(p)
        if r.scope == "row" and r.dataset is not None and r.dataset.row in reg:
            todo.append((p, r))
    if not todo:
        raise UnibenchError("no row result of a registry row found", path=results,
                            hint="give a result file or a folder of them (unibench run --output-dir)")
    types = [t for _, r in todo for t in reg[r.dataset.row].types]
    run = compute(training, types, model=model, k=k, cache_dir=cache_dir)
    written = []
    for p, r in todo:
        r.familiarity = to_schema(run, reg[r.dataset.row].types)
        write_result(p, r)
        written.append(str(p))
    return written
