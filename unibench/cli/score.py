"""`unibench score`: score recorded model outputs without running a model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import DataFormatError, UnibenchError


def read_prediction_records(path: Path, adapter: Optional[str] = None) -> list[dict]:
    """All records of a predictions file as a list (`iter_prediction_records` validated; an empty file is an error)."""
    records = list(iter_prediction_records(path, adapter))
    if not records:
        raise DataFormatError("no prediction records", path=path, hint="the file is empty")
    return records


def _read_lines(path: Path, hint: str):
    """The one place this command reads the file: (line number, JSON value) per non-blank line."""
    from ..io import iter_jsonl

    return iter_jsonl(path, hint, "predictions")  # safe_read: regular file, predictions size cap, UTF-8


def iter_prediction_records(path: Path, adapter: Optional[str] = None, watch: Optional["_UnitWatch"] = None):
    """Validate and yield each record as it is read (`score` streams: nothing is scored into a report before
    the last line has passed, so bad input still leaves no partial output).

    With `adapter`, each text output becomes what `unibench run` would have scored for that adapter
    (unibench/adapters/outputs.py: the original get_response for the UniNER adapters; a per-sentence
    answer parsed, keeping the record's `label`). `watch` notes what the bootstrap resamples by, in the same
    loop (one pass over a million records is most of `score`'s time: no extra layer per record)."""
    if not path.exists():
        raise UnibenchError("predictions file not found", path=path)
    convert = _output_converter(adapter, path) if adapter is not None else None
    marker = getattr(convert, "marker", None)  # per-query adapters: get_response inline
    if marker is not None:
        convert = None
    hint = 'each line must be {"dataset": str, "output": str, "gold": [str]}'
    for lineno, obj in _read_lines(path, hint):
        if type(obj) is not dict:
            raise DataFormatError("expected a JSON object", path=path, line=lineno)
        out, gold, sid, text = obj.get("output"), obj.get("gold"), obj.get("sentence_id", ""), obj.get("text", "")
        ds = obj.get("dataset")
        if not (type(ds) is str and ds and type(out) is str and type(gold) is list and all(map(_is_str, gold))
                and type(sid) is str and type(text) is str and type(obj.get("label", "")) is str):
            problems = _record_problems(obj)
            if problems:
                raise DataFormatError("; ".join(problems), path=path, line=lineno,
                                      hint='expected {"dataset", "output", "gold"} and optionally '
                                           '{"sentence_id", "label", "text"}')
        if watch is not None:
            watch.n += 1
            if not sid:
                watch.all_ids = False
                if not text:
                    watch.all_ids_or_text = False
        if marker is not None:
            if type(out) is str:
                obj["output"] = out.split(marker)[-1].strip()  # adapters.outputs.get_response
        elif convert is not None:
            obj["output"] = convert(obj, lineno)
        yield obj


_is_str = str.__instancecheck__  # JSON gives exact str objects: the same test as type(g) is str here


def _record_problems(obj: dict) -> list[str]:
    out, gold = obj.get("output"), obj.get("gold")
    if (type(obj.get("dataset")) is str and obj["dataset"] and type(out) is str and type(gold) is list
            and all(type(g) is str for g in gold) and type(obj.get("sentence_id", "")) is str
            and type(obj.get("label", "")) is str and type(obj.get("text", "")) is str):
        return []  # the common case, checked at once; the checks below name each problem
    problems = []
    ds = obj.get("dataset")
    if type(ds) is not str or not ds:
        problems.append("'dataset' must be a non-empty string")
    out = obj.get("output")
    if not (type(out) is str or (isinstance(out, list) and all(type(x) is str for x in out))):
        problems.append("'output' must be the raw model text (a string)")
    gold = obj.get("gold")
    if type(gold) is not list or not all(type(g) is str for g in gold):
        problems.append("'gold' must be a list of strings")
    for opt in ("sentence_id", "label", "text"):
        if opt in obj and type(obj[opt]) is not str:
            problems.append(f"'{opt}' must be a string when given")
    return problems


def _output_converter(adapter: str, path: Path):
    """obj, lineno -> the output the scorer reads; the adapter (and for per-sentence adapters the registry)
    is looked up once per file, a per-sentence answer parsed once per distinct (row, answer)."""
    from ..adapters import get_adapter
    from ..adapters.outputs import parse_sentence_output, scorer_output

    spec = get_adapter(adapter)
    if spec.kind != "per_sentence":  # scorer_output for per-query adapters: get_response on text, lists unchanged
        from ..adapters.outputs import get_response

        marker = spec.response_after
        if marker is None:
            return None

        def per_query(obj: dict, lineno: int):
            return get_response(obj["output"], marker) if type(obj["output"]) is str else obj["output"]

        per_query.marker = marker  # iter_prediction_records applies it inline
        return per_query
    from ..cards import load_registry

    reg = load_registry()
    answers: dict[tuple[str, str], dict] = {}

    def convert(obj: dict, lineno: int):
        if not isinstance(obj["output"], str):
            return scorer_output(spec, obj["output"], (), obj.get("label"))
        if obj["dataset"] not in reg or obj.get("label") not in reg[obj["dataset"]].types:
            raise DataFormatError(f"adapter {adapter!r} answers all types of a sentence at once: a text output "
                                  "needs a registry row as 'dataset' and one of its types as 'label'", path=path,
                                  line=lineno, hint="give each record the row id and entity type of its query, as "
                                                    "`unibench data queries ID --adapter A` writes them")
        key = (obj["dataset"], obj["output"])
        parsed = answers.get(key)
        if parsed is None:
            if len(answers) > 100_000:
                answers.clear()
            parsed = answers[key] = parse_sentence_output(spec, obj["output"], reg[obj["dataset"]].types)[0]
        return parsed.get(obj["label"], [])

    return convert


class _UnitWatch:
    """What the bootstrap will resample by, and how many records there were (`see`, or filled in by
    iter_prediction_records as it reads)."""

    def __init__(self):
        self.n, self.all_ids, self.all_ids_or_text = 0, True, True

    def see(self, r: dict) -> None:
        self.n += 1
        if not r.get("sentence_id"):
            self.all_ids = False
            if not r.get("text"):
                self.all_ids_or_text = False

    def unit(self) -> str:
        if self.all_ids:
            return "sentence"
        if self.all_ids_or_text:
            return "sentence (by passage text where sentence_id is absent)"
        return "mixed: sentence where sentence_id or text is given, else the single query"


def bootstrap_unit(records: list[dict]) -> str:
    """What the bootstrap resampled, as the scorer chose it (sentence_id, else passage text, else the query);
    said in the report because a CI over queries is narrower than one over sentences."""
    watch = _UnitWatch()
    for r in records:
        watch.see(r)
    return watch.unit()


def score_file(path: Path, *, n_resamples: int, seed: int, adapter: Optional[str] = "uniner") -> dict:
    from .. import __version__
    from ..aggregate import aggregate
    from ..cards import load_registry
    from ..parse_warning import parse_warning
    from ..scorer import SCORER_VERSION, score_records

    records = _UnitWatch()
    scores = score_records(iter_prediction_records(path, adapter, watch=records), n_resamples=n_resamples, seed=seed,
                           reread=lambda: iter_prediction_records(path, adapter))
    if not records.n:
        raise DataFormatError("no prediction records", path=path, hint="the file is empty")
    reg = load_registry()
    datasets = {}
    for ds, sc in scores.items():
        d = sc.to_dict()
        d["domain"] = reg[ds].domain if ds in reg else None
        d["parse_warning"] = parse_warning(ds, sc.diagnostics.n_outputs, d["parse_failures"])
        datasets[ds] = d
    row_f1 = {ds: d["f1"] for ds, d in datasets.items()}
    row_domain = {ds: d["domain"] for ds, d in datasets.items() if d["domain"]}
    reps = {ds: sc.replicates for ds, sc in scores.items()}
    domains, overall = aggregate(row_f1, row_domain, reps)
    return {"unibench_version": __version__, "scorer_version": SCORER_VERSION, "adapter": adapter,
            "bootstrap": {"resamples": n_resamples, "seed": seed, "unit": records.unit()},
            "datasets": datasets, "domains": {k: v.to_dict() for k, v in domains.items()},
            "overall": overall.to_dict(),
            "unknown_datasets": sorted(ds for ds, d in datasets.items() if not d["domain"])}


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score(predictions: Path = typer.Option(..., "--predictions", "-p", help="JSONL of recorded outputs."),
              as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
              resamples: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the 95% CI (0 = off)."),
              seed: int = typer.Option(12345, "--seed", help="Bootstrap seed."),
              out: Optional[Path] = typer.Option(None, "--out", help="Also write the JSON report here (atomically)."),
              adapter: str = typer.Option("uniner", "--adapter", "-a",
                                          help="Adapter whose output handling applies to text outputs (uniner: the "
                                               "original get_response, text after the last 'ASSISTANT:').")):
        """Score recorded outputs with the UniNER metric (no model needed).

        Each line: {"dataset": ROW_ID, "output": RAW_TEXT, "gold": [STR...]} and optionally
        "sentence_id", "label", "text" (for CIs by sentence, per-type scores, hallucination rate).
        Text outputs first go through the adapter's output handling, as in `unibench run`.
        """
        from ..printable import printable
        from ._common import err_console, print_json, score_tables

        if out is not None and out.is_dir():  # refused before any scoring: no partial output
            raise UnibenchError("--out is an existing folder; expected the path of the JSON report to write",
                                path=out, hint=f"e.g. --out {out / 'scores.json'}")
        report = score_file(predictions, n_resamples=resamples, seed=seed, adapter=adapter)
        for d in report["datasets"].values():  # on stderr, also with --json
            if d["parse_warning"]:
                err_console.print(f"warning: {printable(d['parse_warning'])}", markup=False)
        if out:
            from ..io import atomic_write_json

            atomic_write_json(out, report)
        if as_json:
            print_json(report)
            return
        from ..printable import printable

        score_tables(report["datasets"], report["domains"], report["overall"],
                     title=f"scores of {printable(predictions)}")
        from ._common import console
        from .taxonomy_table import taxonomy_table

        console.print(taxonomy_table(report["datasets"]))
        if report["unknown_datasets"]:
            unknown = printable(", ".join(report["unknown_datasets"]))
            err_console.print(f"note: not benchmark rows (no domain): {unknown}", markup=False)
