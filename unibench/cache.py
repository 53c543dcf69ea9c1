"""SQLite response cache (WAL) and the wrapper that puts it around any text backend.

Key = sha256 of the model identity (id + revision or weights hash), adapter, prompt template hash,
decoding parameters and the request itself, so two models, two prompts or two decodings never
share an entry (lm-eval's cache key omits the model; ours does not).

Misses are committed as they finish. A backend that streams outputs (`streams_outputs`, e.g. the
transformers engine) gets ALL misses at once, so its continuous batch never drains at artificial
boundaries, and hands each output back the moment it is final; they are committed every
`chunk_size` outputs and, on any exception or Ctrl-C, once more before the error propagates. Other
backends get the misses chunk by chunk. Either way a SIGKILLed run loses at most `chunk_size`
finished outputs, and the same command resumes from the cache.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .backends.base import GenRequest, ProgressFn, streams_outputs
from .io import sha256_json

DEFAULT_CHUNK = 64


class ResponseCache:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, output TEXT NOT NULL)")
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = list(keys[i:i + 500])
                marks = ",".join("?" * len(chunk))
                for k, v in self._db.execute(f"SELECT key, output FROM responses WHERE key IN ({marks})", chunk):
                    out[k] = v
        return out

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO responses (key, output) VALUES (?, ?)", list(items))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def request_key(namespace: dict, req: GenRequest) -> str:
    prompt = list(req.prompt) if not isinstance(req.prompt, str) else req.prompt
    return sha256_json({"ns": namespace, "prompt": prompt, "max_new_tokens": req.max_new_tokens,
                        "stop": list(req.stop), "temperature": req.temperature})


class CachedBackend:
    """A TextBackend that serves hits from the cache and stores misses chunk by chunk."""

    def __init__(self, backend, cache: ResponseCache, namespace: dict, chunk_size: int = DEFAULT_CHUNK):
        self.backend = backend
        self.cache = cache
        self.namespace = namespace
        self.chunk_size = chunk_size
        self.name = getattr(backend, "name", "cached")
        self.hits = 0
        self.misses = 0
        self.usage = None  # a usage.UsageMeter: token counts stored beside the outputs, totals per row

    def versions(self) -> dict[str, str]:
        return self.backend.versions()

    def identity(self) -> dict[str, str]:
        return self.backend.identity()

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None) -> list[str]:
        keys = [request_key(self.namespace, r) for r in requests]
        found = self.cache.get_many(list(dict.fromkeys(keys)))
        out: list[Optional[str]] = [found.get(k) for k in keys]
        hits = sum(o is not None for o in out)
        self.hits += hits
        if progress and hits:
            progress(hits)
        todo = [i for i, o in enumerate(out) if o is None]
        self.misses += len(todo)
        if todo and streams_outputs(self.backend):
            self._generate_streaming(requests, keys, todo, out, progress)
            if self.usage is not None:
                self.usage.record(self.backend, [requests[i] for i in todo], [keys[i] for i in todo],
                                  [out[i] for i in todo])
                self.usage.count(keys)
            return [o if o is not None else "" for o in out]
        for start in range(0, len(todo), self.chunk_size):
            idx = todo[start:start + self.chunk_size]
            gen = self.backend.generate([requests[i] for i in idx])
            if len(gen) != len(idx):
                raise RuntimeError(f"backend {self.name} returned {len(gen)} outputs for {len(idx)} requests")
            self.cache.put_many((keys[i], g) for i, g in zip(idx, gen))
            if self.usage is not None:
                self.usage.record(self.backend, [requests[i] for i in idx], [keys[i] for i in idx], gen)
            for i, g in zip(idx, gen):
                out[i] = g
            if progress:
                progress(len(idx))
        if self.usage is not None:
            self.usage.count(keys)
        return [o if o is not None else "" for o in out]

    def _generate_streaming(self, requests, keys, todo, out, progress) -> None:
        pending: list[tuple[str, str]] = []

        def on_output(j: int, text: str) -> None:
            i = todo[j]
            out[i] = text
            pending.append((keys[i], text))
            if len(pending) >= self.chunk_size:
                self.cache.put_many(pending)
                pending.clear()

        try:
            gen = self.backend.generate([requests[i] for i in todo], progress, on_output=on_output)
        finally:  # an error or Ctrl-C mid-run still commits every output finished so far
            if pending:
                self.cache.put_many(pending)
                pending.clear()
        if len(gen) != len(todo):
            raise RuntimeError(f"backend {self.name} returned {len(gen)} outputs for {len(todo)} requests")
        missed = [(keys[i], g) for i, g in zip(todo, gen) if out[i] is None]
        if missed:  # a backend that did not report every output through on_output
            self.cache.put_many(missed)
        for i, g in zip(todo, gen):
            out[i] = g


def dumps_namespace(ns: dict) -> str:
    return json.dumps(ns, sort_keys=True)
