"""The negative-type sampler: statistical tests with fixed seeds, exclusions, modes."""

import random
from collections import Counter

import pytest

from unibench.distill.negatives import NegativeSampler, corpus_frequencies
from tests.distill.stats_helpers import chi2_pvalue, chi2_sf

FREQ = {"person": 50, "location": 30, "organization": 12, "date": 5, "disease": 2, "gene": 1}


def test_chi2_helper_matches_known_quantiles():
    # textbook critical values: chi2(df=4) 95% = 9.488, chi2(df=1) 95% = 3.841, chi2(df=10) 99% = 23.209
    assert chi2_sf(9.488, 4) == pytest.approx(0.05, abs=5e-4)
    assert chi2_sf(3.841, 1) == pytest.approx(0.05, abs=5e-4)
    assert chi2_sf(23.209, 10) == pytest.approx(0.01, abs=2e-4)


def _draws(sampler, present, k, n, seed=123):
    rng = random.Random(seed)
    return [sampler.sample(present, k, rng) for _ in range(n)]


def test_frequency_negatives_follow_corpus_frequencies():
    s = NegativeSampler(FREQ, "frequency")
    draws = _draws(s, ["Location"], 1, 20_000)  # case differs from the corpus spelling: still banned
    counts = Counter(d[0] for d in draws)
    assert "location" not in counts
    allowed = [t for t in FREQ if t != "location"]
    total = sum(FREQ[t] for t in allowed)
    probs = [FREQ[t] / total for t in allowed]
    observed = [counts[t] for t in allowed]
    assert chi2_pvalue(observed, probs) > 1e-3
    # the same counts are nowhere near uniform: the test has power to fail
    assert chi2_pvalue(observed, [1 / len(allowed)] * len(allowed)) < 1e-12


def test_frequency_without_replacement_inclusion_probabilities():
    """K=2: inclusion probability of t under successive sampling, computed exactly, vs observed."""
    s = NegativeSampler(FREQ, "frequency")
    present = ["person"]
    n = 20_000
    draws = _draws(s, present, 2, n, seed=7)
    assert all(len(d) == 2 and len(set(d)) == 2 and "person" not in d for d in draws)
    allowed = {t: w for t, w in FREQ.items() if t != "person"}
    big_w = sum(allowed.values())
    incl = {}
    for t, w in allowed.items():
        p_first = w / big_w
        p_second = sum(wu / big_w * w / (big_w - wu) for u, wu in allowed.items() if u != t)
        incl[t] = p_first + p_second
    assert sum(incl.values()) == pytest.approx(2.0)
    counts = Counter(t for d in draws for t in d)
    for t, p in incl.items():
        sigma = (p * (1 - p) / n) ** 0.5
        assert abs(counts[t] / n - p) < 4.5 * sigma + 1e-9, (t, counts[t] / n, p)


def test_uniform_is_uniform_and_none_is_none():
    s = NegativeSampler(FREQ, "uniform")
    draws = _draws(s, ["person", "date"], 1, 12_000, seed=5)
    allowed = [t for t in FREQ if t not in ("person", "date")]
    counts = Counter(d[0] for d in draws)
    assert set(counts) == set(allowed)
    assert chi2_pvalue([counts[t] for t in allowed], [1 / len(allowed)] * len(allowed)) > 1e-3
    none = NegativeSampler(FREQ, "none")
    assert none.how_many(5) == 0 and none.sample(["person"], none.how_many(5), random.Random(0)) == []


def test_mostly_banned_mass_falls_back_to_the_explicit_rest_with_the_right_distribution():
    freq = {"a": 5000, "b": 3, "c": 2, "d": 1}
    s = NegativeSampler(freq, "frequency")
    draws = _draws(s, ["A"], 1, 6000, seed=11)
    counts = Counter(d[0] for d in draws)
    assert "a" not in counts
    assert chi2_pvalue([counts["b"], counts["c"], counts["d"]], [3 / 6, 2 / 6, 1 / 6]) > 1e-3
    # asking for more than exist gives all of them, each once
    assert sorted(s.sample(["a"], 10, random.Random(0))) == ["b", "c", "d"]
    assert s.sample(list(freq), 3, random.Random(0)) == []


def test_counts_seeds_and_determinism():
    s = NegativeSampler(FREQ, "frequency", seed=3)
    assert [s.how_many(n) for n in (0, 1, 2, 3)] == [0, 1, 2, 3]  # default ratio 1.0
    assert NegativeSampler(FREQ, ratio=0.5).how_many(3) == 2 and NegativeSampler(FREQ, n_negatives=4).how_many(1) == 4
    a = s.sample(["person"], 3, s.rng_for("p1"))
    assert a == s.sample(["person"], 3, s.rng_for("p1"))
    others = {tuple(s.sample(["person"], 3, s.rng_for(f"p{i}"))) for i in range(30)}
    assert len(others) > 1  # different passages get different draws
    with pytest.raises(ValueError):
        NegativeSampler(FREQ, n_negatives=1, ratio=1.0)
    with pytest.raises(ValueError):
        NegativeSampler(FREQ, "popular")


def test_corpus_frequencies_merge_case_and_name_by_the_commonest_spelling():
    freq = corpus_frequencies([[("Person", 1), ("location", 2)], [("person", 3)], [("PERSON", 1), ("Location", 1)]])
    assert freq == {"person": 5, "location": 3}
