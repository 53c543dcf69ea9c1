"""GGUF -> dense safetensors keeps the exact weights and tokenizer that `hf:` with gguf_file= runs."""

import pytest


@pytest.mark.slow
def test_dense_folder_has_the_gguf_weights(smollm2_gguf, tmp_path):
    pytest.importorskip("gguf")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from unibench.backends.gguf_dense import gguf_to_dense

    folder, name = smollm2_gguf
    out = gguf_to_dense(folder, name, tmp_path / "dense")
    assert (out / "model.safetensors").exists() and not (out / name).exists()
    src = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).state_dict()
    dense = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).state_dict()
    assert src.keys() == dense.keys()
    assert all(torch.equal(src[k], dense[k]) for k in src)
    text = "USER: What describes person in the text? ASSISTANT:"
    assert AutoTokenizer.from_pretrained(out)(text)["input_ids"] == \
        AutoTokenizer.from_pretrained(folder, gguf_file=name)(text)["input_ids"]
