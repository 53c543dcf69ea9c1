"""Re-score results without re-running models: recorded outputs -> the current scorer -> new result files.

A scorer change (a parser quirk, a new diagnostic) must not leave a results folder with numbers of two scorer
versions, and must not need the models again. Every run result is re-scored from its recorded outputs:

1. the samples log beside it (`<row>.samples.jsonl`, `run --log-samples`): the backend's raw text goes through
   the adapter's output handling as it is today (the original get_response, a per-sentence parser), then the
   scorer; a span model's strings are used as recorded;
2. else the response cache, keyed as the run keyed it (model id and revision, adapter, template hash, decoding,
   device/dtype from the run spec): the row's queries and prompts are rebuilt from the data, every output must be
   a cache hit (`run_guard.CacheOnly`), and the test split must be the one the result was scored on.

A result whose outputs are in neither place (a span model without a log, a cache miss, another test split, a
changed prompt template) is listed with the reason, never guessed. The new file keeps the old file's model,
data, prompt and backend stamps and carries `stamps.scorer_version` (now) and `stamps.rescored_from` (before).
Strict span F1 needs gold offsets that a samples log does not hold: from a log it is carried over unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from .errors import UnibenchError
from .results import Diagnostics, ResultFile, Scores, Taxonomy, TypeScore, iter_result_files, read_result

SAMPLES_SUFFIX = ".samples.jsonl"


@dataclass
class RescoreReport:
    rescored: list[dict] = field(default_factory=list)  # {"file", "out", "source", "old", "new", "f1_old", "f1_new"}
    unavailable: list[dict] = field(default_factory=list)  # {"file", "reason"}
    skipped: list[dict] = field(default_factory=list)  # reported numbers: no outputs by nature

    def to_dict(self) -> dict:
        return {"rescored": self.rescored, "unavailable": self.unavailable, "skipped": self.skipped}


class Unavailable(Exception):
    """This result's outputs are not recorded anywhere we can read: listed, not guessed."""


def _samples_records(path: Path, result: ResultFile) -> tuple[list[dict], list[str]]:
    """Scorer records from a samples log (outputs re-derived from the raw text by today's adapter) and the
    log's lines with `output`/`prediction` updated to match."""
    from .adapters import get_adapter
    from .adapters.outputs import scorer_output
    from .cards import load_registry
    from .io import iter_jsonl
    from .metrics.uniner import parse

    spec = get_adapter(result.prompt.adapter)
    row = result.dataset.row
    reg = load_registry()
    types = reg[row].types if row in reg else ()
    records, lines = [], []
    for lineno, obj in iter_jsonl(path, "one JSON object per query, as `unibench run --log-samples` writes",
                                  "predictions"):
        if not isinstance(obj, dict) or not isinstance(obj.get("gold"), list) or "output" not in obj:
            raise Unavailable(f"{path.name} line {lineno} is not a samples-log record")
        raw = obj.get("raw_output")
        if spec.kind != "spans" and isinstance(raw, str):
            obj["output"] = scorer_output(spec, raw, types, obj.get("label"))
        out = obj["output"]
        obj["prediction"] = out if isinstance(out, list) else parse(out.strip())
        records.append({k: obj[k] for k in ("dataset", "output", "gold", "sentence_id", "label", "text")
                        if k in obj})
        lines.append(json.dumps(obj, ensure_ascii=False))
    if not records:
        raise Unavailable(f"{path.name} is empty")
    if len(records) != result.dataset.n_queries:
        raise Unavailable(f"{path.name} has {len(records)} queries, the result {result.dataset.n_queries}")
    return records, lines


def _parse_warning(result: ResultFile, records: list[dict], lines: list[str], sc) -> Optional[str]:
    """The run's parse warning (runner._row_warning): per query, or per sentence answer."""
    from .adapters import get_adapter
    from .cards import load_registry
    from .parse_warning import answer_understood, parse_warning

    spec = get_adapter(result.prompt.adapter)
    row = result.dataset.row
    if spec.kind == "per_sentence":
        raw_by_text = {}
        for line in lines:
            obj = json.loads(line)
            raw_by_text.setdefault(obj.get("text"), obj.get("raw_output"))
        types = load_registry()[row].types
        unparsed = sum(not answer_understood(spec.parser, r, types) for r in raw_by_text.values()
                       if isinstance(r, str))
        return parse_warning(row, len(raw_by_text), unparsed, spec.name, unit="answers")
    return parse_warning(row, sc.diagnostics.n_outputs, sc.diagnostics.parse_failures, spec.name)


def _from_samples(result: ResultFile, samples: Path) -> tuple[ResultFile, list[str]]:
    from .scorer import score_records

    records, lines = _samples_records(samples, result)
    row = result.dataset.row
    scores = score_records(records)
    if set(scores) != {row}:
        raise Unavailable(f"{samples.name} holds rows {sorted(scores)}, the result is for {row}")
    sc = scores[row]
    d = sc.to_dict()
    fresh = result.model_copy(deep=True)
    fresh.scores = Scores(precision=d["precision"], recall=d["recall"], f1=d["f1"], tp=d["tp"], fp=d["fp"],
                          fn=d["fn"], ci95=tuple(d["ci95"]) if d["ci95"] else None, n_bootstrap=len(sc.replicates),
                          bootstrap_seed=12345, f1_replicates=[round(x, 6) for x in sc.replicates])
    fresh.per_type = {t: TypeScore(**v) for t, v in d["per_type"].items()}
    fresh.diagnostics = Diagnostics(
        n_outputs=sc.diagnostics.n_outputs, parse_failures=d["parse_failures"], empty_outputs=d["empty_outputs"],
        n_pred_items=d["n_pred_items"], hallucinations=d["hallucinations"],
        parse_failure_rate=d["parse_failure_rate"], empty_output_rate=d["empty_output_rate"],
        hallucination_rate=d["hallucination_rate"], parse_warning=_parse_warning(result, records, lines, sc))
    fresh.taxonomy = Taxonomy.model_validate(d["taxonomy"])
    return fresh, lines


def _from_cache(result: ResultFile, path: Path, cache_dir: Path, data_dir: Optional[Path]
                ) -> tuple[ResultFile, list[str]]:
    """Rebuild the row's requests as the run built them and read every output from the response cache."""
    from .adapters import get_adapter
    from .cache import CachedBackend, ResponseCache
    from .cards import load_registry
    from .run_guard import CacheOnly, stored_spec
    from .runner import RowJob, RunConfig, _evaluate

    spec = get_adapter(result.prompt.adapter)
    if spec.kind == "spans":
        raise Unavailable("a span model's outputs are not cached and there is no samples log beside the result")
    if spec.template_hash != result.prompt.template_hash:
        raise Unavailable(f"adapter {spec.name!r}'s template changed since the run (hash "
                          f"{result.prompt.template_hash[:12]} then, {spec.template_hash[:12]} now): its prompts, "
                          "and so its cache keys, cannot be rebuilt")
    db = cache_dir / "responses.sqlite"
    if not db.is_file():
        raise Unavailable(f"no samples log beside it and no response cache at {db}")
    reg = load_registry()
    row = result.dataset.row
    if row not in reg:
        raise Unavailable(f"row {row!r} is not in the registry")
    card = reg[row]
    from .prepare import load_sentences
    from .resources import default_data_dir, package_data

    if result.dataset.split == "demo-test":  # the demo benchmark's shipped data and prepared cache (cli/run.py)
        data, prepared_cache, split = package_data("demo_data"), cache_dir / "prepared-cache", "test"
    else:
        data, prepared_cache, split = default_data_dir(data_dir), cache_dir, result.dataset.split

    try:
        loaded = load_sentences(card, split, data, prepared_cache, result.dataset.version)
    except UnibenchError as exc:
        raise Unavailable(f"its test split cannot be loaded to rebuild the prompts: {exc.message}") from None
    if loaded[1]["sha256"] != result.dataset.content_hash:
        raise Unavailable(f"the data dir holds another test split ({loaded[1]['sha256'][:12]}) than the result was "
                          f"scored on ({result.dataset.content_hash[:12]})")
    run_spec = stored_spec(path) or {}
    ns = {"model": result.model.id, "revision": result.model.revision, "adapter": spec.name,
          "template": spec.template_hash, "decoding": result.decoding,
          **{k: run_spec[k] for k in ("device", "dtype") if k in run_spec}}
    cfg = RunConfig(model_display=result.model.display_name, model_id=result.model.id,
                    revision=result.model.revision, adapter=spec, version=result.dataset.version,
                    limit=result.dataset.limit, cache_dir=prepared_cache,
                    training_datasets=list(result.model.training_datasets))
    job = RowJob(card, data, split, result.dataset.split)
    cache = ResponseCache(db)
    try:
        backend = CachedBackend(CacheOnly(row), cache, ns)
        info = {"name": result.backend.name, "versions": result.backend.versions}
        fresh, lines = _evaluate(cfg, job, backend, info, None, None, force_log=True, loaded=loaded)
    except UnibenchError as exc:
        raise Unavailable(f"not in the response cache: {exc.message}") from None
    finally:
        cache.close()
    out = result.model_copy(deep=True)
    for name in ("scores", "per_type", "diagnostics", "taxonomy", "strict_span"):
        setattr(out, name, getattr(fresh, name))
    return out, lines


def _carry_run_spec(path: Path, target: Path, scorer_version: str) -> None:
    """The run spec beside the result, with the new scorer version, beside the new result: a later `unibench run`
    of the same model into that folder finds the row finished (run_guard.is_finished) instead of refusing it as
    another run's result."""
    from .io import atomic_write_json
    from .run_guard import spec_file, stored_spec

    spec = stored_spec(path)
    if spec is not None:
        atomic_write_json(spec_file(target), {**spec, "scorer_version": scorer_version})


def rescore_dir(results_dir: Path, out_dir: Path, cache_dir: Path, data_dir: Optional[Path] = None,
                progress=None) -> RescoreReport:
    """Re-score every run result under `results_dir` into `out_dir` (same relative paths; may be the same
    folder, files are replaced atomically). Reported numbers are skipped (they have no outputs)."""
    from .io import atomic_write_text
    from .results import write_result
    from .scorer import SCORER_VERSION

    results_dir, out_dir = Path(results_dir), Path(out_dir)
    if not results_dir.is_dir():
        raise UnibenchError("results folder not found", path=results_dir,
                            hint="give the folder `unibench run --output-dir` wrote")
    report = RescoreReport()
    for path in sorted(iter_result_files(results_dir)):
        rel = path.relative_to(results_dir)
        result = read_result(path, root=results_dir)
        if result.kind != "run":
            report.skipped.append({"file": str(rel), "reason": "a reported number: no outputs to re-score"})
            continue
        samples = path.with_name(path.stem + SAMPLES_SUFFIX)
        try:
            if samples.is_file():
                source = "samples log"
                fresh, lines = _from_samples(result, samples)
            else:
                source = "response cache"
                fresh, lines = _from_cache(result, path, cache_dir, data_dir)
        except Unavailable as exc:
            report.unavailable.append({"file": str(rel), "reason": str(exc)})
            continue
        fresh.stamps = result.stamps.model_copy(update={
            "scorer_version": SCORER_VERSION, "rescored_from": result.stamps.scorer_version,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        fresh = ResultFile.model_validate(fresh.model_dump(mode="json", exclude_none=True))  # the schema's checks
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target.with_name(target.stem + SAMPLES_SUFFIX), "".join(x + "\n" for x in lines))
        write_result(target, fresh)
        _carry_run_spec(path, target, SCORER_VERSION)
        report.rescored.append({"file": str(rel), "out": str(target), "source": source,
                                "old": result.stamps.scorer_version, "new": SCORER_VERSION,
                                "f1_old": result.scores.f1, "f1_new": fresh.scores.f1})
        if progress:
            progress(str(rel))
    return report
