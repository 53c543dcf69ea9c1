"""Inline SVG plots (no JavaScript, no external file): a model's domain profile, F1 against size.

The SVG text is built here, not in a template, so every string that comes from a result file
goes through `markupsafe.escape` (model names become point tooltips); numbers are formatted,
never interpolated raw. The output is `Markup`, safe to embed as is. Points carry a number that
the page's legend (an escaped HTML table) explains, rather than labels that would overlap.
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
    placed: list[tuple[float, float]] = []
    for p in sorted(points, key=lambda p: -p["f1"]):
        x, y = px(p["n"]), py(p["f1"])
        lx, ly = x + 7, y - 6
        while any(abs(lx - a) < 16 and abs(ly - b) < 11 for a, b in placed):
            lx += 16  # numbers of points close together go side by side, never on top of each other
        placed.append((lx, ly))
        if p.get("ci"):
            body.append(f'<line x1="{x:.1f}" y1="{py(p["ci"][0]):.1f}" x2="{x:.1f}" y2="{py(p["ci"][1]):.1f}" '
                        f'class="err"/>')
        cls = "pt reported" if p.get("reported") else "pt"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" class="{cls}"><title>{escape(p["label"])}: '
                    f'{100 * p["f1"]:.1f}</title></circle>'
                    f'<text x="{lx:.1f}" y="{ly:.1f}" class="mk">{escape(p["marker"])}</text>')
    return _svg(w, h, "F1 against model size", body)
