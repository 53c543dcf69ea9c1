"""Recorded outputs -> per-dataset scores (counts, P/R/F1, per type, diagnostics, bootstrap CI).

Input records are what `unibench score` reads and what `unibench run` produces: `dataset`,
`output` (raw model text, or already-parsed items), `gold` (list of strings) and optionally
`sentence_id`, `label` and `text`. The output is stripped before parsing; the adapter's own output
handling (the original `get_response` for UniNER) is applied before, by `unibench.adapters.outputs`.
Nothing here knows about models or files.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from .errors import UnibenchError
from .metrics import bootstrap
from .metrics.diagnostics import Diagnostics, in_text, padded_norm
from .metrics.prf import Counts
from .metrics.taxonomy import TaxonomyAccumulator, TaxonomyCounts
from .metrics.uniner import _parse, gold_items, query_counts

SCORER_VERSION = "1.5"  # bump when any number this module produces could change
# 1.1: an empty list from a span adapter is no longer counted as an empty output (scores unchanged).
# 1.2: span adapters' lists are parsed like gold (symmetric "]" quirk); empty normalised strings
#      (e.g. a gold "@" in BTC) are not counted as hallucinations.
# 1.3: `run` and `score` keep only the text after the last "ASSISTANT:" for the UniNER adapters, as the
#      original get_response did (unibench/adapters/outputs.py); before, the output was only stripped.
# 1.4: bootstrap draws from numpy's Generator (PCG64) instead of Python's random.choices: the same method
#      and point scores, other replicate draws, so CIs differ in the last digits (docs/metric.md).
# 1.5: the error taxonomy (metrics/taxonomy.py) of every row and type in result files and `score`; F1,
#      counts and CIs unchanged.


@dataclass
class ScoredQuery:
    dataset: str
    unit: str  # bootstrap resampling unit (sentence id, else text, else the query itself)
    label: str | None
    tp: int
    fp: int
    fn: int
    pred: list[Any]
    status: str


@dataclass
class DatasetScore:
    dataset: str
    counts: Counts = field(default_factory=Counts)
    per_type: dict[str, Counts] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    n_queries: int = 0
    n_units: int = 0
    ci: tuple[float, float] | None = None
    replicates: list[float] = field(default_factory=list)
    taxonomy: TaxonomyCounts = field(default_factory=TaxonomyCounts)
    taxonomy_per_type: dict[str, TaxonomyCounts] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.counts.scores()[0]

    @property
    def recall(self) -> float:
        return self.counts.scores()[1]

    @property
    def f1(self) -> float:
        return self.counts.scores()[2]

    def to_dict(self) -> dict:
        d = self.diagnostics
        return {
            "precision": self.precision, "recall": self.recall, "f1": self.f1,
            "tp": self.counts.tp, "fp": self.counts.fp, "fn": self.counts.fn,
            "n_queries": self.n_queries, "n_sentences": self.n_units,
            "ci95": list(self.ci) if self.ci else None,
            "parse_failures": d.parse_failures, "empty_outputs": d.empty_outputs,
            "hallucinations": d.hallucinations, "n_pred_items": d.n_pred_items,
            "parse_failure_rate": d.rate("parse_failure"), "empty_output_rate": d.rate("empty_output"),
            "hallucination_rate": d.rate("hallucination"),
            "per_type": {t: {"precision": c.scores()[0], "recall": c.scores()[1], "f1": c.scores()[2],
                             "tp": c.tp, "fp": c.fp, "fn": c.fn, "support": c.support}
                         for t, c in self.per_type.items()},
            "taxonomy": {"total": self.taxonomy.to_dict(),
                         "per_type": {t: c.to_dict() for t, c in self.taxonomy_per_type.items()}},
        }


def score_query(output: str | Sequence[Any], gold: Sequence[str], *, text: str | None = None,
                diag: Diagnostics | None = None, padded_text: str | None = None) -> tuple[int, int, int, list[Any], str]:
    """Score one query. `output` is raw text (parsed with the original parser) or a list of
    already-extracted strings (span adapters), which are normalised and deduplicated the same way.
    `padded_text` is `padded_norm(text)` when the caller has it already (passages repeat per type).
    The straightforward path: `score_records` computes the same numbers with its parse caches."""
    pred, status = parse_output(output)
    tp, fp, fn = query_counts(pred, gold_items(gold))
    if diag is not None:
        _diagnose(diag, pred, status, text, padded_text)
    return tp, fp, fn, pred, status


def parse_output(output: str | Sequence[Any]) -> tuple[list[Any], str]:
    """(unique normalised predicted items, status) of one output: 'ok', 'empty' or 'failure'."""
    if isinstance(output, str):
        stripped = output.strip()
        pred, ok = _parse(stripped)
        return pred, "empty" if not stripped else ("ok" if ok else "failure")
    # A span adapter's list is already an answer: an empty list means "no entities", like the
    # text "[]", so it is "ok", never an empty output or a parse failure. It goes through the
    # same path as the gold list (its JSON through the original parser), so the parser's quirks
    # (a string containing "]" loses the whole list) hit prediction and gold alike: a perfect
    # span model scores exactly 1.0.
    return gold_items(output), "ok"


def _diagnose(diag: Diagnostics, pred: Sequence[Any], status: str, text: str | None, padded: str | None) -> None:
    diag.n_outputs += 1
    diag.parse_failures += status == "failure"
    diag.empty_outputs += status == "empty"
    diag.n_pred_items += len(pred)
    if text is not None and pred:
        padded = padded if padded is not None else padded_norm(text)
        diag.n_checked_items += len(pred)
        diag.hallucinations += sum(1 for item in pred if not in_text(item, padded))


# What a per-record hook receives (e.g. an error taxonomy): the record's dataset and label, its unique
# gold and predicted items (normalised, as the metric compared them; shared between records with the same
# output, so read-only) and its passage text (None when the record has none).
RecordHook = Callable[[str, "str | None", Sequence[Any], Sequence[Any], "str | None"], None]
_NO_UNIT = object()  # no sentence open yet
_CACHE_CAP = 200_000  # distinct outputs / gold lists / passages remembered; cleared when full (bounded memory)


def score_records(records: Iterable[dict], *, n_resamples: int = bootstrap.DEFAULT_RESAMPLES,
                  seed: int = bootstrap.DEFAULT_SEED, on_record: RecordHook | None = None,
                  reread: Callable[[], Iterable[dict]] | None = None) -> dict[str, DatasetScore]:
    """See `_score_records`. Python's cyclic garbage collector is paused meanwhile: scoring makes no cycles,
    but it allocates millions of small lists and tuples, and every few thousand of them the collector walked
    all the objects held (the parse caches, the recent sentences): a third of a 300,000-output score."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _score_records(records, n_resamples=n_resamples, seed=seed, on_record=on_record, reread=reread)
    finally:
        if enabled:
            gc.enable()


def _score_records(records: Iterable[dict], *, n_resamples: int, seed: int, on_record: RecordHook | None,
                   reread: Callable[[], Iterable[dict]] | None) -> dict[str, DatasetScore]:
    """Score prediction records, grouped by their `dataset`, in first-seen order.

    Streams: `records` may be a generator; only per-sentence (tp, fp, fn) counts are held, never the
    records. Each distinct output string is parsed once, each distinct gold list normalised once and
    each passage normalised once (bounded caches); the numbers equal `score_query` record by record
    (tested). `on_record(dataset, label, gold_items, pred_items, text)` is called for every record.

    The error taxonomy classifies a sentence when its records end, holding one sentence per dataset, if the
    records can be read again (`reread`, or a list/tuple) for a dataset whose sentences are not grouped
    (then that dataset is classified over a second reading); a one-shot iterator without `reread` holds
    every query for it (exact either way, tested)."""
    if reread is None and isinstance(records, (list, tuple)):
        reread = lambda: records  # noqa: E731
    padded_cache: dict[str, str] = {}  # a passage is asked once per type: normalise it once
    # error categories per row and type (metrics/taxonomy.py)
    taxonomy = TaxonomyAccumulator(hold=reread is None, padded_cache=padded_cache)
    # dataset -> (totals, per-type counts, per-unit counts, [unit, the taxonomy's list for that sentence])
    state: dict[str, tuple[list[int], dict, dict, list]] = {}
    parsed_cache: dict[str, tuple[list[Any], str]] = {}
    gold_cache: dict[tuple, list[Any]] = {}
    for i, rec in enumerate(records):
        ds = rec["dataset"]
        st = state.get(ds)
        if st is None:
            st = state[ds] = ([0] * 9, {}, {}, [_NO_UNIT, None])
        totals, per_type, units, open_sentence = st
        out = rec["output"]
        if type(out) is str:
            hit = parsed_cache.get(out)
            if hit is None:
                if len(parsed_cache) > _CACHE_CAP:
                    parsed_cache.clear()
                hit = parsed_cache[out] = parse_output(out)
            pred, status = hit
        else:
            pred, status = parse_output(out)
        gold = rec["gold"]
        if gold:
            key = tuple(gold)
            gold_set = gold_cache.get(key)
            if gold_set is None:
                if len(gold_cache) > _CACHE_CAP:
                    gold_cache.clear()
                gold_set = gold_cache[key] = gold_items(gold)
            tp, fp, fn = query_counts(pred, gold_set) if pred else (0, 0, len(gold_set))
        else:
            gold_set = []
            tp, fp, fn = 0, len(pred), 0
        text = rec.get("text")
        # totals: tp, fp, fn, queries, parse failures, empty outputs, predicted items, checked items, hallucinations
        totals[0] += tp
        totals[1] += fp
        totals[2] += fn
        totals[3] += 1
        if status != "ok":
            totals[4 if status == "failure" else 5] += 1
        if pred:
            totals[6] += len(pred)
            if text is not None:
                padded = padded_cache.get(text)
                if padded is None:
                    if len(padded_cache) > _CACHE_CAP:
                        padded_cache.clear()
                    padded = padded_cache[text] = padded_norm(text)
                totals[7] += len(pred)
                for item in pred:  # in_text, with the plain-string case inline
                    if type(item) is str:
                        if item and f" {item} " not in padded:
                            totals[8] += 1
                    elif not in_text(item, padded):
                        totals[8] += 1
        label = rec.get("label")
        if label is not None:
            c = per_type.get(label)
            if c is None:
                per_type[label] = [tp, fp, fn]
            else:
                c[0] += tp
                c[1] += fp
                c[2] += fn
        if on_record is not None:
            on_record(ds, label, gold_set, pred, text)
        unit = rec.get("sentence_id") or text or f"#{i}"
        if open_sentence[0] != unit:  # the taxonomy's list for this sentence, kept while the unit stays
            open_sentence[0], open_sentence[1] = unit, taxonomy.sentence(ds, unit, text)
        open_sentence[1].append((label, gold_set, pred, fp or fn))  # gold normalised once, above
        acc = units.get(unit)
        if acc is None:
            units[unit] = [tp, fp, fn]
        else:
            acc[0] += tp
            acc[1] += fp
            acc[2] += fn
    if taxonomy.ungrouped:
        taxonomy = _taxonomy_held(reread(), taxonomy.ungrouped, taxonomy)
    scores: dict[str, DatasetScore] = {}
    for ds, (totals, per_type, units, _) in state.items():
        sc = scores[ds] = DatasetScore(ds, counts=Counts(*totals[:3]), n_queries=totals[3], n_units=len(units),
                                       per_type={t: Counts(*c) for t, c in per_type.items()},
                                       diagnostics=Diagnostics(n_outputs=totals[3], parse_failures=totals[4],
                                                               empty_outputs=totals[5], n_pred_items=totals[6],
                                                               n_checked_items=totals[7], hallucinations=totals[8]))
        sc.taxonomy, sc.taxonomy_per_type = taxonomy.result(ds)
        tx = sc.taxonomy
        if (tx.correct, tx.fp, tx.fn) != (sc.counts.tp, sc.counts.fp, sc.counts.fn):  # categories partition errors
            raise UnibenchError(f"{ds}: the error taxonomy (correct {tx.correct}, fp {tx.fp}, fn {tx.fn}) does not add "
                                f"up to the metric's tp {sc.counts.tp}, fp {sc.counts.fp}, fn {sc.counts.fn}; nothing "
                                "was scored", hint="the records were read twice for this row (its sentences are "
                                                   "not together) and changed in between: score a file that no "
                                                   "one writes meanwhile")
        if n_resamples > 0:
            sc.replicates = bootstrap.replicates(list(units.values()), n=n_resamples, seed=seed)
            sc.ci = bootstrap.interval(sc.replicates)
    return scores


class _Either:
    """The streamed taxonomy for grouped datasets, the held one for the rest."""

    def __init__(self, streamed: TaxonomyAccumulator, held: TaxonomyAccumulator, ungrouped: set):
        self.streamed, self.held, self.ungrouped = streamed, held, ungrouped

    def result(self, ds: str):
        return (self.held if ds in self.ungrouped else self.streamed).result(ds)


def _taxonomy_held(records: Iterable[dict], ungrouped: set, streamed: TaxonomyAccumulator) -> _Either:
    """A second reading for the datasets whose sentences came back after they were classified: their queries are
    held and classified at the end, with the same items as the first reading (same parser, same unit ids)."""
    held = TaxonomyAccumulator(hold=True, datasets=set(ungrouped))
    for i, rec in enumerate(records):
        ds = rec["dataset"]
        if ds not in ungrouped:
            continue
        pred, _ = parse_output(rec["output"])
        gold = gold_items(rec["gold"]) if rec["gold"] else []
        text = rec.get("text")
        _, fp, fn = query_counts(pred, gold) if pred and gold else (0, len(pred), len(gold))
        held.add(ds, rec.get("sentence_id") or text or f"#{i}", text, rec.get("label"), gold, pred, fp or fn)
    return _Either(streamed, held, set(ungrouped))
