"""The Familiarity formula itself: cosine similarities and counts in, one number in [0, 1] out.

Golde et al., "Familiarity: Better Evaluation of Zero-Shot Named Entity Recognition by
Quantifying Label Shifts" (NAACL 2025), §3, and the authors' code (flairNLP/familiarity,
`src/familiarity/metric.py`: `compute_familiarity`, `weighted_average`; `utils.py`:
`cumsum_until`, `clipped_cosine_similarity`). For one evaluation type e:

1. s_t = max(0, cos(emb(e), emb(t))) for every training type t with count c_t > 0;
2. sort the training types by s_t, most similar first;
3. read that list as a sequence of training *mentions* (type t repeated c_t times) and keep the
   first n = min(k, sum_t c_t) of them, so a frequent close type fills many of the top places;
4. Familiarity(e) = sum_{r=1..n} s_(r) / r  /  sum_{r=1..n} 1 / r   (Zipf weights 1/r).

Identical type sets with at least k mentions of each type give exactly 1.0; training types
unrelated to e give their (small, clipped-at-0) similarities. The one deviation from the
authors' code: when the training set has fewer than k mentions in all, their code fails (the
Zipf weight vector has k entries); here the sum runs over the n mentions there are.

Why harmonic-number blocks rather than repeating similarities: Pile-NER has 13k types and
hundreds of thousands of mentions; a block of c mentions at ranks a+1..a+c weighs H(a+c) - H(a).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

DEFAULT_K = 1000  # the paper's and the authors' code's cut-off


def clipped_cosine(queries: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """max(0, cos) of each query row against each key row -> (len(queries), len(keys)); a 1-D query
    gives a 1-D result. Zero vectors give 0."""
    q = np.asarray(queries, dtype=np.float64)
    one = q.ndim == 1
    q = np.atleast_2d(q)
    m = np.asarray(keys, dtype=np.float64)
    denom = np.outer(np.linalg.norm(q, axis=1), np.linalg.norm(m, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where(denom > 0, (q @ m.T) / np.where(denom > 0, denom, 1.0), 0.0)
    cos = np.clip(cos, 0.0, 1.0)
    return cos[0] if one else cos


def rank_order(similarities: np.ndarray, names: Sequence[str] | None = None) -> np.ndarray:
    """Indices by similarity, most similar first; ties by name (then position), so the result does not
    depend on the order the training types come in."""
    sims = np.asarray(similarities, dtype=np.float64)
    if names is None:
        tie = np.arange(sims.size)
    else:
        tie = np.empty(sims.size, dtype=np.int64)
        tie[np.argsort(np.asarray(names, dtype=object), kind="stable")] = np.arange(sims.size)
    return np.lexsort((tie, -sims))


def familiarity_from_similarities(similarities: Sequence[float], counts: Sequence[int], k: int = DEFAULT_K,
                                  names: Sequence[str] | None = None) -> float:
    """Familiarity of one evaluation type from its similarity to each training type and the
    training types' counts (same order). Ties in similarity are broken by name, then position."""
    if k < 1:
        raise ValueError("k must be at least 1")
    sims = np.asarray(similarities, dtype=np.float64)
    cnt = np.asarray(counts, dtype=np.int64)
    if sims.shape != cnt.shape:
        raise ValueError("similarities and counts differ in length")
    keep = cnt > 0
    if not keep.any():
        return 0.0
    order = rank_order(sims[keep], None if names is None else np.asarray(names, dtype=object)[keep])
    sims, cnt = sims[keep][order], cnt[keep][order]
    ends = np.minimum(np.cumsum(cnt), k)
    last = int(np.searchsorted(ends, ends[-1])) + 1  # types past the cut-off weigh nothing
    sims, ends = sims[:last], ends[:last]
    starts = np.concatenate(([0], ends[:-1]))
    n = int(ends[-1])
    harmonic = np.concatenate(([0.0], np.cumsum(1.0 / np.arange(1, n + 1))))
    block = harmonic[ends] - harmonic[starts]
    return float(np.clip(np.dot(sims, block) / harmonic[n], 0.0, 1.0))
