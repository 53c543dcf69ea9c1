"""The size plot's number placement: every placed number lies wholly inside the plot area and
overlaps no other; crowded points get no number (their tooltip and the legend carry it). How long
placement takes is measured in benchmarks/bench_size_plot.py, not asserted here."""

import random
import re

from unibench.leaderboard.plots import CHAR_W, LABEL_H, place_labels, size_svg

AREA = (46, 14, 604, 260)


def _boxes(points, spots):
    return [(x, y - LABEL_H + 1, x + CHAR_W * len(t), y + 2) for (_, _, t), s in zip(points, spots) if s
            for x, y in [s]]


def _check(points):
    spots = place_labels(points, AREA)
    boxes = _boxes(points, spots)
    for a0, b0, a1, b1 in boxes:
        assert AREA[0] <= a0 and a1 <= AREA[2] and AREA[1] <= b0 and b1 <= AREA[3]
    boxes.sort()
    for i, (a0, b0, a1, b1) in enumerate(boxes):  # pairwise, the slow obvious way
        for c0, d0, c1, d1 in boxes[i + 1:]:
            if c0 >= a1:
                break
            assert not (b0 < d1 and d0 < b1), ((a0, b0, a1, b1), (c0, d0, c1, d1))
    return spots


def test_one_column_of_a_thousand_points_stays_inside_and_apart():
    rng = random.Random(1)
    points = [(300.0, rng.uniform(20, 250), str(i + 1)) for i in range(1000)]
    spots = _check(points)
    assert 5 < sum(s is not None for s in spots) < 1000


def test_spread_points_all_get_numbers_when_there_is_room():
    points = [(60 + 50 * i, 40 + 18 * (i % 10), str(i + 1)) for i in range(10)]
    assert all(_check(points))


def test_wide_markers_and_the_picture_edges():
    rng = random.Random(2)
    points = [(rng.uniform(40, 610), rng.uniform(10, 265), str(10 ** rng.randint(0, 6))) for _ in range(500)]
    _check(points)
    assert place_labels([(604.0, 14.0, "1")], AREA) == [(604.0 - 7 - CHAR_W, 14.0 + 14)]  # corner: below-left


def test_every_point_keeps_its_number_in_the_tooltip():
    pts = [{"n": 7_000_000_000, "f1": 0.5, "ci": None, "label": f"m{i}", "marker": str(i + 1)} for i in range(50)]
    svg = str(size_svg(pts))
    assert len(re.findall(r"<circle ", svg)) == 50
    assert all(f"<title>{i + 1}. m{i}: 50.0</title>" in svg for i in range(50))
    assert 0 < svg.count('class="mk"') < 50


def test_each_page_renders_its_size_plot_once(tmp_path):
    from unibench.leaderboard.site import build_site

    from .conftest import REPO

    out = tmp_path / "site"
    build_site([REPO / "results"], out)
    pages = [out / "index.html", *sorted((out / "domains").glob("*.html"))]
    with_plot = [p for p in pages if 'aria-label="F1 against model size"' in p.read_text(encoding="utf-8")]
    assert out / "index.html" in with_plot
    for page in with_plot:
        text = page.read_text(encoding="utf-8")
        assert text.count('aria-label="F1 against model size"') == 1, page
        assert len(re.findall(r'<text x="[^"]+" y="[^"]+" class="mk">', text)) <= text.count("<circle ")
