"""Diagnostics are counted as documented in unibench/metrics/diagnostics.py:
parse failure = non-empty output without a list at its start or rejected by the original's error path;
empty output = nothing after stripping; hallucination = a unique predicted normalised item that does not occur,
on word boundaries, in the normalised passage (checked only where the passage text is known)."""

from __future__ import annotations

import pytest

from unibench.metrics.diagnostics import Diagnostics, in_text, padded_norm
from unibench.scorer import score_query, score_records

TEXT = "Barack Obama visited Paris in the spring ."


@pytest.mark.parametrize("output,status", [
    ('["Obama"]', "ok"),
    ("[]", "ok"),
    ('  ["x"] and more  ', "ok"),
    ("", "empty"),
    ("  \n\t ", "empty"),
    ("Obama", "failure"),
    ("['Obama']", "failure"),
    ('["Obama", 3]', "failure"),
    ('[\n"Obama"\n]', "failure"),
    ('The answer: ["Obama"]', "failure"),
    ('["unterminated', "failure"),
])
def test_status_of_one_output(output, status):
    diag = Diagnostics()
    *_, got = score_query(output, ["Obama"], diag=diag)
    assert got == status
    assert (diag.parse_failures, diag.empty_outputs, diag.n_outputs) == (status == "failure", status == "empty", 1)


def test_hallucinations_per_unique_item_on_word_boundaries():
    diag = Diagnostics()
    tp, fp, fn, pred, status = score_query('["Obama", "the Paris.", "Par", "London", "obama", "spring"]',
                                           ["Barack Obama", "Paris"], text=TEXT, diag=diag)
    assert pred == ["obama", "paris", "par", "london", "spring"]
    assert (tp, fp, fn) == (1, 4, 1)
    assert diag.n_pred_items == 5 and diag.n_checked_items == 5
    assert diag.hallucinations == 2  # "par" (only inside "paris") and "london"
    assert diag.rate("hallucination") == pytest.approx(2 / 5)


def test_no_text_no_hallucination_check():
    diag = Diagnostics()
    score_query('["London"]', [], diag=diag)
    assert diag.n_pred_items == 1 and diag.n_checked_items == 0 and diag.hallucinations == 0
    assert diag.rate("hallucination") is None


def test_in_text_helpers():
    padded = padded_norm(TEXT)
    assert padded == " barack obama visited paris in spring "
    assert in_text("barack obama", padded) and not in_text("obama visited paris london", padded)
    # an item that normalises to nothing ("@", "A.") cannot be told apart from the passage, so it is
    # not counted as a hallucination (scorer 1.2; gold strings like BTC's "@" normalise to "")
    assert in_text("", padded)
    assert in_text(("obama", "paris"), padded) and not in_text(("obama", "rome"), padded)


def test_rates_over_a_dataset():
    recs = [
        {"dataset": "d", "output": '["Obama"]', "gold": ["Obama"], "text": TEXT},
        {"dataset": "d", "output": "", "gold": [], "text": TEXT},
        {"dataset": "d", "output": "none", "gold": ["Paris"], "text": TEXT},
        {"dataset": "d", "output": '["Rome", "Rome"]', "gold": [], "text": TEXT},
    ]
    d = score_records(recs, n_resamples=0)["d"].to_dict()
    assert d["parse_failures"] == 1 and d["empty_outputs"] == 1
    assert d["parse_failure_rate"] == 0.25 and d["empty_output_rate"] == 0.25
    assert d["hallucinations"] == 1 and d["n_pred_items"] == 2 and d["hallucination_rate"] == 0.5
    assert (d["tp"], d["fp"], d["fn"]) == (1, 1, 1)


def test_list_outputs_from_span_adapters():
    """Already-extracted strings are normalised and deduplicated like parsed items. An empty list is a valid
    'no entities' answer (like the text "[]"), not an empty output."""
    diag = Diagnostics()
    tp, fp, fn, pred, status = score_query(["The Obama", "obama", "Paris"], ["Obama"], text=TEXT, diag=diag)
    assert pred == ["obama", "paris"] and (tp, fp, fn) == (1, 1, 0) and status == "ok"
    *_, status = score_query([], ["Obama"], diag=diag)
    assert status == "ok"
    assert diag.empty_outputs == 0 and diag.parse_failures == 0 and diag.n_outputs == 2
