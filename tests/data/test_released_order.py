"""What unibench's query order does and does not share with the original release (docs/datasets.md, Queries):
the same sentence order and the same query multiset, but the release orders each sentence's types differently."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA
from unibench.cards import get_card
from unibench.prepare import load_sentences
from unibench.queries import build_queries
from unibench.readers.uniner_json import read_released_queries

RELEASED = {"crossner_ai": "CrossNER_AI.json", "crossner_literature": "CrossNER_literature.json",
            "crossner_music": "CrossNER_music.json", "crossner_politics": "CrossNER_politics.json",
            "crossner_science": "CrossNER_science.json", "mit_restaurant": "mit-restaurant.json"}


def _blocks(pairs):
    """[(text, [types in order])] for consecutive queries of one sentence."""
    out = []
    for text, label in pairs:
        if not out or out[-1][0] != text:
            out.append((text, []))
        out[-1][1].append(label)
    return out


@pytest.mark.parametrize("row", sorted(RELEASED))
def test_sentence_order_matches_type_order_does_not(row):
    if not (SHARED_DATA / "uniner_released").is_dir() or not (SHARED_DATA / row).is_dir():
        pytest.skip(f"uniner_released or {row} not staged under {SHARED_DATA}")
    card = get_card(row)
    sentences, _ = load_sentences(card, "test", SHARED_DATA, None)
    ours = _blocks((q.text, q.label) for q in build_queries(card, sentences))
    released = _blocks((r["text"], r["label"]) for r in read_released_queries(SHARED_DATA / "uniner_released"
                                                                               / RELEASED[row]))
    assert [t for t, _ in ours] == [t for t, _ in released]  # same sentences, same order
    assert all(sorted(a) == sorted(b) for (_, a), (_, b) in zip(ours, released))  # same types per sentence
    same = [i for i, ((_, a), (_, b)) in enumerate(zip(ours, released)) if a == b]
    assert same == [0]  # only the first sentence lists its types in the card's order
