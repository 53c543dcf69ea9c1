"""Scale workloads: how unibench's non-model work grows with a leaderboard (issue 13's table).

Each workload is one function `workload_<name>(args) -> dict` registered in `WORKLOADS`; the scoring and
cached re-run workloads live in `benchmarks/scale_score.py` (see its docstring for what each one builds and
times). Every figure is printed beside the load average and the CPU count: the machine is shared.

    python benchmarks/bench_scale.py score-1m
    python benchmarks/bench_scale.py score-vs-parse
    python benchmarks/bench_scale.py cached-rerun
    python benchmarks/bench_scale.py rescore-49
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_score  # noqa: E402

WORKLOADS = dict(scale_score.WORKLOADS)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("--keep", help="keep (and reuse) the generated input in this folder")
    scale_score.add_arguments(ap)
    args = ap.parse_args(argv)
    print(json.dumps(WORKLOADS[args.workload](args), indent=1))


if __name__ == "__main__":
    main()
