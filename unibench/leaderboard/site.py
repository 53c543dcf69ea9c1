"""Rendering the leaderboard as a static site: HTML (Jinja2, autoescaped), SVG, JSON, CSV and LaTeX.

Works from file:// and any static host: relative links only, no CDN, no fetch(), no external
request, and a Content-Security-Policy that allows only the site's own script and stylesheet (so
even a templating mistake could not run a stranger's script). Every string that comes from a
result file is escaped by Jinja2's autoescape (never marked safe), or, in the big tables' rows
that fragments.py writes as plain strings for speed, by `markupsafe.escape` one by one; SVG plots
escape their own text (plots.py). The site is built in a temporary folder and moved into place at the end, so an
interrupted build leaves the previous site intact, never half a site.
"""

from __future__ import annotations

import gc
import glob
import hashlib
import itertools
import json
import os
import re
import shutil
from pathlib import Path
from typing import Callable, Optional

import jinja2

from .. import __version__
from ..cards import DOMAINS, load_registry
from ..errors import UnibenchError
from ..io import atomic_write_text, replace_dir
from ..parse_warning import result_parse_warning
from ..resources import resource_dir
from . import downloads, fragments
from .json_text import dumps_indented
from .board import (CROSSNER_MIT, REPORTED_GROUP, Entry, collect, crossner_mit_table, dataset_table, domain_table,
                    main_table, size_points)
from .familiarity_plot import familiarity_points, familiarity_svg
from .plots import domain_svg, size_svg
from .samples import MAX_SENTENCES, read_samples
from .taxonomy_plot import taxonomy_bars, taxonomy_svg
from .workers import in_workers

COLUMNS = downloads.COLUMNS
MARKER = ".unibench-site"  # a folder holding this file is a site we built and may replace


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")[:80] or "x"


def entry_slug(e: Entry) -> str:
    """File name of an entry's pages: readable, and unique even when two keys slug alike."""
    key = (e.model_id, e.source_key, e.key)
    if key not in _ENTRY_SLUGS:  # pages link every entry many times over
        _ENTRY_SLUGS[key] = f"{slug(e.model_id)}-{e.source_key}-{hashlib.sha1(e.key.encode()).hexdigest()[:8]}"
    return _ENTRY_SLUGS[key]


_ENTRY_SLUGS: dict[tuple, str] = {}


def _env() -> jinja2.Environment:
    templates = TEMPLATES or resource_dir("leaderboard") / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=downloads.pct, slug=slug, eslug=entry_slug,
                       num=lambda v: "" if v is None else f"{v:.6f}",
                       ci=lambda c: f"[{downloads.pct(c[0])}, {downloads.pct(c[1])}]" if c else "–",
                       params=_params, parse_warning=result_parse_warning)
    env.globals.update(fragments.make(entry_slug, result_parse_warning))  # the big tables' rows, as strings
    return env


TEMPLATES: Optional[Path] = None  # None: the installed templates (tests point this at a reference copy)


def _params(n) -> str:
    if not n:
        return "–"
    for div, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.3g}{unit}"
    return str(n)


def _size_plot(table) -> tuple:
    pts = size_points(table)
    for i, p in enumerate(sorted(pts, key=lambda p: (p["n"], -p["f1"])), 1):
        e = p["entry"]
        p.update(marker=str(i), reported=e.kind == "reported",
                 label=f"{e.display} ({'reported ' + e.source_key if e.kind == 'reported' else p['group']})")
    pts.sort(key=lambda p: int(p["marker"]))
    return size_svg(pts), pts


def _prepare_out(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UnibenchError(f"{out} exists and is not a site built by unibench (no {MARKER} file); refusing to "
                            "replace it", hint="give --out a new folder, or an earlier site's folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    from ..io import make_temp_dir  # the umask's mode, not mkdtemp's 0700

    return make_temp_dir(out.parent, f".{out.name}.building-{os.getpid()}-")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or unknowable: leave its folder alone
    return True


def _remove_leftovers(out: Path) -> None:
    """Folders an interrupted (killed) build left beside the site: `.NAME.building-PID-*` and
    replace_dir's `.NAME.old-PID`, unless their process is still running (a build in progress)."""
    for p in out.parent.glob(f".{glob.escape(out.name)}.*-*"):
        m = re.fullmatch(re.escape(f".{out.name}.") + r"(?:building|old)-(\d+)(?:-.*)?", p.name)
        if m and p.is_dir() and (int(m.group(1)) == os.getpid() or not _pid_alive(int(m.group(1)))):
            shutil.rmtree(p, ignore_errors=True)


def _swap(tmp: Path, out: Path) -> None:
    replace_dir(tmp, out)
    _remove_leftovers(out)


def _write(path: Path, text: str) -> None:
    """A file of the site being built. The whole folder is private until `_swap` moves it into place
    (what makes the build atomic), so a page needs no rename and no fsync of its own: that was
    most of the time of writing 600 pages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_site(results: list[Path], out: Path, progress: Optional[Callable[[str], None]] = None,
               include_partial: bool = False) -> dict:
    """Collect and validate the result files under `results` and write the site to `out` (with
    `include_partial`, --limit runs too, in groups of their own)."""
    board = collect(results, include_partial)
    main = main_table(board.entries)  # once: the index, the downloads and the summary share it
    out = Path(out)
    tmp = _prepare_out(out)
    gc.freeze()  # the collected results live until the end: no cyclic collection walks them again
    try:
        pages = in_workers(tmp, lambda me, workers, claim: _render(board, tmp, progress or (lambda _: None), main,
                                                                   me, workers, claim))
        atomic_write_text(tmp / MARKER, f"built by unibench {__version__}\n")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        gc.unfreeze()
    return {"entries": len(board.entries), "main_rows": sum(len(r) for _, r in main),
            "groups": [g for g, _ in main], "pages": pages, "skipped": board.skipped, "warnings": board.warnings,
            "out": str(out), "index": str(out / "index.html")}


def _render(board, out: Path, progress, main=None, me: int = 0, workers: int = 1,
            claim: Optional[Callable[[], int]] = None) -> int:
    """Write the site; with several worker processes (workers.py), the last one writes the downloads
    first, and each renders the pages whose numbers it claims (`claim()`: each page number once)."""
    claim = claim or itertools.count().__next__
    entries, reg, env = board.entries, load_registry(), _env()
    if me == 0:
        for f in (resource_dir("leaderboard") / "static").iterdir():
            shutil.copyfile(f, out / f.name)  # the umask's mode, not the installed file's
    main, t3 = main if main is not None else main_table(entries), crossner_mit_table(entries)
    names = {r: reg[r].display_name for r in reg}
    dom_slugs = {d: slug(d.lower()) for d in DOMAINS}
    common = {"version": __version__, "domains": DOMAINS, "columns": COLUMNS, "dom_slugs": dom_slugs,
              "names": names, "reported_group": REPORTED_GROUP}
    if me == workers - 1:
        _write_downloads(out, board, main, t3, names)
    n, claimed = 0, None

    def mine() -> bool:
        """Is the next page this process's? (Both walk the same pages; each computes only its own, and
        claims the next number only once its last page is written.)"""
        nonlocal n, claimed
        if claimed is None:
            claimed = claim()
        n += 1
        if n - 1 != claimed:
            return False
        claimed = None
        return True

    def page(rel: str, template: str, **ctx) -> None:
        depth = rel.count("/")
        _write(out / rel, env.get_template(template).render(root="../" * depth, **common, **ctx))
        if me == 0:
            progress(rel)

    if mine():
        svg, points = _size_plot(main)
        page("index.html", "index.html.j2", table=main, skipped=board.skipped, warnings=board.warnings,
             size_plot=svg, points=points)
    if mine():
        page("crossner-mit.html", "crossner_mit.html.j2", table=t3, cols=CROSSNER_MIT)
    if mine():
        by_domain = {d: [reg[r] for r in reg if reg[r].domain == d] for d in DOMAINS}
        counts = {r: sum(1 for e in entries.values() if r in e.rows) for r in reg}
        page("datasets.html", "datasets.html.j2", by_domain=by_domain, counts=counts)
    for d in DOMAINS:
        if not mine():
            continue
        rows, table = domain_table(entries, d)
        dsvg, dpoints = _size_plot([(g, [{**x, "cells": {"overall": x["cells"]["mean"]}} for x in xs])
                                    for g, xs in table])
        page(f"domains/{dom_slugs[d]}.html", "domain.html.j2", domain=d, rows=rows, table=table,
             size_plot=dsvg, points=dpoints)
    for row, card in reg.items():
        if not mine():
            continue
        table = dataset_table(entries, row)
        fam_points = familiarity_points(table)
        page(f"datasets/{row}.html", "dataset.html.j2", card=card, table=table, fam_points=fam_points,
             fam_plot=familiarity_svg(fam_points),
             tax_plot=taxonomy_svg(taxonomy_bars([(x["entry"].display + (f" ({g})" if len(table) > 1 else ""),
                                                   x["result"].taxonomy) for g, xs in table for x in xs])))
    profiles = {x["entry"].key: {d: x["cells"][d].value for d in DOMAINS if d in x["cells"]}
                for _, xs in main for x in xs}
    for e in entries.values():
        if mine():
            page(f"models/{entry_slug(e)}.html", "model.html.j2", e=e, reg=reg,
                 svg=domain_svg(profiles.get(e.key, {})) if e.key in profiles else "",
                 tax_plot=taxonomy_svg(taxonomy_bars([(names[r], res.taxonomy) for r, res in sorted(e.rows.items())])))
        for row, path in sorted(e.samples.items()):
            if not mine():
                continue
            log = read_samples(path)
            page(f"samples/{entry_slug(e)}/{row}.html", "samples.html.j2", e=e, card=reg[row], log=log,
                 result=e.rows[row], cap=MAX_SENTENCES)
    return n


def _write_downloads(out: Path, board, main, t3, names) -> None:
    data = downloads.leaderboard_json(main, t3, board.entries, board.skipped, __version__)
    _write(out / "leaderboard.json", dumps_indented(data) + "\n")  # json.dumps(indent=2)'s text, faster
    _write(out / "leaderboard.csv", downloads.main_csv(data))
    _write(out / "results-long.csv", downloads.long_csv(data))
    _write(out / "leaderboard.tex", downloads.latex(main, t3, names))
