"""The UniNER metric, with exact parity to the original `src/eval/evaluate.py` (its `parser`
and F1 computation; docs/metric.md).

Parser, in the original's order of operations:
1. `re.match(r'\\[(.*?)\\]', text)`: anchored at the START, lazy up to the FIRST `]`, `.` not
   matching newlines; no match means the text `'[]'` is parsed instead;
2. `json.loads` on the matched substring;
3. each item through SQuAD `normalize_answer` (lowercase, strip punctuation, drop a/an/the,
   collapse whitespace); list/tuple items become tuples of normalised strings;
4. deduplicate in order;
5. ANY exception (invalid JSON, a non-string item, a non-list value) returns `[]`.

Per query the unique predicted items are compared with the unique gold items; TP/FP/FN are
summed over all queries of a dataset (micro). The gold side goes through the same parser, as
in the original, where gold was the JSON string of the released file.
"""

from __future__ import annotations

import json
import re
import string
from typing import Any, Iterable, Sequence

_LIST_RE = re.compile(r"\[(.*?)\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
# Deleting the ASCII punctuation with str.translate removes exactly the characters the original's
# `''.join(ch for ch in text if ch not in set(string.punctuation))` removes, several times faster.
_DROP_PUNCT = str.maketrans("", "", string.punctuation)


def normalize_answer(s: str) -> str:
    """SQuAD normalisation (the original applies lower, punctuation, articles, whitespace)."""
    s = s.lower().translate(_DROP_PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _parse(text: str) -> tuple[list[Any], bool]:
    """Return (items, ok). ok is False when the original would have hit its error path or found
    no list at the start of the text (both give [] in the original)."""
    match = _LIST_RE.match(text)
    candidate = match.group() if match else "[]"
    try:
        items = json.loads(candidate)
        out: list[Any] = []
        for item in items:
            if isinstance(item, (list, tuple)):
                item = tuple(normalize_answer(e) for e in item)
            else:
                item = normalize_answer(item)
            if item not in out:
                out.append(item)
        return out, match is not None
    except Exception:  # noqa: BLE001 - the original's `except Exception: return []`
        return [], False


def parse(text: str) -> list[Any]:
    """The original parser: model output -> deduplicated normalised items ([] on any error)."""
    return _parse(text)[0]


def parse_status(output: str) -> str:
    """'ok', 'empty' (nothing after stripping) or 'failure' (no list at the start, or the
    original's error path). The original gives [] for both of the last two."""
    text = output.strip()
    if not text:
        return "empty"
    return "ok" if _parse(text)[1] else "failure"


def gold_items(gold: Sequence[str]) -> list[Any]:
    """Gold strings as the original saw them: the JSON of the list, through the same parser.

    Fast path, same result: when no gold string contains `]`, the lazy regex matches the whole JSON
    text (json.dumps writes no raw newline) and json.loads gives the list back unchanged, so the parse
    is just normalise + deduplicate. Otherwise the list goes through the parser, `]` quirk included.
    """
    if all(type(g) is str and "]" not in g for g in gold):
        return list(dict.fromkeys(normalize_answer(g) for g in gold))
    return parse(json.dumps(list(gold), ensure_ascii=False))


def query_counts(pred_items: Sequence[Any], gold: Sequence[Any]) -> tuple[int, int, int]:
    """(tp, fp, fn) of one query, from already-parsed unique items."""
    gold_set = set(gold)
    tp = sum(1 for t in pred_items if t in gold_set)
    return tp, len(pred_items) - tp, len(gold) - tp


def original_evaluate(preds: Iterable[str], golds: Iterable[str]) -> dict[str, float]:
    """A line-for-line re-statement of `NEREvaluator.evaluate`, epsilons included.

    Used only by the parity tests and for users who want the original's exact floats; unibench
    itself reports `metrics.prf` of the same counts.
    """
    n_correct = n_pos_gold = n_pos_pred = 0
    for pred, gold in zip(preds, golds):
        gold_tuples = parse(gold)
        pred_tuples = parse(pred)
        for t in pred_tuples:
            if t in gold_tuples:
                n_correct += 1
            n_pos_pred += 1
        n_pos_gold += len(gold_tuples)
    prec = n_correct / (n_pos_pred + 1e-10)
    recall = n_correct / (n_pos_gold + 1e-10)
    f1 = 2 * prec * recall / (prec + recall + 1e-10)
    return {"precision": prec, "recall": recall, "f1": f1}
