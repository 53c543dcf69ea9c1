"""Pieces shared by the transformers backends: identity, versions, output finishing, references.

Why a separate module: the causal backend, the benchmark and the tests must all turn generated
token ids into text in exactly the same way (cut at EOS, decode, cut at the first stop string),
otherwise "batched output == naive output" would compare two different post-processings rather
than two decoders. The naive reference loop and plain batching also live here, because both the
key test and `benchmarks/bench_backends.py` measure against them.

Imports torch/transformers at module level: only ever import this module from a backend that is
actually used (unibench/backends/__init__.py keeps backends lazy).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, Optional, Sequence

import torch

from ..errors import UnibenchError
from .base import GenRequest, ProgressFn

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")


# ---------------------------------------------------------------------------------------------
# identity and versions


def weights_hash(folder: Path, gguf_file: str | None = None) -> str:
    """sha256 over the weight files (names + contents) of a local model folder.

    Local folders have no revision, so the cache key needs a content hash: two different
    fine-tunes saved to the same path must never share cached outputs. Hashing a 13 GB 7B
    checkpoint takes ~30 s once per run, small next to evaluating it.
    """
    folder = Path(folder)
    if gguf_file:
        files = [folder / gguf_file]
    else:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES))
    if not files:
        raise UnibenchError(f"no weight files ({', '.join(WEIGHT_SUFFIXES)}) found", path=folder,
                            hint="point hf: at a folder written by save_pretrained, or pass gguf_file=")
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode() + b"\0")
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
    return h.hexdigest()


def count_parameters(folder: Path, gguf_file: str | None = None) -> Optional[int]:
    """Number of weights of a local checkpoint, read from file headers without loading them
    (safetensors' JSON header; GGUF's tensor table), for the leaderboard's F1-vs-size plot. None
    when the format does not say (pickled .bin weights)."""
    import json
    import math
    import struct

    folder = Path(folder)
    try:
        if gguf_file:
            from gguf import GGUFReader

            return int(sum(int(t.n_elements) for t in GGUFReader(str(folder / gguf_file)).tensors))
        files = sorted(folder.glob("*.safetensors"))
        if not files:
            return None
        total = 0
        for f in files:
            with open(f, "rb") as fh:
                (n,) = struct.unpack("<Q", fh.read(8))
                header = json.loads(fh.read(n))
            total += sum(math.prod(v["shape"]) for k, v in header.items() if k != "__metadata__")
        return total
    except Exception:  # noqa: BLE001 -- a size is a nicety for the plot; never fail a run over it
        return None


def library_versions(extra: Iterable[str] = ()) -> dict[str, str]:
    import tokenizers
    import transformers

    out = {"transformers": transformers.__version__, "torch": torch.__version__,
           "tokenizers": tokenizers.__version__}
    for name in extra:
        try:
            from importlib.metadata import version

            out[name] = version(name)
        except Exception:  # noqa: BLE001 -- a missing optional package is simply not stamped
            pass
    return out


# ---------------------------------------------------------------------------------------------
# requests -> token ids, and generated ids -> text


def check_requests(requests: Sequence[GenRequest], backend: str) -> None:
    for i, r in enumerate(requests):
        if r.temperature != 0:
            raise UnibenchError(f"request {i}: temperature {r.temperature} but the {backend} backend decodes "
                                "greedily only", hint="set temperature: 0 in the adapter (the paper's setting)")
        if r.max_new_tokens < 1:
            raise UnibenchError(f"request {i}: max_new_tokens must be >= 1, got {r.max_new_tokens}")


def prompt_text(tokenizer, prompt) -> str:
    """A string prompt as is; chat messages through the checkpoint's own chat template."""
    if isinstance(prompt, str):
        return prompt
    if getattr(tokenizer, "chat_template", None) is None:
        raise UnibenchError("chat-message prompt given to a transformers backend whose tokenizer has no chat "
                            "template", hint="use an adapter that renders a plain string prompt")
    return tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)


def eos_ids(model, tokenizer) -> frozenset[int]:
    """Token ids that end generation: the generation config's EOS id(s) plus the tokenizer's."""
    ids: set[int] = set()
    for src in (getattr(model, "generation_config", None), model.config):
        e = getattr(src, "eos_token_id", None) if src is not None else None
        if isinstance(e, int):
            ids.add(e)
        elif e:
            ids.update(int(x) for x in e)
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    return frozenset(ids)


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Text before the earliest occurrence of any stop string (vLLM's behaviour: stop excluded)."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def finish_text(tokenizer, tokens: Sequence[int], eos: frozenset[int], stop: Sequence[str]) -> str:
    """Generated ids -> output text: cut at the first EOS, decode without specials, cut at a stop."""
    toks = list(tokens)
    for i, t in enumerate(toks):
        if t in eos:
            toks = toks[:i]
            break
    return cut_at_stop(tokenizer.decode(toks, skip_special_tokens=True), stop)[0]


def pad_id(model, tokenizer) -> int:
    for v in (tokenizer.pad_token_id, getattr(model.generation_config, "pad_token_id", None),
              model.config.pad_token_id, tokenizer.eos_token_id):
        if isinstance(v, int):
            return v
    return 0


# ---------------------------------------------------------------------------------------------
# the two baselines: the naive loop (the correctness reference) and plain batching


def _greedy_config(model, tokenizer, eos: frozenset[int], max_new: int, stop: Sequence[str]):
    """A fresh greedy GenerationConfig: no checkpoint-provided penalties or sampling (vLLM, as used
    by UniNER, applied none at temperature 0)."""
    from transformers import GenerationConfig

    return GenerationConfig(do_sample=False, num_beams=1, max_new_tokens=max_new, eos_token_id=sorted(eos),
                            pad_token_id=pad_id(model, tokenizer), stop_strings=list(stop) or None)


@torch.inference_mode()
def naive_generate(model, tokenizer, requests: Sequence[GenRequest],
                   progress: Optional[ProgressFn] = None) -> list[str]:
    """One `model.generate` per request: no batching, no padding, no prefix reuse.

    This is the reference every optimised path must reproduce exactly under greedy decoding.
    """
    eos = eos_ids(model, tokenizer)
    out = []
    for r in requests:
        enc = tokenizer(prompt_text(tokenizer, r.prompt), return_tensors="pt").to(model.device)
        cfg = _greedy_config(model, tokenizer, eos, r.max_new_tokens, r.stop)
        gen = model.generate(**enc, generation_config=cfg, tokenizer=tokenizer)
        out.append(finish_text(tokenizer, gen[0, enc["input_ids"].shape[1]:].tolist(), eos, r.stop))
        if progress:
            progress(1)
    return out


@torch.inference_mode()
def plain_batched_generate(model, tokenizer, requests: Sequence[GenRequest], batch_size: int, *,
                           sort: bool = False, progress: Optional[ProgressFn] = None) -> list[str]:
    """`model.generate` on left-padded batches; no prefix reuse. With sort=False (the benchmark's
    'plain batching' baseline) batches are taken in request order; the causal backend uses
    sort=True as its fallback for architectures its engine does not handle (e.g. sliding-window
    caches). Batches hold one (max_new_tokens, stop) setting each, so every row runs with its own."""
    eos = eos_ids(model, tokenizer)
    texts = [prompt_text(tokenizer, r.prompt) for r in requests]
    order = list(range(len(requests)))
    key = lambda i: (requests[i].max_new_tokens, requests[i].stop)  # noqa: E731
    if sort:
        lens = [len(tokenizer(t)["input_ids"]) for t in texts]
        order.sort(key=lambda i: (key(i), -lens[i]))
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < batch_size and key(batches[-1][0]) == key(i):
            batches[-1].append(i)
        else:
            batches.append([i])
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        out: list[str] = [""] * len(requests)
        for b in batches:
            r0 = requests[b[0]]
            enc = tokenizer([texts[i] for i in b], return_tensors="pt", padding=True).to(model.device)
            cfg = _greedy_config(model, tokenizer, eos, r0.max_new_tokens, r0.stop)
            gen = model.generate(**enc, generation_config=cfg, tokenizer=tokenizer)
            for row, i in enumerate(b):
                out[i] = finish_text(tokenizer, gen[row, enc["input_ids"].shape[1]:].tolist(), eos, r0.stop)
            if progress:
                progress(len(b))
        return out
    finally:
        tokenizer.padding_side = side


@torch.inference_mode()
def library_batched_generate(model, tokenizer, requests: Sequence[GenRequest], batch_size: int, *,
                             page_size: int = 16, max_batch_tokens: int = 2048) -> list[str]:
    """transformers' own continuous batching (`model.generate_batch`: paged attention, a scheduler,
    prefix sharing of whole cache pages) on the same token ids and the same output finishing.

    Why it is here: issue 13 asked whether the library path can replace `hf_engine.py`; this is the
    third method `benchmarks/bench_backends.py` times against the engine (docs/performance.md has
    the ratio). It is not the backend: on this CPU it was slower. `generate_batch` takes one
    max_new_tokens and no stop strings, so requests must share max_new_tokens and stop strings are
    applied afterwards by `finish_text` (same text under greedy decoding; only extra tokens are
    generated). Only full pages are shared, so `page_size` must be below the shared passage prefix
    (~60 tokens for the UniNER prompt) for any sharing to happen; the library's default is 256.
    """
    from transformers.generation.configuration_utils import ContinuousBatchingConfig

    requests = list(requests)
    if not requests:
        return []
    if len({r.max_new_tokens for r in requests}) != 1:
        raise UnibenchError("library_batched_generate needs one max_new_tokens for all requests")
    eos = eos_ids(model, tokenizer)
    ids = tokenizer([prompt_text(tokenizer, r.prompt) for r in requests])["input_ids"]
    cfg = _greedy_config(model, tokenizer, eos, requests[0].max_new_tokens, ())
    # size the paged cache to the workload: left to itself on CPU it sizes the cache (and the attention
    # masks that span it) from the machine's total RAM, which made a 10-query run of a tiny model take 65 s
    # instead of 2.4 s here
    pages = -(-(max(map(len, ids)) + requests[0].max_new_tokens) // page_size)
    cb = ContinuousBatchingConfig(page_size=page_size, max_requests_per_batch=batch_size, allow_block_sharing=True,
                                  num_blocks=(batch_size + 1) * pages, max_batch_tokens=max_batch_tokens)
    results = list(model.generate_batch(ids, generation_config=cfg, continuous_batching_config=cb,
                                        warmup=False).values())
    if len(results) != len(requests) or any(r.error for r in results):
        raise UnibenchError(f"generate_batch returned {len(results)} results for {len(requests)} requests "
                            f"({sum(bool(r.error) for r in results)} failed)")
    return [finish_text(tokenizer, res.generated_tokens, eos, r.stop) for res, r in zip(results, requests)]


def count_tokens(tokenizer, texts: Sequence[str]) -> list[int]:
    return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
