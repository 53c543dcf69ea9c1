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


def clipped_cosine(query: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """max(0, cos) of one vector against each row of `keys` (zero vectors give 0)."""
    q = np.asarray(query, dtype=np.float64)
    m = np.asarray(keys, dtype=np.float64)
    qn = np.linalg.norm(q)
    kn = np.linalg.norm(m, axis=1)
    denom = qn * kn
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where(denom > 0, (m @ q) / np.where(denom > 0, denom, 1.0), 0.0)
    return np.clip(cos, 0.0, 1.0)


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
    sims, cnt = sims[keep], cnt[keep]
    if sims.size == 0:
        return 0.0
    tie = np.asarray(names, dtype=object)[keep] if names is not None else np.arange(sims.size)
    order = sorted(range(sims.size), key=lambda i: (-sims[i], tie[i]))
    sims, cnt = sims[order], cnt[order]
    ends = np.minimum(np.cumsum(cnt), k)
    starts = np.concatenate(([0], ends[:-1]))
    n = int(ends[-1])
    harmonic = np.concatenate(([0.0], np.cumsum(1.0 / np.arange(1, n + 1))))
    block = harmonic[ends] - harmonic[starts]
    return float(np.clip(np.dot(sims, block) / harmonic[n], 0.0, 1.0))
