"""Bootstrap confidence intervals for corpus-level (micro) F1, resampling sentences.

Corpus F1 has no closed-form standard error, and the queries of one sentence are not
independent (they share a passage), so the resampling unit is the sentence: each replicate
draws n sentences with replacement and sums their TP/FP/FN. Seeded, so a CI is reproducible.
The replicate F1s are kept in the result file, so that domain and overall CIs can be formed
from them without the raw outputs (the mean of independent replicates, index by index).

The draws come from numpy's `Generator` (PCG64) seeded with the seed: replicate j takes the
j-th block of m indices of `rng.integers(0, m, dtype=int64)`. Scorer versions before 1.4 drew
with Python's `random.choices`; the method (sentence resampling, the same F1) is unchanged,
only the random stream differs (docs/metric.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import numpy as np

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 12345
_DRAWS_PER_BLOCK = 1 << 21  # indices drawn at once (16 MB of int64): memory stays flat for any m


def replicates(per_sentence: Sequence[tuple[int, int, int]], *, n: int = DEFAULT_RESAMPLES,
               seed: int = DEFAULT_SEED) -> list[float]:
    """F1 of `n` bootstrap resamples of the sentences (each item = one sentence's tp, fp, fn).

    Vectorised: the replicates are drawn in blocks of whole replicates; `rng.integers` with int64
    gives the same stream whatever the block size, so replicate j is always the same draw
    (`straightforward_replicates` below is the one-replicate-at-a-time reference the tests compare to).
    """
    import numpy as np  # imported when used: `unibench --help` and the CLI modules stay light

    m = len(per_sentence)
    if m == 0 or n <= 0:
        return []
    counts = np.asarray(per_sentence, dtype=np.int64).reshape(m, 3)
    tp_c, fp_c, fn_c = (np.ascontiguousarray(counts[:, k]) for k in range(3))
    rng = np.random.default_rng(seed)
    per_block = max(1, _DRAWS_PER_BLOCK // m)
    out: list[float] = []
    for start in range(0, n, per_block):
        k = min(per_block, n - start)
        idx = rng.integers(0, m, size=(k, m), dtype=np.int64)
        out.extend(f1_array(tp_c[idx].sum(axis=1), fp_c[idx].sum(axis=1), fn_c[idx].sum(axis=1)).tolist())
    return out


def f1_array(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """`prf.prf(...)[2]` element-wise, with the same operations in the same order (bit-identical floats)."""
    import numpy as np

    tp = tp.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pd, rd = tp + fp, tp + fn
        p = np.where(pd > 0, tp / np.where(pd > 0, pd, 1), 0.0)
        r = np.where(rd > 0, tp / np.where(rd > 0, rd, 1), 0.0)
        s = p + r
        return np.where(s > 0, 2 * p * r / np.where(s > 0, s, 1), 0.0)


def straightforward_replicates(per_sentence: Sequence[tuple[int, int, int]], *, n: int = DEFAULT_RESAMPLES,
                               seed: int = DEFAULT_SEED) -> list[float]:
    """The reference: one replicate at a time, summed in Python, F1 by `prf`. Slow; for tests and readers."""
    import numpy as np

    from .prf import prf

    m = len(per_sentence)
    if m == 0 or n <= 0:
        return []
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        draw = [per_sentence[i] for i in rng.integers(0, m, size=m, dtype=np.int64).tolist()]
        out.append(prf(sum(d[0] for d in draw), sum(d[1] for d in draw), sum(d[2] for d in draw))[2])
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default method), q in [0, 100], computed as
    `lo + (hi - lo) * frac` on the sorted values (the formula earlier scorer versions used)."""
    import numpy as np

    return percentile_sorted(np.sort(np.asarray(values, dtype=np.float64)) if len(values) else (), q)


def percentile_sorted(xs, q: float) -> float:
    """`percentile` of values already sorted (the leaderboard sorts each replicate array once)."""
    if not len(xs):
        return float("nan")
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    a, b = float(xs[lo]), float(xs[hi])
    return a + (b - a) * (pos - lo)


def interval(reps: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """The percentile interval. Sorted by Python when there is no NaN (the order numpy's sort gives such floats,
    so the same numbers bit for bit, tested), so a summary of a few rows needs no numpy (its import is a fifth
    of a cached re-run of three rows); with a NaN, numpy's sort (NaNs last)."""
    alpha = (1 - level) / 2 * 100
    if any(x != x for x in reps):
        return percentile(reps, alpha), percentile(reps, 100 - alpha)
    xs = sorted(float(x) for x in reps)
    return percentile_sorted(xs, alpha), percentile_sorted(xs, 100 - alpha)


def mean_replicates(rows: Sequence[Sequence[float]]) -> list[float]:
    """Replicates of a plain mean over rows (domain / overall), index by index.

    Summed row after row in the given order from 0.0, then divided by the number of rows: the same
    floating-point operations as `sum(r[i] for r in rows) / len(rows)` (and as numpy adding row arrays), in
    plain floats: domain and overall summaries are a few rows, and need no numpy."""
    rows = [r for r in rows if len(r)]
    if not rows:
        return []
    k = min(len(r) for r in rows)
    acc = [0.0] * k
    for r in rows:
        acc = [a + float(x) for a, x in zip(acc, r[:k])]
    return [a / len(rows) for a in acc]
