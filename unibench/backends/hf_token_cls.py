"""Transformers token-classification backend (the paper's BERT baseline): words in, typed spans out.

Each sentence arrives as its whitespace tokens (the benchmark's word units). The tokenizer splits
them into subtokens (`is_split_into_words=True`); a word takes the label predicted for its FIRST
subtoken (the usual BERT-NER convention, via `word_ids()`); the per-word labels are decoded into
spans with `unibench.tags.decode` in the scheme the checkpoint's id2label uses (IOBES if it has
E-/S- labels, BIO if B-/I-, else bare type names = IO), with the conlleval repair for illegal
transitions. Spans are (start, end_exclusive, raw_label_type); mapping the checkpoint's label
names to a dataset's types is the adapter's job (through the card).

Sentences longer than the model's maximum length (512 subtokens for BERT) are cut there; words
past the cut get "O" (no prediction) -- rare in the benchmark's sentence-level data, and the
paper's BERT baseline had the same limit.
"""

from __future__ import annotations

from typing import Sequence

import torch

from ..tags import decode
from .hf_common import library_versions


def label_scheme(labels: Sequence[str]) -> str:
    prefixes = {lab[0] for lab in labels if len(lab) > 2 and lab[1] in "-_" and lab[0] in "BIES"}
    if prefixes & {"E", "S"}:
        return "IOBES"
    if prefixes:
        return "BIO"
    return "IO"


class HFTokenClassifier:
    name = "hf-token-classification"

    def __init__(self, model, tokenizer, *, ident: dict[str, str], batch_size: int = 8,
                 extra_versions: Sequence[str] = ()):
        self.model, self.tokenizer = model, tokenizer
        self.batch_size = max(1, int(batch_size))
        self._ident, self._extra = dict(ident), tuple(extra_versions)
        self.progress = None
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.scheme = label_scheme(list(self.id2label.values()))
        limit = getattr(tokenizer, "model_max_length", None) or 512
        self.max_length = min(int(limit), getattr(model.config, "max_position_embeddings", 512) or 512, 4096)

    def identity(self) -> dict[str, str]:
        return dict(self._ident)

    def versions(self) -> dict[str, str]:
        return library_versions(self._extra)

    def _encode(self, batch: list[list[str]]):
        kw = dict(is_split_into_words=True, truncation=True, max_length=self.max_length, padding=True,
                  return_tensors="pt")
        try:
            return self.tokenizer(batch, **kw)
        except (ValueError, AssertionError):
            # byte-level BPE tokenizers (RoBERTa) refuse pre-split words without a prefix space
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(self.tokenizer.name_or_path, add_prefix_space=True)
            return self.tokenizer(batch, **kw)

    def word_labels(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One label per word (first-subtoken rule; "O" for words the tokenizer dropped or cut)."""
        out: list[list[str]] = [[] for _ in sentences]
        order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = [list(sentences[i]) for i in idx]
                nonempty = [b if b else [""] for b in batch]
                enc = self._encode(nonempty)
                logits = self.model(**{k: v.to(self.model.device) for k, v in enc.items()}).logits
                pred = logits.argmax(-1).tolist()
                for row, i in enumerate(idx):
                    labels = ["O"] * len(batch[row])
                    seen = set()
                    for pos, w in enumerate(enc.word_ids(row)):
                        if w is None or w in seen or w >= len(labels):
                            continue
                        seen.add(w)
                        labels[w] = self.id2label[pred[row][pos]]
                    out[i] = labels
                if self.progress:
                    self.progress(len(idx))
        return out

    def predict(self, sentences: Sequence[Sequence[str]], progress=None) -> list[list[tuple[int, int, str]]]:
        self.progress = progress
        return [decode(labels, self.scheme) for labels in self.word_labels(sentences)]
