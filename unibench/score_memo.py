"""Scores of a row's exact outputs, kept in the response cache so that a cached re-run does not score them again.

Scoring is a pure function of the records (dataset, output, gold, sentence id, type, passage) and of the scoring
code: the bootstrap is seeded, parsing has no state. A cached re-run scores the very same records again
(0.3 s of CPU on 23 k queries, more than everything else the re-run does). The scorer's result for one row is
therefore stored under a *memo key*: the sha256 of

- the queries (row_index.queries_digest: the split's sha256, --limit, their number; and the source of the code
  that builds them, row_index.code_digest), the row id and the card's hash (the type names the records carry),
- every output, in order (after the adapter's output handling),
- the scorer version and the source of the scoring code itself (scorer.py, metrics/*.py), numpy's version (it
  draws the bootstrap) and Python's,

so a change to any output, to the data or to the scoring code scores again; the memo is only used for per-query
text outputs. What is stored is exactly what the runner reads from the scorer's DatasetScore (`to_dict()`, the
bootstrap replicates, the number of outputs), as JSON (floats round-trip exactly).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

SCHEMA = "CREATE TABLE IF NOT EXISTS row_scores (memo_key TEXT PRIMARY KEY, score TEXT NOT NULL)"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 of the scoring code: scorer.py, metrics/*.py, numpy's version file (found without importing
    numpy, which a memo hit does not need) and Python's version."""
    root = Path(__file__).resolve().parent
    files = [root / "scorer.py", *sorted((root / "metrics").glob("*.py"))]
    spec = importlib.util.find_spec("numpy")
    if spec is not None and spec.origin:
        files.append(Path(spec.origin).parent / "version.py")
    h = hashlib.sha256(sys.version.encode())  # Python's too: string handling, Unicode tables
    for f in files:
        h.update(str(f.relative_to(root) if f.is_relative_to(root) else f.name).encode() + b"\0")
        h.update((f.read_bytes() if f.exists() else b"-") + b"\0")
    return h.hexdigest()


def memo_key(row_id: str, queries_digest: str, outputs: Sequence, *, card_hash: str) -> Optional[str]:
    """The memo key of a row's scoring, or None when its outputs are not all text (span and per-sentence lists
    are scored every time). `card_hash`: the card names the types the records carry (a renamed type leaves the
    prepared split and maybe the outputs as they were, but changes the per-type scores)."""
    if not all(type(o) is str for o in outputs):
        return None
    from .row_index import code_digest as query_code_digest
    from .scorer import SCORER_VERSION

    # the queries digest names the split, not the code that builds queries from it (gold strings, order): that
    # code's source (queries.py, schema.py, in row_index.code_digest) is part of the key too
    h = hashlib.sha256(json.dumps([row_id, queries_digest, card_hash, SCORER_VERSION, code_digest(),
                                   query_code_digest()]).encode())
    h.update(json.dumps(list(outputs), ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def lookup(cache, key: str) -> Optional[tuple[dict, list, int]]:
    """(the scorer's to_dict(), its replicates, its number of outputs) stored under the key, or None."""
    row = cache.side_read("SELECT score FROM row_scores WHERE memo_key = ?", (key,))
    if row is None:
        return None
    d = json.loads(row[0])
    return d["scores"], d["replicates"], d["n_outputs"]


def store(cache, key: str, scores: dict, replicates: Sequence[float], n_outputs: int) -> None:
    text = json.dumps({"scores": scores, "replicates": list(replicates), "n_outputs": n_outputs})
    cache.side_write("INSERT OR REPLACE INTO row_scores (memo_key, score) VALUES (?, ?)", (key, text))
