"""Is an entry distinguishable from the one ranked just above it? (the main table's ≈ marker)

Two runs scored on the same normalised test sets with the same bootstrap seed resampled the very
same sentences in replicate i (the resample depends only on the seed and the sentence count, see
`metrics/bootstrap.py`), so their replicate F1s are paired: the 95% interval of the replicate
differences is a paired bootstrap test, far sharper than comparing two intervals. When runs are
not pairable (other seeds, other data hashes, other rows), the fallback is the overlap of their
95% CIs, which is conservative: overlapping intervals do not prove two models equal, but
non-overlapping ones separate them. Reported numbers carry no replicates: no marker.

Speed: what the test needs of an entry (its rows, a pairing signature, the mean of its row replicates)
is formed once per entry by `paired_summary` while the replicates are in memory (board.collect), so
comparing two neighbours costs one subtraction and one sort of their mean replicates, and the result is
kept per pair on the upper entry (the same two neighbours meet again in other tables).
"""

from __future__ import annotations

from typing import Optional

from .replicates import interval, mean_replicates

PAIRED = "paired bootstrap"
OVERLAP = "95% CI overlap"


def paired_summary(kind: str, rows: dict, replicates: dict) -> tuple:
    """(sorted row ids, signature, mean replicates over those rows) of one entry. Two entries are
    pairable exactly when their row ids and signatures are equal and the signature is not None:
    every row a run with stored replicates and a bootstrap seed, and per row the same number of
    replicates, seed, test-set content hash and sentence count."""
    ids = tuple(sorted(rows))
    signature = []
    for row in ids:
        r, reps = rows[row], replicates.get(row)
        if kind != "run" or r.kind != "run" or reps is None or r.scores.bootstrap_seed is None:
            return ids, None, None
        signature.append((len(reps), r.scores.bootstrap_seed, r.dataset.content_hash, r.dataset.n_sentences))
    if not ids:
        return ids, None, None
    return ids, tuple(signature), mean_replicates([replicates[row] for row in ids])


def not_separable(a, b, ci_a, ci_b) -> Optional[str]:
    """The method by which entries a (ranked above) and b are *not* significantly different, or None
    when they are (or when there is nothing to compare). a.paired / b.paired: `paired_summary`."""
    (rows_a, sig_a, mean_a), (rows_b, sig_b, mean_b) = a.paired, b.paired
    if rows_a == rows_b and sig_a is not None and sig_a == sig_b:
        if b.key not in a.pair_memo:
            lo, hi = interval(mean_a - mean_b)
            a.pair_memo[b.key] = PAIRED if lo <= 0 <= hi else None
        return a.pair_memo[b.key]
    if ci_a and ci_b and ci_a[0] <= ci_b[1] and ci_b[0] <= ci_a[1]:
        return OVERLAP
    return None
