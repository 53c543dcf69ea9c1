"""Model references, the registry, and a checkpoint's unibench_model.json."""

import json

import pytest

from unibench.errors import UnibenchError
from unibench.models import checkpoint_meta, parse_model_ref, registry_adapter, training_datasets


def test_refs_with_revisions():
    assert parse_model_ref("vllm:Universal-NER/UniNER-7B-type@abc123").revision == "abc123"
    assert parse_model_ref("hf:org/m@v1").name == "org/m"
    assert parse_model_ref("openai:gpt-4o@x").name == "gpt-4o@x"  # API model names are taken as given


def test_registry_picks_family_adapters(tmp_path):
    assert registry_adapter(parse_model_ref("vllm:Universal-NER/UniNER-7B-type")) == "uniner"
    assert registry_adapter(parse_model_ref("hf:Universal-NER/UniNER-7B-type-sup")) == "uniner-sup"
    assert registry_adapter(parse_model_ref("hf:dslim/bert-base-NER")) == "bert"
    assert registry_adapter(parse_model_ref("openai:some-served-model")) == "chatgpt"
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["RobertaForTokenClassification"]}))
    assert registry_adapter(parse_model_ref(f"hf:{folder}")) == "bert"


def test_unibench_model_json(tmp_path):
    (tmp_path / "unibench_model.json").write_text(json.dumps({"adapter": "bert", "training_datasets":
                                                              ["conllpp", "conllpp", "btc"]}))
    ref = parse_model_ref(f"hf:{tmp_path}")
    assert registry_adapter(ref) == "bert" and training_datasets(ref) == ["conllpp", "btc"]
    assert training_datasets(parse_model_ref("hf:org/no-such-local-dir")) == []


@pytest.mark.parametrize("text, where", [('{"adapter": "bert",\n "training_datasets": [1]}', "training_datasets"),
                                         ('{"adapter": "bert",\n  oops}', ":2"), ('["bert"]', "JSON object")])
def test_bad_unibench_model_json_names_the_file(tmp_path, text, where):
    (tmp_path / "unibench_model.json").write_text(text)
    with pytest.raises(UnibenchError) as exc:
        checkpoint_meta(parse_model_ref(f"hf:{tmp_path}"))
    assert str(tmp_path / "unibench_model.json") in str(exc.value) and where in str(exc.value)
