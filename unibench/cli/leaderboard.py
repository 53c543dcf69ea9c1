"""`unibench leaderboard build`: result files (local folders and/or the shared Hub repo) -> static site."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

lb_app = typer.Typer(help="Build the static leaderboard site from result files.", no_args_is_help=True)


@lb_app.command("build")
def build(results: Optional[List[Path]] = typer.Option(None, "--results", help="Result folders (default: results, "
                                                                                 "unless --from-hub is given)."),
          from_hub: Optional[str] = typer.Option(None, "--from-hub", metavar="OWNER/NAME",
                                                 help="Also read the shared results dataset repo on the Hub "
                                                      "(honours HF_ENDPOINT and HF_HUB_OFFLINE)."),
          revision: Optional[str] = typer.Option(None, "--revision", help="Hub revision (branch, tag, sha or "
                                                                          "refs/pr/N) for --from-hub."),
          hub_cache: Optional[Path] = typer.Option(None, "--hub-cache", help="Cache folder for the Hub snapshot "
                                                                              "(default: the HF cache)."),
          out: Path = typer.Option(..., "--out", help="Site folder to write (replaced atomically)."),
          include_partial: bool = typer.Option(False, "--include-partial",
                                               help="Also show --limit runs, in groups of their own (never "
                                                    "ranked with full runs)."),
          as_json: bool = typer.Option(False, "--json", help="Print a JSON summary.")):
    """Read and validate result files (never model code) and write the site; open OUT/index.html in a browser."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from ..errors import plural
    from ..leaderboard.site import build_site
    from ..printable import printable
    from ._common import console, err_console, print_json

    folders = list(results or ([] if from_hub else [Path("results")]))
    if from_hub:
        from ..leaderboard.hub import download_results

        if not as_json:
            err_console.print(f"downloading {from_hub} (dataset repo) ...", markup=False)
        folders.append(download_results(from_hub, revision, hub_cache))
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True,
                  disable=as_json) as bar:
        task = bar.add_task("building", total=None)
        summary = build_site(folders, out, include_partial=include_partial,
                             progress=lambda rel: bar.update(task, description=f"writing {printable(rel)}"))
    summary["sources"] = [str(f) for f in folders]
    if as_json:
        print_json(summary)
        return
    console.print(f"{summary['entries']} entries ({summary['main_rows']} in the main table, groups: "
                  f"{printable(', '.join(summary['groups'])) or 'none'}), {summary['pages']} pages", soft_wrap=True,
                  markup=False)
    for s in summary["skipped"]:
        console.print(f"left out: {printable(s)}", soft_wrap=True, markup=False)
    if summary["warnings"]:
        console.print(f"{plural(len(summary['warnings']), 'warning')} (listed on the index page; `unibench validate` "
                      "shows them)", soft_wrap=True, markup=False)
    console.print(f"open {printable(summary['index'])}", soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(lb_app, name="leaderboard")
