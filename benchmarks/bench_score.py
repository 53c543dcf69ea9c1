"""Throughput of `unibench score`'s logic: scorer.score_records + domain/overall aggregation, bootstrap on.

Why: scoring must stay cheap next to inference (a full 49-row run records a few million outputs), so the scorer
is pure Python and this script measures it on realistic input. Queries have real shapes: the original project's
released CrossNER x5 + MIT-restaurant test queries (passage, type, gold list; `../shared/data/uniner_released`),
repeated until N records, each repetition answered with a different mix of outputs (gold, partial, extra
mentions, case/article variants, prose, empty, malformed JSON, multi-line lists) and with its own sentence ids,
so the bootstrap resamples as many sentences as a real run of that size would have.

    python benchmarks/bench_score.py                 # 1,000,000 records, 1,000 bootstrap resamples
    python benchmarks/bench_score.py --n 200000 --resamples 200

Prints records/s for the timed part (building the records is not timed). Numbers go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from unibench.aggregate import aggregate  # noqa: E402
from unibench.scorer import score_records  # noqa: E402

RELEASED = {"CrossNER_AI.json": "crossner_ai", "CrossNER_literature.json": "crossner_literature",
            "CrossNER_music.json": "crossner_music", "CrossNER_politics.json": "crossner_politics",
            "CrossNER_science.json": "crossner_science", "mit-restaurant.json": "mit_restaurant"}
DOMAIN = {row: ("Social media" if row.startswith("mit") else "General") for row in RELEASED.values()}


def load_queries(folder: Path) -> list[tuple[str, str, str, int, list[str]]]:
    """(row, passage, type, sentence index, gold) for every released query."""
    out = []
    for name, row in RELEASED.items():
        examples = json.loads((folder / name).read_text(encoding="utf-8"))
        sent_ids: dict[str, int] = {}
        for ex in examples:
            conv = ex["conversations"]
            text = conv[0]["value"][len("Text: "):]
            label = conv[2]["value"][len("What describes "):-len(" in the text?")]
            out.append((row, text, label, sent_ids.setdefault(text, len(sent_ids)), json.loads(conv[-1]["value"])))
    return out


def make_output(rng: random.Random, gold: list[str], text: str) -> str:
    words = text.split()
    r = rng.random()
    if r < 0.35:
        return json.dumps(gold)
    if r < 0.5:
        return json.dumps(gold[: len(gold) // 2] + [" ".join(words[i:i + 2]) for i in [rng.randrange(len(words))]])
    if r < 0.6:
        return json.dumps(["The " + g.upper() + "." for g in gold])
    if r < 0.7:
        return "[]"
    if r < 0.75:
        return json.dumps(gold) + " These are all the entities."
    if r < 0.8:
        return "There are no such entities in the text."
    if r < 0.85:
        return ""
    if r < 0.9:
        return json.dumps(gold, indent=1)
    if r < 0.95:
        return "[" + ", ".join(f"'{g}'" for g in gold) + "]"
    return json.dumps([rng.choice(words) for _ in range(rng.randint(1, 4))])


def build_records(queries, n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    records = []
    rep = 0
    while len(records) < n:
        for row, text, label, sid, gold in queries:
            records.append({"dataset": row, "output": make_output(rng, gold, text), "gold": gold,
                            "sentence_id": f"{rep}:{sid}", "label": label, "text": text})
            if len(records) == n:
                break
        rep += 1
    return records


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of recorded outputs")
    ap.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (the CLI default)")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "uniner_released")
    args = ap.parse_args()
    if not (args.data / "CrossNER_AI.json").exists():
        sys.exit(f"released test files not found under {args.data} (pass --data)")

    queries = load_queries(args.data)
    records = build_records(queries, args.n)
    t0 = time.perf_counter()
    scores = score_records(records, n_resamples=args.resamples)
    t1 = time.perf_counter()
    row_f1 = {ds: sc.f1 for ds, sc in scores.items()}
    domains, overall = aggregate(row_f1, DOMAIN, {ds: sc.replicates for ds, sc in scores.items()})
    t2 = time.perf_counter()

    units = sum(sc.n_units for sc in scores.values())
    print(f"records: {len(records):,} ({len(queries):,} released queries repeated), sentences: {units:,}, "
          f"rows: {len(scores)}, bootstrap resamples: {args.resamples}")
    for ds, sc in scores.items():
        print(f"  {ds:22s} F1 {100 * sc.f1:5.1f}  CI [{100 * sc.ci[0]:.1f}, {100 * sc.ci[1]:.1f}]"
              if sc.ci else f"  {ds:22s} F1 {100 * sc.f1:5.1f}")
    print(f"overall F1 {100 * overall.f1:.2f} over {overall.n_rows} rows; domains: "
          + ", ".join(f"{k} {100 * v.f1:.1f}" for k, v in domains.items()))
    total = t2 - t0
    print(f"time: score_records {t1 - t0:.1f} s + aggregate {t2 - t1:.2f} s = {total:.1f} s "
          f"-> {len(records) / total:,.0f} records/s")
    print(f"machine: nproc={os.cpu_count()}, cpu={cpu_model()}, python {platform.python_version()}")


if __name__ == "__main__":
    main()
