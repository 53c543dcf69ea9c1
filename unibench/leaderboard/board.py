"""Collecting result files into leaderboard tables (pure data; rendering is in site.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..aggregate import mean_of
from ..cards import DOMAINS, load_registry
from ..metrics import bootstrap
from ..results import ResultFile, iter_result_files, read_result

ZERO_SHOT_BENCH = "uniner-zeroshot"
CROSSNER_MIT = ["mit_movie", "mit_restaurant", "crossner_ai", "crossner_literature", "crossner_music",
                "crossner_politics", "crossner_science"]


@dataclass
class Entry:
    key: str  # unique: model id + revision + source
    model_id: str
    display: str
    kind: str  # run | reported
    source_key: str  # run or the reported key (fig9, table3, ...)
    group: str  # comparability group: "reported" or "scorer <v> / data <version>"
    family: str = ""
    n_parameters: Optional[int] = None
    training: set = field(default_factory=set)
    rows: dict[str, ResultFile] = field(default_factory=dict)
    domain_reported: dict[str, ResultFile] = field(default_factory=dict)
    overall_reported: Optional[ResultFile] = None
    files: list[str] = field(default_factory=list)

    def row_f1(self, row: str) -> Optional[float]:
        r = self.rows.get(row)
        return r.scores.f1 if r else None

    def zero_shot_rows(self, rows: list[str]) -> list[str]:
        return [r for r in rows if r not in self.training]


def _entry_key(r: ResultFile) -> tuple[str, str, str]:
    src = r.reported.key if r.kind == "reported" else "run"
    if r.kind == "reported":
        group = "reported"
    else:
        group = f"scorer {r.stamps.scorer_version} / data {r.dataset.version}"
    return f"{r.model.id}@{r.model.revision}#{src}", src, group


def collect(dirs: list[Path]) -> tuple[dict[str, Entry], list[str]]:
    """Read every result file under `dirs`; returns entries and the list of files left out (and why)."""
    entries: dict[str, Entry] = {}
    skipped: list[str] = []
    for d in dirs:
        for path in iter_result_files(Path(d)):
            r = read_result(path)
            if r.kind == "run" and (r.dataset.limit or r.dataset.split != "test"):
                skipped.append(f"{path}: partial or demo run (limit={r.dataset.limit}, split={r.dataset.split})")
                continue
            key, src, group = _entry_key(r)
            e = entries.get(key)
            if e is None:
                e = entries[key] = Entry(key, r.model.id, r.model.display_name, r.kind, src, group, r.model.family,
                                         r.model.n_parameters, set(r.model.training_datasets))
            e.files.append(str(path))
            if r.scope == "row":
                if r.dataset.row in e.rows:
                    raise ValueError(f"duplicate result for {r.model.id} / {r.dataset.row} ({src}): {path}")
                e.rows[r.dataset.row] = r
            elif r.scope == "domain":
                e.domain_reported[r.domain] = r
            else:
                e.overall_reported = r
    return entries, skipped


@dataclass
class Cell:
    value: Optional[float]  # fraction
    ci: Optional[tuple[float, float]] = None
    note: str = ""  # e.g. "3/8 rows", "reported (Fig. 5a)"


def main_table(entries: dict[str, Entry]) -> list[dict]:
    """Models x (overall + 9 domains), recomputed as plain means over rows (the paper's averaging)."""
    reg = load_registry()
    all_rows = [c.id for c in reg.values()]
    out = []
    for e in entries.values():
        if e.source_key not in ("run", "fig9", "fig5a"):
            continue
        cells: dict[str, Cell] = {}
        if e.rows:
            rows_f1 = {r: e.row_f1(r) for r in all_rows if r in e.rows}
            reps = {r: (e.rows[r].scores.f1_replicates or []) for r in rows_f1}
            for dom in DOMAINS:
                members = {r: f for r, f in rows_f1.items() if reg[r].domain == dom}
                need = sum(1 for r in all_rows if reg[r].domain == dom)
                if members:
                    a = mean_of(dom, members, reps)
                    cells[dom] = Cell(a.f1, a.ci, "" if len(members) == need else f"{len(members)}/{need} rows")
            a = mean_of("overall", rows_f1, reps)
            cells["overall"] = Cell(a.f1, a.ci, "" if len(rows_f1) == len(all_rows) else
                                    f"{len(rows_f1)}/{len(all_rows)} rows")
        else:
            for dom, r in e.domain_reported.items():
                cells[dom] = Cell(r.scores.f1, None, "reported")
            if e.overall_reported:
                cells["overall"] = Cell(e.overall_reported.scores.f1, None, "reported")
        if not cells:
            continue
        supervised = bool(e.training & set(all_rows))
        out.append({"entry": e, "cells": cells, "supervised": supervised})
    out.sort(key=lambda x: -(x["cells"].get("overall", Cell(-1)).value or -1))
    _mark_ties(out)
    return out


def _mark_ties(rows: list[dict]) -> None:
    """A row is marked when its overall CI overlaps the next row's (not significantly different)."""
    for r in rows:
        r["tie_next"] = False
    for a, b in zip(rows, rows[1:]):
        ca, cb = a["cells"].get("overall"), b["cells"].get("overall")
        if ca and cb and ca.ci and cb.ci and ca.ci[0] <= cb.ci[1] and cb.ci[0] <= ca.ci[1]:
            a["tie_next"] = True


def crossner_mit_table(entries: dict[str, Entry]) -> list[dict]:
    out = []
    for e in entries.values():
        if e.source_key not in ("run", "table3", "gliner-table1"):
            continue
        vals = {r: e.row_f1(r) for r in CROSSNER_MIT}
        if not any(v is not None for v in vals.values()):
            continue
        present = [v for v in vals.values() if v is not None]
        avg = sum(present) / len(present) if len(present) == len(CROSSNER_MIT) else None
        out.append({"entry": e, "values": vals, "avg": avg})
    out.sort(key=lambda x: -(x["avg"] if x["avg"] is not None else -1))
    return out


def domain_replicates(e: Entry, rows: list[str]) -> list[float]:
    return bootstrap.mean_replicates([e.rows[r].scores.f1_replicates or [] for r in rows if r in e.rows])
