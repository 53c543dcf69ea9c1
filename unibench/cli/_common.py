"""Small helpers shared by the command modules: console, JSON output, score tables."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from ..printable import json_safe, printable

# Piped or redirected output (CI logs, `| tee`) has no terminal width; rich would fall back to 80
# columns and truncate dataset names in the score tables, so give it room unless COLUMNS says otherwise.
console = Console(highlight=False, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(obj: Any) -> None:
    sys.stdout.write(json_safe(json.dumps(obj, indent=2, ensure_ascii=False)) + "\n")


def pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{100 * x:.{digits}f}"


def ci_text(ci) -> str:
    return "" if not ci else f"[{pct(ci[0])}, {pct(ci[1])}]"


def score_tables(datasets: dict[str, dict], domains: dict[str, dict], overall: dict, title: str = "") -> None:
    """Per-dataset, per-domain and overall tables (F1 in %, with 95% CIs)."""
    t = Table(title=title or "per dataset", title_justify="left")
    for col in ("dataset", "domain", "P", "R", "F1", "95% CI", "queries", "tp", "fp", "fn", "parse fail"):
        t.add_column(col, justify="left" if col in ("dataset", "domain") else "right")
    for ds, s in datasets.items():
        t.add_row(printable(ds), printable(s.get("domain") or "-"), pct(s["precision"]), pct(s["recall"]),
                  pct(s["f1"]),
                  ci_text(s.get("ci95")), str(s["n_queries"]), str(s["tp"]), str(s["fp"]), str(s["fn"]),
                  str(s["parse_failures"]))
    console.print(t)
    if domains:
        d = Table(title="per domain (plain mean over rows, as the paper)", title_justify="left")
        for col in ("domain", "rows", "F1", "95% CI"):
            d.add_column(col, justify="left" if col == "domain" else "right")
        for name, a in domains.items():
            d.add_row(printable(name), str(a["n_rows"]), pct(a["f1"]), ci_text(a.get("ci95")))
        console.print(d)
        partial = [f"{n} {a['n_rows']}/{a['n_rows_expected']}" for n, a in domains.items() if a.get("partial")]
        if partial:  # fewer rows than the benchmark has (run --skip-missing): not the benchmark's domain means
            console.print("PARTIAL domain means (rows run / rows in the benchmark; not comparable with the full "
                          "benchmark's means): " + ", ".join(partial))
    if overall and overall.get("n_rows"):
        if overall.get("partial"):
            console.print(f"overall (PARTIAL: mean over {overall['n_rows']} of {overall['n_rows_expected']} rows, "
                          f"not comparable with the full benchmark's mean): F1 {pct(overall['f1'])} "
                          f"{ci_text(overall.get('ci95'))}")
        else:
            console.print(f"overall (mean over {overall['n_rows']} rows): F1 {pct(overall['f1'])} "
                          f"{ci_text(overall.get('ci95'))}")
