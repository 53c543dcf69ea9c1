"""The Familiarity formula on cases computed by hand (fixed vectors, no embedding model)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from unibench.familiarity.metric import clipped_cosine, familiarity_from_similarities


def _fam(eval_vec, train: dict[str, tuple[list[float], int]], k: int) -> float:
    names = list(train)
    sims = clipped_cosine(np.array(eval_vec), np.array([train[n][0] for n in names]))
    return familiarity_from_similarities(sims, [train[n][1] for n in names], k, names)


def test_identical_type_sets_give_one():
    # one-hot "embeddings": every evaluation type is exactly a training type seen at least k times
    vec = {"person": [1, 0, 0], "location": [0, 1, 0], "organization": [0, 0, 1]}
    train = {n: (v, 5) for n, v in vec.items()}
    for n, v in vec.items():
        assert _fam(v, train, k=5) == pytest.approx(1.0)


def test_unrelated_types_give_low_values_and_opposite_ones_zero():
    train = {"person": ([1, 0, 0], 10), "location": ([0.9, 0.1, 0], 10)}
    assert _fam([0, 0, 1], train, k=20) == 0.0  # orthogonal: cosine 0
    assert _fam([-1, 0, 0], train, k=20) == 0.0  # negative cosine is clipped to 0, as the authors' code does
    low = _fam([0.1, 0, 1], train, k=20)
    assert 0 < low < 0.15


def test_frequency_weighted_case_by_hand():
    # eval e = (1, 0); training types: a = (1, 0) seen 2x, b = (0.6, 0.8) seen 1x, c = (0, 1) seen 3x; k = 4.
    # similarities 1, 0.6, 0; the first k = 4 mentions by similarity are a, a, b, c
    # -> (1/1 * 1 + 1/2 * 1 + 1/3 * 0.6 + 1/4 * 0) / (1 + 1/2 + 1/3 + 1/4) = 1.7 / 2.08333 = 0.816
    train = {"a": ([1, 0], 2), "b": ([0.6, 0.8], 1), "c": ([0, 1], 3)}
    assert _fam([1, 0], train, k=4) == pytest.approx(1.7 / (1 + 1 / 2 + 1 / 3 + 1 / 4))
    # frequency matters: with b seen 3x the closest places fill with 0.6 instead of c's 0
    train["b"] = ([0.6, 0.8], 3)
    assert _fam([1, 0], train, k=4) == pytest.approx((1 + 1 / 2 + 0.6 / 3 + 0.6 / 4) / (1 + 1 / 2 + 1 / 3 + 1 / 4))
    # the cut-off: with k = 2 only the two mentions of a count
    assert _fam([1, 0], train, k=2) == pytest.approx(1.0)


@pytest.mark.parametrize("sims, counts, k, want", [
    # the authors' unit tests (flairNLP/familiarity, tests/test_metric.py::test_weighted_average, zipf rows)
    ([0.95, 0.8], [200, 200], 400, 0.93420),
    ([0.95, 0.8, 0.7], [200, 500, 100], 800, 0.91956),
])
def test_matches_the_authors_weighted_average(sims, counts, k, want):
    assert familiarity_from_similarities(sims, counts, k) == pytest.approx(want, rel=1e-3)
    # the order the types come in does not matter (they are sorted by similarity)
    assert familiarity_from_similarities(sims[::-1], counts[::-1], k) == pytest.approx(want, rel=1e-3)


def test_fewer_mentions_than_k_weigh_the_mentions_there_are():
    # 3 mentions, k = 1000: the sum runs over 3 ranks (the authors' code has no value for this case)
    got = familiarity_from_similarities([1.0, 0.5], [1, 2], 1000)
    assert got == pytest.approx((1 + 0.5 / 2 + 0.5 / 3) / (1 + 1 / 2 + 1 / 3))


def test_zero_count_types_are_ignored_and_ties_are_deterministic():
    assert familiarity_from_similarities([1.0, 0.2], [0, 4], 4) == pytest.approx(0.2)
    assert familiarity_from_similarities([], [], 10) == 0.0
    a = familiarity_from_similarities([0.5, 0.5, 0.1], [1, 1, 1], 2, ["x", "y", "z"])
    assert math.isclose(a, 0.5)
