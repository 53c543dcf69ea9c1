"""The adapter is chosen on evidence and said out loud; a row whose outputs mostly fail to parse is loud too.

An unregistered checkpoint whose tokenizer has a chat template gets the `chat` adapter (the UniNER
conversation through the model's own template); one without a template needs --adapter; a run with most
outputs unparsed warns with the share and the adapters to try, and its result file carries the warning."""

import json
import shutil
from pathlib import Path

import pytest

from unibench.adapter_choice import choose_adapter
from unibench.cli.main import main
from unibench.models import parse_model_ref
from unibench.results import read_result
from tests.conftest import SHARED_DATA, needs_shared

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

# a ChatML-like template written for the tiny tokenizer (its vocabulary has <s> and </s>)
CHAT_TEMPLATE = ("{% for m in messages %}<s>{{ m['role'] }}\n{{ m['content'] }}</s>\n{% endfor %}"
                 "{% if add_generation_prompt %}<s>assistant\n{% endif %}")


@pytest.fixture(scope="module")
def tiny_chat_llama_dir(tiny_llama_dir, tmp_path_factory) -> Path:
    """The tiny Llama of tests/backends/conftest.py with a chat template in its tokenizer_config.json, and no
    registry entry or unibench_model.json: an unregistered chat model."""
    from transformers import AutoTokenizer

    dst = tmp_path_factory.mktemp("tiny-chat-llama") / "my-chat-model"
    shutil.copytree(tiny_llama_dir, dst)
    tok = AutoTokenizer.from_pretrained(dst)
    tok.chat_template = CHAT_TEMPLATE
    tok.save_pretrained(dst)
    return dst


def _run(capsys, *args) -> tuple[int, dict | None, str]:
    rc = main(["run", *args, "--json"])
    cap = capsys.readouterr()
    return rc, (json.loads(cap.out) if rc == 0 else None), cap.err


@needs_shared("crossner_ai")
def test_unregistered_chat_model_gets_the_chat_adapter(tiny_chat_llama_dir, tmp_path, capsys):
    rc, out, err = _run(capsys, "--model", f"hf:{tiny_chat_llama_dir}", "--datasets", "crossner_ai", "--data-dir",
                        str(SHARED_DATA), "--limit", "1", "--output-dir", str(tmp_path / "o"), "--cache-dir",
                        str(tmp_path / "c"), "--log-samples")
    assert rc == 0, err
    assert "adapter: chat (not in the model registry; its tokenizer has a chat template" in err
    assert out["adapter"] == "chat"
    (path,) = (tmp_path / "o").rglob("crossner_ai.json")
    r = read_result(path)
    assert (r.prompt.adapter, r.model.family) == ("chat", "chat")  # the stamps say what was really used
    lines = [json.loads(x) for x in path.with_name("crossner_ai.samples.jsonl").read_text().splitlines()]
    assert len(lines) == 13
    first = lines[0]
    assert [m["role"] for m in first["prompt"]] == ["system", "user", "assistant", "user"]
    assert first["prompt"][1]["content"] == "Text: " + first["text"]
    assert first["prompt"][2]["content"] == "I've read this text."
    assert first["prompt"][3]["content"] == f"What describes {first['label']} in the text?"
    # the messages went through the checkpoint's own template: the same greedy output as its rendered string
    from transformers import AutoTokenizer

    from unibench.backends.base import GenRequest
    from unibench.backends.hf_load import make_hf_backend

    rendered = AutoTokenizer.from_pretrained(tiny_chat_llama_dir).apply_chat_template(
        first["prompt"], tokenize=False, add_generation_prompt=True)
    assert rendered.startswith("<s>system\nA virtual assistant") and rendered.endswith("<s>assistant\n")
    (direct,) = make_hf_backend(str(tiny_chat_llama_dir)).generate([GenRequest(prompt=rendered)])
    assert direct == first["raw_output"]


def test_unregistered_model_without_chat_template_needs_adapter(tiny_llama_dir, tmp_path, capsys):
    rc, _, err = _run(capsys, "--model", f"hf:{tiny_llama_dir}", "--benchmark", "demo", "--output-dir",
                      str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c"))
    assert rc == 2 and "tokenizer has no chat template" in err and "Traceback" not in err
    assert "--adapter:" in err and all(n in err for n in ("uniner", "chat", "vicuna", "instructuie", "bert"))
    assert not (tmp_path / "o").exists()


def test_choice_order_and_the_gguf_chat_template(smollm2_gguf):
    folder, gguf_file = smollm2_gguf
    ref = parse_model_ref(f"hf:{folder}")
    # SmolLM2-135M-Instruct's GGUF carries its chat template in the file's metadata
    assert choose_adapter(ref, None, gguf_file)[0] == "chat"
    assert choose_adapter(ref, "uniner", gguf_file) == ("uniner", "--adapter")
    assert choose_adapter(parse_model_ref("hf:Universal-NER/UniNER-7B-type"), None) == ("uniner", "the model registry")
    assert choose_adapter(parse_model_ref("openai:some-model"), None)[0] == "chatgpt"


@needs_shared("crossner_ai")
def test_prose_outputs_warn_in_run_and_the_result_carries_it(tiny_llama_dir, tmp_path, capsys):
    """The tiny random Llama asked in the UniNER format answers with unparseable token soup, like a chat model
    answering in prose: the run says so, with the share and the adapters to try."""
    rc, out, err = _run(capsys, "--model", f"hf:{tiny_llama_dir}", "--adapter", "uniner", "--datasets", "crossner_ai",
                        "--data-dir", str(SHARED_DATA), "--limit", "1", "--output-dir", str(tmp_path / "o"),
                        "--cache-dir", str(tmp_path / "c"))
    assert rc == 0, err
    assert "adapter: uniner (--adapter" in err
    row = out["datasets"]["crossner_ai"]
    assert row["parse_failures"] >= 7  # of 13: the share that triggers the warning
    warning = row["parse_warning"]
    assert warning.startswith(f"crossner_ai: {row['parse_failures']}/13 outputs (")
    assert "did not parse in the uniner adapter's answer format" in warning and "try --adapter chat" in warning
    assert f"warning: {warning}" in err
    (path,) = (tmp_path / "o").rglob("crossner_ai.json")
    assert read_result(path).diagnostics.parse_warning == warning
    # a finished row loaded again warns again
    rc, _, err = _run(capsys, "--model", f"hf:{tiny_llama_dir}", "--adapter", "uniner", "--datasets", "crossner_ai",
                      "--data-dir", str(SHARED_DATA), "--limit", "1", "--output-dir", str(tmp_path / "o"),
                      "--cache-dir", str(tmp_path / "c"))
    assert rc == 0 and "warning: crossner_ai:" in err


@needs_shared("crossner_ai")
def test_per_sentence_answers_in_prose_warn_too(tiny_llama_dir, tmp_path, capsys):
    """Per-sentence parsers never fail (prose just yields no entities), so the warning counts answers that name
    none of the row's types in the adapter's format; the dummy backend's well-formed Ye answers do not warn."""
    common = ["--datasets", "crossner_ai", "--data-dir", str(SHARED_DATA), "--limit", "2", "--cache-dir",
              str(tmp_path / "c")]
    rc, out, err = _run(capsys, "--model", f"hf:{tiny_llama_dir}", "--adapter", "vicuna", "--output-dir",
                        str(tmp_path / "v"), *common)
    assert rc == 0, err
    warning = out["datasets"]["crossner_ai"]["parse_warning"]
    assert warning.startswith("crossner_ai: 2/2 answers (100%) did not parse in the vicuna adapter's answer format")
    assert f"warning: {warning}" in err
    (path,) = (tmp_path / "v").rglob("crossner_ai.json")
    r = read_result(path)
    assert r.backend.settings["unparsed_answers"] == 2 and r.diagnostics.parse_warning == warning
    rc, out, err = _run(capsys, "--model", "dummy", "--adapter", "chatgpt", "--output-dir", str(tmp_path / "d"),
                        *common)
    assert rc == 0 and out["datasets"]["crossner_ai"]["parse_warning"] is None and "warning" not in err
    (path,) = (tmp_path / "d").rglob("crossner_ai.json")
    assert read_result(path).backend.settings["unparsed_answers"] == 0
