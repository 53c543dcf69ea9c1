"""`unibench leaderboard build`: result files -> static site (HTML, JSON, CSV, LaTeX)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

lb_app = typer.Typer(help="Build the static leaderboard site from result files.", no_args_is_help=True)


@lb_app.command("build")
def build(results: Optional[List[Path]] = typer.Option(None, "--results", help="Result folders (default: results)."),
          out: Path = typer.Option(..., "--out", help="Site folder to write."),
          as_json: bool = typer.Option(False, "--json", help="Print a JSON summary.")):
    """Read and validate result files (never model code) and write the site; open OUT/index.html in a browser."""
    from ..leaderboard.site import build_site
    from ._common import console, print_json

    summary = build_site(list(results or [Path("results")]), out)
    if as_json:
        print_json(summary)
        return
    console.print(f"{summary['entries']} entries, {summary['main_rows']} in the main table, "
                  f"{summary['crossner_mit_rows']} in the CrossNER/MIT table -> {out}/index.html")
    for s in summary["skipped"]:
        console.print(f"left out: {s}")


def register(app: typer.Typer) -> None:
    app.add_typer(lb_app, name="leaderboard")
