"""Scale workloads: how unibench's non-model work grows with a leaderboard (issue 13's table).

Each workload is one function `workload_<name>(args) -> dict` registered in `WORKLOADS`; it builds
its synthetic input through the project's own writers (so the input is what unibench itself
would have written), times only the work under test, and returns the figures to print. The
machine is shared, so every figure is printed beside the load average and the CPU count.

    python benchmarks/bench_scale.py leaderboard                  # 500 models x 49 rows = 24,500 files
    python benchmarks/bench_scale.py leaderboard --models 50 --keep /tmp/lb-50
    python benchmarks/bench_scale.py score-1m | score-vs-parse | cached-rerun | rescore-49   (scale_score.py)

`leaderboard`: N models x all 49 rows of synthetic but *valid* run result files (they pass
`unibench validate`: each card's recorded test set, count and hash; pinned revisions; per-type
counts that add up; 1,000 stored bootstrap replicates per row with the CI their percentile
interval; a model_meta.json per model revision folder, as `unibench submit` uploads), then
`leaderboard build` on them in a fresh process, timed with its peak RSS. Replicates are drawn
around each row's F1 rather than bootstrapped from sentences (the build reads them, it does not
care how they were made), and every model uses the same bootstrap seed, as real runs do, so the
significance markers take the paired-bootstrap path.

Peak RSS is the child's `ru_maxrss` from its own rusage (os.wait4), so neither the generator's memory nor
an earlier child counts (RUSAGE_CHILDREN summed every child before: a second build in one invocation
showed 87 s of CPU). Beside the wall time the child's CPU time (user + system) is printed: on a busy
shared machine it is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

N_RESAMPLES = 1000
SEED = 12345  # the runner's bootstrap seed: every run is pairable with every other


def machine() -> dict:
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "load_1m": round(load[0], 2), "load_5m": round(load[1], 2)}


def run_child(cmd: list[str]) -> dict:
    """Run `cmd` in a fresh process (cold imports, own memory): wall time, and CPU time and peak RSS from its own
    rusage (os.wait4: the build's rendering child, which it waits for, is included; earlier children are not).
    One implementation for every workload: scale_score.run_child."""
    import scale_score

    return scale_score.run_child(cmd)


# -- workload: leaderboard ---------------------------------------------------------------------------

def _split(total: int, k: int) -> list[int]:
    return [total // k + (i < total % k) for i in range(k)]


def make_leaderboard_results(root: Path, n_models: int, seed: int = 0) -> int:
    """Write `n_models` x 49 valid run result files (and one model_meta.json per model) under `root`."""
    from unibench.cards import load_registry
    from unibench.metrics import bootstrap
    from unibench.metrics.prf import prf
    from unibench.queries import QUERY_CAP, SAMPLE_SEED
    from unibench.results import (Backend, DatasetInfo, Diagnostics, ModelInfo, Prompt, ResultFile, Scores, Stamps,
                                  TypeScore, result_path, write_result)
    from unibench.io import atomic_write_json
    from unibench.scorer import SCORER_VERSION
    from unibench.validate import MODEL_META, pinned_revisions

    rng = random.Random(seed)
    reg = load_registry()
    fixed = {row: (sorted(pinned_revisions(card))[0], card.card_hash()) for row, card in reg.items()}  # per row, once
    n = 0
    for m in range(n_models):
        skill = rng.uniform(0.05, 0.6)
        info = ModelInfo(id=f"bench-org/model-{m:04d}", revision=f"{m:040x}", display_name=f"Bench model {m}",
                         family=rng.choice(["uniner", "vicuna", "gliner", "llama"]),
                         n_parameters=int(10 ** rng.uniform(7, 11)) if rng.random() < 0.8 else None,
                         training_datasets=[])
        for row, card in reg.items():
            known = card.test_sets.get("paper")
            n_sent = known.sentences if known else 500
            content_hash = known.sha256 if known else f"{abs(hash(row)) % 10 ** 20:064d}"
            gold = max(20, n_sent * 2)
            tp = int(gold * min(0.95, max(0.01, rng.gauss(skill, 0.08))))
            fn = gold - tp
            fp = int(tp * rng.uniform(0.1, 1.2)) + 1
            p, r, f = prf(tp, fp, fn)
            reps = [round(min(1.0, max(0.0, rng.gauss(f, 0.015))), 6) for _ in range(N_RESAMPLES)]
            k = min(2, card.n_types)
            per_type = {}
            for t, ttp, tfp, tfn in zip(card.types[:k], _split(tp, k), _split(fp, k), _split(fn, k)):
                tp_, tr_, tf_ = prf(ttp, tfp, tfn)
                per_type[t] = TypeScore(precision=tp_, recall=tr_, f1=tf_, tp=ttp, fp=tfp, fn=tfn, support=ttp + tfn)
            expected = n_sent * card.n_types
            n_q, sampled = min(expected, QUERY_CAP), expected > QUERY_CAP
            res = ResultFile(
                kind="run", model=info,
                dataset=DatasetInfo(row=row, dataset=card.dataset, domain=card.domain,
                                    revision=fixed[row][0], content_hash=content_hash,
                                    label_map_hash=card.label_map_hash, card_hash=fixed[row][1],
                                    n_sentences=n_sent, n_queries=n_q, sampled=sampled,
                                    sample_seed=SAMPLE_SEED if sampled else None),
                scores=Scores(precision=p, recall=r, f1=f, tp=tp, fp=fp, fn=fn, ci95=bootstrap.interval(reps),
                              n_bootstrap=N_RESAMPLES, bootstrap_seed=SEED, f1_replicates=reps),
                per_type=per_type,
                diagnostics=Diagnostics(n_outputs=n_q, parse_failures=1, empty_outputs=2, n_pred_items=tp + fp,
                                        hallucinations=1, parse_failure_rate=1 / n_q, empty_output_rate=2 / n_q,
                                        hallucination_rate=1 / (tp + fp)),
                prompt=Prompt(adapter="uniner", template_hash="a" * 64), decoding={"max_new_tokens": 256},
                backend=Backend(name="hf", versions={"transformers": "4.57"}),
                stamps=Stamps(scorer_version=SCORER_VERSION))
            path = result_path(root, res)
            write_result(path, res)
            n += 1
        atomic_write_json(path.parent / MODEL_META, info.model_dump(mode="json", exclude_none=True))
    return n


def workload_leaderboard(args) -> dict:
    """`unibench leaderboard build` on N models x 49 rows of valid result files."""
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-lb-"))
    results, site = base / "results", base / "site"
    marker = base / f".generated-{args.models}"
    t0 = time.perf_counter()
    if not marker.exists():
        shutil.rmtree(results, ignore_errors=True)
        fsync, os.fsync = os.fsync, lambda fd: None  # input generation only: the project's atomic writer, unsynced
        try:
            n_files = make_leaderboard_results(results, args.models)
        finally:
            os.fsync = fsync
        marker.write_text(str(n_files))
    n_files = int(marker.read_text())
    gen = time.perf_counter() - t0
    shutil.rmtree(site, ignore_errors=True)
    out = run_child([sys.executable, "-m", "unibench", "leaderboard", "build", "--results", str(results),
                     "--out", str(site), "--json"])
    summary = json.loads(out.pop("stdout"))
    if summary["skipped"] or summary["main_rows"] != args.models:
        raise SystemExit(f"the build left files out or missed models: {summary['skipped'][:3]}, "
                         f"{summary['main_rows']} main rows for {args.models} models")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return {"workload": "leaderboard build", "models": args.models, "files": n_files,
            "generate_seconds": round(gen, 1), **out, "pages": summary["pages"]}


WORKLOADS = {"leaderboard": workload_leaderboard}
sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale_score  # noqa: E402 - the scoring and cached re-run workloads (score-1m, score-vs-parse, ...)

WORKLOADS.update(scale_score.WORKLOADS)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("--models", type=int, default=500, help="leaderboard: number of models (x 49 rows)")
    ap.add_argument("--keep", help="keep (and reuse) the generated input in this folder")
    scale_score.add_arguments(ap)
    args = ap.parse_args(argv)
    print(json.dumps(WORKLOADS[args.workload](args), indent=1))


if __name__ == "__main__":
    main()
