"""`unibench train`: supervised fine-tuning of the UniNER student on conversation data.

The recipe is the original `src/train/train.sh` + `preprocess2` (paper §3.2, §5.1; docs/training.md): loss only on
assistant turns, question order shuffled per example, 3 epochs, lr 2e-5, cosine with 4% warmup,
effective batch 256 through accumulation, max length 1024, the 98/2 train/held-out split with
numpy seed 3, bf16 and gradient checkpointing on GPU. Where unibench differs, the model card
lists it (`deviations`) and so does docs/training.md.

LoRA (peft) is an option. The adapter is MERGED into the saved weights, so `hf:OUT` is a plain
transformers checkpoint that `unibench run` (AutoModelForCausalLM.from_pretrained) loads with no
peft installed, and its cache key is the merged weights' hash.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from ..errors import UnibenchError
from . import checkpoint as ckpt
from .conversations import ConversationFile, read_conversations, training_datasets
from .encode import IGNORE, Encoded, encode, pad_batch
from .template import load_template, render, shuffled_pairs

PAPER = {"epochs": 3, "lr": 2e-5, "effective_batch": 256, "max_length": 1024, "warmup_ratio": 0.04,
         "schedule": "cosine", "weight_decay": 0.0, "eval_fraction": 0.02}
LORA_DEFAULT_LR = 2e-4  # not from the paper: LoRA needs a larger step than full fine-tuning


@dataclass
class SFTOptions:
    data: Path
    base: str
    out: Path
    epochs: int = 3
    lr: Optional[float] = None  # 2e-5 (full) or 2e-4 (LoRA)
    batch_size: int = 4
    grad_accum: Optional[int] = None  # default: ceil(256 / batch_size)
    max_length: int = 1024
    warmup_ratio: float = 0.04
    schedule: str = "cosine"
    weight_decay: float = 0.0
    lora: bool = False
    lora_r: int = 16
    lora_alpha: Optional[int] = None  # default 2 * r
    lora_dropout: float = 0.05
    seed: int = 42
    gguf_file: Optional[str] = None
    max_examples: Optional[int] = None  # records (passages), the unit the original calls an example
    eval_fraction: float = 0.02
    save_steps: int = 0
    device: str = "auto"
    gradient_checkpointing: Optional[bool] = None  # default: on for an accelerator, off on CPU
    precision: str = "auto"  # --dtype: auto (bf16 autocast on a GPU that has it, else fp32) | float32 | bfloat16
    overwrite: bool = False
    skip_invalid: bool = False
    reshuffle_each_epoch: bool = False  # the original shuffles once per example
    declared_datasets: tuple[str, ...] = ()  # rows whose data is in the file without a "dataset" field

    def resolved(self) -> "SFTOptions":
        o = copy.copy(self)
        o.lr = self.lr if self.lr is not None else (LORA_DEFAULT_LR if self.lora else PAPER["lr"])
        o.grad_accum = self.grad_accum or max(1, math.ceil(PAPER["effective_batch"] / self.batch_size))
        o.lora_alpha = self.lora_alpha or 2 * self.lora_r
        return o


def _check(o: SFTOptions) -> None:
    for name in ("epochs", "batch_size", "max_length"):
        if getattr(o, name) < 1:
            raise UnibenchError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(o, name)}")
    if o.grad_accum is not None and o.grad_accum < 1:
        raise UnibenchError(f"--grad-accum must be >= 1, got {o.grad_accum}")
    from ..devices import DTYPE_ALIASES, DTYPES

    dtype = DTYPE_ALIASES.get(o.precision, o.precision)
    if dtype not in DTYPES or dtype == "float16":
        raise UnibenchError(f"--dtype (--precision) {o.precision!r}: expected auto, float32 or bfloat16 (float16 "
                            "training would need loss scaling)")
    if o.schedule not in ("cosine", "linear"):
        raise UnibenchError(f"--schedule {o.schedule!r}: expected cosine or linear")
    if not 0 <= o.eval_fraction < 1:
        raise UnibenchError(f"--eval-fraction must be in [0, 1), got {o.eval_fraction}")
    if o.lr is not None and o.lr <= 0:
        raise UnibenchError(f"--lr must be > 0, got {o.lr}")


def split_train_eval(n: int, fraction: float) -> tuple[list[int], list[int]]:
    """The original's split: np.random.seed(3); perm = permutation(n); first int(0.98 n) train."""
    import numpy as np

    perm = np.random.RandomState(3).permutation(n).tolist()
    cut = int(n * (1 - fraction)) if fraction else n
    return perm[:cut], perm[cut:]


def causal_loss_sum(model, batch) -> "torch.Tensor":  # noqa: F821
    """Sum of next-token cross-entropies at target positions, computing logits only there
    (transformers' boolean `logits_to_keep`); falls back to full logits for models without it."""
    import torch
    import torch.nn.functional as F

    ids, labels, mask = batch["input_ids"], batch["labels"], batch["attention_mask"]
    shifted = labels[:, 1:]
    keep = shifted != IGNORE
    targets = shifted[keep]
    # position t predicts token t+1: the mask over the inputs is the shifted one, False at the end
    at_inputs = torch.cat([keep, torch.zeros_like(keep[:, :1])], dim=1)
    try:
        logits = model(input_ids=ids, attention_mask=mask, logits_to_keep=at_inputs, use_cache=False).logits
    except (TypeError, IndexError, ValueError, RuntimeError):  # no (boolean) logits_to_keep in this model/version
        logits = None
    if logits is None or logits.dim() != 2:
        logits = model(input_ids=ids, attention_mask=mask, use_cache=False).logits[:, :-1][keep]
    return F.cross_entropy(logits.float(), targets, reduction="sum")


def _encode_all(data: ConversationFile, idx: list[int], tokenizer, o: SFTOptions,
                epoch: int = 0) -> tuple[list[Encoded], dict]:
    tpl = load_template()
    out, stats = [], {"records": 0, "pairs": 0, "tokens": 0, "target_tokens": 0, "truncated": 0,
                      "straddling_tokens": 0, "dropped_no_target": 0}
    for i in idx:
        conv = data.records[i]
        enc = encode(tokenizer, render(conv, shuffled_pairs(conv, o.seed, epoch), tpl), o.max_length)
        if enc.n_targets == 0:
            stats["dropped_no_target"] += 1
            continue
        out.append(enc)
        stats["records"] += 1
        stats["pairs"] += len(conv.pairs)
        stats["tokens"] += len(enc.input_ids)
        stats["target_tokens"] += enc.n_targets
        stats["truncated"] += enc.truncated
        stats["straddling_tokens"] += enc.straddling
    return out, stats


def load_base(o: SFTOptions, device: str):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kw = {"gguf_file": o.gguf_file} if o.gguf_file else {}
    try:
        tok = AutoTokenizer.from_pretrained(o.base, **kw)
        mkw = dict(kw)
        if o.gguf_file:  # unpack the GGUF blocks into a plain dense (trainable, savable) fp32 model
            try:
                from transformers import GgufConfig
            except ImportError:  # transformers 4.x always dequantises GGUF weights on load
                GgufConfig = None
            if GgufConfig is not None:
                mkw["quantization_config"] = GgufConfig(dequantize=True)
        model = AutoModelForCausalLM.from_pretrained(o.base, dtype=torch.float32, **mkw)
    except (OSError, ValueError) as e:
        raise UnibenchError(f"could not load base model {o.base!r}: {str(e).splitlines()[0]}",
                            path=o.base if Path(o.base).exists() else None,
                            hint="a folder with config.json + weights + tokenizer, a Hub id already in the HF "
                                 "cache (HF_HUB_OFFLINE=1), or a GGUF folder with --gguf-file NAME") from e
    if getattr(model, "hf_quantizer", None) is not None:
        method = model.hf_quantizer.quantization_config.quant_method
        raise UnibenchError(f"the base model {o.base!r} is quantized ({method}); unibench train fine-tunes dense "
                            "weights only",
                            hint="use an unquantized checkpoint (or a GGUF file, which is dequantized on load)")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok, model.to(device)


def use_bf16(precision: str, device: str) -> bool:
    """bf16 autocast (fp32 master weights) or plain fp32: --dtype auto|float32|bfloat16 (or the old --precision
    words auto|fp32|bf16). auto: bf16 on a GPU that supports it, as the paper trained; fp32 on CPU. bf16 on CPU
    is an explicit choice (fast on CPUs with AVX512-BF16/AMX). float16 is refused (it needs loss scaling)."""
    from ..devices import training_bf16

    return training_bf16(precision, device)


def _deviations(o: SFTOptions, device: str, bf16: bool) -> list[str]:
    d = ["System line of the evaluation prompt ('... based on the provided text.'); the original training "
         "template said '... provided paragraph.'.",
         "The conversation is rendered as one ADD_COLON_TWO string and tokenized whole (character offsets decide "
         "the loss mask) instead of turn by turn, so training tokens equal the evaluation prompt's tokens for any "
         "tokenizer; what is trained on (every assistant turn + '</s>') is the original's.",
         "Batches are padded to their longest example, not to max_length (same loss, less compute); a step's "
         "loss is normalised over the target tokens of the whole accumulated batch.",
         "Single device, no FSDP; " + (f"bf16 autocast with fp32 master weights on {device}." if bf16
                                       else f"fp32 on {device} (the paper: bf16 + tf32 on 8 A100s).")]
    if o.lora:
        d.append(f"LoRA (r={o.lora_r}, alpha={o.lora_alpha}, dropout={o.lora_dropout}, all linear layers), merged "
                 "into the saved weights; the paper fine-tuned all weights.")
    paper_vals = {"epochs": o.epochs, "lr": o.lr, "effective_batch": o.batch_size * o.grad_accum,
                  "max_length": o.max_length, "warmup_ratio": o.warmup_ratio, "schedule": o.schedule,
                  "weight_decay": o.weight_decay, "eval_fraction": o.eval_fraction}
    changed = [f"{k} {v} (paper {PAPER[k]})" for k, v in paper_vals.items() if v != PAPER[k]]
    if changed:
        d.append("Hyperparameters changed from the paper's: " + "; ".join(changed) + ".")
    d.append("Base model: " + o.base + (f" ({o.gguf_file}, dequantised)" if o.gguf_file else "") +
             "; the paper used LLaMA-1 7B/13B.")
    return d


def train_student(options: SFTOptions, console=None) -> dict:
    """Validate the data, train, save OUT; returns a summary (also written to the model card)."""
    _check(options)
    o = options.resolved()
    data = read_conversations(o.data, skip_invalid=o.skip_invalid, max_records=o.max_examples)
    train_idx, eval_idx = split_train_eval(len(data.records), o.eval_fraction)
    work = ckpt.prepare_output(o.out, o.overwrite)
    return ckpt.run_guarded(work, o.out, lambda: _train(o, data, train_idx, eval_idx, work, console), console)


def _train(o: SFTOptions, data: ConversationFile, train_idx, eval_idx, work: Path, console) -> dict:
    import torch

    from .loop import LoopConfig, pick_device, train_loop

    device = pick_device(o.device)
    tok, model = load_base(o, device)
    train_ex, stats = _encode_all(data, train_idx, tok, o)
    eval_ex, eval_stats = _encode_all(data, eval_idx, tok, o)
    if not train_ex:
        raise UnibenchError("no training example has a target token left after truncation", path=o.data,
                            hint="raise --max-length")
    on_gpu = device != "cpu"
    use_gc = o.gradient_checkpointing if o.gradient_checkpointing is not None else on_gpu
    if o.lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", r=o.lora_r, lora_alpha=o.lora_alpha,
                                                 lora_dropout=o.lora_dropout, target_modules="all-linear"))
    if use_gc:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if o.lora:
            model.enable_input_require_grads()
    model.config.use_cache = False
    bf16 = use_bf16(o.precision, device)
    cfg = LoopConfig(epochs=o.epochs, lr=o.lr, batch_size=o.batch_size, grad_accum=o.grad_accum,
                     warmup_ratio=o.warmup_ratio, schedule=o.schedule, weight_decay=o.weight_decay, seed=o.seed,
                     save_steps=o.save_steps, autocast_dtype=torch.bfloat16 if bf16 else None)
    pad = tok.pad_token_id

    def make_batch(exs):
        return {k: torch.tensor(v) for k, v in pad_batch(exs, pad).items()}

    def count(exs):
        return sum(e.n_targets for e in exs)

    def evaluate(m):
        m.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for k in range(0, len(eval_ex), o.batch_size):
                mb = eval_ex[k:k + o.batch_size]
                total += float(causal_loss_sum(m, {a: b.to(device) for a, b in make_batch(mb).items()}))
                n += count(mb)
        return total / max(1, n)

    meta = {"adapter": "uniner-sup" if data.supervised else "uniner",
            "training_datasets": sorted(set(training_datasets(data.records)) | set(o.declared_datasets)),
            "base": o.base, "gguf_file": o.gguf_file,
            "data_sha256": data.sha256, "data_file": Path(o.data).name, "recipe": "unibench train",
            "template": "ie_as_qa", "lora": o.lora}
    skip = {"data", "base", "out", "overwrite", "gguf_file", "declared_datasets", "precision"}
    if not o.lora:
        skip |= {"lora_r", "lora_alpha", "lora_dropout"}
    hyper = {k: v for k, v in asdict(o).items() if k not in skip}
    hyper.update({"effective_batch": o.batch_size * o.grad_accum, "device": device,
                  "dtype": "bf16 autocast" if bf16 else "float32", "gradient_checkpointing": use_gc})
    sizes = {**stats, "eval_records": eval_stats["records"], "skipped_invalid": len(data.skipped),
             "negative_pairs_in_file": data.n_negative_pairs}

    from ..familiarity.training_types import FILE_NAME as TYPES_FILE, from_conversations

    try:
        types_doc = from_conversations([data.records[i] for i in train_idx], str(o.data), data.sha256).to_json()
    except UnibenchError:  # no positive answer at all: nothing to compare with, no file
        types_doc = None

    def write(folder: Path, step: int, hist, final: bool) -> None:
        if o.lora:  # merge into a copy: training continues on the unmerged adapter
            merged = copy.deepcopy(model).merge_and_unload()
            merged.config.use_cache = True
            merged.save_pretrained(folder, safe_serialization=True)
            del merged
        else:
            model.config.use_cache = True
            try:
                model.save_pretrained(folder, safe_serialization=True)
            finally:
                model.config.use_cache = False
        tok.save_pretrained(folder)
        status = "complete" if final else f"partial (step {step} of {hist.total_steps})"
        from ..io import atomic_write_json

        atomic_write_json(folder / "training_log.json", {"steps": hist.steps, "evals": hist.evals, "sizes": sizes,
                                                         "hyperparameters": hyper})
        if types_doc is not None:
            atomic_write_json(folder / TYPES_FILE, types_doc)  # the student's Familiarity travels with it
        rate = hist.examples_seen / max(hist.wall_seconds, 1e-9)
        card = {"kind": "uniner-student", "status": status, "date": ckpt.today(),
                "title": f"UniNER-style student fine-tuned from {o.base}",
                "summary": "Trained with `unibench train` on (passage, query) conversations in the Pile-NER-type "
                           "layout: loss only on assistant turns, question order shuffled per example.",
                "rows": [("base", o.base + (f" (GGUF {o.gguf_file})" if o.gguf_file else "")),
                         ("data", f"{Path(o.data).name} (sha256 {data.sha256})"),
                         ("training records (passages)", sizes["records"]),
                         ("(passage, query) pairs", sizes["pairs"]),
                         ("negative pairs in the file ([] answers)", sizes["negative_pairs_in_file"]),
                         ("tokens / target tokens", f"{sizes['tokens']} / {sizes['target_tokens']}"),
                         ("records truncated at max length", sizes["truncated"]),
                         ("held-out records", sizes["eval_records"]),
                         ("invalid records skipped", sizes["skipped_invalid"]),
                         ("training datasets (gold / supervised)", ", ".join(meta["training_datasets"]) or "none"),
                         ("adapter", meta["adapter"]),
                         ("steps", f"{step} of {hist.total_steps}"),
                         ("wall-clock", f"{hist.wall_seconds:.0f} s ({rate:.2f} examples/s)")],
                "hyperparameters": hyper, "loss": hist.loss_summary(), "evals": hist.evals,
                "eval_note": f"{sizes['eval_records']} records, token-mean cross-entropy",
                "evaluate": f"unibench run --model hf:{o.out} --benchmark crossner-mit",
                "deviations": _deviations(o, device, bf16)}
        ckpt.write_metadata(folder, {**meta, "status": "complete" if final else "partial", "step": step,
                                     "total_steps": hist.total_steps}, card)

    def on_save(step, hist, final):
        ckpt.save_checkpoint(work, step, lambda folder: write(folder, step, hist, final))

    def epoch_examples(epoch: int):
        if epoch == 0 or not o.reshuffle_each_epoch:
            return train_ex
        return _encode_all(data, train_idx, tok, o, epoch)[0]

    hist = train_loop(model, epoch_examples, make_batch=make_batch, count=count, loss_sum=causal_loss_sum, cfg=cfg,
                      on_save=on_save, evaluate=evaluate if eval_ex else None, console=console,
                      label="train", device=device, length=lambda e: len(e.input_ids))
    ckpt.promote(ckpt.latest_checkpoint(work), o.out)
    ckpt.finish(work)
    return {"out": str(o.out), "adapter": meta["adapter"], "steps": hist.total_steps, "sizes": sizes,
            "loss": hist.loss_summary(), "evals": hist.evals, "wall_seconds": round(hist.wall_seconds, 1),
            "examples_per_second": round(hist.examples_seen / max(hist.wall_seconds, 1e-9), 3),
            "hyperparameters": hyper}
