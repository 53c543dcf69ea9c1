"""Result files as table rows, for `unibench.load_results` and `Results.to_frame()` (pandas: the `[pandas]` extra).

One row per model x evaluation row. Columns: model (id, revision, display name, family, parameters), the row
(row, dataset, domain, version, split, limit), kind (run | reported, with the reported source key), adapter,
setting, the scores (f1, precision, recall, ci_low, ci_high, tp, fp, fn), n_sentences, n_queries,
parse_failures, the scorer version and date, `familiarity` (the mean over the row's types, when known), and
the optional blocks other features add to result files when present: every number of `cost` as `cost_<name>`
and of `taxonomy` as `taxonomy_<name>` (flattened one level).
"""

from __future__ import annotations

from typing import Any, Optional


def _flat(prefix: str, block: Any) -> dict:
    if block is None:
        return {}
    data = block.model_dump(mode="json") if hasattr(block, "model_dump") else block
    if not isinstance(data, dict):
        return {prefix: data}
    out = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update({f"{prefix}_{k}_{kk}": vv for kk, vv in v.items() if not isinstance(vv, (dict, list))})
        elif not isinstance(v, list):
            out[f"{prefix}_{k}"] = v
    return out


def result_record(r) -> dict:
    """One `ResultFile` (results.py) as a flat dict."""
    s, d = r.scores, r.dataset
    rec = {"model": r.model.id, "revision": r.model.revision, "display_name": r.model.display_name,
           "family": r.model.family, "n_parameters": r.model.n_parameters, "kind": r.kind, "scope": r.scope,
           "reported_key": r.reported.key if r.reported else None,
           "row": d.row if d else None, "dataset": d.dataset if d else None,
           "domain": d.domain if d else r.domain, "version": d.version if d else None,
           "split": d.split if d else None, "limit": d.limit if d else None,
           "adapter": r.prompt.adapter if r.prompt else None, "setting": r.setting,
           "f1": s.f1, "precision": s.precision, "recall": s.recall,
           "ci_low": s.ci95[0] if s.ci95 else None, "ci_high": s.ci95[1] if s.ci95 else None,
           "tp": s.tp, "fp": s.fp, "fn": s.fn, "n_sentences": d.n_sentences if d else None,
           "n_queries": d.n_queries if d else None,
           "parse_failures": r.diagnostics.parse_failures if r.diagnostics else None,
           "scorer_version": r.stamps.scorer_version, "date": r.stamps.date,
           "familiarity": r.familiarity.mean if r.familiarity else None}
    rec.update(_flat("cost", getattr(r, "cost", None)))
    rec.update(_flat("taxonomy", getattr(r, "taxonomy", None)))
    return rec


def score_record(row: str, d: dict, model: Optional[str] = None) -> dict:
    """One row of a `score` report (no result file: no model or run stamps) as a flat dict."""
    ci = d.get("ci95")
    return {"model": model, "row": row, "domain": d.get("domain"), "f1": d.get("f1"),
            "precision": d.get("precision"), "recall": d.get("recall"),
            "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None,
            "tp": d.get("tp"), "fp": d.get("fp"), "fn": d.get("fn"), "n_queries": d.get("n_queries"),
            "parse_failures": d.get("parse_failures")}


def records_frame(records: list[dict]):
    """The records as a pandas DataFrame (columns in first-seen order)."""
    try:
        import pandas as pd
    except ImportError:
        from .errors import UnibenchError

        raise UnibenchError("pandas is not installed", hint="pip install 'unibench[pandas]'") from None
    columns = list(dict.fromkeys(k for rec in records for k in rec))
    return pd.DataFrame.from_records(records, columns=columns or None)
