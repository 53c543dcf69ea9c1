"""`unibench rescore`: re-score a results folder under the current scorer, from recorded outputs only."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("rescore")
    def rescore(results_dir: Path = typer.Argument(..., help="A results folder (`unibench run --output-dir`)."),
                out: Optional[Path] = typer.Option(None, "--out", help="Where the re-scored files go, at the same "
                                                                       "relative paths (default: RESULTS_DIR-rescored; "
                                                                       "RESULTS_DIR itself replaces them in place)."),
                cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", "--cache",
                                                         help="The cache the runs used (response cache and "
                                                              "prepared data), for results without a samples log."),
                data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Raw data, to rebuild the prompts "
                                                                                 "of results read from the cache."),
                as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")):
        """Recompute every result from its recorded outputs (samples log, else the response cache) under the
        current scorer version; no model is run. Results whose outputs are not recorded are listed, not guessed."""
        from ..errors import UnibenchError
        from ..printable import printable
        from ..rescore import rescore_dir
        from ..resources import default_cache_dir
        from ..scorer import SCORER_VERSION
        from ._common import console, err_console, print_json

        target = out if out is not None else results_dir.with_name(results_dir.name + "-rescored")
        if target.exists() and not target.is_dir():
            raise UnibenchError("--out is a file; expected a folder", path=target)
        report = rescore_dir(results_dir, target, default_cache_dir(cache_dir), data_dir)
        if as_json:
            print_json({"scorer_version": SCORER_VERSION, "out": str(target), **report.to_dict()})
            return
        for r in report.rescored:
            change = "unchanged" if r["f1_old"] == r["f1_new"] else \
                f"F1 {100 * r['f1_old']:.2f} -> {100 * r['f1_new']:.2f}"
            console.print(printable(f"re-scored {r['file']} (scorer {r['old']} -> {r['new']}, from its "
                                    f"{r['source']}): {change}"), markup=False)
        for r in report.skipped:
            console.print(printable(f"skipped {r['file']}: {r['reason']}"), markup=False)
        for r in report.unavailable:
            err_console.print(printable(f"NOT re-scored {r['file']}: {r['reason']}"), markup=False)
        console.print(printable(f"{len(report.rescored)} result(s) re-scored under scorer {SCORER_VERSION} into "
                                f"{target}; {len(report.unavailable)} without recorded outputs (listed above, "
                                f"not re-scored); {len(report.skipped)} reported number(s) skipped"), markup=False)
