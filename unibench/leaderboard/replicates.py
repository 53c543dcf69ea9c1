"""Bootstrap replicates on the leaderboard: compact numpy arrays, summarised once, then dropped.

A leaderboard of 500 models x 49 rows holds 24.5 million stored replicate F1s; as Python lists
inside the parsed result files they took over a gigabyte, and the old code re-averaged them for
every pair of neighbouring entries of every table. Here each row's replicates become one float64
array as the file is read (the list in the parsed file is released), each entry's few means
(per domain, overall, the CrossNER/MIT average, and the mean the paired test uses) are formed once,
and the arrays are dropped: what stays is proportional to the entries shown, not to the replicates.

Identical numbers to `metrics.bootstrap` for the same inputs, by construction: a mean adds the rows
one after another in the caller's row order and divides by their number (what `sum(...) / n` does
per index), and the interval is the same linear-interpolation percentile on the same sorted values.
float64 holds each stored float exactly, and IEEE addition, subtraction and division give the same
result in numpy as in Python. tests/leaderboard/test_fast_board.py compares both on real builds.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..metrics.bootstrap import percentile_sorted


def as_array(values: Optional[Sequence[float]]) -> Optional[np.ndarray]:
    """A stored replicate list as a compact float64 array (None or empty: None)."""
    if not values:
        return None
    return np.asarray(values, dtype=np.float64)


_SCALE = 1e6  # the runner stores replicates rounded to 6 decimals


def compact(reps: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """Half the memory for replicates stored with at most 6 decimals (what the runner writes): as
    uint32 millionths, when that gives back every value exactly (`expand`), else unchanged. Exact
    because parsing "0.123456" and dividing 123456 by 1e6 both give the double nearest 0.123456."""
    if reps is None:
        return None
    k = np.rint(reps * _SCALE)
    if len(k) and 0 <= k.min() and k.max() < 2 ** 32 and bool((k / _SCALE == reps).all()):  # same shape
        return k.astype(np.uint32)
    return reps


def expand(reps: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """The float64 replicates a `compact` array stands for."""
    if reps is None or reps.dtype != np.uint32:
        return reps
    return reps / _SCALE


def mean_replicates(rows: Sequence[Optional[np.ndarray]]) -> Optional[np.ndarray]:
    """Replicates of a plain mean over rows, index by index (`bootstrap.mean_replicates`): rows
    without replicates are left out, the length is the shortest row's; None when no row has any."""
    rows = [r for r in rows if r is not None and len(r)]
    if not rows:
        return None
    k = min(len(r) for r in rows)
    acc = rows[0][:k].copy()
    for r in rows[1:]:
        acc += r[:k]  # in row order, as Python's sum adds them
    acc /= len(rows)
    return acc


def interval(reps: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """`bootstrap.interval`: the percentile interval of the replicates."""
    xs = np.sort(reps)
    alpha = (1 - level) / 2 * 100
    return percentile_sorted(xs, alpha), percentile_sorted(xs, 100 - alpha)
