"""Collecting result files into leaderboard tables (pure data; rendering is in site.py).

`collect` reads result files only (never model code), runs `unibench validate`'s checks on each
folder and leaves out, with the reason, every file they flag (a partial or demo run, another
label map, an unpinned data revision, a duplicate...). The rest are grouped into *entries*: one
per model revision, source (a run, or one printing of a paper's numbers, e.g. Fig. 9 vs Table 3)
and comparability group. A group is one scorer version and one dataset version for runs, and
"reported" for the paper's numbers: tables rank entries only inside a group, so numbers from
different scorer versions are never ranked together and a paper's number never outranks a run.

Model metadata comes from `model_meta.json` beside the result files when it is there (what
`unibench submit` uploads, the MTEB convention), else from the result files themselves.

At scale (500 models x 49 rows): each file is read, parsed and validated once (validate_dir hands
the parsed files over); its bootstrap replicates move into a compact array at once, each entry's
means, CIs and paired-test summary are formed once after collection, and the arrays are dropped
(replicates.py). The tables are plain functions of those precomputed cells; site.py computes
each table once.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

from ..cards import DOMAINS, load_registry
from ..errors import UnibenchError
from ..parse_warning import result_parse_warning
from ..results import ResultFile
from ..validate import MODEL_META, read_model_meta, validate_dir
from .replicates import as_array, compact, expand, interval, mean_replicates
from .significance import not_separable, paired_summary

CROSSNER_MIT = ["mit_movie", "mit_restaurant", "crossner_ai", "crossner_literature", "crossner_music",
                "crossner_politics", "crossner_science"]
REPORTED_GROUP = "reported"
MAIN_SOURCES = ("run", "fig9", "fig5a")  # sources with all 49 rows or all domain bars
CROSSNER_MIT_SOURCES = ("run", "table3", "gliner-table1")


@dataclass
class Entry:
    key: str  # unique: model id + revision + source + group
    model_id: str
    revision: str
    display: str
    kind: str  # run | reported
    source_key: str  # "run" or the reported key (fig9, table3, ...)
    group: str  # comparability group
    family: str = ""
    n_parameters: Optional[int] = None
    training: set = field(default_factory=set)
    url: Optional[str] = None
    meta_source: str = "result files"
    rows: dict[str, ResultFile] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    samples: dict[str, Path] = field(default_factory=dict)
    domain_reported: dict[str, ResultFile] = field(default_factory=dict)
    overall_reported: Optional[ResultFile] = None
    files: list[str] = field(default_factory=list)
    # the rows' bootstrap replicates (moved out of `rows[...].scores.f1_replicates` as each file is read),
    # until `summarise` has formed the means below from them and dropped them
    replicates: dict = field(default_factory=dict, repr=False)
    means: dict = field(default_factory=dict, repr=False)  # tuple of row ids -> Cell (mean over those rows)
    paired: tuple = ((), None, None)  # significance.paired_summary
    pair_memo: dict = field(default_factory=dict, repr=False)  # entry key below -> paired-test outcome

    def row_f1(self, row: str) -> Optional[float]:
        r = self.rows.get(row)
        return r.scores.f1 if r else None

    @cached_property
    def supervised(self) -> bool:
        """Trained on any benchmark row, or prompted in the supervised setting on any row."""
        return bool(self.training & set(load_registry())) or any(r.setting == "supervised" for r in self.rows.values())

    def trained_on(self, row: str) -> bool:
        return row in self.training


@dataclass
class Board:
    entries: dict[str, Entry]
    skipped: list[str]  # files left out, each with its reason
    warnings: list[str]


def group_of(r: ResultFile) -> str:
    if r.kind == "reported":
        return REPORTED_GROUP
    group = f"runs, scorer {r.stamps.scorer_version}, data {r.dataset.version}"
    if r.dataset.limit:  # `--include-partial`: never in a table with full runs (different queries)
        group = f"partial runs (--limit {r.dataset.limit}), scorer {r.stamps.scorer_version}, data {r.dataset.version}"
    return group


def group_order(group: str) -> tuple:
    """Full-run groups first, newest scorer first; then partial runs; the paper's numbers last."""
    m = re.search(r"scorer ([0-9.]+)", group)
    version = tuple(-int(x) for x in m.group(1).split(".") if x) if m else ()
    return group == REPORTED_GROUP, group.startswith("partial"), version, group


def _meta_for(folder: Path, cache: dict):
    if folder not in cache:
        p = folder / MODEL_META
        cache[folder] = read_model_meta(p) if os.path.lexists(p) else None
    return cache[folder]


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection while tens of thousands of parsed results pile up: each collection
    would walk them all again (30 % of reading 24,500 files), and they form no cycles to collect. At the
    end they are frozen (`gc.freeze`): else the first collection after re-enabling walks every object
    read (0.3 s for 24,500 files), as all of them are still in the youngest generation. site.py
    unfreezes when the site is written."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.enable()


def collect(dirs: list[Path], include_partial: bool = False) -> Board:
    """Read and validate every result file under `dirs` (once); group the valid ones into entries.
    `include_partial`: `--limit` runs are kept too, in groups of their own (group_of)."""
    with gc_paused():
        return _collect(dirs, include_partial)


def _collect(dirs: list[Path], include_partial: bool = False) -> Board:
    entries: dict[str, Entry] = {}
    skipped: list[str] = []
    warnings: list[str] = []
    metas: dict[Path, object] = {}
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            raise UnibenchError(f"results folder {d} does not exist", hint="give --results DIR (default: results)")
        parsed: list[tuple[Path, ResultFile, object]] = []
        shared: dict = {}

        def keep(path: Path, r: ResultFile, arr) -> None:
            reps = compact(arr if arr is not None else as_array(r.scores.f1_replicates))  # the list is released
            r.scores.f1_replicates = None
            _share_parts(r, shared)
            parsed.append((path, r, reps))

        report = validate_dir(d, on_result=keep, partial_ok=include_partial)
        warnings += report.warnings + report.across_files
        read = {str(path): (r, reps) for path, r, reps in parsed}
        for path in report.paths:  # in reading order, as the skipped list always was
            if str(path) in report.by_file:
                skipped.append(f"{path}: " + "; ".join(report.by_file[str(path)]))
            else:
                r, reps = read.pop(str(path))
                _add(entries, path, r, _meta_for(path.parent, metas), skipped, reps)
                if result_parse_warning(r):  # most outputs unparsed: the F1 measures the prompt format
                    warnings.append(f"{path}: {result_parse_warning(r)}")
    for e in entries.values():
        summarise(e)
    return Board(entries, skipped, warnings)


_SHARED_PARTS = ("model", "prompt", "backend", "stamps", "decoding")


def _share_parts(r: ResultFile, seen: dict) -> None:
    """Let a parsed result use the equal part objects of earlier files (a model's 49 files carry the
    same model, prompt, backend, stamps and decoding; a row's files mostly the same dataset info),
    so memory grows with what differs. The parts are read-only from here on."""
    fields = r.__dict__  # the parsed fields (pydantic keeps them here); a plain store: no assignment hooks
    for name in _SHARED_PARTS:
        part, prev = fields[name], seen.get(name)
        if part is not None and part == prev:
            fields[name] = prev
        else:
            seen[name] = part
    if r.dataset is not None:
        key = ("dataset", r.dataset.row)
        if r.dataset == seen.get(key):
            fields["dataset"] = seen[key]
        else:
            seen[key] = r.dataset


def _add(entries: dict[str, Entry], path: Path, r: ResultFile, meta, skipped: list[str], reps=None) -> None:
    src = r.reported.key if r.kind == "reported" else "run"
    group = group_of(r)
    key = f"{r.model.id}@{r.model.revision}#{src}|{group}"
    e = entries.get(key)
    if e is None:
        m = meta if (meta is not None and r.kind == "run") else r.model
        e = entries[key] = Entry(key, r.model.id, r.model.revision, m.display_name, r.kind, src, group, m.family,
                                 m.n_parameters, set(m.training_datasets), m.url,
                                 "model_meta.json" if m is meta else "result files")
    if r.scope == "row":
        row = r.dataset.row
        if row in e.rows:
            skipped.append(f"{path}: duplicate of {e.paths[row]} (same model, revision, source and row)")
            return
        e.rows[row], e.paths[row] = r, path
        if reps is not None:
            e.replicates[row] = reps
        samples = path.with_name(path.stem + ".samples.jsonl")
        if os.path.lexists(samples):
            from ..safe_read import check_file

            try:  # a folder, device, dangling or escaping symlink, or an oversize log is left out by name
                check_file(samples, "predictions", root=path.parent)
                e.samples[row] = samples
            except UnibenchError as exc:
                skipped.append(f"{samples}: sample log left out: {exc.message}")
    elif r.scope == "domain":
        e.domain_reported[r.domain] = r
    else:
        e.overall_reported = r
    e.files.append(str(path))


@dataclass
class Cell:
    value: Optional[float]  # fraction
    ci: Optional[tuple[float, float]] = None
    note: str = ""  # e.g. "3/8 rows", "reported"


def _compute_mean_cell(e: Entry, rows: list[str]) -> Optional[Cell]:
    """`aggregate.mean_of` over the entry's rows among `rows`, its CI from the row replicates."""
    present = {r: e.row_f1(r) for r in rows if r in e.rows}
    if not present:
        return None
    f1 = sum(present.values()) / len(present)
    ci = None
    if all(e.replicates.get(r) is not None for r in present):
        ci = interval(mean_replicates([e.replicates[r] for r in present]))
    return Cell(f1, ci, "" if len(present) == len(rows) else f"{len(present)}/{len(rows)} rows")


def mean_row_sets() -> list[tuple[str, ...]]:
    """The row sets whose means the tables show: each domain, all rows, the CrossNER/MIT seven."""
    reg = load_registry()
    return [*(tuple(r for r in reg if reg[r].domain == d) for d in DOMAINS), tuple(reg), tuple(CROSSNER_MIT)]


def summarise(e: Entry) -> None:
    """Form the entry's means, CIs and paired-test summary once, then drop its replicate arrays."""
    e.replicates = {row: expand(a) for row, a in e.replicates.items()}
    if e.rows:
        for rows in mean_row_sets():
            e.means[rows] = _compute_mean_cell(e, list(rows))
    e.paired = paired_summary(e.kind, e.rows, e.replicates)
    e.replicates = {}


def _mean_cell(e: Entry, rows: list[str]) -> Optional[Cell]:
    key = tuple(rows)
    if key not in e.means:  # a row set no table shows (needs the replicates: before `summarise`)
        e.means[key] = _compute_mean_cell(e, rows)
    c = e.means[key]
    return None if c is None else Cell(c.value, c.ci, c.note)  # a copy: tables may annotate their cell


def _rank(rows: list[dict], column: str) -> list[dict]:
    """Sort one group by `column` (complete entries first), number the complete ones, and mark
    each entry not significantly different from the one ranked just above it."""
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


def by_group(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for x in rows:
        groups.setdefault(x["entry"].group, []).append(x)
    return [(g, groups[g]) for g in sorted(groups, key=group_order)]


def main_table(entries: dict[str, Entry]) -> list[tuple[str, list[dict]]]:
    """Per group: entries x (overall + 9 domains), plain means over rows (the paper's averaging)."""
    reg = load_registry()
    all_rows = list(reg)
    out = []
    for e in entries.values():
        if e.source_key not in MAIN_SOURCES:
            continue
        cells: dict[str, Cell] = {}
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


def domain_table(entries: dict[str, Entry], domain: str) -> tuple[list[str], list[tuple[str, list[dict]]]]:
    """Per group: entries x the domain's rows, with the domain mean (ranked on it)."""
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


def dataset_table(entries: dict[str, Entry], row: str) -> list[tuple[str, list[dict]]]:
    """Per group: every entry with a number on this row, ranked by F1."""
    out = [{"entry": e, "result": e.rows[row], "cells": {"f1": Cell(e.rows[row].scores.f1, e.rows[row].scores.ci95)},
            "supervised": e.supervised} for e in entries.values() if row in e.rows]
    return [(g, _rank(x, "f1")) for g, x in by_group(out)]


def crossner_mit_table(entries: dict[str, Entry]) -> list[tuple[str, list[dict]]]:
    """The paper's Table 3 layout: the 7 CrossNER/MIT rows and their plain mean (when all 7 are there)."""
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


def size_points(table: list[tuple[str, list[dict]]], column: str = "overall") -> list[dict]:
    """Entries of a ranked table with a known size and a complete score: the F1-vs-size plot."""
    pts = []
    for group, rows in table:
        for x in rows:
            c = x["cells"].get(column)
            e = x["entry"]
            if e.n_parameters and c is not None and c.value is not None and not c.note.endswith("rows"):
                pts.append({"entry": e, "f1": c.value, "ci": c.ci, "n": e.n_parameters, "group": group})
    return pts
