"""Model size from weight-file headers equals what transformers counts after loading."""

from __future__ import annotations

import transformers

from unibench.backends.hf_common import count_parameters


def test_safetensors_header_count_equals_loaded_model(tiny_llama_dir, tiny_t5_dir, rigged_bert_dir):
    for folder in (tiny_llama_dir, tiny_t5_dir, rigged_bert_dir):
        arch = transformers.AutoConfig.from_pretrained(folder).architectures[0]
        full = getattr(transformers, arch).from_pretrained(folder)
        assert count_parameters(folder) == full.num_parameters() > 0, arch


def test_unknown_format_is_none(tmp_path):
    (tmp_path / "pytorch_model.bin").write_bytes(b"\0" * 8)
    assert count_parameters(tmp_path) is None
