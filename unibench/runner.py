"""`unibench run`: plan -> (cached) backend -> outputs -> scorer -> result files, row by row.

A row whose result file exists with the same run spec is loaded and reported, never silently
skipped; anything else is (re)computed, with every generated output already in the response
cache, so an interrupted run resumes where it stopped. Results are written atomically.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import __version__
from .adapters import AdapterSpec
from .adapters.parsers import PARSERS
from .adapters.render import query_request, sentence_request
from .cards import DatasetCard
from .io import atomic_write_json, atomic_write_text, sha256_json
from .metrics.spans import strict_counts
from .prepare import load_sentences
from .queries import QUERY_CAP, SAMPLE_SEED, build_queries
from .results import (Backend, DatasetInfo, Diagnostics, ModelInfo, Prompt, ResultFile, Scores, Stamps, TypeScore,
                      read_result, result_path, write_result)
from .scorer import SCORER_VERSION, score_records


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


def run_spec(cfg: RunConfig, job: RowJob, backend_info: dict) -> dict:
    return {"unibench_version": __version__, "scorer_version": SCORER_VERSION, "model": cfg.model_id,
            "revision": cfg.revision, "adapter": cfg.adapter.name, "template_hash": cfg.adapter.template_hash,
            "decoding": cfg.adapter.decoding.model_dump(mode="json"), "row": job.card.id, "version": cfg.version,
            "split": job.split_label, "limit": cfg.limit, "backend": backend_info.get("name"),
            "card_hash": job.card.card_hash()}


def _outputs(cfg: RunConfig, card: DatasetCard, sentences, queries, backend, progress) -> tuple[list, dict]:
    """Per-query outputs (raw text or list of strings) and, for span adapters, predicted spans."""
    spec = cfg.adapter
    if spec.kind == "per_query":
        reqs = [query_request(spec, card, q) for q in queries]
        return backend.generate(reqs, progress), {}
    if spec.kind == "per_sentence":
        texts = list(dict.fromkeys(q.text for q in queries))
        raw = backend.generate([sentence_request(spec, card, t) for t in texts])
        parsed = {t: PARSERS[spec.parser](r, card.types)[0] for t, r in zip(texts, raw)}
        if progress:
            progress(len(queries))
        return [parsed[q.text][q.label] for q in queries], {"raw_by_text": dict(zip(texts, raw))}
    # spans
    by_id = {s.id: s for s in sentences}
    order = list(dict.fromkeys(q.sentence_id for q in queries))
    preds = backend.predict([list(by_id[sid].tokens) for sid in order])
    spans = dict(zip(order, preds))
    out = []
    for q in queries:
        toks = by_id[q.sentence_id].tokens
        out.append([" ".join(toks[a:b]) for a, b, t in spans[q.sentence_id] if t == q.label])
    if progress:
        progress(len(queries))
    return out, {"spans": spans, "by_id": by_id}


def run_row(cfg: RunConfig, job: RowJob, backend, backend_info: dict,
            progress: Optional[Callable[[int], None]] = None) -> tuple[ResultFile, bool]:
    """Evaluate one row; returns (result, loaded_from_disk)."""
    card = job.card
    spec_now = run_spec(cfg, job, backend_info)
    probe = ResultFile.model_construct(kind="run", model=ModelInfo.model_construct(id=cfg.model_id, revision=cfg.revision),
                                       dataset=DatasetInfo.model_construct(row=card.id, version=cfg.version))
    path = result_path(cfg.output_dir, probe)
    spec_path = path.with_name(path.stem + ".run_spec.json")
    if path.exists() and spec_path.exists() and json.loads(spec_path.read_text()) == spec_now:
        return read_result(path), True
    sentences, entry = load_sentences(card, job.split, job.data_dir, cfg.cache_dir, cfg.version)
    if cfg.limit:
        sentences = sentences[:cfg.limit]
    queries = build_queries(card, sentences)
    outputs, extra = _outputs(cfg, card, sentences, queries, backend, progress)
    records = [{"dataset": card.id, "output": o, "gold": list(q.gold), "sentence_id": q.sentence_id,
                "label": q.label, "text": q.text} for q, o in zip(queries, outputs)]
    sc = score_records(records)[card.id]
    d = sc.to_dict()
    strict = None
    if "spans" in extra:
        gold = {s.id: [(sp.start, sp.end, sp.type) for sp in s.spans] for s in sentences}
        total, _ = strict_counts(extra["spans"], gold)
        p, r, f = total.scores()
        strict = Scores(precision=p, recall=r, f1=f, tp=total.tp, fp=total.fp, fn=total.fn)
    result = ResultFile(
        kind="run",
        model=ModelInfo(id=cfg.model_id, revision=cfg.revision, display_name=cfg.model_display,
                        family=cfg.adapter.family, training_datasets=cfg.training_datasets),
        dataset=DatasetInfo(row=card.id, dataset=card.dataset, domain=card.domain, version=cfg.version,
                            split=job.split_label, revision=str(entry.get("source", {}).get("revision") or "unknown"),
                            content_hash=entry["sha256"], label_map_hash=card.label_map_hash,
                            card_hash=card.card_hash(), n_sentences=len(sentences), n_queries=len(queries),
                            sampled=len(sentences) * card.n_types > QUERY_CAP, sample_seed=SAMPLE_SEED,
                            limit=cfg.limit),
        scores=Scores(precision=d["precision"], recall=d["recall"], f1=d["f1"], tp=d["tp"], fp=d["fp"], fn=d["fn"],
                      ci95=tuple(d["ci95"]) if d["ci95"] else None, n_bootstrap=len(sc.replicates),
                      bootstrap_seed=12345, f1_replicates=[round(x, 6) for x in sc.replicates]),
        strict_span=strict,
        per_type={t: TypeScore(**v) for t, v in d["per_type"].items()},
        diagnostics=Diagnostics(n_outputs=sc.diagnostics.n_outputs, parse_failures=d["parse_failures"],
                                empty_outputs=d["empty_outputs"], n_pred_items=d["n_pred_items"],
                                hallucinations=d["hallucinations"], parse_failure_rate=d["parse_failure_rate"],
                                empty_output_rate=d["empty_output_rate"], hallucination_rate=d["hallucination_rate"]),
        prompt=Prompt(adapter=cfg.adapter.name, template_hash=cfg.adapter.template_hash, setting=cfg.adapter.setting),
        decoding=cfg.adapter.decoding.model_dump(mode="json"),
        backend=Backend(name=backend_info.get("name", "?"), versions=backend_info.get("versions", {}),
                        settings=backend_info.get("settings", {})),
        stamps=Stamps(scorer_version=SCORER_VERSION, command=cfg.command),
    )
    if cfg.log_samples:
        lines = []
        for q, o, rec in zip(queries, outputs, records):
            prompt = query_request(cfg.adapter, card, q).prompt if cfg.adapter.kind == "per_query" else None
            raw = o if isinstance(o, str) else extra.get("raw_by_text", {}).get(q.text, o)
            lines.append(json.dumps({"sentence_id": q.sentence_id, "label": q.label, "prompt": prompt,
                                     "raw_output": raw, "prediction": o if isinstance(o, list) else None,
                                     "gold": list(q.gold)}, ensure_ascii=False))
        atomic_write_text(path.with_name(path.stem + ".samples.jsonl"), "".join(x + "\n" for x in lines))
    write_result(path, result)
    atomic_write_json(spec_path, spec_now)
    return result, False


def spec_digest(spec: dict) -> str:
    return sha256_json(spec)[:12]


def elapsed(t0: float) -> float:
    return time.perf_counter() - t0
