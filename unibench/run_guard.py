"""Runs never clobber each other, and a samples log always belongs to the result beside it.

A result file's place is decided by what makes it comparable (model id and revision, row, dataset
version, and for partial runs the limit and split: `results.run_folder`). Everything else that could
change its numbers is in the run spec beside it (`<row>.run_spec.json`: adapter, prompt hash,
decoding, card hash, scorer and unibench versions, backend...). Before a run computes anything, every
row's place is checked: free, or holding the same run spec (loaded, not recomputed), or holding
another run, which the run refuses to replace unless `--overwrite` is given. The refusal names the
file and what differs.

`CacheOnly` is the backend behind the response cache when a finished row's samples log is written
after the fact (`--log-samples` on a row whose result is already there): every output must come from
the cache, the model is never run, and a miss is an error saying how to get the log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence

from .errors import UnibenchError


def spec_file(result: Path) -> Path:
    return result.with_name(result.stem + ".run_spec.json")


def samples_file(result: Path) -> Path:
    return result.with_name(result.stem + ".samples.jsonl")


def stored_spec(result: Path) -> Optional[dict]:
    """The run spec stored beside a result file; None when there is none or it is unreadable."""
    try:
        spec = json.loads(spec_file(result).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return spec if isinstance(spec, dict) else None


def is_finished(result: Path, spec: dict) -> bool:
    """True when `result` exists and was made with exactly this run spec."""
    return result.exists() and stored_spec(result) == spec


def differences(old: Optional[dict], new: dict, limit: int = 4) -> str:
    """What differs between two run specs, as `key: old -> new` (at most `limit`, then a count)."""
    if old is None:
        return "its run spec file is missing or unreadable, so it cannot be shown to be the same run"
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]

    def show(v) -> str:
        s = json.dumps(v, sort_keys=True) if v is not None else "none"
        return s if len(s) <= 60 else s[:57] + "..."

    parts = [f"{k}: {show(old.get(k))} -> {show(new.get(k))}" for k in keys[:limit]]
    if len(keys) > limit:
        parts.append(f"and {len(keys) - limit} more")
    return "; ".join(parts)


def conflicts(planned: Sequence[tuple[Path, dict]]) -> list[tuple[Path, str]]:
    """(result path, what differs) for every planned row whose place holds a result of another run spec."""
    out = []
    for path, spec in planned:
        if path.exists() and not is_finished(path, spec):
            out.append((path, differences(stored_spec(path), spec)))
    return out


def refuse_clobbering(planned: Sequence[tuple[Path, dict]], overwrite: bool) -> list[tuple[Path, str]]:
    """Raise before anything runs when a planned row would replace another run's result; with `overwrite`,
    return the results that will be replaced (the caller says so)."""
    found = conflicts(planned)
    if found and not overwrite:
        listing = "; ".join(f"{p} ({why})" for p, why in found)
        raise UnibenchError(f"{len(found)} result file(s) of a different run are where this run would write, and a "
                            f"run never silently replaces another: {listing}",
                            hint="write to another --output-dir, or add --overwrite to replace them (their run spec "
                                 "and samples log are replaced with them); a --limit run goes to partial/limit-N/ "
                                 "and never meets a full run")
    return found


class CacheOnly:
    """A text backend that never runs a model: behind `CachedBackend`, every request must be a cache hit."""

    name = "cache-only"

    def __init__(self, row: str):
        self.row = row

    def generate(self, requests, progress=None):
        raise UnibenchError(f"{self.row}: {len(requests)} output(s) of this finished row are not in the response "
                            "cache, so its samples log cannot be written without running the model again",
                            hint="point --cache-dir at the cache the run used, or rerun the row with --overwrite "
                                 "--log-samples")
