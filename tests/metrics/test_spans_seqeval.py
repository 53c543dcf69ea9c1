"""Strict span F1 equals seqeval's default (conlleval-compatible) micro and per-type scores on BIO input.

Random tag sequences are drawn uniformly from O / B-X / I-X, so most sentences contain illegal transitions
(I- after O, I-X after B-Y). Ours decodes them with `unibench.tags.decode` (conlleval repair: such an I- starts
an entity) and counts with `metrics.spans.strict_counts`; seqeval decodes with its own `get_entities`. Equal
numbers over many seeds mean the two agree on the repair policy as well as on the arithmetic.
"""

from __future__ import annotations

import random
import warnings

import pytest

seqeval_metrics = pytest.importorskip("seqeval.metrics")
from seqeval.metrics.sequence_labeling import precision_recall_fscore_support  # noqa: E402

from unibench.metrics.spans import sentence_counts, strict_counts  # noqa: E402
from unibench.tags import DecodeReport, decode  # noqa: E402

TYPES = ("PER", "LOC", "ORG", "MISC")


def _random_tags(rng: random.Random, n: int, p_o: float) -> list[str]:
    out = []
    for _ in range(n):
        if rng.random() < p_o:
            out.append("O")
        else:
            out.append(rng.choice("BI") + "-" + rng.choice(TYPES))
    return out


def _corpus(rng: random.Random):
    true, pred = [], []
    for _ in range(rng.randint(5, 40)):
        n = rng.randint(1, 25)
        t = _random_tags(rng, n, 0.6)
        # Predictions: a noisy copy of the truth (so there are matches), sometimes fully random.
        if rng.random() < 0.3:
            p = _random_tags(rng, n, 0.6)
        else:
            p = [tag if rng.random() < 0.8 else _random_tags(rng, 1, 0.4)[0] for tag in t]
        true.append(t)
        pred.append(p)
    return true, pred


def _ours(true, pred):
    rep = DecodeReport()
    gold = {str(i): decode(t, "BIO", report=rep) for i, t in enumerate(true)}
    sys = {str(i): decode(p, "BIO", report=rep) for i, p in enumerate(pred)}
    total, per_type = strict_counts(sys, gold)
    return total, per_type, rep.repairs


@pytest.mark.parametrize("seed", range(60))
def test_micro_prf_equals_seqeval(seed):
    rng = random.Random(seed)
    true, pred = _corpus(rng)
    total, _, repairs = _ours(true, pred)
    p, r, f = total.scores()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns on 0/0 and returns 0, as prf does
        assert seqeval_metrics.precision_score(true, pred) == pytest.approx(p, abs=1e-12)
        assert seqeval_metrics.recall_score(true, pred) == pytest.approx(r, abs=1e-12)
        assert seqeval_metrics.f1_score(true, pred) == pytest.approx(f, abs=1e-12)
    assert repairs > 0  # illegal I- transitions were really exercised


@pytest.mark.parametrize("seed", range(20))
def test_per_type_equals_seqeval(seed):
    rng = random.Random(1000 + seed)
    true, pred = _corpus(rng)
    _, per_type, _ = _ours(true, pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ps, rs, fs, support = precision_recall_fscore_support(true, pred, average=None)
    # seqeval reports every type seen in gold or prediction, sorted by name.
    names = sorted(per_type)
    assert len(names) == len(ps)
    for i, name in enumerate(names):
        c = per_type[name]
        assert c.scores() == pytest.approx((ps[i], rs[i], fs[i]), abs=1e-12)
        assert c.support == support[i]


def test_known_example_from_seqeval_docs():
    true = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    pred = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    total, _, _ = _ours(true, pred)
    assert (total.tp, total.fp, total.fn) == (1, 1, 1)
    assert total.scores() == (0.5, 0.5, 0.5)


def test_sentence_counts_are_set_based():
    # A duplicated predicted span counts once, as in seqeval (spans are sets per sentence).
    assert sentence_counts([(0, 1, "PER"), (0, 1, "PER"), (2, 3, "LOC")], [(0, 1, "PER")]) == (1, 1, 0)
    # Same offsets, other type: one FP and one FN.
    assert sentence_counts([(0, 1, "LOC")], [(0, 1, "PER")]) == (0, 1, 1)
