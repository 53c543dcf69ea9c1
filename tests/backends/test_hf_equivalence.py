"""Batching + prefix reuse give exactly the naive loop's outputs under greedy decoding (tiny models)."""


from unibench.backends.base import GenRequest
from unibench.backends.hf_load import make_hf_backend

from .conftest import PASSAGES, uniner_prompt

TYPES = ["person", "location", "organization"]


def _requests(max_new_tokens=12):
    reqs = []
    for p in PASSAGES:
        for t in TYPES:
            full, prefix = uniner_prompt(p, t)
            reqs.append(GenRequest(full, prefix=prefix, max_new_tokens=max_new_tokens, stop=("</s>",)))
    return reqs


def _naive(model_dir, reqs):
    one = make_hf_backend(str(model_dir), batch_size=1)
    return [one.generate([GenRequest(r.prompt, max_new_tokens=r.max_new_tokens, stop=r.stop)])[0] for r in reqs]


def test_causal_batched_prefix_reuse_equals_naive(tiny_llama_dir):
    reqs = _requests()
    fast = make_hf_backend(str(tiny_llama_dir), batch_size=8).generate(reqs)
    assert fast == _naive(tiny_llama_dir, reqs)
    assert len(fast) == len(reqs) and len(set(fast)) > 1  # real, varied generations, not all empty


def test_seq2seq_batched_equals_single(tiny_t5_dir):
    reqs = [GenRequest(f"Option: person \nText: {p} \nAnswer:", max_new_tokens=10) for p in PASSAGES]
    batched = make_hf_backend(str(tiny_t5_dir), batch_size=4).generate(reqs)
    single = make_hf_backend(str(tiny_t5_dir), batch_size=1)
    assert batched == [single.generate([r])[0] for r in reqs]


def test_token_classification_returns_spans(rigged_bert_dir):
    tc = make_hf_backend(str(rigged_bert_dir), task="token-classification")
    out = tc.predict([p.split() for p in PASSAGES])
    assert len(out) == len(PASSAGES)
    for spans, p in zip(out, PASSAGES):
        assert all(0 <= a < b <= len(p.split()) and isinstance(t, str) for a, b, t in spans)
