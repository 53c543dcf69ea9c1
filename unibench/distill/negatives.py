"""Negative entity types: types of the corpus absent from a passage, asked with the answer `[]`.

The paper (§3.2, Table 4) samples them "with probability proportional to the frequency of
entity types in the entire dataset" (its best setting; uniform and none are the ablation). Here:
- frequency of a type = its number of (deduplicated per passage) mentions over the corpus;
- candidates = corpus types whose key (casefolded) is not among the passage's own types, so a
  type present in the passage is never its negative;
- K types are drawn WITHOUT replacement, one after another, each draw proportional to weight
  among the candidates not drawn yet (successive sampling, as numpy's choice(replace=False));
- K per passage is not in the paper (reconstruction): `n_negatives` fixed, or
  ratio x number of positive types, rounded half up, with `ratio` (default 1.0: as many negatives as
  positive types, which gives about Pile-NER-type's 7.8 queries per passage at its ~4 types per
  passage), capped by the number of candidates.

Draws use rejection from the whole corpus distribution (bisect over cumulative weights), which
is exact for the conditional distribution and fast when the passage holds a small part of the
mass; when rejections pile up it switches to the explicit candidate list. Each passage has its
own RNG seeded from (seed, passage id), so its negatives do not depend on the order of the
other passages.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections import Counter
from typing import Iterable, Literal, Optional, Sequence

Mode = Literal["frequency", "uniform", "none"]
MODES = ("frequency", "uniform", "none")


def type_key(t: str) -> str:
    return " ".join(t.casefold().split())


class NegativeSampler:
    def __init__(self, frequencies: dict[str, int], mode: Mode = "frequency", *,
                 n_negatives: Optional[int] = None, ratio: Optional[float] = None, seed: int = 0):
        if mode not in MODES:
            raise ValueError(f"negatives mode must be one of {MODES}, not {mode!r}")
        if n_negatives is not None and ratio is not None:
            raise ValueError("give n_negatives or ratio, not both")
        if n_negatives is not None and n_negatives < 0 or ratio is not None and ratio < 0:
            raise ValueError("n_negatives and ratio must be non-negative")
        self.mode = mode
        self.n_negatives = n_negatives
        self.ratio = 1.0 if n_negatives is None and ratio is None else ratio
        self.seed = seed
        self.types = [t for t, n in frequencies.items() if n > 0]
        self.keys = [type_key(t) for t in self.types]
        self.weights = [float(frequencies[t]) if mode == "frequency" else 1.0 for t in self.types]
        self.cum = list(itertools.accumulate(self.weights))
        self.by_key: dict[str, list[int]] = {}
        for i, key in enumerate(self.keys):
            self.by_key.setdefault(key, []).append(i)

    def how_many(self, n_positive_types: int) -> int:
        if self.mode == "none":
            return 0
        if self.n_negatives is not None:
            return self.n_negatives
        return math.floor(self.ratio * n_positive_types + 0.5)  # half up (round() would go to even)

    def rng_for(self, passage_id: str) -> random.Random:
        return random.Random(f"{self.seed}:{passage_id}")

    def sample(self, present: Iterable[str], k: int, rng: random.Random) -> list[str]:
        """k types (fewer if not enough candidates) absent from `present`, without replacement."""
        banned = {type_key(t) for t in present}
        if k <= 0 or not self.types:
            return []
        n_allowed = len(self.types) - sum(len(self.by_key.get(key, ())) for key in banned)
        k = min(k, n_allowed)
        chosen: list[int] = []
        taken: set[int] = set()
        total = self.cum[-1]
        rejections = 0
        while len(chosen) < k and rejections < 50 * (k + 1):
            i = bisect.bisect_right(self.cum, rng.random() * total)
            i = min(i, len(self.types) - 1)
            if i in taken or self.keys[i] in banned:
                rejections += 1
                continue
            chosen.append(i)
            taken.add(i)
        if len(chosen) < k:  # most of the mass is banned or taken: sample from the explicit rest
            rest = [i for i in range(len(self.types)) if i not in taken and self.keys[i] not in banned]
            chosen.extend(_successive(rest, [self.weights[i] for i in rest], k - len(chosen), rng))
        return [self.types[i] for i in chosen]


def _successive(items: Sequence[int], weights: Sequence[float], k: int, rng: random.Random) -> list[int]:
    items, weights, out = list(items), list(weights), []
    for _ in range(min(k, len(items))):
        j = rng.choices(range(len(items)), weights=weights)[0]
        out.append(items.pop(j))
        weights.pop(j)
    return out


def corpus_frequencies(passage_types: Iterable[Iterable[tuple[str, int]]]) -> dict[str, int]:
    """Type -> number of mentions over the corpus. Input: per passage, (type, n mentions) pairs.

    Types that differ only in case are one type; it is named by its most frequent spelling (ties:
    first seen).
    """
    by_key: Counter = Counter()
    spellings: dict[str, Counter] = {}
    for pairs in passage_types:
        for t, n in pairs:
            k = type_key(t)
            by_key[k] += n
            spellings.setdefault(k, Counter())[t] += n
    out = {}
    for k, n in by_key.items():
        sp = spellings[k]
        best = max(sp.values())
        out[next(t for t in sp if sp[t] == best)] = n
    return out
