"""`unibench validate DIR`: the checks a results repo's CI runs (exit 0 only when all pass)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(folder: Optional[Path] = typer.Argument(None, metavar="DIR", help="Folder of result files."),
                 from_hub: Optional[str] = typer.Option(None, "--from-hub", metavar="OWNER/NAME",
                                                        help="Validate the shared results repo on the Hub instead "
                                                             "(e.g. a pull request with --revision refs/pr/N)."),
                 revision: Optional[str] = typer.Option(None, "--revision", help="Hub revision for --from-hub."),
                 require_model_meta: bool = typer.Option(False, "--require-model-meta",
                                                         help="Every model revision folder needs model_meta.json "
                                                              "(the results repo's layout)."),
                 strict: bool = typer.Option(False, "--strict", help="Treat warnings (e.g. a changed card) as "
                                                                     "problems."),
                 allow_empty: bool = typer.Option(False, "--allow-empty", help="A folder without result files "
                                                                               "passes (a new results repo)."),
                 as_json: bool = typer.Option(False, "--json")):
        """Validate every result file under DIR: schema, F1 from counts, known rows, data revisions and hashes,
        scorer version, model metadata, no NaN, plausibility, duplicates."""
        from ..errors import UnibenchError, plural
        from ..printable import one_paragraph
        from ..validate import validate_dir
        from rich.markup import escape

        from ._common import console, err_console, print_json

        if (folder is None) == (from_hub is None):
            raise UnibenchError("give exactly one of DIR or --from-hub OWNER/NAME")
        if from_hub:
            from ..leaderboard.hub import download_results

            folder = download_results(from_hub, revision)
        if not folder.is_dir():
            raise UnibenchError(f"{folder} is not a folder", hint="unibench validate DIR (a folder of result files)")
        rep = validate_dir(folder, require_model_meta=require_model_meta, strict=strict, allow_empty=allow_empty)
        if as_json:
            print_json({"files": rep.files, "ok": rep.ok, "problems": rep.problems, "warnings": rep.warnings,
                        "test_set_not_verified": sorted(rep.unverified)})
        else:
            for p in rep.problems:
                err_console.print(f"[red]✗[/] {escape(one_paragraph(p))}", markup=True, highlight=False)
            for w in rep.warnings:
                err_console.print(f"[yellow]![/] {escape(one_paragraph(w))}", markup=True, highlight=False)
            if rep.unverified:
                rows = sorted({Path(p).stem for p in rep.unverified})
                console.print(f"{plural(len(rep.unverified), 'result file')} accepted with their test set not verified (no "
                              f"test set recorded in the card): {one_paragraph(', '.join(rows))}", markup=False)
            console.print(f"{plural(rep.files, 'result file')}, {plural(len(rep.problems), 'problem')}, "
                          f"{plural(len(rep.warnings), 'warning')}")
        if not rep.ok:
            raise typer.Exit(1)
