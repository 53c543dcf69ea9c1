"""Per-domain and overall scores: plain means over rows, as the paper averages (paper Fig. 9's "Average"; docs/metric.md).

The paper's Fig. 9 "Average" is the unweighted mean of the 49 rows' F1, and each domain's bar
the mean of its rows. Raw counts are never pooled across rows here (that would be a different,
size-weighted number); they stay available per row. CIs come from the rows' bootstrap
replicates (`metrics.bootstrap.mean_replicates`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .cards import DOMAINS
from .metrics import bootstrap


@dataclass
class Aggregate:
    name: str
    f1: float
    n_rows: int
    rows: list[str] = field(default_factory=list)
    ci: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        return {"f1": self.f1, "n_rows": self.n_rows, "rows": self.rows,
                "ci95": list(self.ci) if self.ci else None}


def mean_of(name: str, rows: Mapping[str, float], replicates: Mapping[str, Sequence[float]] | None = None) -> Aggregate:
    ids = list(rows)
    f1 = sum(rows.values()) / len(ids) if ids else float("nan")
    ci = None
    if replicates and ids and all(replicates.get(r) for r in ids):
        ci = _interval(_mean_replicates([replicates[r] for r in ids]))
    return Aggregate(name, f1, len(ids), ids, ci)


def _mean_replicates(rows: Sequence[Sequence[float]]) -> list[float]:
    """`bootstrap.mean_replicates` in plain floats: the same IEEE additions in the same order (row after row from
    0.0), then one division, so the same numbers bit for bit (tested), without importing numpy for a summary of a
    few rows (numpy's import is a fifth of a cached re-run of three rows)."""
    rows = [r for r in rows if len(r)]
    if not rows:
        return []
    k = min(len(r) for r in rows)
    acc = [0.0] * k
    for r in rows:
        acc = [a + float(x) for a, x in zip(acc, r[:k])]
    return [a / len(rows) for a in acc]


def _interval(reps: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """`bootstrap.interval` on values sorted by Python (the order numpy's sort gives floats without NaN) through
    the same `percentile_sorted`; with a NaN, numpy's own path (its sort puts NaNs last)."""
    if any(x != x for x in reps):
        return bootstrap.interval(reps, level)
    xs = sorted(float(x) for x in reps)
    alpha = (1 - level) / 2 * 100
    return bootstrap.percentile_sorted(xs, alpha), bootstrap.percentile_sorted(xs, 100 - alpha)


def aggregate(row_f1: Mapping[str, float], row_domain: Mapping[str, str],
              replicates: Mapping[str, Sequence[float]] | None = None) -> tuple[dict[str, Aggregate], Aggregate]:
    """Domain means (in the paper's domain order) and the overall mean over all given rows."""
    domains = {}
    for d in DOMAINS:
        members = {r: f for r, f in row_f1.items() if row_domain.get(r) == d}
        if members:
            domains[d] = mean_of(d, members, replicates)
    return domains, mean_of("overall", dict(row_f1), replicates)
