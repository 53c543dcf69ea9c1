"""Row index of the response cache: a finished row's ordered per-query cache keys, found without rendering.

A cached re-run of a per-query row would otherwise render every query's prompt and hash it (23,343 prompts on
three rows) only to look up outputs that are all there. When a row's outputs have all been generated, the keys
of its queries are stored under one *row key*: the sha256 of everything the per-query keys are a function of,

- the cache namespace (model id, revision or weights hash, adapter name, template hash, decoding, device/dtype),
- the whole adapter spec (templates, label order, supervised rows, decoding),
- the card (its hash: types, paper name, ...) and the model's declared training rows (`supervised_row`),
- the queries: the sha256 of the prepared split they are built from (checked against the file when it is read),
  the --limit and their number (queries.py builds them deterministically, the 200k sampling with a fixed seed),
- the source of the code that turns those into queries and keys (queries, sentences, rendering, the adapter
  model, request keys, GenRequest), Jinja2's version and Python's,

so any change to a prompt, the data, the model or a setting gives another row key and misses. The per-query
entries stay the source of truth: the index holds only their keys, and if any of them is absent (a cache that
was pruned), the row takes the straightforward path, which renders and keys every query again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

SCHEMA = "CREATE TABLE IF NOT EXISTS row_keys (row_key TEXT PRIMARY KEY, n INTEGER NOT NULL, keys TEXT NOT NULL)"
KEY_LEN = 64  # hex sha256 of one request (cache.RequestKeys)

# the modules whose code maps (adapter, card, queries, namespace) to per-query keys
_KEY_CODE = ("adapters/render.py", "adapters/__init__.py", "cache.py", "backends/base.py", "io.py", "queries.py",
             "schema.py")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 of that code, of Jinja2's version (its `__init__.py`, read without importing it: it renders the
    prompts) and of Python's version."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(sys.version.encode())
    for rel in _KEY_CODE:
        h.update(rel.encode() + b"\0" + (root / rel).read_bytes() + b"\0")
    spec = importlib.util.find_spec("jinja2")
    if spec is not None and spec.origin and Path(spec.origin).is_file():
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()


def queries_digest(content_hash: str, limit: Optional[int], n_queries: int) -> str:
    """What names a row's queries without hashing them one by one: the sha256 of the split they were built from
    (the prepared file's, checked against its manifest when it is read), the --limit, their number, and the
    code that builds them (queries.py with its cap and sampling seed, schema.py; in `code_digest`)."""
    return hashlib.sha256(json.dumps([content_hash, limit, n_queries]).encode()).hexdigest()


def row_key(namespace: dict, spec, card, training_rows: Optional[Sequence[str]], digest: str) -> str:
    """The sha256 that names one row's ordered list of per-query keys (see the module docstring); `digest`:
    `queries_digest(...)` of the row's queries."""
    return hashlib.sha256(json.dumps(
        {"ns": namespace, "adapter": spec.model_dump(mode="json"), "card": card.card_hash(),
         "training_rows": list(training_rows) if training_rows is not None else None, "code": code_digest(),
         "queries": digest},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")).hexdigest()


def cached_row_outputs(cfg, card, backend, progress, digest: str) -> tuple[Optional[str], Optional[list[str]]]:
    """(row key, the row's raw outputs from the cache) for a per-query row on a CachedBackend; the outputs are
    None when the index does not know the row or any of its per-query entries is missing; the key is None when
    the backend is not cached (nothing to index)."""
    from .cache import CachedBackend

    if not isinstance(backend, CachedBackend):
        return None, None
    key = row_key(backend.namespace, cfg.adapter, card, cfg.training_datasets or None, digest)
    keys = lookup(backend.cache, key)
    raw = backend.outputs_of_keys(keys) if keys is not None else None
    if raw is not None:
        backend.served(keys, progress)
    return key, raw


def fully_cached_row(cfg, card, entry: dict, backend) -> Optional[dict]:
    """A per-query row whose outputs are all in the cache under the row index *and* whose scores are in the
    score memo for exactly those outputs (score_memo.py): everything its result needs, without reading its
    sentences, building its queries or rendering a prompt; else None (then nothing was counted).

    The number of queries is computed from the manifest (sentences, --limit, the card's types, the 200k cap);
    the digest it goes into was made by the straightforward path from the queries it really built, so a wrong
    count could only miss, never serve another row's outputs."""
    from .cache import CachedBackend
    from .queries import QUERY_CAP

    if cfg.adapter.kind != "per_query" or not isinstance(backend, CachedBackend) or "n_sentences" not in entry:
        return None
    n_sentences = min(entry["n_sentences"], cfg.limit) if cfg.limit else entry["n_sentences"]
    n_queries = min(n_sentences * len(card.types), QUERY_CAP)
    digest = queries_digest(entry["sha256"], cfg.limit, n_queries)
    keys = lookup(backend.cache, row_key(backend.namespace, cfg.adapter, card, cfg.training_datasets or None, digest))
    raw = backend.outputs_of_keys(keys) if keys is not None and len(keys) == n_queries else None
    if raw is None:
        return None
    from . import score_memo
    from .adapters.outputs import get_response

    outputs = [get_response(r, cfg.adapter.response_after) for r in raw]
    memo = score_memo.memo_key(card.id, digest, outputs, card_hash=card.card_hash())
    scored = score_memo.lookup(backend.cache, memo) if memo else None
    if scored is None:
        return None
    return {"n_sentences": n_sentences, "n_queries": n_queries, "keys": keys, "outputs": outputs, "raw": raw,
            "scored": scored}


def lookup(cache, key: str) -> Optional[list[str]]:
    """The per-query keys stored under a row key, or None."""
    row = cache.side_read("SELECT n, keys FROM row_keys WHERE row_key = ?", (key,))
    if row is None:
        return None
    n, joined = row
    if len(joined) != n * KEY_LEN:
        return None
    return [joined[i:i + KEY_LEN] for i in range(0, len(joined), KEY_LEN)]


def store(cache, key: str, keys: Sequence[str]) -> None:
    """Record a completed row's keys (one transaction; a row key always names the same keys, so replacing is safe)."""
    if any(len(k) != KEY_LEN for k in keys):
        return
    cache.side_write("INSERT OR REPLACE INTO row_keys (row_key, n, keys) VALUES (?, ?, ?)",
                     (key, len(keys), "".join(keys)))
