"""Transformers encoder-decoder backend (Flan-T5 / InstructUIE): greedy, 1 beam, batched by length.

InstructUIE's eval (`scripts/eval_flan-t5.sh` of the InstructUIE repository):
source cut to its first 512 tokens and decoded back to text, greedy, 1 beam, repetition penalty
1.0, `generation_max_length 50` as max_new_tokens (the adapter sets it per request), outputs
decoded with skip_special_tokens and clean_up_tokenization_spaces. This backend does the same;
requests are sorted by source length (and grouped by max_new_tokens) so that batches carry
little padding, and outputs are returned in request order. Stop strings, if an adapter sets
any, cut the decoded text (InstructUIE itself used none).
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch

from .base import GenRequest, ProgressFn
from .hf_common import check_requests, cut_at_stop, library_versions, pad_id, prompt_text

MAX_SOURCE_TOKENS = 512


class HFSeq2SeqBackend:
    name = "hf-seq2seq"

    def __init__(self, model, tokenizer, *, ident: dict[str, str], batch_size: int = 8,
                 extra_versions: Sequence[str] = (), max_source_tokens: int = MAX_SOURCE_TOKENS):
        self.model, self.tokenizer = model, tokenizer
        self.batch_size = max(1, int(batch_size))
        self._ident, self._extra = dict(ident), tuple(extra_versions)
        self.max_source_tokens = max_source_tokens

    def identity(self) -> dict[str, str]:
        return dict(self._ident)

    def versions(self) -> dict[str, str]:
        return library_versions(self._extra)

    def _gen_attr(self, name: str):
        v = getattr(self.model.generation_config, name, None)
        return v if v is not None else getattr(self.model.config, name, None)

    def sources(self, requests: Sequence[GenRequest]) -> list[list[int]]:
        """Token ids of each source, truncated the InstructUIE way (cut, decode, re-encode)."""
        out = []
        for r in requests:
            text = prompt_text(self.tokenizer, r.prompt)
            ids = self.tokenizer(text)["input_ids"]
            if len(ids) > self.max_source_tokens:
                text = self.tokenizer.decode(ids[: self.max_source_tokens], skip_special_tokens=True)
                ids = self.tokenizer(text, truncation=True, max_length=self.max_source_tokens)["input_ids"]
            out.append(ids)
        return out

    usage_source = "tokenizer"

    def token_usage(self, requests, outputs) -> list[tuple[int, int]]:
        """Source tokens as the encoder reads them (truncated like `sources`), output tokens by the tokenizer."""
        outs = self.tokenizer(list(outputs), add_special_tokens=False)["input_ids"] if outputs else []
        return [(len(a), len(b)) for a, b in zip(self.sources(requests), outs)]

    @torch.inference_mode()
    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None) -> list[str]:
        from transformers import GenerationConfig

        requests = list(requests)
        check_requests(requests, self.name)
        ids = self.sources(requests)
        order = sorted(range(len(requests)), key=lambda i: (requests[i].max_new_tokens, -len(ids[i])))
        batches: list[list[int]] = []
        for i in order:
            if (batches and len(batches[-1]) < self.batch_size
                    and requests[batches[-1][0]].max_new_tokens == requests[i].max_new_tokens):
                batches[-1].append(i)
            else:
                batches.append([i])
        pad = pad_id(self.model, self.tokenizer)
        out = [""] * len(requests)
        for b in batches:
            width = max(len(ids[i]) for i in b)
            inp = torch.full((len(b), width), pad, dtype=torch.long)
            mask = torch.zeros((len(b), width), dtype=torch.long)
            for row, i in enumerate(b):  # right padding: the T5 convention
                inp[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
            cfg = GenerationConfig(do_sample=False, num_beams=1, repetition_penalty=1.0,
                                   max_new_tokens=requests[b[0]].max_new_tokens, pad_token_id=pad,
                                   eos_token_id=self._gen_attr("eos_token_id"),
                                   decoder_start_token_id=self._gen_attr("decoder_start_token_id"))
            gen = self.model.generate(input_ids=inp.to(self.model.device), attention_mask=mask.to(self.model.device),
                                      generation_config=cfg)
            texts = self.tokenizer.batch_decode(gen, skip_special_tokens=True, clean_up_tokenization_spaces=True)
            for row, i in enumerate(b):
                out[i] = cut_at_stop(texts[row], requests[i].stop)[0]
            if progress:
                progress(len(b))
        return out
