"""Row and model pages show the error taxonomy as stacked bars; the optional field validates and must add up."""

from __future__ import annotations

import html
import re

import pytest

from unibench.leaderboard.site import build_site
from unibench.results import ResultFile, Taxonomy, TaxonomyCounts
from unibench.validate import validate_dir

from .conftest import HOSTILE, make_run, write


def _tax(tp, fp, fn) -> Taxonomy:
    """A taxonomy that partitions tp/fp/fn: fp split over four categories, fn over two."""
    q, r = divmod(fp, 4)
    return Taxonomy(total=TaxonomyCounts(correct=tp, wrong_type=q + r, boundary=q, spurious=q, hallucinated=q,
                                         missed_other_type=fn // 3, missed_not_found=fn - fn // 3))


def test_row_and_model_pages_have_the_stacked_bars(tmp_path):
    root = tmp_path / "runs"
    a = make_run("org/student", "Student", "crossner_ai", 80, 20, 20)
    a.taxonomy = _tax(80, 20, 20)
    a.stamps.rescored_from = "1.3"  # `unibench rescore` wrote it: the model page says so
    b = make_run("evil/model", HOSTILE, "crossner_ai", 40, 40, 40, seed=2)
    b.taxonomy = _tax(40, 40, 40)
    c = make_run("org/old", "Old scorer", "crossner_ai", 50, 50, 50, seed=3)  # no taxonomy: no bar invented
    d = make_run("org/student", "Student", "mit_movie", 50, 50, 50, seed=4)
    for r in (a, b, c, d):
        write(root, r)
    rep = validate_dir(root)
    assert not rep.by_file, rep.problems
    out = tmp_path / "site"
    build_site([root], out)
    page = (out / "datasets" / "crossner_ai.html").read_text()
    svg = re.search(r'<svg[^>]*aria-label="error taxonomy".*?</svg>', page, re.S).group(0)
    assert svg.count("<title>") - svg.count(": correct ") > 0
    bars = re.findall(r'<rect x="[0-9.]+" y="(\d+)" width="([0-9.]+)" height="16"', svg)
    by_bar: dict[str, float] = {}
    for y, width in bars:
        by_bar[y] = by_bar.get(y, 0) + float(width)
    assert len(by_bar) == 2 and all(abs(v - 420) < 0.1 for v in by_bar.values())  # two 100% bars
    assert "Old scorer" not in svg and "<script" not in svg and html.escape(HOSTILE, quote=False)[:20] in svg
    assert "correct 80 (66.7% of 120 items)" in svg
    model_pages = list((out / "models").glob("org__student*.html")) or list((out / "models").glob("org_student*"))
    model = next(p.read_text() for p in model_pages if "Student" in p.read_text())
    assert "re-scored from 1.3 by unibench rescore" in model
    assert "<h2>Error taxonomy</h2>" in model and "CrossNER" in model.split("<h2>Error taxonomy</h2>")[1][:3000]
    assert "<h2>Error taxonomy</h2>" not in (out / "datasets" / "mit_movie.html").read_text()


def test_an_unknown_rescored_from_version_is_a_validation_problem(tmp_path):
    r = make_run("org/x", "X", "crossner_ai", 10, 5, 5)
    r.stamps.rescored_from = "0.9"
    write(tmp_path, r)
    rep = validate_dir(tmp_path)
    assert any("rescored_from" in p for ps in rep.by_file.values() for p in ps)


def test_a_taxonomy_that_does_not_add_up_is_refused():
    r = make_run("org/x", "X", "crossner_ai", 10, 5, 5)
    data = r.model_dump(mode="json", exclude_none=True)
    data["taxonomy"] = _tax(10, 5, 5).model_dump(mode="json")
    ResultFile.model_validate(data)
    data["taxonomy"]["total"]["boundary"] += 1
    with pytest.raises(ValueError, match="partition"):
        ResultFile.model_validate(data)
    data["taxonomy"]["total"]["boundary"] -= 1
    t = next(iter(r.per_type))
    data["taxonomy"]["per_type"] = {t: {**data["taxonomy"]["total"], "correct": r.per_type[t].tp + 1}}
    with pytest.raises(ValueError, match=r"per_type\[.*partition"):
        ResultFile.model_validate(data)
