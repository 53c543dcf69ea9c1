"""SQLite response cache (WAL) and the wrapper that puts it around any text backend.

Key = sha256 of the model identity (id + revision or weights hash), adapter, prompt template hash,
decoding parameters and the request itself, so two models, two prompts or two decodings never
share an entry (lm-eval's cache key omits the model; ours does not).

Every output is committed the moment the backend hands it over. A backend that streams outputs
(`streams_outputs`: the transformers engine, the OpenAI backend) gets ALL of a call's misses at
once, so its continuous batch or its pool of concurrent requests never drains at an artificial
boundary, and each output it reports through `on_output` is committed at once: a SIGKILLed run
loses only the requests in flight. Other backends get the misses chunk by chunk (`chunk_size`) and
a kill loses at most the chunk in flight. The same command resumes from the cache.

Before a miss is sent, its key is leased in the same SQLite file (unibench/leases.py), so two runs
on one cache never send the same request twice: the second waits for the first's output. A
request that appears twice in one call is sent once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .backends.base import GenRequest, ProgressFn, streams_outputs
from .io import sha256_json, sha256_text
from .leases import SCHEMA as LEASE_SCHEMA
from .leases import Leases, write_transaction
from .row_index import SCHEMA as ROW_INDEX_SCHEMA
from .score_memo import SCHEMA as SCORE_MEMO_SCHEMA

DEFAULT_CHUNK = 64
WAIT_POLL = 0.25  # seconds between looks at the cache while another run answers our keys


class ResponseCache:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # autocommit mode: every write below is an explicit BEGIN IMMEDIATE ... COMMIT
        self._db = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, output TEXT NOT NULL)")
        self._db.execute(LEASE_SCHEMA)  # added later; older cache files gain it here, nothing else changes
        self._db.execute(ROW_INDEX_SCHEMA)  # likewise: finished rows' per-query keys (row_index.py)
        self._db.execute(SCORE_MEMO_SCHEMA)  # and their scores (score_memo.py)
        self.leases = Leases(self._db, self._lock)

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = list(keys[i:i + 500])
                marks = ",".join("?" * len(chunk))
                for k, v in self._db.execute(f"SELECT key, output FROM responses WHERE key IN ({marks})", chunk):
                    out[k] = v
        return out

    def get_all(self, keys: Sequence[str]) -> dict[str, str]:
        """`get_many` in one statement (the keys as one JSON array parameter, SQLite's json_each): a row's
        23 k keys in one look-up instead of 47 statements of 500 placeholders."""
        with self._lock:
            try:
                return dict(self._db.execute("SELECT key, output FROM responses WHERE key IN "
                                             "(SELECT value FROM json_each(?))", (json.dumps(list(keys)),)))
            except sqlite3.OperationalError:  # an SQLite built without its JSON functions
                pass
        return self.get_many(list(dict.fromkeys(keys)))

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Write outputs in one transaction."""
        self.leases.complete(items)

    def side_write(self, sql: str, params: tuple) -> None:
        """One write to a side table (row_keys, row_scores), in its own transaction."""
        with self._lock, write_transaction(self._db):
            self._db.execute(sql, params)

    def side_read(self, sql: str, params: tuple) -> Optional[tuple]:
        """One row of a side table, or None."""
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self.leases.stop()
        with self._lock:
            self._db.close()


def request_key(namespace: dict, req: GenRequest) -> str:
    prompt = list(req.prompt) if not isinstance(req.prompt, str) else req.prompt
    return sha256_json({"ns": namespace, "prompt": prompt, "max_new_tokens": req.max_new_tokens,
                        "stop": list(req.stop), "temperature": req.temperature})


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class RequestKeys:
    """`request_key` for many requests of one namespace: the same text is hashed (tested key for key), but the
    namespace and decoding parts of the canonical JSON are encoded once, not once per request. The top-level
    keys are written in sorted order (max_new_tokens < ns < prompt < stop < temperature), as sort_keys does."""

    def __init__(self, namespace: dict):
        self.ns = _canonical(namespace)
        self._tails: dict[tuple, tuple[str, str]] = {}

    def __call__(self, req: GenRequest) -> str:
        tail = (req.max_new_tokens, tuple(req.stop), req.temperature)
        parts = self._tails.get(tail)
        if parts is None:
            parts = self._tails[tail] = (
                '{"max_new_tokens":' + _canonical(req.max_new_tokens) + ',"ns":' + self.ns + ',"prompt":',
                ',"stop":' + _canonical(list(req.stop)) + ',"temperature":' + _canonical(req.temperature) + "}")
        prompt = req.prompt if isinstance(req.prompt, str) else list(req.prompt)
        return sha256_text(parts[0] + _canonical(prompt) + parts[1])


class CachedBackend:
    """A TextBackend that serves hits from the cache, leases and sends each distinct miss once, commits
    every output as it arrives, and waits for keys another run on the same cache is answering."""

    def __init__(self, backend, cache: ResponseCache, namespace: dict, chunk_size: int = DEFAULT_CHUNK,
                 wait_poll: float = WAIT_POLL):
        self.backend = backend
        self.cache = cache
        self.namespace = namespace
        self.chunk_size = chunk_size
        self.wait_poll = wait_poll
        self.name = getattr(backend, "name", "cached")
        self.hits = 0  # requests answered from the cache (including outputs another run wrote while we waited)
        self.misses = 0  # requests answered by this run's backend
        self.waited = 0  # requests answered by another run on the same cache while this one waited
        self.usage = None  # a usage.UsageMeter: token counts stored beside the outputs, totals per row
        self.last_keys: list[str] = []  # the per-query keys of the last generate() call (row_index.py stores them)

    def versions(self) -> dict[str, str]:
        return self.backend.versions()

    def identity(self) -> dict[str, str]:
        return self.backend.identity()

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None) -> list[str]:
        key = RequestKeys(self.namespace)
        keys = [key(r) for r in requests]
        self.last_keys = []
        found = self.cache.get_many(list(dict.fromkeys(keys)))
        out: list[Optional[str]] = [found.get(k) for k in keys]
        hits = sum(o is not None for o in out)
        self.hits += hits
        if progress and hits:
            progress(hits)
        where: dict[str, list[int]] = {}
        for i, o in enumerate(out):
            if o is None:
                where.setdefault(keys[i], []).append(i)
        first = {k: requests[idx[0]] for k, idx in where.items()}

        def deliver(key: str, text: str, ours: bool) -> None:
            idx = where.pop(key, None)
            if idx is None:
                return
            for i in idx:
                out[i] = text
            if ours:
                self.misses += len(idx)
            else:
                self.hits += len(idx)
                self.waited += len(idx)
            if progress:
                progress(len(idx))

        streaming = streams_outputs(self.backend)
        while where:
            pending = list(where)
            claimed, done_elsewhere = self.cache.leases.claim(pending, len(pending) if streaming else self.chunk_size)
            for k, text in done_elsewhere.items():
                deliver(k, text, ours=False)
            if claimed:
                self._send(claimed, first, deliver, progress, streaming)
            elif not done_elsewhere:  # every key left is in flight in another live run: wait for its outputs
                time.sleep(self.wait_poll)
        if self.usage is not None:  # this call's token totals, hits included (their counts were stored with them)
            self.usage.count(keys)
        self.last_keys = keys
        return [o if o is not None else "" for o in out]

    def outputs_of_keys(self, keys: Sequence[str]) -> Optional[list[str]]:
        """The outputs of requests known by their keys (a row index hit), all from the cache; None when any key
        has no output (the caller then takes the straightforward path). Nothing is counted: `served` does that."""
        found = self.cache.get_all(keys)
        if len(found) < len(set(keys)):
            return None
        return [found[k] for k in keys]

    def served(self, keys: Sequence[str], progress: Optional[ProgressFn] = None) -> None:
        """Count requests answered from the cache by their keys as generate() counts its hits (hits, progress,
        token totals, last_keys)."""
        self.hits += len(keys)
        if progress and keys:
            progress(len(keys))
        if self.usage is not None:
            self.usage.count(keys)
        self.last_keys = list(keys)

    def _send(self, claimed: list[str], first: dict, deliver, progress, streaming: bool) -> None:
        """Send the leased keys' requests; each output is committed as it arrives, and when the call ends
        all its leases are released in one transaction (keys left unanswered by an error or Ctrl-C are
        then free for another run at once)."""
        reqs = [first[k] for k in claimed]
        committed: set[str] = set()

        def on_output(j: int, text: str) -> None:
            key = claimed[j]
            self.cache.put_many([(key, text)])
            committed.add(key)
            deliver(key, text, ours=True)

        try:
            if streaming:
                gen = self.backend.generate(reqs, None, on_output=on_output)
            else:
                gen = self.backend.generate(reqs)
            if len(gen) != len(claimed):
                raise RuntimeError(f"backend {self.name} returned {len(gen)} outputs for {len(claimed)} requests")
            if self.usage is not None:  # token counts stored beside the outputs (usage.py), read right after the call
                self.usage.record(self.backend, reqs, claimed, gen)
            rest = [(k, g) for k, g in zip(claimed, gen) if k not in committed]
            if rest:  # a chunked backend, or one that did not report every output through on_output
                self.cache.put_many(rest)
                committed.update(k for k, _ in rest)
                for k, g in rest:
                    deliver(k, g, ours=True)
        finally:  # done, or an error or Ctrl-C: our unanswered keys are free again at once
            self.cache.leases.release(claimed)


def dumps_namespace(ns: dict) -> str:
    return json.dumps(ns, sort_keys=True)
