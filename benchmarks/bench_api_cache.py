"""Paid answers through the response cache: throughput under injected faults, and what the cache costs a local backend.

1. API under faults. The OpenAI backend against the local OpenAI-compatible test server
   (tests/helpers/openai_server.py) with `--latency` seconds per request and a fault on
   `--fault-rate` of the calls (spread evenly, `--fault-kinds` in turn; by default 429 with
   Retry-After 0.05 s, 500, and an answer slower than the client's 1 s timeout), `--concurrency` requests in flight, `--requests` distinct
   prompts, each into a fresh cache, two ways:

     chunked    the response cache hands the backend 64 requests per call and commits when the call
                returns (what the cache did for the OpenAI backend before it streamed outputs): every
                chunk waits for its slowest retry, and a kill loses up to a chunk of paid answers
     streaming  all misses in one call, each output committed as it arrives (now)

   Both modes send exactly the same requests; the script checks both caches hold the same outputs.

2. Local backends. The cost of the cache itself (lease claim, one commit per output, lease release)
   per generated output, with a backend that answers instantly: a streaming one (like the
   transformers engine) and DummyBackend (chunked). The figure to compare it with is a real model's
   time per output (docs/performance.md: tens of milliseconds for SmolLM2-135M on this CPU).

Usage: python benchmarks/bench_api_cache.py [--requests 1000] [--concurrency 8] [--latency 0.05]
           [--fault-rate 0.15] [--fault-kinds 429,500,timeout] [--local 20000] [--json out.json]
Run it from the repository root (it imports the test server from tests/helpers). Numbers go to
docs/performance.md with the machine's load at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.openai_server import base_url, start_server  # noqa: E402
from unibench.backends.base import GenRequest  # noqa: E402
from unibench.backends.dummy import DummyBackend  # noqa: E402
from unibench.cache import CachedBackend, ResponseCache  # noqa: E402

def fault_plan(rate: float, kinds: list[str], period: int = 100) -> tuple[dict, int]:
    """Faults by call number: `rate` of every `period` calls, evenly spaced, the kinds in turn."""
    n = round(rate * period)
    return {round(j * period / n): kinds[j % len(kinds)] for j in range(n)} if n else {}, period


class Chunked:
    """The same backend, with its `on_output` streaming hidden: the cache falls back to chunks of 64."""

    def __init__(self, backend):
        self.b, self.name = backend, backend.name

    def identity(self):
        return self.b.identity()

    def versions(self):
        return self.b.versions()

    def generate(self, requests, progress=None):
        return self.b.generate(requests, progress)


def api_run(mode: str, n: int, concurrency: int, latency: float, rate: float, kinds: list[str], tmp: Path) -> dict:
    from unibench.backends.openai_api import OpenAIBackend

    faults, period = fault_plan(rate, kinds)
    srv = start_server(faults, period=period if faults else 0, delay=latency)
    backend = OpenAIBackend("bench", base_url=base_url(srv), concurrency=concurrency, timeout=1.0, backoff=0.5)
    reqs = [GenRequest(f"Text: request number {i}. ASSISTANT: I've read this text.</s>USER: What describes "
                       f"thing in the text? ASSISTANT:") for i in range(n)]
    cache = ResponseCache(tmp / f"{mode}-{rate}.sqlite")
    cb = CachedBackend(backend if mode == "streaming" else Chunked(backend), cache, {"bench": mode})
    t = time.perf_counter()
    outs = cb.generate(reqs)
    secs = time.perf_counter() - t
    cache.close()
    srv.shutdown()
    return {"mode": mode, "fault_rate": rate, "faults": ",".join(kinds) if rate else "", "requests": n, "seconds": round(secs, 2),
            "requests_per_s": round(n / secs, 1), "server_calls": srv.calls, "retries": backend.retries,
            "outputs": outs}


class InstantStreaming:
    name = "instant"
    streams_outputs = True

    def identity(self):
        return {"model_id": "instant", "revision": "1"}

    def versions(self):
        return {}

    def generate(self, requests, progress=None, on_output=None):
        outs = []
        for i, r in enumerate(requests):
            outs.append(f'["{r.prompt[-12:]}"]')
            if on_output:
                on_output(i, outs[-1])
        return outs


def local_cost(n: int, tmp: Path) -> list[dict]:
    reqs = [GenRequest(f"Text: sentence {i} ASSISTANT: ok USER: What describes x in the text? ASSISTANT:")
            for i in range(n)]
    rows = []
    for backend in (InstantStreaming(), DummyBackend()):
        t = time.perf_counter()
        backend.generate(reqs)
        alone = time.perf_counter() - t
        cache = ResponseCache(tmp / f"local-{backend.name}.sqlite")
        cb = CachedBackend(backend, cache, {"bench": backend.name})
        t = time.perf_counter()
        cb.generate(reqs)
        cached = time.perf_counter() - t
        t = time.perf_counter()
        CachedBackend(backend, cache, {"bench": backend.name}).generate(reqs)  # all hits
        hits = time.perf_counter() - t
        cache.close()
        rows.append({"backend": backend.name, "outputs": n, "backend_alone_s": round(alone, 3),
                     "through_cache_s": round(cached, 3),
                     "cache_cost_us_per_output": round((cached - alone) / n * 1e6, 1),
                     "all_hits_s": round(hits, 3)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--fault-rate", type=float, default=0.15)
    ap.add_argument("--fault-kinds", default="429,500,timeout", help="comma-separated, in turn: 429 | 500 | "
                                                                     "timeout | garbage")
    ap.add_argument("--local", type=int, default=20000, help="outputs for the local-backend cost (0: skip)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    report = {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg(), "api": [], "local": []}
    print(json.dumps({"cpus": report["cpus"], "loadavg_start": report["loadavg_start"]}))
    os.environ.setdefault("OPENAI_API_KEY", "sk-local-benchmark")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        outputs = {}
        for rate in (0.0, a.fault_rate):
            for mode in ("chunked", "streaming"):
                row = api_run(mode, a.requests, a.concurrency, a.latency, rate, a.fault_kinds.split(","), tmp)
                outputs[(mode, rate)] = row.pop("outputs")
                report["api"].append(row)
                print(json.dumps(row))
        same = all(outputs[("chunked", r)] == outputs[("streaming", r)] for r in (0.0, a.fault_rate))
        report["same_outputs"] = same
        print(json.dumps({"chunked_and_streaming_outputs_identical": same}))
        if a.local:
            for row in local_cost(a.local, tmp):
                report["local"].append(row)
                print(json.dumps(row))
    report["loadavg_end"] = os.getloadavg()
    print(json.dumps({"loadavg_end": report["loadavg_end"]}))
    if a.json:
        a.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
