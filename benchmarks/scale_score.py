"""Scale workloads of scoring and cached re-runs (issue 13's table), each a function `workload_<name>(args) -> dict`.

The inputs are synthetic but valid and written the way unibench writes them: recorded outputs are lines of the
`--log-samples` format (`{"dataset", "sentence_id", "label", "text", "output", "gold"}`, one `json.dumps` per
line, atomically written) built from the original project's released CrossNER/MIT test queries with a realistic
mix of answers (`bench_score.build_records`); the cached re-run's cache is filled by `unibench run` itself. Every
timed command runs in a fresh process (cold imports, own memory), printed with its CPU time, its peak RSS
(`ru_maxrss` of the child) and the load average before and after: the machine is shared.

    python benchmarks/bench_scale.py score-1m                # unibench score on 1,000,000 recorded outputs
    python benchmarks/bench_scale.py score-vs-parse          # 300,000 outputs: score time / json-parse time
    python benchmarks/bench_scale.py cached-rerun            # unibench run on 3 staged rows, all cache hits
    python benchmarks/bench_scale.py rescore-49              # unibench score on ~2.5 M outputs over the 49 rows
    ... --code /path/to/other/checkout   # time another checkout's unibench on the same inputs (before/after)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
SHARED = REPO.parent / "shared" / "data"
RERUN_ROWS = ("crossner_ai", "crossner_music", "mit_restaurant")


def machine() -> dict:
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "load_1m": round(load[0], 2), "load_5m": round(load[1], 2)}


def run_child(cmd: list[str], code: Path | None = None) -> dict:
    """Run `cmd` in a fresh process with `code` (default: this checkout) first on PYTHONPATH; its own rusage
    (os.wait4), so neither the generator's memory nor another child's counts in its peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(code or REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = machine()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        # cwd too: `python -m` puts the working directory first on sys.path
        proc = subprocess.Popen(cmd, env=env, cwd=str(code or REPO), stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "load_before": before, "load_after": machine(),
            "stdout": stdout}


def _workdir(args, name: str) -> Path:
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    (base / name).mkdir(parents=True, exist_ok=True)
    return base / name


def write_predictions(path: Path, n: int, rows: list[str] | None = None) -> int:
    """n recorded outputs in the samples-log format (see `_generate`), written by a child process: a peak RSS
    taken after this process had held millions of records would count them (fork copies them until exec)."""
    if not path.exists():
        run_child([sys.executable, str(Path(__file__).resolve()), "_generate", str(path), str(n), *(rows or [])])
    return sum(1 for _ in path.open(encoding="utf-8"))


def _generate(path: Path, n: int, rows: list[str] | None = None) -> int:
    """With `rows`, the released queries' shapes are spread over those row ids in contiguous blocks, else they
    keep their own rows (CrossNER x5, MIT-restaurant)."""
    from bench_score import build_records, load_queries

    from unibench.io import atomic_write_text

    recs = build_records(load_queries(SHARED / "uniner_released"), n)
    if rows:
        for i, r in enumerate(recs):  # contiguous blocks: row k gets the k-th 1/len(rows) of the records
            r["dataset"] = rows[i * len(rows) // n]
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    return len(recs)


def _score(path: Path, code: Path | None) -> dict:
    out = run_child([sys.executable, "-m", "unibench", "score", "-p", str(path), "--json"], code)
    report = json.loads(out.pop("stdout"))
    out["overall_f1"] = report["overall"]["f1"]
    out["overall_ci95"] = report["overall"]["ci95"]
    out["scorer_version"] = report["scorer_version"]
    return out


def workload_score_1m(args) -> dict:
    """`unibench score` on 1 M recorded outputs (bootstrap on: 1,000 resamples)."""
    path = _workdir(args, "score") / f"predictions-{args.n or 1_000_000}.jsonl"
    n = write_predictions(path, args.n or 1_000_000)
    return {"workload": "score", "outputs": n, **_score(path, args.code)}


def workload_score_vs_parse(args) -> dict:
    """`unibench score` on 300 k outputs against merely parsing the same JSONL in Python (json.loads per line).
    With --repeat N the two alternate N times and the ratio is that of the medians: this VM's speed drifts by a
    quarter within minutes, which a single pair measured a minute apart turns into a ratio off by as much."""
    path = _workdir(args, "score") / f"predictions-{args.n or 300_000}.jsonl"
    n = write_predictions(path, args.n or 300_000)
    parses, scores = [], []
    for _ in range(max(1, getattr(args, "repeat", 1) or 1)):
        parse = run_child([sys.executable, "-c", "import json, sys\nfor line in open(sys.argv[1], encoding='utf-8'): "
                                                 "json.loads(line)", str(path)])
        parse.pop("stdout")
        parses.append(parse)
        scores.append(_score(path, args.code))

    def median(runs: list[dict], key: str) -> float:
        return sorted(r[key] for r in runs)[(len(runs) - 1) // 2]

    parse, score = dict(parses[-1]), dict(scores[-1])
    for runs, out in ((parses, parse), (scores, score)):
        out["seconds"], out["cpu_seconds"] = median(runs, "seconds"), median(runs, "cpu_seconds")
        if len(runs) > 1:
            out["all_seconds"] = sorted(r["seconds"] for r in runs)
    return {"workload": "score vs parse", "outputs": n, "runs": len(scores), "parse": parse, "score": score,
            "ratio_wall": round(score["seconds"] / parse["seconds"], 2),
            "ratio_cpu": round(score["cpu_seconds"] / parse["cpu_seconds"], 2),
            "ratios_wall_each_pair": sorted(round(s["seconds"] / p["seconds"], 2) for p, s in zip(parses, scores))}


def workload_cached_rerun(args) -> dict:
    """`unibench run` (uniner prompts, dummy model) on 3 staged rows whose every query is in the response cache:
    the first run fills the cache (not timed), the timed one writes fresh result files from cache hits only."""
    base = _workdir(args, "rerun")
    common = [sys.executable, "-m", "unibench", "run", "-m", "dummy", "--adapter", "uniner", "--data-dir", str(SHARED),
              "--cache-dir", str(base / "cache"), "--json"]
    for row in RERUN_ROWS:
        common += ["--datasets", row]
    if not (base / "cache" / "responses.sqlite").exists():
        run_child(common + ["--output-dir", str(base / "fill")])
    runs = []
    for _ in range(max(1, getattr(args, "repeat", 1) or 1)):  # each into a fresh output dir: every row is computed
        shutil.rmtree(base / "timed", ignore_errors=True)
        runs.append(run_child(common + ["--output-dir", str(base / "timed")], args.code))
        runs[-1].pop("stdout")
    runs.sort(key=lambda r: r["seconds"])
    out = dict(runs[(len(runs) - 1) // 2])  # the median run by wall time (the lower one of an even count)
    if len(runs) > 1:
        out["runs"] = len(runs)
        out["all_seconds"] = [r["seconds"] for r in runs]
        out["all_cpu_seconds"] = sorted(r["cpu_seconds"] for r in runs)
    n_queries = 0
    for f in (base / "timed").rglob("*.json"):
        d = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(d.get("dataset"), dict):
            n_queries += d["dataset"]["n_queries"]
    floor = run_child([sys.executable, "-c", "import unibench.cli.main, unibench.runner, unibench.cache"], args.code)
    floor.pop("stdout")
    return {"workload": "cached re-run", "rows": list(RERUN_ROWS), "queries": n_queries, **out,
            "queries_per_s": round(n_queries / out["seconds"]),
            "imports_only_seconds": floor["seconds"],
            "queries_per_s_after_imports": round(n_queries / max(out["seconds"] - floor["seconds"], 1e-9))}


def workload_rescore_49(args) -> dict:
    """`unibench score` on ~2.5 M recorded outputs spread over the registry's 49 rows (a full re-score)."""
    from unibench.cards import load_registry

    rows = sorted(load_registry())
    n = args.n or 2_500_000
    path = _workdir(args, "score") / f"predictions-49rows-{n}.jsonl"
    n = write_predictions(path, n, rows)
    return {"workload": "re-score 49 rows", "outputs": n, "rows": len(rows), **_score(path, args.code)}


WORKLOADS = {"score-1m": workload_score_1m, "score-vs-parse": workload_score_vs_parse,
             "cached-rerun": workload_cached_rerun, "rescore-49": workload_rescore_49}


def add_arguments(ap) -> None:
    ap.add_argument("--n", type=int, default=None, help="score workloads: number of recorded outputs")
    ap.add_argument("--repeat", type=int, default=1, help="cached-rerun, score-vs-parse: time N times, report the median")
    ap.add_argument("--code", type=Path, default=None, help="time this checkout's unibench instead of this one")
    if not any(a.dest == "keep" for a in ap._actions):
        ap.add_argument("--keep", help="keep (and reuse) the generated input in this folder")


def main(argv=None) -> None:
    import argparse

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_generate"]:  # the input generator, run as a child by write_predictions
        _generate(Path(argv[1]), int(argv[2]), argv[3:] or None)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    add_arguments(ap)
    args = ap.parse_args(argv)
    print(json.dumps(WORKLOADS[args.workload](args), indent=1))


if __name__ == "__main__":
    main()
