"""`distill annotate`: passages -> chunks -> teacher (OpenAI-compatible API, cached) -> annotations.

The teacher is reached only through the existing OpenAI-compatible backend, so any base URL
works (OpenAI, a local `vllm serve`, llama.cpp's server), with its retries and bounded
concurrency. The backend is wrapped in the SQLite response cache that `unibench run` uses: the
key covers the teacher model, the prompt hash and decoding, so the same command resumes after
Ctrl-C or a crash and a rerun sends nothing. Outputs are parsed by `TeacherParser`, which never
raises on malformed output; what it drops is counted and reported. The annotations file and its
summary are written atomically, once every chunk has an output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .. import __version__
from ..io import atomic_write_json, sha256_file
from .annotations import Annotation, write_annotations
from .passages import chunk_passages, read_passages
from .prompt import AnnotationPrompt
from .teacher_parse import TeacherParser


@dataclass
class AnnotateConfig:
    teacher: str  # model name at the API
    passages: Path
    out: Path
    base_url: Optional[str] = None
    cache_path: Optional[Path] = None
    max_tokens: int = 256
    tokenizer: Optional[str] = None
    concurrency: int = 8
    max_new_tokens: Optional[int] = None
    keep_unfound: bool = False
    find_list: bool = False


def summary_path(out: Path) -> Path:
    return out.with_name(out.name + ".summary.json")


def cache_namespace(cfg: AnnotateConfig, prompt: AnnotationPrompt) -> dict:
    return {"task": "distill-annotate", "model": cfg.teacher, "revision": "api", "prompt": prompt.name,
            "template": prompt.prompt_hash}


def annotate(cfg: AnnotateConfig, prompt: AnnotationPrompt, backend,
             progress: Optional[Callable[[str, int, int, int], None]] = None) -> dict:
    """Run the teacher over the chunks of `cfg.passages`; returns the summary (also written).

    `backend` is any TextBackend (the CLI passes an OpenAIBackend); `progress(stage, done, total, cache_hits)`.
    """
    from ..cache import CachedBackend, ResponseCache

    passages = read_passages(cfg.passages)
    chunks = chunk_passages(passages, cfg.max_tokens, cfg.tokenizer)
    requests = [prompt.request(c.text, cfg.max_new_tokens) for c in chunks]
    cache = ResponseCache(cfg.cache_path or (cfg.out.parent / "responses.sqlite"))
    cached = CachedBackend(backend, cache, cache_namespace(cfg, prompt), chunk_size=max(8, 2 * cfg.concurrency))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress("teacher", done[0], len(requests), cached.hits)

    try:
        outputs = cached.generate(requests, tick)
    finally:
        cache.close()
    parser = TeacherParser(prompt, keep_unfound=cfg.keep_unfound, find_list=cfg.find_list)
    records, status, dropped, notes = [], Counter(), Counter(), Counter()
    proposed = kept = empty_lists = after_preamble = 0
    types: Counter = Counter()
    for chunk, raw in zip(chunks, outputs):
        res = parser.parse(raw, chunk.text)
        status[res.status] += 1
        dropped.update(res.dropped)
        notes.update(res.notes)
        proposed += res.n_items
        empty_lists += res.status == "ok" and res.n_items == 0
        after_preamble += res.after_preamble
        kept += len(res.entities)
        types.update(t for _, t in res.entities)
        records.append(Annotation(chunk.id, chunk.text, res.entities, dict(res.dropped), res.status,
                                  {"passage_id": chunk.passage_id, "raw": raw, **({"notes": dict(res.notes)}
                                                                                    if res.notes else {})}))
    write_annotations(cfg.out, records)
    unparseable = {k: v for k, v in status.items() if k != "ok"}
    summary = {
        "unibench_version": __version__, "teacher": cfg.teacher, "base_url": cfg.base_url,
        "prompt": {"name": prompt.name, "hash": prompt.prompt_hash, "reconstruction": prompt.reconstruction,
                   "max_new_tokens": cfg.max_new_tokens or prompt.decoding.max_new_tokens,
                   "temperature": prompt.decoding.temperature},
        "passages": {"file": str(cfg.passages), "sha256": sha256_file(cfg.passages), "n_passages": len(passages)},
        "chunking": {"max_tokens": cfg.max_tokens, "tokens": cfg.tokenizer or "whitespace", "n_chunks": len(chunks),
                     "max_chunk_tokens": max((c.n_tokens for c in chunks), default=0)},
        "outputs": {"total": len(chunks), "parsed": status.get("ok", 0),
                    "parsed_empty_list": empty_lists, "parsed_after_preamble": after_preamble,
                    "unparseable": sum(unparseable.values()),
                    "unparseable_by_reason": dict(sorted(unparseable.items()))},
        "entities": {"proposed": proposed, "kept": kept, "dropped": sum(dropped.values()),
                     "dropped_by_reason": dict(sorted(dropped.items())), "notes": dict(sorted(notes.items())),
                     "keep_unfound": cfg.keep_unfound, "find_list": cfg.find_list},
        "types": {"distinct_kept": len(types), "top": types.most_common(20)},
        "chunks_with_entities": sum(1 for r in records if r.entities),
        "cache": {"hits": cached.hits, "misses": cached.misses},
        "out": {"file": str(cfg.out), "sha256": sha256_file(cfg.out)},
    }
    atomic_write_json(summary_path(cfg.out), summary)
    return summary
