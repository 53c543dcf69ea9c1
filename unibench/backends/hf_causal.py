"""Transformers decoder-only backend: greedy, batched, prefix-reusing; outputs equal the naive loop's.

Planning happens here, decoding in `hf_engine.Engine`:
  1. every prompt is tokenized IN FULL (exactly what the naive loop feeds the model);
  2. requests with the same `GenRequest.prefix` form a group; the group's shared part is the
     longest common TOKEN prefix of its members' full token ids (not the tokenization of the
     prefix string: BPE merges can cross the prefix/suffix boundary, and only the token-level
     common prefix guarantees the reused cache equals what the full-prompt run computes);
     it is capped one token short of the shortest member so every row prefills >= 1 token;
     a request without a prefix is a group of one (its prompt minus the last token is the
     "prefix": no reuse, same code path);
  3. groups are ordered by prefix length, rows inside a group by suffix length (longest first),
     and the engine admits them in that order; outputs are returned in request order.

Deviation from the paper's setup (vLLM, fp16 on GPU): decoding is pure greedy argmax with no
checkpoint generation-config extras (vLLM at temperature 0 applies none either); on CPU the
default dtype is float32.
"""

from __future__ import annotations

from typing import Optional, Sequence

from .base import GenRequest, OutputFn, ProgressFn
from .hf_common import (check_requests, eos_ids, finish_text, library_versions, naive_generate, pad_id,
                        plain_batched_generate, prompt_text)
from .hf_engine import Engine, Row, supports_engine


def common_prefix_len(seqs: Sequence[Sequence[int]]) -> int:
    first = seqs[0]
    n = min(len(s) for s in seqs)
    for i in range(n):
        t = first[i]
        if any(s[i] != t for s in seqs):
            return i
    return n


def plan(token_ids: Sequence[list[int]], requests: Sequence[GenRequest]) -> tuple[list[list[int]], list[Row], list[int]]:
    """-> (group prefixes, rows in admission order, indices of 1-token prompts left to the naive path)."""
    groups: dict[object, list[int]] = {}
    tiny: list[int] = []
    for i, r in enumerate(requests):
        if len(token_ids[i]) < 2:
            tiny.append(i)
            continue
        key = ("p", r.prefix) if r.prefix else ("solo", i)
        groups.setdefault(key, []).append(i)
    prefixes: list[list[int]] = []
    grouped: list[list[Row]] = []
    for members in groups.values():
        seqs = [token_ids[i] for i in members]
        lcp = min(common_prefix_len(seqs), min(len(s) for s in seqs) - 1)
        gid = len(prefixes)
        prefixes.append(list(seqs[0][:lcp]))
        rows = [Row(i, gid, list(token_ids[i][lcp:]), requests[i].max_new_tokens, tuple(requests[i].stop))
                for i in members]
        rows.sort(key=lambda r: -len(r.suffix))
        grouped.append(rows)
    grouped.sort(key=lambda rows: -(len(prefixes[rows[0].group]) + len(rows[0].suffix)))
    return prefixes, [r for rows in grouped for r in rows], tiny


class HFCausalBackend:
    """A TextBackend (unibench/backends/base.py) over a loaded transformers causal LM."""

    name = "hf-causal"
    streams_outputs = True  # generate(..., on_output=) reports each output as soon as it is final

    def __init__(self, model, tokenizer, *, ident: dict[str, str], batch_size: int = 8,
                 extra_versions: Sequence[str] = (), prefix_reuse: bool = True):
        self.model, self.tokenizer = model, tokenizer
        self.batch_size = max(1, int(batch_size))
        self._ident = dict(ident)
        self._extra = tuple(extra_versions)
        self.eos = eos_ids(model, tokenizer)
        self.pad = pad_id(model, tokenizer)
        # prefix_reuse=False or an unsupported cache layout -> sorted plain batching (still batched)
        self.uses_engine = prefix_reuse and supports_engine(model)

    def identity(self) -> dict[str, str]:
        return dict(self._ident)

    def versions(self) -> dict[str, str]:
        return library_versions(self._extra)

    usage_source = "tokenizer"

    def token_usage(self, requests, outputs) -> list[tuple[int, int]]:
        """Input and output tokens by this model's tokenizer (unibench/usage.py)."""
        from ..usage import tokenizer_usage

        return tokenizer_usage(self.tokenizer, requests, outputs)

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None,
                 on_output: Optional[OutputFn] = None) -> list[str]:
        requests = list(requests)
        if not requests:
            return []
        check_requests(requests, self.name)
        if not self.uses_engine:
            outs = plain_batched_generate(self.model, self.tokenizer, requests, self.batch_size, sort=True,
                                          progress=progress)
            for i, text in enumerate(outs if on_output else ()):
                on_output(i, text)
            return outs
        texts = [prompt_text(self.tokenizer, r.prompt) for r in requests]
        ids = self.tokenizer(texts)["input_ids"]
        prefixes, rows, tiny = plan(ids, requests)
        engine = Engine(self.model, self.tokenizer, slots=self.batch_size, eos=self.eos, pad=self.pad,
                        finish=lambda toks, stop: finish_text(self.tokenizer, toks, self.eos, stop))
        out = engine.run(prefixes, rows, progress, on_output) if rows else {}
        if tiny:  # a 1-token prompt has no prefix to share and nothing to pad; run it alone
            for i, text in zip(tiny, naive_generate(self.model, self.tokenizer, [requests[i] for i in tiny],
                                                   progress)):
                out[i] = text
                if on_output:
                    on_output(i, text)
        return [out[i] for i in range(len(requests))]
