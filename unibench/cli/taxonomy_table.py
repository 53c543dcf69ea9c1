"""The error-taxonomy table `unibench score` prints under the score tables (docs/metric.md, "Error taxonomy")."""

from __future__ import annotations

from rich.table import Table

from ..printable import printable

COLUMNS = (("correct", "correct"), ("wrong_type", "wrong type"), ("boundary", "boundary"), ("spurious", "spurious"),
           ("hallucinated", "halluc."), ("unchecked", "no text"), ("missed_other_type", "missed: other type"),
           ("missed_not_found", "missed: not found"))


def taxonomy_table(datasets: dict[str, dict]) -> Table:
    """One line per row: each category's count and, in brackets, its rate in % (predicted-item categories per
    prediction, missed ones per gold item). The "no text" column appears only when some record had no passage."""
    cols = [c for c in COLUMNS if c[0] != "unchecked" or
            any(d.get("taxonomy", {}).get("total", {}).get("unchecked") for d in datasets.values())]
    t = Table(title="error taxonomy (count [% of predictions | % of gold for missed])", title_justify="left")
    t.add_column("dataset")
    for _, head in cols:
        t.add_column(head, justify="right")
    for ds, d in datasets.items():
        tax = d.get("taxonomy", {}).get("total")
        if not tax:
            continue
        rates = tax.get("rates", {})
        t.add_row(printable(ds), *(f"{tax[k]} [{100 * rates[k]:.1f}]" if k in rates else str(tax[k])
                                   for k, _ in cols))
    return t
