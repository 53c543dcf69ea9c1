"""transformers' own continuous batching (`generate_batch`), the method `benchmarks/bench_backends.py`
times against the engine, gives the naive loop's outputs: the benchmark compares like with like."""

from unibench.backends.hf_common import library_batched_generate, naive_generate
from unibench.backends.hf_load import make_hf_backend

from .conftest import PASSAGES


def test_library_continuous_batching_equals_naive(tiny_llama_dir, uniner_requests):
    backend = make_hf_backend(str(tiny_llama_dir), batch_size=4)
    reqs = uniner_requests(max_new_tokens=10, stop=("</s>",), passages=PASSAGES[:2])
    # page size 4: the passage prefixes span several full pages, so block sharing really happens
    lib = library_batched_generate(backend.model, backend.tokenizer, reqs, 4, page_size=4)
    assert lib == naive_generate(backend.model, backend.tokenizer, reqs)
    assert len(set(lib)) > 1  # real, varied generations


def test_library_refuses_mixed_lengths(tiny_llama_dir, uniner_requests):
    import pytest

    from unibench.errors import UnibenchError

    backend = make_hf_backend(str(tiny_llama_dir), batch_size=4)
    reqs = uniner_requests(max_new_tokens=4)[:2] + uniner_requests(max_new_tokens=5)[:1]
    with pytest.raises(UnibenchError, match="one max_new_tokens"):
        library_batched_generate(backend.model, backend.tokenizer, reqs, 4)
