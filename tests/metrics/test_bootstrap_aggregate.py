"""Bootstrap CIs (seeded, sentence resampling) and the plain-mean aggregation over rows."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from unibench.aggregate import aggregate, mean_of
from unibench.cards import DOMAINS
from unibench.metrics import bootstrap
from unibench.metrics.prf import prf
from unibench.scorer import score_records


def _sentences(seed: int, n: int = 300) -> list[tuple[int, int, int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        gold = rng.randint(0, 4)
        tp = rng.randint(0, gold)
        out.append((tp, rng.randint(0, 2), gold - tp))
    return out


def _point(sents):
    return prf(sum(s[0] for s in sents), sum(s[1] for s in sents), sum(s[2] for s in sents))[2]


def test_deterministic_with_a_seed_and_different_with_another():
    sents = _sentences(1)
    a = bootstrap.replicates(sents, n=200, seed=5)
    assert a == bootstrap.replicates(sents, n=200, seed=5)
    b = bootstrap.replicates(sents, n=200, seed=6)
    assert a != b
    assert len(a) == len(b) == 200
    assert all(0.0 <= x <= 1.0 for x in a)


def test_replicates_are_f1_of_resampled_sentences():
    """Re-derive the first replicate by hand from the same RNG stream: the resampling unit is the sentence."""
    sents = _sentences(2, n=50)
    idx = np.random.default_rng(9).integers(0, len(sents), size=len(sents), dtype=np.int64)
    want = _point([sents[i] for i in idx])
    assert bootstrap.replicates(sents, n=1, seed=9) == [want]


@pytest.mark.parametrize("scale", [1, 1000, 10 ** 9])
@pytest.mark.parametrize("block", [None, 1, 37, 80 * 3])
def test_vectorised_replicates_equal_the_straightforward_loop(scale, block, monkeypatch):
    """Block-wise numpy draws and sums give exactly the floats of one replicate at a time in Python,
    whatever the block size (a block may end mid-replicate-set), even for huge counts."""
    rng0 = random.Random(scale)
    sents = [(rng0.randint(0, 5) * scale, rng0.randint(0, 3) * scale, rng0.randint(0, 4)) for _ in range(80)]
    if block is not None:
        monkeypatch.setattr(bootstrap, "_DRAWS_PER_BLOCK", block)
    fast = bootstrap.replicates(sents, n=25, seed=21)
    assert fast == bootstrap.straightforward_replicates(sents, n=25, seed=21)
    # and the straightforward loop is what it says: prf of the sums of drawn sentences
    rng = np.random.default_rng(21)
    naive = []
    for _ in range(25):
        draw = [sents[i] for i in rng.integers(0, len(sents), size=len(sents), dtype=np.int64)]
        naive.append(prf(sum(d[0] for d in draw), sum(d[1] for d in draw), sum(d[2] for d in draw))[2])
    assert fast == naive


def test_f1_array_is_prf_bit_for_bit():
    cases = [(0, 0, 0), (0, 3, 0), (0, 0, 4), (3, 0, 0), (1, 2, 3), (7, 11, 13), (10 ** 12, 3, 10 ** 9)]
    cases += [(random.Random(i).randint(0, 50), random.Random(i + 1).randint(0, 50),
               random.Random(i + 2).randint(0, 50)) for i in range(200)]
    arr = np.array(cases, dtype=np.int64)
    got = bootstrap.f1_array(arr[:, 0], arr[:, 1], arr[:, 2]).tolist()
    assert got == [prf(*c)[2] for c in cases]


def _old_percentile(values, q):
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def test_interval_and_mean_replicates_equal_the_straightforward_computation():
    rng = random.Random(8)
    rows = [[rng.random() for _ in range(1000)] for _ in range(49)]
    for q in (2.5, 50, 97.5, 0, 100):
        assert bootstrap.percentile(rows[0], q) == _old_percentile(rows[0], q)
    assert bootstrap.percentile(np.array(rows[1]), 2.5) == _old_percentile(rows[1], 2.5)
    k = 1000
    assert bootstrap.mean_replicates(rows) == [sum(r[i] for r in rows) / len(rows) for i in range(k)]


def test_ci_contains_point_estimate_and_is_narrow_on_a_reasonable_sample():
    sents = _sentences(3, n=400)
    reps = bootstrap.replicates(sents, n=1000, seed=bootstrap.DEFAULT_SEED)
    lo, hi = bootstrap.interval(reps)
    point = _point(sents)
    assert lo < point < hi
    assert hi - lo < 0.15  # 400 sentences: a few points wide, not the whole [0, 1]


def test_edge_cases():
    assert bootstrap.replicates([], n=10) == []
    assert bootstrap.replicates([(1, 0, 1)], n=3, seed=1) == [prf(1, 0, 1)[2]] * 3  # one sentence
    assert math.isnan(bootstrap.percentile([], 50))
    assert bootstrap.percentile([0.0, 1.0], 25) == 0.25  # numpy's linear interpolation
    assert bootstrap.interval([0.3] * 10) == (0.3, 0.3)


def test_mean_replicates_index_by_index():
    assert bootstrap.mean_replicates([[0.0, 1.0, 0.5], [1.0, 0.0, 0.5]]) == [0.5, 0.5, 0.5]
    assert bootstrap.mean_replicates([[0.2, 0.4], [], [0.4, 0.6, 0.9]]) == pytest.approx([0.3, 0.5])
    assert bootstrap.mean_replicates([]) == [] and bootstrap.mean_replicates([[]]) == []


def test_scorer_resamples_by_sentence_and_reports_ci():
    rng = random.Random(4)
    recs = []
    for s in range(120):
        for typ in ("person", "location"):
            gold = ["x"] if rng.random() < 0.5 else []
            out = '["x"]' if rng.random() < 0.7 else '["y"]'
            recs.append({"dataset": "d", "output": out, "gold": gold, "sentence_id": f"s{s}", "label": typ})
    a = score_records(recs, n_resamples=300, seed=11)["d"]
    assert a.n_units == 120 and a.n_queries == 240
    assert len(a.replicates) == 300
    assert a.ci[0] <= a.f1 <= a.ci[1]
    assert score_records(recs, n_resamples=300, seed=11)["d"].replicates == a.replicates
    assert score_records(recs, n_resamples=300, seed=12)["d"].replicates != a.replicates
    off = score_records(recs, n_resamples=0)["d"]
    assert off.ci is None and off.replicates == [] and off.f1 == a.f1


def test_aggregate_is_plain_mean_in_paper_domain_order():
    row_f1 = {"wikiann_en": 0.5, "ncbi": 0.2, "conllpp": 0.7, "btc": 0.4, "anatem": 0.6, "mine": 0.9}
    row_domain = {"wikiann_en": "General", "ncbi": "Biomed", "conllpp": "General", "btc": "Social media",
                  "anatem": "Biomed"}
    domains, overall = aggregate(row_f1, row_domain)
    assert list(domains) == [d for d in DOMAINS if d in {"General", "Biomed", "Social media"}]
    assert domains["General"].f1 == pytest.approx(0.6) and domains["General"].n_rows == 2
    assert domains["Biomed"].f1 == pytest.approx(0.4)
    assert domains["Social media"].f1 == pytest.approx(0.4) and domains["Social media"].rows == ["btc"]
    # Overall: unweighted mean over every given row (not the mean of domain means, not pooled counts).
    assert overall.f1 == pytest.approx(sum(row_f1.values()) / 6) and overall.n_rows == 6
    assert overall.ci is None


def test_aggregate_ci_from_row_replicates():
    reps = {"a": [0.1, 0.3, 0.5, 0.7], "b": [0.3, 0.5, 0.7, 0.9]}
    agg = mean_of("overall", {"a": 0.4, "b": 0.6}, reps)
    assert agg.f1 == pytest.approx(0.5)
    assert agg.ci == bootstrap.interval([0.2, 0.4, 0.6, 0.8])
    # A row without replicates: no CI rather than a CI over a subset of rows.
    assert mean_of("overall", {"a": 0.4, "c": 0.6}, reps).ci is None
    assert math.isnan(mean_of("empty", {}).f1)
