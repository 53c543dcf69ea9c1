"""`unibench validate DIR`: the checks a results repo's CI runs (exit 0 only when all pass)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(folder: Path = typer.Argument(..., metavar="DIR"),
                 as_json: bool = typer.Option(False, "--json")):
        """Validate every result file under DIR: schema, F1 from counts, known rows, hashes, duplicates."""
        from ..validate import validate_dir
        from ._common import console, err_console, print_json

        rep = validate_dir(folder)
        if as_json:
            print_json({"files": rep.files, "ok": rep.ok, "problems": rep.problems})
        else:
            for p in rep.problems:
                err_console.print(f"[red]✗[/] {p}", markup=True, highlight=False)
            console.print(f"{rep.files} result files, {len(rep.problems)} problems")
        if not rep.ok:
            raise typer.Exit(1)
