"""Why a row's F1 is what it is: every false positive and false negative of the UniNER metric in one category.

The metric (metrics/uniner.py) compares, per query (sentence x type), the set of normalised predicted items P
with the set of normalised gold items G: tp = |P & G|, fp = |P - G|, fn = |G - P|. This module assigns each
item of P - G and of G - P exactly one category, so the categories partition the errors:

    correct                                                      == tp
    wrong_type + boundary + spurious + hallucinated + unchecked  == fp
    missed_other_type + missed_not_found                         == fn

A false positive p (query type t, sentence s), first rule that applies:
1. wrong_type: p is a gold item of another type of s (the model found the mention, under the wrong type);
2. boundary: p overlaps a gold item g of type t without being equal to it, on words: one contains the other, or a
   suffix of one is a prefix of the other and the two merged occur in the passage (the passage known);
3. spurious: p occurs in the passage (word-bounded, as the hallucination diagnostic checks) but is gold for
   no type;
4. hallucinated: p does not occur in the passage;
5. unchecked: the passage is unknown (a `unibench score` record without `text`), so 3 and 4 cannot be told apart.

A false negative g: missed_other_type when another type's query of s predicted exactly g, else missed_not_found.

Input per sentence: the passage text and, per query, its type, the gold strings and the scorer's parsed
prediction items (already normalised and deduplicated, as `scorer.score_query` returns them).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from .diagnostics import in_text, padded_norm
from .uniner import gold_items

FP_CATEGORIES = ("wrong_type", "boundary", "spurious", "hallucinated", "unchecked")
FN_CATEGORIES = ("missed_other_type", "missed_not_found")
CATEGORIES = ("correct",) + FP_CATEGORIES + FN_CATEGORIES


@dataclass
class TaxonomyCounts:
    correct: int = 0
    wrong_type: int = 0
    boundary: int = 0
    spurious: int = 0
    hallucinated: int = 0
    unchecked: int = 0
    missed_other_type: int = 0
    missed_not_found: int = 0

    @property
    def fp(self) -> int:
        return sum(getattr(self, c) for c in FP_CATEGORIES)

    @property
    def fn(self) -> int:
        return sum(getattr(self, c) for c in FN_CATEGORIES)

    def add(self, other: "TaxonomyCounts") -> None:
        for c in CATEGORIES:
            setattr(self, c, getattr(self, c) + getattr(other, c))

    def rates(self) -> dict[str, Optional[float]]:
        """Predicted-item categories as shares of the predictions (tp + fp: `correct` is the precision), missed
        categories as shares of the gold items (tp + fn: 1 - recall in all)."""
        n_pred, n_gold = self.correct + self.fp, self.correct + self.fn
        out: dict[str, Optional[float]] = {}
        for c in ("correct",) + FP_CATEGORIES:
            out[c] = getattr(self, c) / n_pred if n_pred else None
        for c in FN_CATEGORIES:
            out[c] = getattr(self, c) / n_gold if n_gold else None
        return out

    def to_dict(self) -> dict:
        d = {c: getattr(self, c) for c in CATEGORIES}
        d["rates"] = {k: v for k, v in self.rates().items() if v is not None}
        return d


@dataclass
class QueryItems:
    """One query of a sentence: its type, the gold strings (raw) and the parsed prediction items."""
    label: Optional[str]
    gold: Sequence[str]
    pred: Sequence[Any]


def _words(item: Any) -> Optional[tuple[str, ...]]:
    return tuple(item.split()) if isinstance(item, str) else None


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    return any(big[i:i + n] == small for i in range(len(big) - n + 1))


def overlaps(pred: Any, gold: Any, padded_text: Optional[str]) -> bool:
    """Whether two different normalised strings can be two boundaries of one mention (see the module doc)."""
    p, g = _words(pred), _words(gold)
    if not p or not g:
        return False
    if _contains(p, g) or _contains(g, p):
        return True
    for a, b in ((p, g), (g, p)):  # a suffix of a is a prefix of b
        for k in range(min(len(a), len(b)) - 1, 0, -1):
            if a[-k:] == b[:k]:
                merged = " ".join(a + b[k:])
                if padded_text is None or f" {merged} " in padded_text:
                    return True
    return False


_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
_C, _WT, _BD, _SP, _HL, _UN, _MO, _MN = (_INDEX[c] for c in CATEGORIES)


def _classify(text: Optional[str], queries: Sequence[tuple[Optional[str], Sequence[Any], Sequence[Any], bool]],
              padded_cache: Optional[dict] = None, out: Optional[dict] = None) -> dict[Optional[str], list[int]]:
    """The rules of the module doc, on (type, normalised gold items, parsed items, has errors) per query: counts
    per type as lists in CATEGORIES order (plain lists: this runs once per query of every scored row). A query
    without errors (the scorer's fp and fn both 0: its items equal its gold) only counts correct items; the
    owner maps and the normalised passage are built only when a query of the sentence has an error
    (`padded_cache`: passage -> `padded_norm(passage)`, the scorer's, so a passage is normalised once).
    `out`: counts per type to add to (a row's running totals), else a new dict."""
    n = len(CATEGORIES)
    if out is None:
        out = {}
    gold_owner: Optional[dict[Any, set]] = None
    pred_owner: dict[Any, set] = {}
    padded: Any = _UNSET
    for label, gold, pred, wrong in queries:
        c = out.get(label)
        if c is None:
            c = out[label] = [0] * n
        if not wrong:
            c[_C] += len(pred)
            continue
        if gold_owner is None:
            gold_owner = {}
            for lab, g_items, p_items, _ in queries:
                for g in g_items:
                    gold_owner.setdefault(g, set()).add(lab)
                for p in p_items:
                    pred_owner.setdefault(p, set()).add(lab)
        gold_set = set(gold)
        for item in pred:
            if item in gold_set:
                c[_C] += 1
                continue
            owners = gold_owner.get(item)
            if owners and (len(owners) > 1 or label not in owners):
                c[_WT] += 1
                continue
            if padded is _UNSET:
                padded = None if text is None else padded_cache.get(text) if padded_cache is not None else None
                if padded is None and text is not None:
                    padded = padded_norm(text)
            if gold and any(overlaps(item, g, padded) for g in gold):
                c[_BD] += 1
            elif text is None:
                c[_UN] += 1
            elif in_text(item, padded):
                c[_SP] += 1
            else:
                c[_HL] += 1
        pred_set = set(pred)
        for g in gold:
            if g in pred_set:
                continue
            owners = pred_owner.get(g)
            if owners and (len(owners) > 1 or label not in owners):
                c[_MO] += 1
            else:
                c[_MN] += 1
    return out


_UNSET = object()


def _counts(values: Sequence[int]) -> TaxonomyCounts:
    return TaxonomyCounts(**dict(zip(CATEGORIES, values)))


def classify_sentence(text: Optional[str], queries: Iterable[QueryItems]) -> dict[Optional[str], TaxonomyCounts]:
    """Counts per type for the queries of one sentence (a type asked twice adds up under its name)."""
    items = [(q.label, gold_items(q.gold) if q.gold else [], q.pred) for q in queries]
    got = _classify(text, [(label, g, p, set(g) != set(p)) for label, g, p in items])
    return {label: _counts(v) for label, v in got.items()}


class TaxonomyAccumulator:
    """Classifies each sentence's queries as the scorer streams records, holding only recent sentences.

    A sentence's categories depend on all of its queries (a false positive is `wrong_type` when another type's
    gold holds it), so a sentence is classified when its records end: when the next record of the same dataset
    belongs to another sentence, or at the end. `unibench run` writes a sentence's queries together, and so do
    most tools. A sentence that comes back later (a passage that occurs twice in a test set, keyed by its text)
    is taken back out of the counts and classified again whole, while it is among the last `RECENT`
    sentences classified (all datasets together, so memory does not grow with a file's number of rows), which
    are kept; one that comes back after that marks its dataset `ungrouped`:
    its counts are not final, and the scorer classifies that dataset again over the whole input (`hold`).

    `add` is called once per query with the gold items the scorer normalised for the metric (shared, read-only).
    With `hold=True` every sentence is held until `result` (exact for any order; the memory of all queries)."""

    RECENT = 5_000  # classified sentences kept, to take back one that comes back (a few MB)

    def __init__(self, hold: bool = False, datasets: Optional[set] = None, padded_cache: Optional[dict] = None):
        self.hold = hold
        self.padded_cache = padded_cache  # the scorer's passage -> padded_norm(passage), read only
        self.only = datasets  # None: every dataset
        self.ungrouped: set[str] = set()
        self._open: dict[str, tuple[Any, Optional[str], list]] = {}  # dataset -> (unit, text, queries)
        # (dataset, unit) -> (text, queries), oldest first; an OrderedDict, whose popitem(last=False) is O(1) (a
        # dict's next(iter(d)) walks the slots its earlier deletions left empty: a tenth of the taxonomy's time)
        self._recent: OrderedDict[tuple[str, Any], tuple[Optional[str], list]] = OrderedDict()
        self._gone: dict[str, set] = {}  # dataset -> units classified and no longer kept
        self._held: dict[str, dict[Any, tuple[Optional[str], list]]] = {}
        self._per_type: dict[str, dict[Optional[str], list[int]]] = {}

    def add(self, dataset: str, unit: Any, text: Optional[str], label: Optional[str], gold: Sequence[Any],
            pred: Sequence[Any], wrong: bool = True) -> None:
        """One query; `wrong`: it has a false positive or negative (the scorer's fp or fn; True when unknown)."""
        self.sentence(dataset, unit, text).append((label, gold, pred, wrong))

    def sentence(self, dataset: str, unit: Any, text: Optional[str]) -> list:
        """The list the queries of sentence `unit` of `dataset` go to, as `add` appends them: the open
        sentence's, else a new one (the open one is classified first) or one taken back. The scorer keeps it
        while the unit stays the same, so a query costs one append."""
        if self.only is not None and dataset not in self.only:
            return []
        if self.hold:
            by_unit = self._held.setdefault(dataset, {})
            entry = by_unit.get(unit)
            if entry is None:
                entry = by_unit[unit] = (text, [])
            return entry[1]
        cur = self._open.get(dataset)
        if cur is not None:
            if cur[0] == unit:
                return cur[2]
            self._close(dataset, cur)
        queries: list = []
        back = self._recent.pop((dataset, unit), None) if self._recent else None
        if back is not None:  # classified already: take its counts back, classify it again whole when it ends
            self._subtract(dataset, _classify(back[0], back[1], self.padded_cache))
            queries = back[1]
        elif unit in self._gone.get(dataset, ()):
            self.ungrouped.add(dataset)
        self._open[dataset] = (unit, text, queries)
        return queries

    def _close(self, dataset: str, entry: tuple[Any, Optional[str], list]) -> None:
        unit, text, queries = entry
        per_type = self._per_type.get(dataset)
        if per_type is None:
            per_type = self._per_type[dataset] = {}
        _classify(text, queries, self.padded_cache, per_type)  # deterministic: taken back by classifying again
        recent = self._recent
        recent[(dataset, unit)] = (text, queries)
        if len(recent) > self.RECENT:  # the oldest goes
            oldest = recent.popitem(last=False)[0]
            self._gone.setdefault(oldest[0], set()).add(oldest[1])

    def _subtract(self, dataset: str, counts: dict[Optional[str], list[int]]) -> None:
        """Take a sentence's counts (as _close added them, classifying it again) out of its row's totals."""
        per_type = self._per_type.setdefault(dataset, {})
        for label, c in counts.items():
            acc = per_type.setdefault(label, [0] * len(c))
            acc[:] = [a - b for a, b in zip(acc, c)]

    def result(self, dataset: str) -> tuple[TaxonomyCounts, dict[str, TaxonomyCounts]]:
        """(row total, per type) for one dataset, after its last record."""
        cur = self._open.pop(dataset, None)
        if cur is not None:
            self._close(dataset, cur)
        for key in [k for k in self._recent if k[0] == dataset]:
            del self._recent[key]
        per_type = self._per_type.setdefault(dataset, {})
        for text, queries in self._held.pop(dataset, {}).values():
            _classify(text, queries, self.padded_cache, per_type)
        n = len(CATEGORIES)
        total = [0] * n
        per_type = self._per_type.get(dataset, {})
        for acc in per_type.values():
            for i in range(n):
                total[i] += acc[i]
        return _counts(total), {t: _counts(v) for t, v in per_type.items() if t is not None}
