"""The causal backend against the naive loop, on a tiny random Llama built offline.

The key property: continuous batching + length sorting + shared-prefix KV reuse give EXACTLY the
outputs of one `generate` per query under greedy decoding, in request order, with stop strings,
EOS and per-request max_new_tokens honoured.
"""

from __future__ import annotations

import random

import pytest

from unibench.backends.base import GenRequest
from unibench.errors import UnibenchError

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir):
    from unibench.backends.hf_load import make_hf_backend

    return make_hf_backend(str(tiny_llama_dir), batch_size=4)


def naive(backend, requests):
    from unibench.backends.hf_common import naive_generate

    return naive_generate(backend.model, backend.tokenizer, requests)


def test_loader_picks_causal_and_stamps_identity(tiny, tiny_llama_dir):
    from unibench.backends.hf_causal import HFCausalBackend

    assert isinstance(tiny, HFCausalBackend) and tiny.uses_engine
    ident = tiny.identity()
    assert ident["model"] == tiny_llama_dir.name
    assert ident["revision"] == "sha256-" + ident["weights_sha256"][:16]
    assert set(tiny.versions()) >= {"transformers", "torch"}


def test_plan_shares_the_token_level_common_prefix():
    from unibench.backends.hf_causal import plan

    reqs = [GenRequest("ab", prefix="a"), GenRequest("ac", prefix="a"), GenRequest("xyz"), GenRequest("q")]
    ids = [[1, 2, 3, 4], [1, 2, 3, 5, 6], [7, 8, 9], [1]]
    prefixes, rows, tiny = plan(ids, reqs)
    assert tiny == [3]
    by_index = {r.index: r for r in rows}
    assert prefixes[by_index[0].group] == [1, 2, 3] and by_index[0].group == by_index[1].group
    assert by_index[0].suffix == [4] and by_index[1].suffix == [5, 6]
    assert prefixes[by_index[2].group] == [7, 8] and by_index[2].suffix == [9]  # a group of one
    # identical prompts: the prefix stops one token short so each row still prefills a token
    prefixes, rows, _ = plan([[1, 2], [1, 2]], [GenRequest("ab", prefix="a")] * 2)
    assert prefixes == [[1]] and [r.suffix for r in rows] == [[2], [2]]


def test_batched_prefix_reuse_equals_naive_loop_exactly(tiny, uniner_requests, monkeypatch):
    """Mixed workload: 25 prefix-sharing queries (groups of 5 split across 4 slots), requests
    without a prefix, a prefix hint that ends mid-word (BPE merges across the boundary), varied
    max_new_tokens (long ones force buffer compaction), shuffled request order."""
    from unibench.backends import hf_engine

    reqs = uniner_requests(max_new_tokens=20)
    reqs[3] = GenRequest(reqs[3].prompt, prefix=reqs[3].prefix, max_new_tokens=170)
    reqs[11] = GenRequest(reqs[11].prompt, prefix=reqs[11].prefix, max_new_tokens=1)
    reqs.append(GenRequest("Barack Obama visited", max_new_tokens=150))
    reqs.append(GenRequest(reqs[0].prompt, max_new_tokens=30))  # same text, no prefix hint
    cut = reqs[7].prompt.index("Vancouver") + 3  # "...Text: ... Van" | "couver ..."
    reqs.append(GenRequest(reqs[7].prompt, prefix=reqs[7].prompt[:cut], max_new_tokens=25))
    reqs.append(GenRequest(reqs[8].prompt, prefix=reqs[7].prompt[:cut], max_new_tokens=25))
    random.Random(0).shuffle(reqs)

    calls = {"relayout": 0}
    real = hf_engine.Engine._relayout

    def counting(self, *a, **k):
        calls["relayout"] += 1
        return real(self, *a, **k)

    monkeypatch.setattr(hf_engine.Engine, "_relayout", counting)
    got = tiny.generate(reqs)
    want = naive(tiny, reqs)
    assert got == want
    assert calls["relayout"] >= 1, "the long requests should have forced a buffer compaction"
    lengths = [len(tiny.tokenizer(o, add_special_tokens=False)["input_ids"]) for o in want]
    assert min(lengths) < max(lengths), "outputs should differ in length (EOS/limits actually hit)"
    assert len(set(want)) > 3


def test_stop_strings_cut_output_and_match_naive(tiny, uniner_requests):
    from unibench.backends.hf_common import cut_at_stop

    free = tiny.generate(uniner_requests(max_new_tokens=24))
    # stop strings that really occur: a 2-char piece from the middle of some outputs
    stops = tuple(sorted({o[len(o) // 2 : len(o) // 2 + 2] for o in free if len(o) >= 6})[:3])
    assert stops
    reqs = uniner_requests(max_new_tokens=24, stop=stops)
    got = tiny.generate(reqs)
    assert got == naive(tiny, reqs)
    assert got == [cut_at_stop(o, stops)[0] for o in free]
    assert all(not any(s in o for s in stops) for o in got)
    assert sum(a != b for a, b in zip(got, free)) >= 3, "the stop strings should have cut several outputs"


def test_plain_batching_path_equals_naive(tiny_llama_dir, uniner_requests):
    from unibench.backends.hf_causal import HFCausalBackend

    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()
    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    plain = HFCausalBackend(model, tok, ident={}, batch_size=3, prefix_reuse=False)
    assert not plain.uses_engine
    reqs = uniner_requests(max_new_tokens=16)[:9]
    assert plain.generate(reqs) == naive(plain, reqs)


def test_progress_counts_every_request_once(tiny, uniner_requests):
    seen = []
    reqs = uniner_requests(max_new_tokens=8)[:10]
    tiny.generate(reqs, progress=seen.append)
    assert sum(seen) == len(reqs)


def test_bad_requests_are_refused(tiny):
    with pytest.raises(UnibenchError, match="greedily"):
        tiny.generate([GenRequest("x y", temperature=0.7)])
    with pytest.raises(UnibenchError, match="chat template"):
        tiny.generate([GenRequest(({"role": "user", "content": "hi"},))])
    assert tiny.generate([]) == []
