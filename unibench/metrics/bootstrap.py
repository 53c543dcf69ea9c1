"""Bootstrap confidence intervals for corpus-level (micro) F1, resampling sentences.

Corpus F1 has no closed-form standard error, and the queries of one sentence are not
independent (they share a passage), so the resampling unit is the sentence: each replicate
draws n sentences with replacement and sums their TP/FP/FN. Seeded, so a CI is reproducible.
The replicate F1s are kept in the result file, so that domain and overall CIs can be formed
from them without the raw outputs (the mean of independent replicates, index by index).
"""

from __future__ import annotations

import random
from operator import itemgetter
from typing import Sequence

from .prf import prf

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 12345


def replicates(per_sentence: Sequence[tuple[int, int, int]], *, n: int = DEFAULT_RESAMPLES,
               seed: int = DEFAULT_SEED) -> list[float]:
    """F1 of `n` bootstrap resamples of the sentences (each item = one sentence's tp, fp, fn)."""
    m = len(per_sentence)
    if m == 0:
        return []
    tps = tuple(c[0] for c in per_sentence)
    fps = tuple(c[1] for c in per_sentence)
    fns = tuple(c[2] for c in per_sentence)
    rng = random.Random(seed)
    population = range(m)
    out = []
    for _ in range(n):
        idx = rng.choices(population, k=m)
        get = itemgetter(*idx)
        if m == 1:
            tp, fp, fn = tps[idx[0]], fps[idx[0]], fns[idx[0]]
        else:
            tp, fp, fn = sum(get(tps)), sum(get(fps)), sum(get(fns))
        out.append(prf(tp, fp, fn)[2])
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in [0, 100]."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def interval(reps: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    alpha = (1 - level) / 2 * 100
    return percentile(reps, alpha), percentile(reps, 100 - alpha)


def mean_replicates(rows: Sequence[Sequence[float]]) -> list[float]:
    """Replicates of a plain mean over rows (domain / overall), index by index."""
    rows = [r for r in rows if r]
    if not rows:
        return []
    k = min(len(r) for r in rows)
    return [sum(r[i] for r in rows) / len(rows) for i in range(k)]
