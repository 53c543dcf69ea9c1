"""Token usage per response, kept beside the response cache, so a cached re-run reports the tokens of the
generation that produced its outputs (and costs nothing new).

The counts live in a side table `usage` of the same SQLite file (created if missing: caches written before it
exist simply have no counts for their old entries, which are then reported as unknown, never guessed). A
backend that knows its counts offers `token_usage(requests, outputs) -> [(input_tokens, output_tokens) | None]`:
the transformers backends count with their tokenizer, the OpenAI backend returns the API's `usage`.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence


class UsageTable:
    """(input_tokens, output_tokens) by response-cache key, in the cache's SQLite file."""

    def __init__(self, path: Path | str):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=60, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS usage (key TEXT PRIMARY KEY, input_tokens INTEGER NOT NULL, "
                         "output_tokens INTEGER NOT NULL)")
        self._db.commit()

    def put_many(self, items: Sequence[tuple[str, int, int]]) -> None:
        if not items:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO usage (key, input_tokens, output_tokens) VALUES (?, ?, ?)",
                                 list(items))
            self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = list(keys[i:i + 500])
                marks = ",".join("?" * len(chunk))
                for k, a, b in self._db.execute(
                        f"SELECT key, input_tokens, output_tokens FROM usage WHERE key IN ({marks})", chunk):
                    out[k] = (int(a), int(b))
        return out

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass
class UsageMeter:
    """Token totals of one row: every request's counts (a cache hit's from the generation that made it)."""
    table: UsageTable
    input_tokens: int = 0
    output_tokens: int = 0
    counted: int = 0  # requests with known counts
    unknown: int = 0  # requests whose counts are not known (a backend without counts, an older cache entry)
    source: Optional[str] = None

    def record(self, backend, requests, keys, outputs) -> None:
        """After `backend` generated `outputs`: store the counts it reports for them."""
        fn = getattr(backend, "token_usage", None)
        if fn is None:
            return
        self.source = getattr(backend, "usage_source", None) or self.source
        usage = fn(list(requests), list(outputs))
        self.table.put_many([(k, int(u[0]), int(u[1])) for k, u in zip(keys, usage) if u is not None])

    def count(self, keys: Sequence[str]) -> None:
        """Add the counts of the requests of one generate() call (hits and misses alike) to the totals."""
        known = self.table.get_many(list(dict.fromkeys(keys)))
        for k in keys:
            if k in known:
                self.input_tokens += known[k][0]
                self.output_tokens += known[k][1]
                self.counted += 1
            else:
                self.unknown += 1


def tokenizer_usage(tokenizer, requests, outputs) -> list[tuple[int, int]]:
    """A local model's counts: the prompt as the model saw it (chat template applied, special tokens included)
    and the output text, both through the model's tokenizer (the output without its end-of-sequence token)."""
    from .backends.hf_common import prompt_text

    prompts = [prompt_text(tokenizer, r.prompt) for r in requests]
    ins = tokenizer(prompts)["input_ids"] if prompts else []
    outs = tokenizer(list(outputs), add_special_tokens=False)["input_ids"] if outputs else []
    return [(len(a), len(b)) for a, b in zip(ins, outs)]
