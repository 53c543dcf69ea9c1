"""Recorded outputs -> per-dataset scores (counts, P/R/F1, per type, diagnostics, bootstrap CI).

Input records are what `unibench score` reads and what `unibench run` produces: `dataset`,
`output` (raw model text, or already-parsed items), `gold` (list of strings) and optionally
`sentence_id`, `label` and `text`. The output is stripped before parsing; the adapter's own output
handling (the original `get_response` for UniNER) is applied before, by `unibench.adapters.outputs`.
Nothing here knows about models or files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .metrics import bootstrap
from .metrics.diagnostics import Diagnostics, in_text, padded_norm
from .metrics.prf import Counts
from .metrics.taxonomy import TaxonomyAccumulator, TaxonomyCounts
from .metrics.uniner import _parse, gold_items, query_counts

SCORER_VERSION = "1.4"  # bump when any number this module produces could change
# 1.1: an empty list from a span adapter is no longer counted as an empty output (scores unchanged).
# 1.2: span adapters' lists are parsed like gold (symmetric "]" quirk); empty normalised strings
#      (e.g. a gold "@" in BTC) are not counted as hallucinations.
# 1.3: `run` and `score` keep only the text after the last "ASSISTANT:" for the UniNER adapters, as the
#      original get_response did (unibench/adapters/outputs.py); before, the output was only stripped.
# 1.4: the error taxonomy (metrics/taxonomy.py) of every row and type; F1 and counts unchanged.


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
    `padded_text` is `padded_norm(text)` when the caller has it already (passages repeat per type)."""
    if isinstance(output, str):
        stripped = output.strip()
        pred, ok = _parse(stripped)
        status = "empty" if not stripped else ("ok" if ok else "failure")
    else:
        # A span adapter's list is already an answer: an empty list means "no entities", like the
        # text "[]", so it is "ok", never an empty output or a parse failure. It goes through the
        # same path as the gold list (its JSON through the original parser), so the parser's quirks
        # (a string containing "]" loses the whole list) hit prediction and gold alike: a perfect
        # span model scores exactly 1.0.
        pred = gold_items(output)
        status = "ok"
    tp, fp, fn = query_counts(pred, gold_items(gold))
    if diag is not None:
        diag.n_outputs += 1
        diag.parse_failures += status == "failure"
        diag.empty_outputs += status == "empty"
        diag.n_pred_items += len(pred)
        if text is not None and pred:
            padded = padded_text if padded_text is not None else padded_norm(text)
            diag.n_checked_items += len(pred)
            diag.hallucinations += sum(1 for item in pred if not in_text(item, padded))
    return tp, fp, fn, pred, status


def score_records(records: Iterable[dict], *, n_resamples: int = bootstrap.DEFAULT_RESAMPLES,
                  seed: int = bootstrap.DEFAULT_SEED) -> dict[str, DatasetScore]:
    """Score prediction records, grouped by their `dataset`, in first-seen order."""
    scores: dict[str, DatasetScore] = {}
    units: dict[str, dict[str, list[int]]] = {}
    taxonomy = TaxonomyAccumulator()
    padded_cache: dict[str, str] = {}  # a passage is asked once per type: normalise it once
    for i, rec in enumerate(records):
        ds = rec["dataset"]
        sc = scores.get(ds)
        if sc is None:
            sc = scores[ds] = DatasetScore(ds)
            units[ds] = {}
        text = rec.get("text")
        padded = None
        if text is not None:
            padded = padded_cache.get(text)
            if padded is None:
                if len(padded_cache) > 100_000:  # bounded memory on huge files
                    padded_cache.clear()
                padded = padded_cache[text] = padded_norm(text)
        tp, fp, fn, pred, _status = score_query(rec["output"], rec["gold"], text=text,
                                                 diag=sc.diagnostics, padded_text=padded)
        sc.counts.add(tp, fp, fn)
        sc.n_queries += 1
        label = rec.get("label")
        if label is not None:
            sc.per_type.setdefault(label, Counts()).add(tp, fp, fn)
        unit = rec.get("sentence_id") or rec.get("text") or f"#{i}"
        taxonomy.add(ds, unit, text, label, rec["gold"], pred)
        acc = units[ds].setdefault(unit, [0, 0, 0])
        acc[0] += tp
        acc[1] += fp
        acc[2] += fn
    for ds, sc in scores.items():
        per_unit = [tuple(v) for v in units[ds].values()]
        sc.n_units = len(per_unit)
        sc.taxonomy, sc.taxonomy_per_type = taxonomy.result(ds)
        if n_resamples > 0:
            sc.replicates = bootstrap.replicates(per_unit, n=n_resamples, seed=seed)
            sc.ci = bootstrap.interval(sc.replicates)
    return scores
