"""Is an entry distinguishable from the one ranked just above it? (the main table's ≈ marker)

Two runs scored on the same normalised test sets with the same bootstrap seed resampled the very
same sentences in replicate i (the resample depends only on the seed and the sentence count, see
`metrics/bootstrap.py`), so their replicate F1s are paired: the 95% interval of the replicate
differences is a paired bootstrap test, far sharper than comparing two intervals. When runs are
not pairable (other seeds, other data hashes, other rows), the fallback is the overlap of their
95% CIs, which is conservative: overlapping intervals do not prove two models equal, but
non-overlapping ones separate them. Reported numbers carry no replicates: no marker.
"""

from __future__ import annotations

from typing import Optional

from ..metrics import bootstrap

PAIRED = "paired bootstrap"
OVERLAP = "95% CI overlap"


def _pairable(a, b, rows: list[str]) -> bool:
    for row in rows:
        ra, rb = a.rows.get(row), b.rows.get(row)
        if ra is None or rb is None or ra.kind != "run" or rb.kind != "run":
            return False
        sa, sb = ra.scores, rb.scores
        if not sa.f1_replicates or not sb.f1_replicates or len(sa.f1_replicates) != len(sb.f1_replicates):
            return False
        if sa.bootstrap_seed is None or sa.bootstrap_seed != sb.bootstrap_seed:
            return False
        if (ra.dataset.content_hash, ra.dataset.n_sentences) != (rb.dataset.content_hash, rb.dataset.n_sentences):
            return False
    return bool(rows)


def not_separable(a, b, ci_a, ci_b) -> Optional[str]:
    """The method by which entries a (ranked above) and b are *not* significantly different, or None
    when they are (or when there is nothing to compare)."""
    rows_a, rows_b = sorted(a.rows), sorted(b.rows)
    if rows_a == rows_b and _pairable(a, b, rows_a):
        ma = bootstrap.mean_replicates([a.rows[r].scores.f1_replicates for r in rows_a])
        mb = bootstrap.mean_replicates([b.rows[r].scores.f1_replicates for r in rows_a])
        lo, hi = bootstrap.interval([x - y for x, y in zip(ma, mb)])
        return PAIRED if lo <= 0 <= hi else None
    if ci_a and ci_b and ci_a[0] <= ci_b[1] and ci_b[0] <= ci_a[1]:
        return OVERLAP
    return None
