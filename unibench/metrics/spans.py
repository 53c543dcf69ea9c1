"""Strict span F1: a predicted span counts only if its type and exact token offsets match a gold span.

For adapters that return spans (token classifiers, the gazetteer). On BIO input this equals
seqeval's default (conlleval-compatible) micro-F1; the parity test checks that on randomised
predictions. Spans are compared as sets per sentence, as seqeval does.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .prf import Counts

SpanKey = tuple[int, int, str]  # (start, end_exclusive, type)


def sentence_counts(pred: Iterable[SpanKey], gold: Iterable[SpanKey]) -> tuple[int, int, int]:
    p, g = set(pred), set(gold)
    tp = len(p & g)
    return tp, len(p) - tp, len(g) - tp


def strict_counts(pred: Mapping[str, Iterable[SpanKey]], gold: Mapping[str, Iterable[SpanKey]]) -> tuple[
        Counts, dict[str, Counts]]:
    """Micro counts over sentences (keyed by sentence id), and the same per type."""
    total, per_type = Counts(), {}
    for sid in set(gold) | set(pred):
        p, g = set(pred.get(sid, ())), set(gold.get(sid, ()))
        total.add(*sentence_counts(p, g))
        for typ in {s[2] for s in p | g}:
            pt = {s for s in p if s[2] == typ}
            gt = {s for s in g if s[2] == typ}
            per_type.setdefault(typ, Counts()).add(*sentence_counts(pt, gt))
    return total, per_type
