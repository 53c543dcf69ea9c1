"""Inline SVG plots (no JavaScript, no external file): a model's domain profile, F1 against size.

The SVG text is built here, not in a template, so every string that comes from a result file
goes through `markupsafe.escape` (model names become point tooltips); numbers are formatted,
never interpolated raw. The output is `Markup`, safe to embed as is. Points carry a number that
the page's legend (an escaped HTML table) explains, rather than labels that would overlap.

Placing those numbers scales: points are taken best F1 first (one sort), each number tries a fixed
set of spots around its point, and a spot is taken only if it lies wholly inside the plot area
and overlaps no number already placed; overlaps are looked up in a grid of label-sized cells, where
each cell holds a bounded number of labels, so a look-up is constant time and the whole placement
O(n log n) (1,000 points of one size: see docs/performance.md). A point whose number fits
nowhere has none in the picture; its tooltip carries the number, and the legend table lists it.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from ..cards import DOMAINS

SHORT = {"Programming": "Program.", "Social media": "Social", "Transport": "Transp."}  # axis labels that fit


def _svg(w: int, h: int, label: str, body: list[str]) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
                  f'role="img" aria-label="{escape(label)}">{"".join(body)}</svg>')


def domain_svg(values: dict[str, float | None]) -> Markup:
    """Bars of a model's F1 per domain (the paper's Fig. 5a view of one model)."""
    w, h, pad, bw, top = 520, 170, 28, 44, 18
    body = [f'<line x1="{pad - 4}" y1="{h - pad}" x2="{w - 4}" y2="{h - pad}" class="axis"/>']
    for frac in (0.25, 0.5, 0.75, 1.0):
        y = h - pad - frac * (h - pad - top)
        body.append(f'<line x1="{pad - 4}" y1="{y:.1f}" x2="{w - 4}" y2="{y:.1f}" class="grid"/>'
                    f'<text x="{pad - 6}" y="{y + 3:.1f}" class="tick" text-anchor="end">{int(frac * 100)}</text>')
    for i, d in enumerate(DOMAINS):
        x = pad + 4 + i * (bw + 10)
        v = values.get(d)
        if v is not None:
            bh = max(1.0, v * (h - pad - top))
            body.append(f'<rect x="{x}" y="{h - pad - bh:.1f}" width="{bw}" height="{bh:.1f}" class="bar">'
                        f'<title>{escape(d)}: {100 * v:.1f}</title></rect>'
                        f'<text x="{x + bw / 2}" y="{h - pad - bh - 3:.1f}" class="v">{100 * v:.1f}</text>')
        body.append(f'<text x="{x + bw / 2}" y="{h - 10}" class="l">{escape(SHORT.get(d, d))}<title>{escape(d)}'
                    '</title></text>')
    return _svg(w, h, "F1 by domain", body)


def size_svg(points: list[dict]) -> Markup:
    """F1 (y, %) against parameter count (x, log scale). Each point: n, f1, ci, label, marker,
    reported (hollow). Returns an empty Markup when no point has a known size."""
    if not points:
        return Markup("")
    w, h, left, right, top, bottom = 620, 300, 46, 16, 14, 40
    xs = [math.log10(p["n"]) for p in points]
    lo, hi = math.floor(min(xs) - 0.15), math.ceil(max(xs) + 0.15)
    hi = max(hi, lo + 1)
    def px(n): return left + (math.log10(n) - lo) / (hi - lo) * (w - left - right)  # noqa: E704
    def py(f): return h - bottom - f * (h - top - bottom)  # noqa: E704
    body = [f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" class="axis"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" class="axis"/>']
    for k in range(lo, hi + 1):
        x = px(10 ** k)
        name = {6: "1M", 7: "10M", 8: "100M", 9: "1B", 10: "10B", 11: "100B", 12: "1T"}.get(k, f"1e{k}")
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{h - bottom}" class="grid"/>'
                    f'<text x="{x:.1f}" y="{h - bottom + 14}" class="tick" text-anchor="middle">{name}</text>')
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        y = py(frac)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" class="grid"/>'
                    f'<text x="{left - 5}" y="{y + 3:.1f}" class="tick" text-anchor="end">{int(frac * 100)}</text>')
    body.append(f'<text x="{(left + w - right) / 2}" y="{h - 6}" class="axis-label" text-anchor="middle">'
                f'parameters (log scale)</text>'
                f'<text x="12" y="{(top + h - bottom) / 2}" class="axis-label" text-anchor="middle" '
                f'transform="rotate(-90 12 {(top + h - bottom) / 2})">F1 (%)</text>')
    labels = place_labels([(px(p["n"]), py(p["f1"]), str(p["marker"])) for p in points],
                          (left, top, w - right, h - bottom))
    for p, spot in sorted(zip(points, labels), key=lambda t: -t[0]["f1"]):
        x, y = px(p["n"]), py(p["f1"])
        if p.get("ci"):
            body.append(f'<line x1="{x:.1f}" y1="{py(p["ci"][0]):.1f}" x2="{x:.1f}" y2="{py(p["ci"][1]):.1f}" '
                        f'class="err"/>')
        cls = "pt reported" if p.get("reported") else "pt"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" class="{cls}"><title>{escape(p["marker"])}. '
                    f'{escape(p["label"])}: {100 * p["f1"]:.1f}</title></circle>')
        if spot is not None:
            body.append(f'<text x="{spot[0]:.1f}" y="{spot[1]:.1f}" class="mk">{escape(p["marker"])}</text>')
    return _svg(w, h, "F1 against model size", body)


CHAR_W, LABEL_H = 6.0, 10.0  # a marker digit and line at the plot's 10px font
# where a number may go, relative to its point (text x, baseline y): right, left, above, below, corners
_SPOTS = ((7, 4), (-7, 4), (0, -8), (0, 15), (7, -6), (-7, -6), (7, 14), (-7, 14))


def place_labels(points: list[tuple[float, float, str]], area: tuple[float, float, float, float]
                 ) -> list[tuple[float, float] | None]:
    """For each (x, y, text), the text's (x, baseline y), or None when it fits nowhere wholly inside
    `area` (x0, y0, x1, y1) and off every label placed before it (topmost points first). One sort
    plus constant work per point: see the module docstring."""
    x0, y0, x1, y1 = area
    # a cell is as wide as the widest label and as tall as one, so a box can only meet boxes whose
    # top-left corner lies in its own cell or a neighbouring one
    cell_w, cell_h = CHAR_W * max([1] + [len(t) for _, _, t in points]), LABEL_H + 1
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    out: list[tuple[float, float] | None] = [None] * len(points)

    def free(box) -> bool:
        a0, b0, a1, b1 = box
        for gx in range(int(a0 // cell_w) - 1, int(a1 // cell_w) + 2):
            for gy in range(int(b0 // cell_h) - 1, int(b1 // cell_h) + 2):
                for c0, d0, c1, d1 in grid.get((gx, gy), ()):
                    if a0 < c1 and c0 < a1 and b0 < d1 and d0 < b1:
                        return False
        return True

    for i in sorted(range(len(points)), key=lambda i: points[i][1]):  # top of the plot (best F1) first
        x, y, text = points[i]
        width = CHAR_W * max(1, len(text))
        for dx, dy in _SPOTS:
            tx = x + dx if dx >= 0 else x + dx - width  # left spots end at the point
            if dx == 0:
                tx = x - width / 2
            box = (tx, y + dy - LABEL_H + 1, tx + width, y + dy + 2)
            if box[0] < x0 or box[2] > x1 or box[1] < y0 or box[3] > y1 or not free(box):
                continue
            grid.setdefault((int(box[0] // cell_w), int(box[1] // cell_h)), []).append(box)
            out[i] = (tx, y + dy)
            break
    return out
