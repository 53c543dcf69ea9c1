"""`unibench train-tagger`: the paper's supervised BERT-base baseline, re-trained per dataset.

UniNER's Table 2 copies its BERT-base column from InstructUIE, which publishes no recipe
(InstructUIE §3.1.2 and Table 1; docs/training.md). unibench's defaults are a RECONSTRUCTION of the usual BERT-NER setup:
one encoder + linear token-classification head per dataset, BIO tags on the FIRST sub-token of
each word (other sub-tokens and special tokens get -100), AdamW lr 5e-5, batch 32, 3 epochs (10
for training sets under 5,000 sentences), max length 256 sub-tokens, linear decay without
warmup, seed 42. Label this column "re-trained", not "paper".

The checkpoint's id2label is `O`, `B-<type>`, `I-<type>` with the card's natural-language type
names (e.g. `B-program language`), which the token-classification backend decodes into spans and
the `bert` adapter maps to the dataset's query types. Training data is the row's train split as
the loaders produce it (default dataset version `corrected`: the paper-quirk version drops
CrossNER's sentence-final entities, which would teach the tagger to miss them).

Nested or overlapping gold spans (GENIA) cannot all be BIO-tagged: longer spans win, a span
overlapping an already tagged word is left out, and the count is in the model card.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from ..errors import UnibenchError
from . import checkpoint as ckpt

SMALL_TRAIN = 5_000


@dataclass
class TaggerOptions:
    dataset: str
    base: str
    out: Path
    epochs: Optional[int] = None  # 3, or 10 under 5,000 training sentences
    lr: float = 5e-5
    batch_size: int = 32
    max_length: int = 256
    seed: int = 42
    data_dir: Optional[Path] = None
    cache_dir: Optional[Path] = None
    version: str = "corrected"
    max_train: Optional[int] = None
    device: str = "auto"
    overwrite: bool = False
    dtype: str = "auto"  # bf16 autocast on a GPU that has it (unibench/devices.py), else float32


def bio_labels(types: list[str]) -> list[str]:
    return ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]


def word_tags(sentence) -> tuple[list[str], int]:
    """BIO tag per word; -> (tags, spans left out because they overlap a longer one)."""
    tags = ["O"] * len(sentence.tokens)
    left_out = 0
    for sp in sorted(sentence.spans, key=lambda s: (-(s.end - s.start), s.start)):
        if any(t != "O" for t in tags[sp.start:sp.end]):
            left_out += 1
            continue
        tags[sp.start] = f"B-{sp.type}"
        for k in range(sp.start + 1, sp.end):
            tags[k] = f"I-{sp.type}"
    return tags, left_out


def encode_sentences(tokenizer, sentences, label2id: dict[str, int], max_length: int) -> tuple[list[dict], dict]:
    """First-sub-token labels; -> (examples, stats)."""
    out, stats = [], {"sentences": 0, "words": 0, "words_cut": 0, "spans": 0, "spans_left_out": 0}
    for s in sentences:
        if not s.tokens:
            continue
        tags, left_out = word_tags(s)
        enc = tokenizer(list(s.tokens), is_split_into_words=True, truncation=True, max_length=max_length)
        labels, seen = [], set()
        for w in enc.word_ids():
            if w is None or w in seen:
                labels.append(-100)
            else:
                seen.add(w)
                labels.append(label2id[tags[w]])
        out.append({"input_ids": enc["input_ids"], "labels": labels, "n": sum(1 for x in labels if x != -100)})
        stats["sentences"] += 1
        stats["words"] += len(s.tokens)
        stats["words_cut"] += len(s.tokens) - len(seen)
        stats["spans"] += len(s.spans)
        stats["spans_left_out"] += left_out
    return out, stats


def _load_train(o: TaggerOptions):
    from ..cards import get_card
    from ..loaders import available_splits
    from ..prepare import load_sentences
    from ..resources import default_cache_dir, default_data_dir

    card = get_card(o.dataset)
    data_dir, cache_dir = default_data_dir(o.data_dir), default_cache_dir(o.cache_dir)
    if "train" not in available_splits(card, data_dir):
        raise UnibenchError(f"dataset {card.id!r} has no train split under {data_dir}",
                            path=data_dir, hint=f"splits found: {', '.join(available_splits(card, data_dir)) or 'none'}"
                                                "; train-tagger needs the train split")
    sentences, entry = load_sentences(card, "train", data_dir, cache_dir, o.version)
    n_all = len(sentences)
    if o.max_train is not None and o.max_train < n_all:
        keep = sorted(random.Random(f"{o.seed}:{card.id}").sample(range(n_all), o.max_train))
        sentences = [sentences[i] for i in keep]
    return card, sentences, entry, n_all


def train_tagger(options: TaggerOptions, console=None) -> dict:
    o = options
    for name in ("batch_size", "max_length"):
        if getattr(o, name) < 1:
            raise UnibenchError(f"--{name.replace('_', '-')} must be >= 1")
    if o.epochs is not None and o.epochs < 1:
        raise UnibenchError("--epochs must be >= 1")
    if o.max_train is not None and o.max_train < 1:
        raise UnibenchError("--max-train must be >= 1")
    card, sentences, entry, n_all = _load_train(o)
    if not sentences:
        raise UnibenchError(f"the train split of {card.id!r} is empty")
    epochs = o.epochs or (10 if len(sentences) < SMALL_TRAIN else 3)
    work = ckpt.prepare_output(o.out, o.overwrite)
    return ckpt.run_guarded(work, o.out, lambda: _train(o, card, sentences, entry, n_all, epochs, work, console),
                            console)


def _train(o: TaggerOptions, card, sentences, entry, n_all: int, epochs: int, work: Path, console) -> dict:
    import torch
    import torch.nn.functional as F
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from .loop import LoopConfig, pick_device, train_loop

    device = pick_device(o.device)
    labels = bio_labels(card.types)
    label2id = {lab: i for i, lab in enumerate(labels)}
    try:
        tok = AutoTokenizer.from_pretrained(o.base)
        model = AutoModelForTokenClassification.from_pretrained(
            o.base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label2id,
            dtype=torch.float32)
    except (OSError, ValueError) as e:
        raise UnibenchError(f"could not load encoder {o.base!r}: {str(e).splitlines()[0]}",
                            path=o.base if Path(o.base).exists() else None,
                            hint="a folder with config.json + weights + tokenizer (e.g. all-MiniLM-L6-v2's "
                                 "model/ folder) or a Hub id already in the HF cache") from e
    model.to(device)
    try:
        examples, stats = encode_sentences(tok, sentences, label2id, o.max_length)
    except (ValueError, AssertionError):  # byte-level BPE (RoBERTa) refuses pre-split words without this
        tok = AutoTokenizer.from_pretrained(o.base, add_prefix_space=True)
        examples, stats = encode_sentences(tok, sentences, label2id, o.max_length)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    from ..devices import training_bf16

    bf16 = training_bf16(o.dtype, device)
    cfg = LoopConfig(epochs=epochs, lr=o.lr, batch_size=o.batch_size, grad_accum=1, warmup_ratio=0.0,
                     schedule="linear", weight_decay=0.0, seed=o.seed, autocast_dtype=torch.bfloat16 if bf16 else None)

    def make_batch(exs):
        width = max(len(e["input_ids"]) for e in exs)
        ids = [e["input_ids"] + [pad] * (width - len(e["input_ids"])) for e in exs]
        lab = [e["labels"] + [-100] * (width - len(e["labels"])) for e in exs]
        mask = [[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in exs]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(lab), "attention_mask": torch.tensor(mask)}

    def loss_sum(m, batch):
        logits = m(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), batch["labels"].reshape(-1),
                               ignore_index=-100, reduction="sum")

    hyper = {k: v for k, v in asdict(o).items() if k not in ("dataset", "base", "out", "data_dir", "cache_dir",
                                                              "overwrite")}
    hyper.update({"epochs": epochs, "device": device, "dtype": "bf16 autocast" if bf16 else "float32", "optimizer": "AdamW (0.9, 0.999), eps 1e-8",
                  "schedule": "linear decay, no warmup", "weight_decay": 0.0, "max_grad_norm": 1.0})
    meta = {"adapter": "bert", "training_datasets": [card.id], "base": o.base, "data_sha256": entry.get("sha256"),
            "dataset_version": o.version, "labels": labels, "recipe": "unibench train-tagger"}

    def write(folder: Path, step: int, hist, final: bool) -> None:
        model.save_pretrained(folder, safe_serialization=True)
        tok.save_pretrained(folder)
        from ..io import atomic_write_json

        atomic_write_json(folder / "training_log.json", {"steps": hist.steps, "sizes": stats,
                                                         "hyperparameters": hyper})
        rate = hist.examples_seen / max(hist.wall_seconds, 1e-9)
        card_info = {
            "kind": "token-classification", "status": "complete" if final else
            f"partial (step {step} of {hist.total_steps})", "date": ckpt.today(),
            "title": f"{card.display_name} tagger fine-tuned from {o.base}",
            "summary": f"A token-classification head on {o.base}, fine-tuned with `unibench train-tagger` on the "
                       f"train split of `{card.id}` (the paper's BERT-base baseline, re-trained; the recipe is a "
                       "reconstruction).",
            "rows": [("base", o.base), ("dataset", f"{card.id} (train split, version {o.version})"),
                     ("train sentences", f"{stats['sentences']} of {n_all}"),
                     ("content sha256 of the train split", entry.get("sha256")),
                     ("labels", ", ".join(labels)), ("gold spans / left out (overlapping)",
                                                     f"{stats['spans']} / {stats['spans_left_out']}"),
                     ("words beyond max length (no label)", stats["words_cut"]),
                     ("steps", f"{step} of {hist.total_steps}"),
                     ("wall-clock", f"{hist.wall_seconds:.0f} s ({rate:.2f} sentences/s)")],
            "hyperparameters": hyper, "loss": hist.loss_summary(), "evals": [], "eval_note": "",
            "evaluate": f"unibench run --model hf:{o.out} --datasets {card.id}",
            "deviations": ["UniNER copied its BERT-base numbers from InstructUIE, which published no recipe; "
                           "these defaults are a reconstruction (InstructUIE §3.1.2 and Table 1; docs/training.md).",
                           f"Encoder: {o.base} (the paper's column: BERT-base)."]}
        ckpt.write_metadata(folder, {**meta, "status": "complete" if final else "partial", "step": step,
                                     "total_steps": hist.total_steps}, card_info)

    def on_save(step, hist, final):
        ckpt.save_checkpoint(work, step, lambda folder: write(folder, step, hist, final))

    hist = train_loop(model, examples, make_batch=make_batch, count=lambda exs: sum(e["n"] for e in exs),
                      loss_sum=loss_sum, cfg=cfg, on_save=on_save, console=console, label=f"train-tagger {card.id}",
                      device=device, length=lambda e: len(e["input_ids"]))
    ckpt.promote(ckpt.latest_checkpoint(work), o.out)
    ckpt.finish(work)
    return {"out": str(o.out), "dataset": card.id, "epochs": epochs, "steps": hist.total_steps, "sizes": stats,
            "loss": hist.loss_summary(), "wall_seconds": round(hist.wall_seconds, 1), "labels": labels}
