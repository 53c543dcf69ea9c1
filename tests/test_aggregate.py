"""metrics.bootstrap's mean and interval of replicates, in plain floats, equal the numpy computations they replaced
bit for bit, and a summary of a few rows (aggregate.py) does not import numpy."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import numpy as np

from unibench.metrics import bootstrap


def _numpy_mean_replicates(rows):
    rows = [r for r in rows if len(r)]
    if not rows:
        return []
    k = min(len(r) for r in rows)
    acc = np.zeros(k, dtype=np.float64)
    for r in rows:
        acc += np.asarray(r[:k], dtype=np.float64)
    return (acc / len(rows)).tolist()


def _numpy_interval(reps, level=0.95):
    alpha = (1 - level) / 2 * 100
    return bootstrap.percentile(reps, alpha), bootstrap.percentile(reps, 100 - alpha)  # numpy's sort


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
        want_mean = _numpy_mean_replicates(rows)
        assert bootstrap.mean_replicates(rows) == want_mean
        for level in (0.95, 0.9):
            assert bootstrap.interval(want_mean, level) == _numpy_interval(want_mean, level)
    assert bootstrap.mean_replicates([[], []]) == _numpy_mean_replicates([[], []]) == []
    nan = float("nan")
    got, want = bootstrap.interval([0.5, nan, 0.2]), _numpy_interval([0.5, nan, 0.2])
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
        want = list(_numpy_interval(_numpy_mean_replicates([out["reps"][r] for r in rows])))
        got = out["o"]["ci95"] if name == "overall" else out["d"][name]["ci95"]
        assert got == want, name
