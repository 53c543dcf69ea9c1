"""F1 against Familiarity on one row: how much of a model's zero-shot F1 its training types explain.

Golde et al. (NAACL 2025) show zero-shot F1 rising with the Familiarity of the training types;
on a row page this plot puts every entry whose result carries a Familiarity (docs/familiarity.md)
at (Familiarity, F1). As in plots.py, the SVG is built here, every string from a result file is
escaped, and points carry numbers that the page's legend table explains.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .plots import _svg


def familiarity_points(table: list[tuple[str, list[dict]]]) -> list[dict]:
    """Entries of a row table (board.dataset_table) whose result has a Familiarity, numbered by F1."""
    pts = []
    for group, xs in table:
        for x in xs:
            fam = x["result"].familiarity
            if fam is not None:
                e = x["entry"]
                pts.append({"entry": e, "f1": x["result"].scores.f1, "familiarity": fam.mean, "group": group,
                            "label": f"{e.display} ({group})"})
    pts.sort(key=lambda p: (-p["f1"], -p["familiarity"], p["label"]))
    for i, p in enumerate(pts, 1):
        p["marker"] = str(i)
    return pts


def familiarity_svg(points: list[dict]) -> Markup:
    """F1 (y, %) against Familiarity (x, %), both axes 0-100. Empty Markup without points."""
    if not points:
        return Markup("")
    w, h, left, right, top, bottom = 420, 300, 46, 16, 14, 40
    def px(v): return left + v * (w - left - right)  # noqa: E704
    def py(v): return h - bottom - v * (h - top - bottom)  # noqa: E704
    body = [f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" class="axis"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" class="axis"/>']
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        x, y = px(frac), py(frac)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" class="grid"/>'
                    f'<text x="{left - 5}" y="{y + 3:.1f}" class="tick" text-anchor="end">{int(frac * 100)}</text>'
                    f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{h - bottom}" class="grid"/>'
                    f'<text x="{x:.1f}" y="{h - bottom + 14}" class="tick" text-anchor="middle">{int(frac * 100)}'
                    '</text>')
    body.append(f'<text x="{(left + w - right) / 2}" y="{h - 6}" class="axis-label" text-anchor="middle">'
                f'Familiarity (%)</text>'
                f'<text x="12" y="{(top + h - bottom) / 2}" class="axis-label" text-anchor="middle" '
                f'transform="rotate(-90 12 {(top + h - bottom) / 2})">F1 (%)</text>')
    placed: dict[tuple[int, int], int] = {}
    for p in points:
        x, y = px(p["familiarity"]), py(p["f1"])
        cell = (int(x // 16), int(y // 11))
        shift = placed.get(cell, 0)  # numbers of points in one spot go side by side
        placed[cell] = shift + 1
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" class="pt"><title>{escape(p["label"])}: F1 '
                    f'{100 * p["f1"]:.1f}, Familiarity {100 * p["familiarity"]:.1f}</title></circle>'
                    f'<text x="{x + 7 + 16 * shift:.1f}" y="{y - 6:.1f}" class="mk">{escape(p["marker"])}</text>')
    return _svg(w, h, "F1 against Familiarity", body)
