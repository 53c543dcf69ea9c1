"""aggregate.py's domain and overall CIs in plain floats equal metrics.bootstrap's numpy ones bit for bit, and a
summary of a few rows does not import numpy."""

from __future__ import annotations

import json
import random
import subprocess
import sys

from unibench import aggregate
from unibench.metrics import bootstrap


def test_plain_mean_and_interval_equal_the_numpy_ones():
    rng = random.Random(7)
    for trial in range(200):
        n_rows = rng.randint(1, 12)
        k = rng.choice([1, 2, 10, 1000])
        rows = [[round(rng.random(), rng.choice([6, 17])) for _ in range(k + rng.randint(0, 3))]
                for _ in range(n_rows)]
        if trial % 7 == 0:
            rows.append([])  # a row without replicates is left out by both
        if trial % 11 == 0:
            rows[0] = [int(x > 0.5) for x in rows[0]]  # whole numbers as well
        want_mean = bootstrap.mean_replicates(rows)
        assert aggregate._mean_replicates(rows) == want_mean
        for level in (0.95, 0.9):
            assert aggregate._interval(want_mean, level) == bootstrap.interval(want_mean, level)
    assert aggregate._mean_replicates([[], []]) == bootstrap.mean_replicates([[], []]) == []
    nan = float("nan")
    got, want = aggregate._interval([0.5, nan, 0.2]), bootstrap.interval([0.5, nan, 0.2])
    assert json.dumps(got) == json.dumps(want)  # NaN-aware comparison


def test_aggregate_equals_the_numpy_path_and_imports_no_numpy():
    code = ("import json, random, sys; from unibench.aggregate import aggregate; r = random.Random(3); "
            "reps = {f'r{i}': [r.random() for _ in range(1000)] for i in range(5)}; "
            "f1 = {k: sum(v) / len(v) for k, v in reps.items()}; "
            "dom = {'r0': 'STEM', 'r1': 'STEM', 'r2': 'Law', 'r3': 'Biomed', 'r4': 'Biomed'}; "
            "d, o = aggregate(f1, dom, reps); "
            "print(json.dumps({'numpy': 'numpy' in sys.modules, 'o': o.to_dict(), "
            "'d': {k: v.to_dict() for k, v in d.items()}, 'reps': reps, 'dom': dom}))")
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert out["numpy"] is False
    for name, rows in [("overall", list(out["reps"]))] + [
            (d, [r for r, dd in out["dom"].items() if dd == d]) for d in ("STEM", "Law", "Biomed")]:
        want = list(bootstrap.interval(bootstrap.mean_replicates([out["reps"][r] for r in rows])))
        got = out["o"]["ci95"] if name == "overall" else out["d"][name]["ci95"]
        assert got == want, name
