"""LoRA (merged) and GGUF bases: the saved folder is a plain checkpoint `hf:DIR` loads."""

from __future__ import annotations

import json
import re

import pytest

torch = pytest.importorskip("torch")


def _tensors(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def _request():
    from tests.backends.conftest import PASSAGES, uniner_prompt

    from unibench.backends.base import GenRequest

    prompt, prefix = uniner_prompt(PASSAGES[0], "person")
    return GenRequest(prompt=prompt, prefix=prefix, max_new_tokens=8, stop=("</s>",))


def test_lora_is_merged_and_loads_through_make_hf_backend(tmp_path, tiny_llama_dir, small_conv_file, cli):
    from unibench.backends.hf_load import make_hf_backend

    out = tmp_path / "lora"
    rc, stdout, err = cli("train", "--data", small_conv_file, "--base", tiny_llama_dir, "--out", out, "--lora",
                          "--lora-r", "4", "--epochs", "2", "--batch-size", "2", "--grad-accum", "1", "--lr", "1e-2",
                          "--eval-fraction", "0", "--json")
    assert rc == 0, err
    assert re.search(r"train 6/6 \(100\.0%\), [\d.]+/s, ETA 0:00:00, step 6/6, epoch 2/2, loss ", err)  # the plain
    # progress line when stderr is not a terminal (unibench/progress_log.py)
    summary = json.loads(stdout)
    assert summary["hyperparameters"]["lora"] is True and summary["hyperparameters"]["lora_alpha"] == 8
    base, tuned = _tensors(tiny_llama_dir), _tensors(out)
    assert set(tuned) == set(base)  # no lora_A/lora_B/base_layer keys: merged into plain weights
    q = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(base[q], tuned[q])  # the merged update is in the weights
    assert torch.equal(base["model.embed_tokens.weight"], tuned["model.embed_tokens.weight"])  # LoRA left these
    assert not (out / "adapter_config.json").exists()
    meta = json.loads((out / "unibench_model.json").read_text())
    assert meta["adapter"] == "uniner" and meta["lora"] is True and meta["status"] == "complete"
    assert "LoRA (r=4, alpha=8" in (out / "README.md").read_text()
    backend = make_hf_backend(str(out))
    assert type(backend).__name__ == "HFCausalBackend"
    assert isinstance(backend.generate([_request()])[0], str)


def test_held_out_split_follows_the_original(tmp_path):
    from unibench.train.sft import split_train_eval

    tr, ev = split_train_eval(100, 0.02)
    assert len(tr) == 98 and len(ev) == 2 and sorted(tr + ev) == list(range(100))
    import numpy as np

    np.random.seed(3)
    perm = np.random.permutation(100)
    assert tr == perm[:98].tolist()  # the original's np.random.seed(3); permutation; 98/2
    assert split_train_eval(20, 0.0) == (np.random.RandomState(3).permutation(20).tolist(), [])


@pytest.mark.slow
def test_gguf_base_trains_and_saves_a_dense_checkpoint(tmp_path, smollm2_gguf, small_conv_file, cli):
    from unibench.backends.hf_load import make_hf_backend

    folder, name = smollm2_gguf
    out = tmp_path / "smol"
    rc, stdout, err = cli("train", "--data", small_conv_file, "--base", folder, "--gguf-file", name, "--out", out,
                          "--max-examples", "2", "--epochs", "1", "--batch-size", "2", "--grad-accum", "1",
                          "--max-length", "96", "--eval-fraction", "0", "--lr", "1e-5", "--json")
    assert rc == 0, err
    cfg = json.loads((out / "config.json").read_text())
    assert "quantization_config" not in cfg and cfg["model_type"] == "llama"
    meta = json.loads((out / "unibench_model.json").read_text())
    assert meta["gguf_file"] == name and meta["adapter"] == "uniner"
    assert f"GGUF {name}" in (out / "README.md").read_text()
    backend = make_hf_backend(str(out), batch_size=1)
    assert isinstance(backend.generate([_request()])[0], str)


def test_loss_on_target_positions_equals_full_cross_entropy(tiny_llama_dir, small_conv_file):
    """The logits_to_keep shortcut computes exactly the next-token loss over the targets (also through the
    full-logits fallback, and equal to transformers' own mean loss times the number of targets)."""
    import torch.nn.functional as F
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from unibench.train.conversations import read_conversations
    from unibench.train.encode import encode, pad_batch
    from unibench.train.sft import causal_loss_sum
    from unibench.train.template import render

    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()
    encs = [encode(tok, render(c), 512) for c in read_conversations(small_conv_file).records[:3]]
    batch = {k: torch.tensor(v) for k, v in pad_batch(encs, tok.pad_token_id).items()}
    n = sum(e.n_targets for e in encs)
    with torch.no_grad():
        ours = causal_loss_sum(model, batch)
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        ref = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), batch["labels"][:, 1:].reshape(-1),
                              ignore_index=-100, reduction="sum")
        hf = model(**batch).loss * n

        class NoLogitsToKeep(torch.nn.Module):
            def forward(self, input_ids, attention_mask, use_cache):
                return model(input_ids=input_ids, attention_mask=attention_mask)

        fallback = causal_loss_sum(NoLogitsToKeep(), batch)
    assert ours.item() == pytest.approx(ref.item(), rel=1e-5)
    assert fallback.item() == pytest.approx(ref.item(), rel=1e-5)
    assert hf.item() == pytest.approx(ref.item(), rel=1e-5)
