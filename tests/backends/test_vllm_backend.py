"""The in-process vLLM backend against vLLM's DOCUMENTED interface, through a stand-in.

The real vLLM runs here only on CPU and in its own venv (tests/backends/test_vllm_real.py compares its
outputs with the transformers backend's; scripts/vllm_cpu_check.sh runs `unibench run --model vllm:DIR`).
What needs GPUs or must run in the project's venv stays on a stand-in `vllm` package put on sys.path
(tests/backends/vllm_standin/vllm, which implements exactly the signatures of LLM, SamplingParams and
RequestOutput that the backend uses, and records what it receives): prefix caching on, temperature 0,
max_tokens and stop from the adapter, chat prompts through LLM.chat, outputs in request order, one
process per data-parallel rank on its own GPUs, and the CLI end to end in the project's venv."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from unibench.backends.base import GenRequest
from unibench.cli.main import main
from unibench.errors import UnibenchError
from tests.conftest import SHARED_DATA, needs_shared

STANDIN = Path(__file__).parent / "vllm_standin"


@pytest.fixture()
def standin(monkeypatch):
    """The stand-in vllm package, importable for this test only."""
    monkeypatch.syspath_prepend(str(STANDIN))
    monkeypatch.delitem(sys.modules, "vllm", raising=False)
    import vllm

    assert vllm.__version__.endswith("unibench-test-standin")
    vllm.CALLS.clear()
    yield vllm
    sys.modules.pop("vllm", None)


def _requests():
    uniner = "A virtual assistant answers questions from a user based on the provided text. USER: Text: {t} " \
             "ASSISTANT: I've read this text.</s>USER: What describes {y} in the text? ASSISTANT:"
    out = []
    for i, t in enumerate(["Barack Obama visited Paris .", "Geoffrey Hinton met Yann LeCun in Toronto ."]):
        for y in ("person", "location"):
            out.append(GenRequest(uniner.format(t=t, y=y), max_new_tokens=256, stop=("</s>",)))
        out.append(GenRequest(({"role": "user", "content": "Please identify person Entity from the given text, "
                                "output using the format as:\nEntity: person: Word1, Word2\nText: " + t +
                                "\nEntity:"},), max_new_tokens=50))
    return out


def test_engine_and_sampling_arguments_and_order(standin):
    from unibench.backends.dummy import DummyBackend
    from unibench.backends.vllm_backend import VLLMBackend

    b = VLLMBackend("org/model-7b", revision="abc123", tensor_parallel_size=2, gpu_memory_utilization=0.8,
                    max_model_len=4096, extra={"max-num-seqs": 64, "dtype": "bfloat16"})
    (kind, init), = standin.CALLS
    assert kind == "init"
    assert init["kwargs"] == {"model": "org/model-7b", "revision": "abc123", "tensor_parallel_size": 2,
                              "enable_prefix_caching": True, "gpu_memory_utilization": 0.8, "max_model_len": 4096,
                              "max_num_seqs": 64, "dtype": "bfloat16"}
    reqs = _requests()
    seen = []
    out = b.generate(reqs, progress=seen.append)
    # outputs in request order, although text and chat prompts went through two different calls
    dummy = DummyBackend()
    expect = [dummy.answer(r.prompt if isinstance(r.prompt, str) else r.prompt[0]["content"]) for r in reqs]
    assert out == expect and sum(seen) == len(reqs)
    calls = dict(standin.CALLS[1:])
    assert calls["generate"]["prompts"] == [r.prompt for r in reqs if isinstance(r.prompt, str)]
    assert calls["generate"]["use_tqdm"] is False
    assert {json.dumps(p) for p in calls["generate"]["params"]} == {
        json.dumps({"temperature": 0.0, "max_tokens": 256, "stop": ["</s>"], "n": 1})}
    assert calls["chat"]["messages"] == [list(r.prompt) for r in reqs if not isinstance(r.prompt, str)]
    assert calls["chat"]["params"][0] == {"temperature": 0.0, "max_tokens": 50, "stop": [], "n": 1}
    assert b.identity() == {"model_id": "org/model-7b", "revision": "abc123"}
    assert b.versions()["vllm"] == standin.__version__
    assert b.settings()["enable_prefix_caching"] is True and "model" not in b.settings()


def test_mixed_decodings_pair_one_sampling_params_per_prompt(standin):
    from unibench.backends.vllm_backend import VLLMBackend

    b = VLLMBackend("m")
    reqs = [GenRequest("Text: Alpha Beta ASSISTANT:", max_new_tokens=n, stop=("</s>",) if n > 1 else ())
            for n in (256, 1, 256)]
    out = b.generate(reqs)
    params = dict(standin.CALLS[1:])["generate"]["params"]
    assert [p["max_tokens"] for p in params] == [256, 1, 256]
    assert [p["stop"] for p in params] == [["</s>"], [], ["</s>"]]
    assert len(out[1].split(" ")) <= 1


def test_data_parallel_is_one_process_per_rank_on_its_own_gpus(standin, tmp_path, monkeypatch):
    from unibench.backends.vllm_backend import VLLMBackend

    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("VLLM_STANDIN_LOG", str(log))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,5,6,7")
    b = VLLMBackend("m", tensor_parallel_size=2, data_parallel_size=2)
    try:
        reqs = _requests()
        single = VLLMBackend("m").generate(reqs)  # in-process reference (same stand-in)
        assert b.generate(reqs) == single
        assert b.generate(reqs[:1]) == single[:1]  # fewer requests than ranks: idle rank gets nothing
    finally:
        b.close()
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    workers = [x for x in lines if x["pid"] != __import__("os").getpid()]
    inits = [x for x in workers if x["kind"] == "init"]
    assert sorted(x["cuda_visible_devices"] for x in inits) == ["4,5", "6,7"]
    assert all("data_parallel_size" not in x["kwargs"] and x["kwargs"]["tensor_parallel_size"] == 2 for x in inits)
    shards = [x for x in workers if x["kind"] in ("generate", "chat")]
    assert sum(len(x.get("prompts") or x.get("messages")) for x in shards) == len(_requests()) + 1


def test_missing_vllm_gives_the_install_hint(monkeypatch):
    from unibench.backends.vllm_backend import VLLMBackend

    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
    with pytest.raises(UnibenchError) as exc:
        VLLMBackend("m")
    assert "pip install 'unibench[vllm]'" in str(exc.value)


def test_vllm_arg_cannot_override_identity_or_dp():
    from unibench.backends.vllm_backend import engine_kwargs

    for bad in ({"model": "x"}, {"data_parallel_size": 2}):
        with pytest.raises(UnibenchError):
            engine_kwargs("m", None, extra=bad)
    assert engine_kwargs("m", None, extra={"enable-chunked-prefill": False})["enable_chunked_prefill"] is False


def test_vllm_options_rejected_for_other_backends(capsys):
    assert main(["run", "--model", "gazetteer", "--benchmark", "demo", "--tensor-parallel-size", "2"]) == 2
    assert "vllm:ID only" in capsys.readouterr().err
    assert main(["run", "--model", "vllm:m", "--benchmark", "demo", "--vllm-arg", "novalue"]) == 2


@needs_shared("crossner_ai")
def test_run_cli_through_vllm_scores_like_dummy(standin, tmp_path, capsys):
    """`unibench run --model vllm:ID@REV` end to end; the stand-in answers like the dummy backend, so
    the scores must equal a `--model dummy` run of the same queries."""
    common = ["--adapter", "uniner", "--datasets", "crossner_ai", "--data-dir", str(SHARED_DATA), "--limit", "6",
              "--cache-dir", str(tmp_path / "cache"), "--json"]
    assert main(["run", "--model", "vllm:org/fake-7b@abc123", "--tensor-parallel-size", "2",
                 "--gpu-memory-utilization", "0.85", "--max-model-len", "4096", "--vllm-arg", "max_num_seqs=128",
                 "--output-dir", str(tmp_path / "v"), *common]) == 0
    v = json.loads(capsys.readouterr().out)
    assert main(["run", "--model", "dummy", "--output-dir", str(tmp_path / "d"), *common]) == 0
    d = json.loads(capsys.readouterr().out)
    a, b = v["datasets"]["crossner_ai"], d["datasets"]["crossner_ai"]
    assert (a["tp"], a["fp"], a["fn"], a["n_queries"]) == (b["tp"], b["fp"], b["fn"], b["n_queries"]) and a["tp"] > 0
    from unibench.results import read_result

    r = read_result(tmp_path / "v" / "partial" / "limit-6" / "org__fake-7b" / "abc123" / "crossner_ai.json")
    assert r.backend.name == "vllm" and r.backend.versions["vllm"] == standin.__version__
    assert r.backend.settings["tensor_parallel_size"] == 2 and r.backend.settings["max_num_seqs"] == 128
    assert r.backend.settings["enable_prefix_caching"] is True and r.model.revision == "abc123"
    # tokens counted with the engine's tokenizer (the stand-in's: one per word, plus a begin token per prompt)
    assert r.cost.tokens_from == "tokenizer" and r.cost.requests_without_tokens == 0
    assert r.cost.input_tokens > 6 * 13 * 20 and r.cost.output_tokens > 0


def test_vllm_logs_go_to_stderr_not_into_json_stdout(standin, monkeypatch):
    """Real vLLM logs to stdout by default, which corrupted `unibench run --json` (seen with vllm-cpu 0.32.0)."""
    from unibench.backends.vllm_backend import VLLMBackend

    monkeypatch.delenv("VLLM_LOGGING_STREAM", raising=False)
    VLLMBackend("org/model-7b")
    assert __import__("os").environ["VLLM_LOGGING_STREAM"] == "ext://sys.stderr"
    monkeypatch.setenv("VLLM_LOGGING_STREAM", "ext://sys.stdout")  # a user's explicit choice is kept
    VLLMBackend("org/model-7b")
    assert __import__("os").environ["VLLM_LOGGING_STREAM"] == "ext://sys.stdout"
