"""Sentences -> evaluation queries, exactly as the paper asks them.

One query per (sentence, type) over ALL the dataset's types, absent ones included (gold `[]`);
gold strings are the whitespace-joined token spans in text order, duplicates kept (the metric's
parser deduplicates them, as the original did). Query order is sentence-major, types in the
card's order. The released test files have the same sentence order, but order each sentence's
types differently (only their first sentence follows the card's order; tests/data/test_released_order.py);
no number depends on query order (micro sums; the bootstrap resamples sentences).

A dataset with more than 200,000 queries is sampled down to 200,000 (paper §5.1). The paper did
not publish how; unibench samples uniformly without replacement with `random.Random(SAMPLE_SEED)`
and keeps the original order. The seed is part of the published benchmark definition.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Iterable

from .cards import DatasetCard
from .schema import Sentence

QUERY_CAP = 200_000
SAMPLE_SEED = 20240119  # the day UniNER v2 appeared on arXiv; published in docs/datasets.md


@dataclass(frozen=True)
class Query:
    dataset: str
    sentence_id: str
    text: str
    label: str
    gold: tuple[str, ...]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["gold"] = list(self.gold)
        return d


def sentence_queries(row_id: str, sentence: Sentence, types: Iterable[str]) -> list[Query]:
    by_type: dict[str, list[str]] = {}
    for sp in sorted(sentence.spans, key=lambda s: (s.start, s.end)):
        by_type.setdefault(sp.type, []).append(sentence.mention(sp))
    return [Query(row_id, sentence.id, sentence.text, t, tuple(by_type.get(t, ()))) for t in types]


def build_queries(card: DatasetCard, sentences: Iterable[Sentence], *, cap: int | None = QUERY_CAP,
                  seed: int = SAMPLE_SEED) -> list[Query]:
    types = card.types
    out: list[Query] = []
    for s in sentences:
        out.extend(sentence_queries(card.id, s, types))
    return sample_queries(out, cap=cap, seed=seed)


def sample_queries(queries: list[Query], *, cap: int | None = QUERY_CAP, seed: int = SAMPLE_SEED) -> list[Query]:
    if cap is None or len(queries) <= cap:
        return queries
    keep = sorted(random.Random(seed).sample(range(len(queries)), cap))
    return [queries[i] for i in keep]
