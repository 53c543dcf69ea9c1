"""Rendered conversation -> token ids and labels: the loss mask of the original `preprocess2`.

The text is tokenized whole, exactly as the causal backend tokenizes an evaluation prompt
(`tokenizer(text)`, so BOS is added where the tokenizer adds one, as LLaMA's does), with character
offsets. A token is a target (label = its id) when it STARTS inside an assistant turn's range
(`template.py`); every other token, the BOS and the padding get -100 (IGNORE). A token that starts
before a range and ends inside it (a BPE merge across "ASSISTANT:" and the answer) stays masked,
since the evaluation prompt ends at the colon and could not contain it; such merges are counted
(`straddling`) so a tokenizer where they happen is visible in the model card.

Sequences longer than max_length are cut at max_length (right truncation, as the original), so
the last questions of a long record are lost; they are counted. No torch here: batches are
padded lists, `loop.py` makes tensors.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Sequence

from ..errors import UnibenchError
from .template import Rendered

IGNORE = -100


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]
    truncated: bool
    straddling: int

    @property
    def n_targets(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE)


def encode(tokenizer, rendered: Rendered, max_length: int) -> Encoded:
    if not getattr(tokenizer, "is_fast", False):
        raise UnibenchError(f"unibench train needs a fast (Rust) tokenizer for character offsets; "
                            f"{type(tokenizer).__name__} is not one",
                            hint="save the base model's tokenizer with tokenizers installed (AutoTokenizer "
                                 "loads tokenizer.json as a fast tokenizer)")
    enc = tokenizer(rendered.text, return_offsets_mapping=True, add_special_tokens=True)
    ids, offsets = list(enc["input_ids"]), enc["offset_mapping"]
    starts = [a for a, _ in rendered.targets]
    labels, straddling = [], 0
    for tid, (s, e) in zip(ids, offsets):
        k = bisect.bisect_right(starts, s) - 1
        inside = e > s and k >= 0 and s < rendered.targets[k][1]
        if not inside and e > s:
            j = k + 1
            if j < len(starts) and s < starts[j] < e:
                straddling += 1
        labels.append(tid if inside else IGNORE)
    truncated = len(ids) > max_length
    return Encoded(ids[:max_length], labels[:max_length], truncated, straddling)


def pad_batch(examples: Sequence[Encoded], pad_id: int) -> dict[str, list[list[int]]]:
    """Right-pad to the longest example of the batch (the original pads every example to
    max_length; the loss is the same, the compute is not); padding is masked out of the loss."""
    width = max(len(e.input_ids) for e in examples)
    ids, labels, mask = [], [], []
    for e in examples:
        n = width - len(e.input_ids)
        ids.append(e.input_ids + [pad_id] * n)
        labels.append(e.labels + [IGNORE] * n)
        mask.append([1] * len(e.input_ids) + [0] * n)
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}
