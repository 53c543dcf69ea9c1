"""`unibench run`: plan -> (cached) backend -> outputs -> scorer -> result files, row by row.

A row whose result file exists with the same run spec is loaded and reported, never silently
skipped; a free place is computed, with every generated output already in the response cache, so
an interrupted run resumes where it stopped; a place holding another run's result is refused unless
`overwrite` (run_guard.py). Results are written atomically, and a samples log is written or removed
with its result, never left from another run.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import __version__
from .adapters import AdapterSpec
from .adapters.labels import label_types, map_labels
from .adapters.outputs import get_response, parse_sentence_output
from .cards import DatasetCard
from .errors import UnibenchError
from .io import atomic_write_json, atomic_write_text, sha256_json
from .metrics.spans import strict_counts
from .parse_warning import answer_understood, parse_warning
from .prepare import load_sentences
from .privacy import scrub_command_line
from .queries import QUERY_CAP, SAMPLE_SEED, build_queries
from .results import (Backend, DatasetInfo, Diagnostics, ModelInfo, Prompt, ResultFile, Scores, Stamps, TypeScore,
                      read_result, result_path, write_result)
from .results import Taxonomy
from .run_guard import CacheOnly, is_finished, refuse_clobbering, samples_file, spec_file
from .scorer import SCORER_VERSION, score_records

# sentences per predict() call on the span path: progress as it goes, batching unchanged within a call
SPAN_CHUNK = 256


@dataclass
class RowJob:
    card: DatasetCard
    data_dir: Path
    split: str = "test"
    split_label: str = "test"


@dataclass
class RunConfig:
    model_display: str
    model_id: str
    revision: str
    adapter: AdapterSpec
    version: str = "paper"
    limit: Optional[int] = None
    log_samples: bool = False
    output_dir: Path = Path("results")
    cache_dir: Optional[Path] = None
    command: Optional[str] = None
    training_datasets: list[str] = field(default_factory=list)
    n_parameters: Optional[int] = None
    overwrite: bool = False  # replace a result of another run spec in the same place (else: refuse)
    training_types: Optional[Path] = None  # a student's training_types.json: its rows get a Familiarity
    price: Optional[object] = None  # cost.Price: the row's tokens in USD (result files' `cost`)


def run_spec(cfg: RunConfig, job: RowJob, backend_info: dict) -> dict:
    spec = {"unibench_version": __version__, "scorer_version": SCORER_VERSION, "model": cfg.model_id,
            "revision": cfg.revision, "adapter": cfg.adapter.name, "template_hash": cfg.adapter.template_hash,
            "decoding": cfg.adapter.decoding.model_dump(mode="json"), "row": job.card.id, "version": cfg.version,
            "split": job.split_label, "limit": cfg.limit, "backend": backend_info.get("name"),
            "card_hash": job.card.card_hash()}
    if cfg.training_datasets:  # only when declared, so older run specs stay valid
        spec["training_datasets"] = list(cfg.training_datasets)
    spec.update(backend_info.get("run_spec", {}))  # hf: device/dtype when not the CPU/float32 default
    return spec


def _checkpoint_labels(backend) -> list[str]:
    """The entity types a span backend can predict: `labels()` (gazetteer) or a checkpoint's id2label."""
    if hasattr(backend, "labels"):
        return list(backend.labels())
    return label_types(getattr(backend, "id2label", {}).values())


class _Scaled:
    """Progress in queries for work done in requests (one request per sentence): cumulative, exact at the end."""

    def __init__(self, progress, n_requests: int, n_queries: int):
        self.progress, self.n_req, self.n_q = progress, max(n_requests, 1), n_queries
        self.done_req = self.done_q = 0

    def __call__(self, n: int) -> None:
        self.done_req += n
        target = self.n_q * min(self.done_req, self.n_req) // self.n_req
        if self.progress and target > self.done_q:
            self.progress(target - self.done_q)
        self.done_q = max(self.done_q, target)


def _outputs(cfg: RunConfig, card: DatasetCard, sentences, queries, backend, progress,
             digest: Optional[str] = None) -> tuple[list, dict]:
    """Per-query outputs (raw text, or a list of strings) and what the sample log and stamps need. With the
    queries' `digest` (row_index.queries_digest), a per-query row may be served by the cache's row index
    (row_index.py) without rendering its prompts (the caller then needs no prompts: no samples log)."""
    spec = cfg.adapter
    if spec.kind == "per_query":
        from . import row_index

        index_key, raw = row_index.cached_row_outputs(cfg, card, backend, progress, digest) if digest \
            else (None, None)
        if raw is not None:
            return [get_response(r, spec.response_after) for r in raw], {"prompts": None, "raw": raw}
        from .adapters.render import query_request

        reqs = [query_request(spec, card, q, cfg.training_datasets or None) for q in queries]
        raw = backend.generate(reqs, progress)
        if index_key is not None:  # every output is in the cache now: index the row's keys
            row_index.store(backend.cache, index_key, backend.last_keys)
        return [get_response(r, spec.response_after) for r in raw], {"prompts": [r.prompt for r in reqs], "raw": raw}
    if spec.kind == "per_sentence":
        from .adapters.render import sentence_request

        texts = list(dict.fromkeys(q.text for q in queries))
        reqs = [sentence_request(spec, card, t, cfg.training_datasets or None) for t in texts]
        raw = backend.generate(reqs, _Scaled(progress, len(texts), len(queries)))
        parsed, unknown = {}, 0
        for t, r in zip(texts, raw):
            parsed[t], n_unknown = parse_sentence_output(spec, r, card.types)
            unknown += n_unknown
        unparsed = sum(not answer_understood(spec.parser, r, card.types) for r in raw)
        return [parsed[q.text][q.label] for q in queries], {
            "raw_by_text": dict(zip(texts, raw)), "prompt_by_text": {t: r.prompt for t, r in zip(texts, reqs)},
            "row_settings": {"parser_unknown_type_pieces": unknown, "unparsed_answers": unparsed}}
    # spans: the backend tags sentences; its labels are mapped to the row's types through the card
    by_id = {s.id: s for s in sentences}
    order = list(dict.fromkeys(q.sentence_id for q in queries))
    per_sentence = Counter(q.sentence_id for q in queries)
    raw: dict[str, list] = {}
    for start in range(0, len(order), SPAN_CHUNK):
        ids = order[start:start + SPAN_CHUNK]
        raw.update(zip(ids, backend.predict([list(by_id[sid].tokens) for sid in ids])))
        if progress:
            progress(sum(per_sentence[sid] for sid in ids))
    labels = _checkpoint_labels(backend)
    seen = sorted({t for sp in raw.values() for _, _, t in sp} - set(labels))
    mapping = map_labels(labels + seen, card)
    spans, dropped = {}, 0
    for sid, sp in raw.items():
        spans[sid], n = mapping.apply(sp)
        dropped += n
    out = []
    for q in queries:
        toks = by_id[q.sentence_id].tokens
        out.append([" ".join(toks[a:b]) for a, b, t in spans[q.sentence_id] if t == q.label])
    return out, {"spans": spans, "raw_spans": raw, "row_settings": mapping.stamp(dropped)}


def _row_warning(cfg: RunConfig, card: DatasetCard, n_outputs: int, parse_failures: int, extra: dict):
    """parse_warning.py's warning: per query, or per sentence answer for adapters that ask all types at once."""
    if cfg.adapter.kind == "per_sentence":
        return parse_warning(card.id, len(extra["raw_by_text"]), extra["row_settings"]["unparsed_answers"],
                             cfg.adapter.name, unit="answers")
    return parse_warning(card.id, n_outputs, parse_failures, cfg.adapter.name)


def _sample_lines(cfg: RunConfig, card: DatasetCard, queries, outputs, records, extra) -> list[str]:
    """One JSON line per query; each line is also a valid `unibench score` record (dataset/output/gold/...),
    so the logged outputs can be re-scored independently of the run. `raw_output` is the backend's text,
    `output` what the scorer read (after the adapter's get_response; a per-sentence answer's list for the
    query's type), `prediction` the parser's items (the original parser's normalised list for per-query text)."""
    from .metrics.uniner import parse

    lines = []
    for i, (q, o, rec) in enumerate(zip(queries, outputs, records)):
        if cfg.adapter.kind == "per_query":
            prompt, raw = extra["prompts"][i], extra["raw"][i]
        elif cfg.adapter.kind == "per_sentence":
            prompt, raw = extra["prompt_by_text"][q.text], extra["raw_by_text"][q.text]
        else:
            prompt, raw = None, [list(sp) for sp in extra["raw_spans"][q.sentence_id]]
        lines.append(json.dumps({"dataset": card.id, "sentence_id": q.sentence_id, "label": q.label,
                                 "text": q.text, "prompt": list(prompt) if isinstance(prompt, tuple) else prompt,
                                 "raw_output": raw, "output": rec["output"],
                                 "prediction": o if isinstance(o, list) else parse(o.strip()),
                                 "gold": list(q.gold)},
                                ensure_ascii=False))
    return lines


def planned_path(cfg: RunConfig, job: RowJob) -> Path:
    """Where this row's result goes (results.result_path: full runs, partial/limit-N/, split-<name>/)."""
    probe = ResultFile.model_construct(kind="run",
                                       model=ModelInfo.model_construct(id=cfg.model_id, revision=cfg.revision),
                                       dataset=DatasetInfo.model_construct(row=job.card.id, version=cfg.version,
                                                                           split=job.split_label, limit=cfg.limit))
    return result_path(cfg.output_dir, probe)


def run_row(cfg: RunConfig, job: RowJob, backend, backend_info: dict,
            progress: Optional[Callable[[int], None]] = None,
            on_total: Optional[Callable[[int], None]] = None,
            note: Optional[Callable[[str], None]] = None) -> tuple[ResultFile, bool]:
    """Evaluate one row; returns (result, loaded_from_disk). `progress(n)` is called as queries finish,
    `on_total(n)` once with the row's number of queries (0 when the finished result is loaded), `note(text)`
    with what was done besides (a samples log written from the cache)."""
    card = job.card
    spec_now = run_spec(cfg, job, backend_info)
    path = planned_path(cfg, job)
    spec_path, samples = spec_file(path), samples_file(path)
    loaded = _Split(cfg, job)
    if is_finished(path, spec_now):
        done = read_result(path)
        if done.dataset.content_hash == loaded.entry["sha256"]:  # same spec *and* the same test split
            if on_total:
                on_total(0)
            if cfg.log_samples and not samples.exists():
                _log_from_cache(cfg, job, backend, backend_info, done, samples, note, loaded)
            return done, True
        from . import prepare

        prepare.notice(f"re-running {card.id}: {path} was scored on another test split "
                       f"({done.dataset.content_hash[:12]}, {done.dataset.n_sentences} sentences) than the data dir "
                       f"now holds ({loaded.entry['sha256'][:12]})")
    else:
        refuse_clobbering([(path, spec_now)], cfg.overwrite)
    from .cost import RowClock, row_cost

    clock = RowClock()
    result, lines = _evaluate(cfg, job, backend, backend_info, progress, on_total, loaded=loaded)
    result.cost = row_cost(clock, backend, cfg.price)
    spec_path.unlink(missing_ok=True)  # an interrupted replacement must not pass as the old run
    if lines is not None:
        atomic_write_text(samples, "".join(x + "\n" for x in lines))
    else:
        samples.unlink(missing_ok=True)  # another run's log must not sit beside this result
    write_result(path, result)
    atomic_write_json(spec_path, spec_now)
    return result, False


def _log_from_cache(cfg: RunConfig, job: RowJob, backend, backend_info: dict, result: ResultFile, samples: Path,
                    note, loaded=None) -> None:
    """The samples log of a finished row, from the response cache: the model is not run (span models, which
    are not cached, tag again: deterministic and cheap). The log must reproduce the stored counts."""
    from .cache import CachedBackend

    cached = isinstance(backend, CachedBackend)
    source = CachedBackend(CacheOnly(job.card.id), backend.cache, backend.namespace) if cached else backend
    fresh, lines = _evaluate(cfg, job, source, backend_info, None, None, force_log=True, loaded=loaded)
    got, want = (fresh.scores.tp, fresh.scores.fp, fresh.scores.fn), (result.scores.tp, result.scores.fp,
                                                                       result.scores.fn)
    if got != want or fresh.dataset.content_hash != result.dataset.content_hash:
        raise UnibenchError(f"{job.card.id}: the outputs in the response cache give tp/fp/fn {got}, the finished "
                            f"result beside them says {want}; its samples log would not belong to it",
                            hint="rerun the row with --overwrite --log-samples")
    atomic_write_text(samples, "".join(x + "\n" for x in lines))
    if note:
        how = "from the response cache (the model was not run)" if cached else \
            "by tagging again (span models are not cached; tagging is deterministic)"
        note(f"{job.card.id}: finished result loaded; wrote its samples log {how}: {samples}")


def _evaluate(cfg: RunConfig, job: RowJob, backend, backend_info: dict, progress, on_total,
              force_log: bool = False, loaded=None) -> tuple[ResultFile, Optional[list[str]]]:
    """Compute one row's result (and its sample lines when logging); `loaded`: the row's _Split, or its
    (sentences, manifest entry), when the caller has them already. A per-query row whose outputs and their
    scores are all in the cache (row_index.py, score_memo.py) is served from there without reading its
    sentences or rendering a prompt."""
    from . import row_index, score_memo

    card = job.card
    split = loaded if isinstance(loaded, _Split) else _Split.given(*loaded) if loaded else _Split(cfg, job)
    entry = split.entry
    logging = cfg.log_samples or force_log
    hit = None if logging else row_index.fully_cached_row(cfg, card, entry, backend)
    if hit is not None:
        n_sentences, n_queries, outputs = hit["n_sentences"], hit["n_queries"], hit["outputs"]
        extra, records = {"prompts": None, "raw": hit["raw"]}, None
        if on_total:
            on_total(n_queries)
        backend.served(hit["keys"], progress)
        d, replicates, n_outputs = hit["scored"]
    else:
        sentences = split.sentences[:cfg.limit] if cfg.limit else split.sentences
        queries = build_queries(card, sentences)
        n_sentences, n_queries = len(sentences), len(queries)
        if on_total:
            on_total(n_queries)
        digest = row_index.queries_digest(entry["sha256"], cfg.limit, n_queries)
        outputs, extra = _outputs(cfg, card, sentences, queries, backend, progress, None if logging else digest)
        records = None if not logging else _records(card, queries, outputs)
        cache = getattr(backend, "cache", None) if "spans" not in extra else None
        memo = score_memo.memo_key(card.id, digest, outputs, card_hash=card.card_hash()) if cache is not None else None
        scored = score_memo.lookup(cache, memo) if memo else None  # the same outputs were scored: score_memo.py
        if scored is None:
            sc = score_records(records or _records(card, queries, outputs))[card.id]
            scored = sc.to_dict(), sc.replicates, sc.diagnostics.n_outputs
            if memo:
                score_memo.store(cache, memo, *scored)
        d, replicates, n_outputs = scored
    strict = None
    if "spans" in extra:
        # the same sentences as the queries (all of them unless the 200k cap sampled queries)
        gold = {s.id: [(sp.start, sp.end, sp.type) for sp in s.spans] for s in sentences if s.id in extra["spans"]}
        total, _ = strict_counts(extra["spans"], gold)
        p, r, f = total.scores()
        strict = Scores(precision=p, recall=r, f1=f, tp=total.tp, fp=total.fp, fn=total.fn)
    settings = dict(backend_info.get("settings", {})) | extra.get("row_settings", {})
    result = ResultFile(
        kind="run",
        model=ModelInfo(id=cfg.model_id, revision=cfg.revision, display_name=cfg.model_display,
                        family=cfg.adapter.family, training_datasets=cfg.training_datasets,
                        n_parameters=cfg.n_parameters),
        dataset=DatasetInfo(row=card.id, dataset=card.dataset, domain=card.domain, version=cfg.version,
                            split=job.split_label, revision=str(entry.get("source", {}).get("revision") or "unknown"),
                            content_hash=entry["sha256"], label_map_hash=card.label_map_hash,
                            card_hash=card.card_hash(), n_sentences=n_sentences, n_queries=n_queries,
                            sampled=n_sentences * card.n_types > QUERY_CAP, sample_seed=SAMPLE_SEED,
                            limit=cfg.limit),
        scores=Scores(precision=d["precision"], recall=d["recall"], f1=d["f1"], tp=d["tp"], fp=d["fp"], fn=d["fn"],
                      ci95=tuple(d["ci95"]) if d["ci95"] else None, n_bootstrap=len(replicates),
                      bootstrap_seed=12345, f1_replicates=[round(x, 6) for x in replicates]),
        strict_span=strict,
        per_type={t: TypeScore(**v) for t, v in d["per_type"].items()},
        diagnostics=Diagnostics(n_outputs=n_outputs, parse_failures=d["parse_failures"],
                                empty_outputs=d["empty_outputs"], n_pred_items=d["n_pred_items"],
                                hallucinations=d["hallucinations"], parse_failure_rate=d["parse_failure_rate"],
                                empty_output_rate=d["empty_output_rate"], hallucination_rate=d["hallucination_rate"],
                                parse_warning=_row_warning(cfg, card, n_outputs, d["parse_failures"],
                                                           extra)),
        prompt=Prompt(adapter=cfg.adapter.name, template_hash=cfg.adapter.template_hash, setting=cfg.adapter.setting),
        decoding=cfg.adapter.decoding.model_dump(mode="json"),
        backend=Backend(name=backend_info.get("name", "?"), versions=backend_info.get("versions", {}),
                        settings=settings),
        taxonomy=Taxonomy.model_validate(d["taxonomy"]),
        stamps=Stamps(scorer_version=SCORER_VERSION, command=scrub_command_line(cfg.command)),
    )
    if cfg.training_types:
        import sys

        from .familiarity.attach import familiarity_for_card

        result.familiarity = familiarity_for_card(cfg.training_types, card, cfg.cache_dir,
                                                  warn=lambda m: print("warning: " + m, file=sys.stderr))
    lines = _sample_lines(cfg, card, queries, outputs, records, extra) if cfg.log_samples or force_log else None
    return result, lines


class _Split:
    """A row's test split: its manifest entry (content sha256, counts) at once, its sentences when first read
    (as prepare.load_sentences gives them); a row served from the cache's row index needs none."""

    def __init__(self, cfg: RunConfig, job: RowJob):
        self._where = (job.card, job.split, job.data_dir, cfg.cache_dir, cfg.version)
        self._sentences = None
        if cfg.cache_dir is None:  # no prepared cache: the raw data is read (and hashed) now
            self._sentences, self.entry = load_sentences(*self._where)
        else:
            from .prepare import ensure_prepared

            self.entry, _ = ensure_prepared(job.card, job.split, job.data_dir, cfg.cache_dir, cfg.version)

    @classmethod
    def given(cls, sentences: list, entry: dict) -> "_Split":
        """A split the caller has read already (prepare.load_sentences' pair)."""
        split = cls.__new__(cls)
        split._where, split._sentences, split.entry = None, list(sentences), entry
        return split

    @property
    def sentences(self) -> list:
        if self._sentences is None:
            from .prepare import prepared_dir
            from .schema import read_sentences

            card, split, _, cache_dir, version = self._where
            self._sentences = list(read_sentences(prepared_dir(cache_dir, card, version) / f"{split}.jsonl"))
        return self._sentences


def _records(card: DatasetCard, queries, outputs) -> list[dict]:
    """The scorer's records of a row (also the samples log's): one per query."""
    return [{"dataset": card.id, "output": o, "gold": list(q.gold), "sentence_id": q.sentence_id, "label": q.label,
             "text": q.text} for q, o in zip(queries, outputs)]


def spec_digest(spec: dict) -> str:
    return sha256_json(spec)[:12]


def elapsed(t0: float) -> float:
    return time.perf_counter() - t0
