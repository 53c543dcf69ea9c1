"""`unibench score`: score recorded model outputs without running a model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import DataFormatError, UnibenchError


def read_prediction_records(path: Path) -> list[dict]:
    """Validate every line before scoring anything (no partial output on bad input)."""
    if not path.exists():
        raise UnibenchError("predictions file not found", path=path)
    from ..io import iter_jsonl

    records = []
    hint = 'each line must be {"dataset": str, "output": str, "gold": [str]}'
    for lineno, obj in iter_jsonl(path, hint, "predictions"):
        if not isinstance(obj, dict):
            raise DataFormatError("expected a JSON object", path=path, line=lineno)
        problems = []
        if not isinstance(obj.get("dataset"), str) or not obj.get("dataset"):
            problems.append("'dataset' must be a non-empty string")
        out = obj.get("output")
        if not (isinstance(out, str) or (isinstance(out, list) and all(isinstance(x, str) for x in out))):
            problems.append("'output' must be the raw model text (a string)")
        gold = obj.get("gold")
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            problems.append("'gold' must be a list of strings")
        for opt in ("sentence_id", "label", "text"):
            if opt in obj and not isinstance(obj[opt], str):
                problems.append(f"'{opt}' must be a string when given")
        if problems:
            raise DataFormatError("; ".join(problems), path=path, line=lineno,
                                  hint='expected {"dataset", "output", "gold"} and optionally '
                                       '{"sentence_id", "label", "text"}')
        records.append(obj)
    if not records:
        raise DataFormatError("no prediction records", path=path, hint="the file is empty")
    return records


def bootstrap_unit(records: list[dict]) -> str:
    """What the bootstrap resampled, as the scorer chose it (sentence_id, else passage text, else the query);
    said in the report because a CI over queries is narrower than one over sentences."""
    if all(r.get("sentence_id") for r in records):
        return "sentence"
    if all(r.get("sentence_id") or r.get("text") for r in records):
        return "sentence (by passage text where sentence_id is absent)"
    return "mixed: sentence where sentence_id or text is given, else the single query"


def score_file(path: Path, *, n_resamples: int, seed: int) -> dict:
    from .. import __version__
    from ..aggregate import aggregate
    from ..cards import load_registry
    from ..scorer import SCORER_VERSION, score_records

    records = read_prediction_records(path)
    scores = score_records(records, n_resamples=n_resamples, seed=seed)
    reg = load_registry()
    datasets = {}
    for ds, sc in scores.items():
        d = sc.to_dict()
        d["domain"] = reg[ds].domain if ds in reg else None
        datasets[ds] = d
    row_f1 = {ds: d["f1"] for ds, d in datasets.items()}
    row_domain = {ds: d["domain"] for ds, d in datasets.items() if d["domain"]}
    reps = {ds: sc.replicates for ds, sc in scores.items()}
    domains, overall = aggregate(row_f1, row_domain, reps)
    return {"unibench_version": __version__, "scorer_version": SCORER_VERSION,
            "bootstrap": {"resamples": n_resamples, "seed": seed, "unit": bootstrap_unit(records)},
            "datasets": datasets, "domains": {k: v.to_dict() for k, v in domains.items()},
            "overall": overall.to_dict(),
            "unknown_datasets": sorted(ds for ds, d in datasets.items() if not d["domain"])}


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score(predictions: Path = typer.Option(..., "--predictions", "-p", help="JSONL of recorded outputs."),
              as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
              resamples: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the 95% CI (0 = off)."),
              seed: int = typer.Option(12345, "--seed", help="Bootstrap seed."),
              out: Optional[Path] = typer.Option(None, "--out", help="Also write the JSON report here (atomically).")):
        """Score recorded outputs with the UniNER metric (no model needed).

        Each line: {"dataset": ROW_ID, "output": RAW_TEXT, "gold": [STR...]} and optionally
        "sentence_id", "label", "text" (for CIs by sentence, per-type scores, hallucination rate).
        """
        from ._common import err_console, print_json, score_tables

        if out is not None and out.is_dir():  # refused before any scoring: no partial output
            raise UnibenchError("--out is an existing folder; expected the path of the JSON report to write",
                                path=out, hint=f"e.g. --out {out / 'scores.json'}")
        report = score_file(predictions, n_resamples=resamples, seed=seed)
        if out:
            from ..io import atomic_write_json

            atomic_write_json(out, report)
        if as_json:
            print_json(report)
            return
        score_tables(report["datasets"], report["domains"], report["overall"], title=f"scores of {predictions}")
        if report["unknown_datasets"]:
            err_console.print(f"note: not benchmark rows (no domain): {', '.join(report['unknown_datasets'])}")
