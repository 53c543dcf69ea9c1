"""Row index of the response cache: a finished row's ordered per-query cache keys, found without rendering.

A cached re-run of a per-query row would otherwise render every query's prompt and hash it (23,343 prompts on
three rows) only to look up outputs that are all there. When a row's outputs have all been generated, the keys
of its queries are stored under one *row key*: the sha256 of everything the per-query keys are a function of,

- the cache namespace (model id, revision or weights hash, adapter name, template hash, decoding, device/dtype),
- the whole adapter spec (templates, label order, supervised rows, decoding),
- the card (its hash: types, paper name, ...) and the model's declared training rows (`supervised_row`),
- the queries themselves (type and passage of each, in order; so data, version, split, limit and the 200k
  sampling are all covered),
- the source of the code that turns those into keys (rendering, the adapter model, request keys, GenRequest),

so any change to a prompt, the data, the model or a setting gives another row key and misses. The per-query
entries stay the source of truth: the index holds only their keys, and if any of them is absent (a cache that
was pruned), the row takes the straightforward path, which renders and keys every query again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Optional, Sequence

SCHEMA = "CREATE TABLE IF NOT EXISTS row_keys (row_key TEXT PRIMARY KEY, n INTEGER NOT NULL, keys TEXT NOT NULL)"
KEY_LEN = 64  # hex sha256 of one request (cache.RequestKeys)

# the modules whose code maps (adapter, card, queries, namespace) to per-query keys
_KEY_CODE = ("adapters/render.py", "adapters/__init__.py", "cache.py", "backends/base.py", "io.py")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for rel in _KEY_CODE:
        h.update(rel.encode() + b"\0" + (root / rel).read_bytes() + b"\0")
    return h.hexdigest()


def row_key(namespace: dict, spec, card, training_rows: Optional[Sequence[str]], queries) -> str:
    """The sha256 that names one row's ordered list of per-query keys (see the module docstring)."""
    head = json.dumps({"ns": namespace, "adapter": spec.model_dump(mode="json"), "card": card.card_hash(),
                       "training_rows": list(training_rows) if training_rows is not None else None,
                       "code": code_digest(), "n": len(queries)},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    h = hashlib.sha256(head.encode("utf-8"))
    h.update("".join(f"\n{q.label}\t{q.text}" for q in queries).encode("utf-8"))
    return h.hexdigest()


def cached_row_outputs(cfg, card, queries, backend, progress) -> tuple[Optional[str], Optional[list[str]]]:
    """(row key, the row's raw outputs from the cache) for a per-query row on a CachedBackend; the outputs are
    None when the index does not know the row or any of its per-query entries is missing; the key is None when
    the backend is not cached (nothing to index)."""
    from .cache import CachedBackend

    if not isinstance(backend, CachedBackend):
        return None, None
    key = row_key(backend.namespace, cfg.adapter, card, cfg.training_datasets or None, queries)
    keys = lookup(backend.cache, key)
    if keys is None or len(keys) != len(queries):
        return key, None
    return key, backend.outputs_of_keys(keys, progress)


def lookup(cache, key: str) -> Optional[list[str]]:
    """The per-query keys stored under a row key, or None."""
    with cache._lock:
        row = cache._db.execute("SELECT n, keys FROM row_keys WHERE row_key = ?", (key,)).fetchone()
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
    with cache._lock:
        cache._db.execute("BEGIN IMMEDIATE")
        try:
            cache._db.execute("INSERT OR REPLACE INTO row_keys (row_key, n, keys) VALUES (?, ?, ?)",
                              (key, len(keys), "".join(keys)))
            cache._db.execute("COMMIT")
        except BaseException:
            cache._db.execute("ROLLBACK")
            raise
