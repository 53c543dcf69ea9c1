"""Chi-square goodness of fit without scipy (it is not a declared dependency)."""

from __future__ import annotations

import math
from typing import Sequence


def _lower_gamma_regularized(a: float, x: float) -> float:
    """P(a, x) by its power series (converges for all x; fine for the small df used here)."""
    if x <= 0:
        return 0.0
    term = 1.0 / a
    total = term
    n = 1
    while n < 10_000:
        term *= x / (a + n)
        total += term
        if term < total * 1e-15:
            break
        n += 1
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * total


def chi2_sf(stat: float, df: int) -> float:
    return max(0.0, 1.0 - _lower_gamma_regularized(df / 2.0, stat / 2.0))


def chi2_pvalue(observed: Sequence[int], expected_probs: Sequence[float]) -> float:
    n = sum(observed)
    stat = sum((o - n * p) ** 2 / (n * p) for o, p in zip(observed, expected_probs))
    return chi2_sf(stat, len(observed) - 1)
