"""The response cache with streaming backends: all misses in flight at once, outputs committed as they
finish, and nothing finished is lost when the run is interrupted."""

from __future__ import annotations

import pytest

from unibench.backends.base import GenRequest
from unibench.cache import CachedBackend, ResponseCache


class Streaming:
    """A real (if simple) streaming backend: outputs finish in reverse order; optionally interrupted."""

    name = "streaming"
    streams_outputs = True

    def __init__(self, stop_after: int | None = None):
        self.stop_after = stop_after
        self.calls: list[int] = []

    def versions(self):
        return {}

    def identity(self):
        return {"model_id": "s", "revision": "1"}

    def generate(self, requests, progress=None, on_output=None):
        self.calls.append(len(requests))
        outs = [f"[\"{r.prompt.upper()}\"]" for r in requests]
        for n, i in enumerate(reversed(range(len(requests)))):
            if self.stop_after is not None and n == self.stop_after:
                raise KeyboardInterrupt
            on_output(i, outs[i])
            if progress:
                progress(1)
        return outs


def reqs(n):
    return [GenRequest(f"q{i}") for i in range(n)]


def test_streaming_backend_gets_all_misses_in_one_call(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    be = Streaming()
    out = CachedBackend(be, cache, {"m": 1}, chunk_size=4).generate(reqs(10))
    assert out == [f"[\"Q{i}\"]" for i in range(10)]
    assert be.calls == [10]  # no artificial chunk boundaries
    assert len(cache) == 10


def test_interrupt_keeps_every_finished_output_and_resume_generates_only_the_rest(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    with pytest.raises(KeyboardInterrupt):
        CachedBackend(Streaming(stop_after=7), cache, {"m": 1}, chunk_size=4).generate(reqs(10))
    assert len(cache) == 7  # every finished output was committed as it arrived
    be = Streaming()
    cb = CachedBackend(be, cache, {"m": 1}, chunk_size=4)
    out = cb.generate(reqs(10))
    assert out == [f"[\"Q{i}\"]" for i in range(10)]
    assert (cb.hits, cb.misses, be.calls) == (7, 3, [3])


def test_transformers_engine_streams_into_the_cache(tmp_path, tiny_llama_dir, uniner_requests):
    """The real causal backend reports every output through on_output, equal to its return value."""
    from unibench.backends.hf_load import make_hf_backend

    backend = make_hf_backend(str(tiny_llama_dir), batch_size=4)
    rs = uniner_requests(max_new_tokens=6)[:12]
    direct = backend.generate(rs)
    cache = ResponseCache(tmp_path / "c.sqlite")
    cb = CachedBackend(backend, cache, {"m": "tiny"}, chunk_size=5)
    assert cb.generate(rs) == direct
    assert len(cache) == len(set(r.prompt for r in rs))
    again = CachedBackend(backend, cache, {"m": "tiny"})
    assert again.generate(rs) == direct and again.hits == len(rs)
