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
        ci = bootstrap.interval(bootstrap.mean_replicates([replicates[r] for r in ids]))
    return Aggregate(name, f1, len(ids), ids, ci)


def aggregate(row_f1: Mapping[str, float], row_domain: Mapping[str, str],
              replicates: Mapping[str, Sequence[float]] | None = None) -> tuple[dict[str, Aggregate], Aggregate]:
    """Domain means (in the paper's domain order) and the overall mean over all given rows."""
    domains = {}
    for d in DOMAINS:
        members = {r: f for r, f in row_f1.items() if row_domain.get(r) == d}
        if members:
            domains[d] = mean_of(d, members, replicates)
    return domains, mean_of("overall", dict(row_f1), replicates)
