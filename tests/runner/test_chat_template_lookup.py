"""Where `unibench run` looks for a chat template without loading a model (unibench/adapter_choice.py)."""

import json

import pytest

from unibench.adapter_choice import choose_adapter, has_chat_template
from unibench.errors import UnibenchError
from unibench.models import parse_model_ref


def _folder(tmp_path, name, tokenizer_config=None, files=()):
    d = tmp_path / name
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}))
    if tokenizer_config is not None:
        (d / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    for f in files:
        (d / f).write_text("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    return parse_model_ref(f"hf:{d}")


def test_template_in_tokenizer_config_or_its_own_file(tmp_path):
    assert has_chat_template(_folder(tmp_path, "a", {"chat_template": "{{ messages }}"}))
    assert has_chat_template(_folder(tmp_path, "b", {"model_max_length": 512}, files=["chat_template.jinja"]))
    assert not has_chat_template(_folder(tmp_path, "c", {"model_max_length": 512}))
    assert not has_chat_template(_folder(tmp_path, "d", {"chat_template": ""}))


def test_meta_file_wins_and_no_template_lists_the_adapters(tmp_path):
    ref = _folder(tmp_path, "student", {"chat_template": "{{ messages }}"})
    (tmp_path / "student" / "unibench_model.json").write_text(json.dumps({"adapter": "uniner"}))
    assert choose_adapter(ref, None) == ("uniner", "the checkpoint's unibench_model.json")
    with pytest.raises(UnibenchError) as e:
        choose_adapter(_folder(tmp_path, "plain", {}), None)
    assert "no chat template" in e.value.render() and "--adapter: " in e.value.render()
