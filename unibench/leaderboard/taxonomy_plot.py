"""Stacked bars of the error taxonomy (metrics/taxonomy.py): how each entry's items split into correct,
wrong type, boundary, spurious, hallucinated and missed. One bar per model on a row page, one per row on a
model page.

A bar is 100% of the items the metric counted (tp + fp + fn), so two models with the same F1 but different
failures look different. As in plots.py the SVG is built here, every string from a result file is escaped,
and colours are SVG attributes (the site's Content-Security-Policy allows no inline styles).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .plots import _svg

# (field, legend label, colour): correct first, then false positives, then false negatives
SEGMENTS = (("correct", "correct", "#2e7d32"), ("wrong_type", "wrong type", "#f9a825"),
            ("boundary", "boundary", "#ef6c00"), ("spurious", "spurious", "#8e24aa"),
            ("hallucinated", "hallucinated", "#c62828"), ("unchecked", "fp, no passage", "#9e9e9e"),
            ("missed_other_type", "missed: found as other type", "#64b5f6"),
            ("missed_not_found", "missed: not found", "#1565c0"))


def taxonomy_bars(items: list[tuple[str, object]]) -> list[dict]:
    """(label, results.Taxonomy or None) -> bars for `taxonomy_svg`; entries without a taxonomy are left out."""
    bars = []
    for label, tax in items:
        if tax is None:
            continue
        counts = {f: getattr(tax.total, f) for f, _, _ in SEGMENTS}
        if sum(counts.values()):
            bars.append({"label": label, "counts": counts})
    return bars


def taxonomy_svg(bars: list[dict], title: str = "error taxonomy") -> Markup:
    """Horizontal 100% bars with a legend; empty Markup without bars."""
    if not bars:
        return Markup("")
    label_w, bar_w, bar_h, gap, top = 200, 420, 16, 6, 8
    legend_rows = (len(SEGMENTS) + 2) // 3  # at most: "fp, no passage" only when some bar has it
    w = label_w + bar_w + 16
    h = top + len(bars) * (bar_h + gap) + 10 + legend_rows * 16
    body = []
    for i, b in enumerate(bars):
        y = top + i * (bar_h + gap)
        total = sum(b["counts"].values())
        name = b["label"] if len(b["label"]) <= 32 else b["label"][:31] + "…"
        body.append(f'<text x="{label_w - 6}" y="{y + bar_h - 4}" class="tick" text-anchor="end">{escape(name)}'
                    f'<title>{escape(b["label"])}</title></text>')
        x = float(label_w)
        for field, legend, colour in SEGMENTS:
            n = b["counts"][field]
            if not n:
                continue
            width = bar_w * n / total
            body.append(f'<rect x="{x:.2f}" y="{y}" width="{width:.2f}" height="{bar_h}" fill="{colour}">'
                        f'<title>{escape(b["label"])}: {escape(legend)} {n} ({100 * n / total:.1f}% of '
                        f'{total} items)</title></rect>')
            x += width
    ly = top + len(bars) * (bar_h + gap) + 10
    shown = [s for s in SEGMENTS if s[0] != "unchecked" or any(b["counts"]["unchecked"] for b in bars)]
    for k, (_, legend, colour) in enumerate(shown):
        lx, lyy = 10 + (k % 3) * 210, ly + (k // 3) * 16
        body.append(f'<rect x="{lx}" y="{lyy}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{lx + 14}" y="{lyy + 9}" class="tick">{escape(legend)}</text>')
    return _svg(w, h, title, body)
