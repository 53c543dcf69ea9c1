"""Rendering the leaderboard as a static site: HTML (Jinja2, autoescaped), JSON, CSV and LaTeX.

Works from file:// and any static host: relative links only, no CDN, no fetch(), no external
request. Every string that comes from a result file is escaped by Jinja2's autoescape (never
marked safe); SVG plots are built from numbers only.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import jinja2

from .. import __version__
from ..cards import DOMAINS, load_registry
from ..io import atomic_write_text
from ..resources import resource_dir
from .board import CROSSNER_MIT, Entry, collect, crossner_mit_table, main_table

COLUMNS = ["overall", *DOMAINS]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:120] or "x"


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def domain_svg(values: dict[str, float | None]) -> str:
    """A small bar chart of a model's domain profile (numbers only, so nothing to escape)."""
    w, h, pad, bw = 460, 150, 24, 40
    bars = []
    for i, d in enumerate(DOMAINS):
        v = values.get(d)
        x = pad + i * (bw + 8)
        if v is not None:
            bh = max(1.0, v * (h - 2 * pad))
            bars.append(f'<rect x="{x}" y="{h - pad - bh:.1f}" width="{bw}" height="{bh:.1f}" class="bar"/>'
                        f'<text x="{x + bw / 2}" y="{h - pad - bh - 3:.1f}" class="v">{100 * v:.1f}</text>')
        bars.append(f'<text x="{x + bw / 2}" y="{h - 8}" class="l">{d[:6]}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
            f'aria-label="F1 by domain">{"".join(bars)}</svg>')


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(resource_dir("leaderboard") / "templates")),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["pct"] = pct
    env.filters["slug"] = slug
    return env


def _latex(rows: list[dict]) -> str:
    def esc(s: str) -> str:
        return re.sub(r"([&%$#_{}~^\\])", r"\\\1", s)
    head = " & ".join(["Model", "Avg", *DOMAINS]) + r" \\"
    lines = [r"\begin{tabular}{l" + "r" * len(COLUMNS) + "}", r"\toprule", head, r"\midrule"]
    for r in rows:
        vals = [pct(r["cells"][c].value) if c in r["cells"] else "--" for c in COLUMNS]
        lines.append(" & ".join([esc(r["entry"].display), *vals]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def build_site(results: list[Path], out: Path) -> dict:
    entries, skipped = collect(results)
    table = main_table(entries)
    t3 = crossner_mit_table(entries)
    reg = load_registry()
    env = _env()
    out = Path(out)
    (out / "models").mkdir(parents=True, exist_ok=True)
    static = resource_dir("leaderboard") / "static"
    for f in static.iterdir():
        shutil.copy(f, out / f.name)
    common = {"version": __version__, "domains": DOMAINS, "columns": COLUMNS, "root": ""}
    groups = sorted({r["entry"].group for r in table})
    atomic_write_text(out / "index.html", env.get_template("index.html.j2").render(
        rows=table, groups=groups, skipped=skipped, **common))
    atomic_write_text(out / "crossner-mit.html", env.get_template("crossner_mit.html.j2").render(
        rows=t3, cols=CROSSNER_MIT, names={r: reg[r].display_name for r in CROSSNER_MIT}, **common))
    row_ids = [c.id for c in reg.values()]
    atomic_write_text(out / "datasets.html", env.get_template("datasets.html.j2").render(
        cards=[reg[r] for r in row_ids], entries=list(entries.values()), **common))
    for e in entries.values():
        dom_vals = {}
        for r in table:
            if r["entry"] is e:
                dom_vals = {d: r["cells"][d].value for d in DOMAINS if d in r["cells"]}
        atomic_write_text(out / "models" / f"{slug(e.key)}.html", env.get_template("model.html.j2").render(
            e=e, reg=reg, svg=domain_svg(dom_vals), **{**common, "root": "../"}))
    data = {"unibench_version": __version__, "main": [
        {"model": r["entry"].model_id, "display": r["entry"].display, "kind": r["entry"].kind,
         "source": r["entry"].source_key, "group": r["entry"].group, "supervised": r["supervised"],
         **{c: (r["cells"][c].value if c in r["cells"] else None) for c in COLUMNS},
         **{f"{c}_ci95": (list(r["cells"][c].ci) if c in r["cells"] and r["cells"][c].ci else None) for c in COLUMNS}}
        for r in table],
        "crossner_mit": [{"model": r["entry"].model_id, "display": r["entry"].display, "source": r["entry"].source_key,
                          **r["values"], "avg": r["avg"]} for r in t3], "skipped": skipped}
    atomic_write_text(out / "leaderboard.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["model", "display", "kind", "source", "group", *COLUMNS])
    for r in data["main"]:
        w.writerow([r["model"], r["display"], r["kind"], r["source"], r["group"],
                    *[("" if r[c] is None else f"{100 * r[c]:.2f}") for c in COLUMNS]])
    atomic_write_text(out / "leaderboard.csv", buf.getvalue())
    atomic_write_text(out / "leaderboard.tex", _latex(table))
    return {"entries": len(entries), "main_rows": len(table), "crossner_mit_rows": len(t3), "skipped": skipped,
            "out": str(out)}


def entry_slug(e: Entry) -> str:
    return slug(e.key)
