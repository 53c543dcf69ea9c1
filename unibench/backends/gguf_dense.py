"""GGUF -> a dense safetensors folder, so that vLLM (and anything else) runs the exact weights `hf:` runs.

transformers dequantises a GGUF on load (`from_pretrained(..., gguf_file=)`, what `unibench run
--model hf:DIR --gguf-file F` does) but then marks the model "quantized with gguf" and refuses
`save_pretrained`. The weights are already dense at that point, so they are copied into a plain
model built from the same config and saved with its tokenizer: the folder loads in vLLM and in
`--model hf:` with the very same weights (their outputs can then be compared).
"""

from __future__ import annotations

from pathlib import Path


def gguf_to_dense(folder: Path, gguf_file: str, out: Path, dtype: str = "float32") -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file, dtype=getattr(torch, dtype))
    cfg = model.config
    if hasattr(cfg, "quantization_config"):
        delattr(cfg, "quantization_config")
    dense = AutoModelForCausalLM.from_config(cfg, dtype=getattr(torch, dtype))
    dense.load_state_dict(model.state_dict(), strict=True)
    out = Path(out)
    dense.save_pretrained(out)
    tok.save_pretrained(out)
    return out
