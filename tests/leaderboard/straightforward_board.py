"""The leaderboard's tables computed the straightforward way, for test_fast_board.py to compare with.

This is the board as it was before it was made fast (issue 13 item 3), kept verbatim in spirit:
validate the folder, then read every valid file again with `read_result` (replicates as Python
lists), average replicates with the pure-Python `metrics.bootstrap` for every cell, and run the
paired test by re-averaging both entries' replicates for every neighbouring pair. Slow and memory-
hungry on purpose: it is the definition the fast path must reproduce exactly.
"""

from __future__ import annotations

from pathlib import Path

from unibench.aggregate import mean_of
from unibench.cards import DOMAINS, load_registry
from unibench.leaderboard.board import (CROSSNER_MIT, CROSSNER_MIT_SOURCES, MAIN_SOURCES, Board, Cell, Entry,
                                        _add, _meta_for, by_group)
from unibench.leaderboard.significance import OVERLAP, PAIRED
from unibench.metrics import bootstrap
from unibench.results import iter_result_files, read_result
from unibench.validate import validate_dir


def collect(dirs: list[Path]) -> Board:
    entries, skipped, warnings, metas = {}, [], [], {}
    for d in dirs:
        report = validate_dir(Path(d))
        warnings += report.warnings + report.across_files
        for path in iter_result_files(Path(d)):
            if str(path) in report.by_file:
                skipped.append(f"{path}: " + "; ".join(report.by_file[str(path)]))
                continue
            _add(entries, path, read_result(path), _meta_for(path.parent, metas), skipped)
    return Board(entries, skipped, warnings)


def _pairable(a: Entry, b: Entry, rows: list[str]) -> bool:
    for row in rows:
        ra, rb = a.rows.get(row), b.rows.get(row)
        if ra is None or rb is None or ra.kind != "run" or rb.kind != "run":
            return False
        sa, sb = ra.scores, rb.scores
        if not sa.f1_replicates or not sb.f1_replicates or len(sa.f1_replicates) != len(sb.f1_replicates):
            return False
        if sa.bootstrap_seed is None or sa.bootstrap_seed != sb.bootstrap_seed:
            return False
        if (ra.dataset.content_hash, ra.dataset.n_sentences) != (rb.dataset.content_hash, rb.dataset.n_sentences):
            return False
    return bool(rows)


def not_separable(a: Entry, b: Entry, ci_a, ci_b):
    rows_a, rows_b = sorted(a.rows), sorted(b.rows)
    if rows_a == rows_b and _pairable(a, b, rows_a):
        ma = bootstrap.mean_replicates([a.rows[r].scores.f1_replicates for r in rows_a])
        mb = bootstrap.mean_replicates([b.rows[r].scores.f1_replicates for r in rows_a])
        lo, hi = bootstrap.interval([x - y for x, y in zip(ma, mb)])
        return PAIRED if lo <= 0 <= hi else None
    if ci_a and ci_b and ci_a[0] <= ci_b[1] and ci_b[0] <= ci_a[1]:
        return OVERLAP
    return None


def _mean_cell(e: Entry, rows: list[str]):
    present = {r: e.row_f1(r) for r in rows if r in e.rows}
    if not present:
        return None
    reps = {r: (e.rows[r].scores.f1_replicates or []) for r in present}
    a = mean_of("", present, reps)
    return Cell(a.f1, a.ci, "" if len(present) == len(rows) else f"{len(present)}/{len(rows)} rows")


def _rank(rows: list[dict], column: str) -> list[dict]:
    def complete(x):
        c = x["cells"].get(column)
        return c is not None and c.value is not None and not c.note.endswith("rows")

    def value(x):
        c = x["cells"].get(column)
        return c.value if c is not None and c.value is not None else -1.0
    rows.sort(key=lambda x: (not complete(x), -value(x)))
    prev = None
    for i, x in enumerate(rows):
        x["rank"], x["tie"] = (i + 1 if complete(x) else None), None
        if complete(x) and prev is not None:
            x["tie"] = not_separable(prev["entry"], x["entry"], prev["cells"][column].ci, x["cells"][column].ci)
        prev = x if complete(x) else prev
    return rows


def main_table(entries):
    reg = load_registry()
    all_rows = list(reg)
    out = []
    for e in entries.values():
        if e.source_key not in MAIN_SOURCES:
            continue
        cells = {}
        if e.rows:
            for dom in DOMAINS:
                c = _mean_cell(e, [r for r in all_rows if reg[r].domain == dom])
                if c:
                    cells[dom] = c
            cells["overall"] = _mean_cell(e, all_rows)
        else:
            for dom, r in e.domain_reported.items():
                cells[dom] = Cell(r.scores.f1, None, "reported")
            if e.overall_reported:
                cells["overall"] = Cell(e.overall_reported.scores.f1, None, "reported")
        if cells.get("overall") is not None:
            out.append({"entry": e, "cells": cells, "supervised": e.supervised})
    return [(g, _rank(rows, "overall")) for g, rows in by_group(out)]


def domain_table(entries, domain: str):
    reg = load_registry()
    rows = [r for r in reg if reg[r].domain == domain]
    out = []
    for e in entries.values():
        cell = _mean_cell(e, rows) if e.rows else None
        if cell is None and domain in e.domain_reported:
            cell = Cell(e.domain_reported[domain].scores.f1, None, "reported")
        if cell is None:
            continue
        out.append({"entry": e, "cells": {"mean": cell}, "supervised": e.supervised})
    return rows, [(g, _rank(x, "mean")) for g, x in by_group(out)]


def dataset_table(entries, row: str):
    out = [{"entry": e, "result": e.rows[row], "cells": {"f1": Cell(e.rows[row].scores.f1, e.rows[row].scores.ci95)},
            "supervised": e.supervised} for e in entries.values() if row in e.rows]
    return [(g, _rank(x, "f1")) for g, x in by_group(out)]


def crossner_mit_table(entries):
    out = []
    for e in entries.values():
        if e.source_key not in CROSSNER_MIT_SOURCES or not any(r in e.rows for r in CROSSNER_MIT):
            continue
        cell = _mean_cell(e, CROSSNER_MIT)
        printed = e.overall_reported
        if printed is not None and printed.benchmark == "crossner-mit" and not cell.note \
                and abs(printed.scores.f1 - cell.value) > 0.0005:
            cell.note = f"printed {printed.reported.value_text}"
        out.append({"entry": e, "values": {r: e.row_f1(r) for r in CROSSNER_MIT}, "cells": {"avg": cell},
                    "avg": None if cell.note.endswith("rows") else cell.value, "supervised": e.supervised})
    return [(g, _rank(x, "avg")) for g, x in by_group(out)]
