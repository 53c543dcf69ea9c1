"""Row pages show Familiarity beside F1 and plot F1 against Familiarity; the field validates."""

from __future__ import annotations

import html
import re

from unibench.cards import get_card
from unibench.leaderboard.site import build_site
from unibench.results import Familiarity, read_result
from unibench.validate import validate_dir

from .conftest import HOSTILE, make_run, write


def _fam(mean_by_type: dict[str, float]) -> Familiarity:
    return Familiarity(mean=sum(mean_by_type.values()) / len(mean_by_type), per_type=mean_by_type,
                       embedding_model="sentence-transformers/all-MiniLM-L6-v2", k=1000,
                       training_types_sha256="f" * 64, training_source="DATA.json")


def test_row_page_has_familiarity_column_plot_and_per_type(tmp_path):
    types = get_card("crossner_ai").types
    root = tmp_path / "runs"
    a = make_run("org/student", "Student", "crossner_ai", 80, 20, 20)
    a.familiarity = _fam({t: (0.9 if t == "person" else 0.5) for t in types})
    b = make_run("evil/model", HOSTILE, "crossner_ai", 40, 40, 40, seed=2)
    b.familiarity = _fam({t: 0.25 for t in types})
    c = make_run("org/unknown-training", "No types", "crossner_ai", 50, 50, 50, seed=3)
    d = make_run("org/student", "Student", "mit_movie", 50, 50, 50, seed=4)  # a row page without Familiarity
    for r in (a, b, c, d):
        write(root, r)
    assert read_result(next((root / "org__student").rglob("crossner_ai.json"))).familiarity.per_type["person"] == 0.9
    rep = validate_dir(root)
    assert not rep.by_file, rep.problems  # the optional field is part of the one schema
    out = tmp_path / "site"
    build_site([root], out)
    page = (out / "datasets" / "crossner_ai.html").read_text()
    assert ">Familiarity</th>" in page
    mean_a = 100 * a.familiarity.mean
    row_a = re.search(r"<tr>.*?Student.*?</tr>", page, re.S).group(0)
    assert f">{mean_a:.1f}</td>" in row_a and f">{100 * a.scores.f1:.1f}" in row_a
    row_c = re.search(r"<tr>.*?No types.*?</tr>", page, re.S).group(0)
    assert "–</td>" in row_c  # unknown training types: no number invented
    svg = re.search(r'<svg[^>]*aria-label="F1 against Familiarity".*?</svg>', page, re.S).group(0)
    assert svg.count("<circle") == 2  # the two entries with a Familiarity, not the third
    assert "<script" not in svg and html.escape(HOSTILE, quote=False)[:20] in svg
    legend = page[page.index("<h2>F1 against Familiarity</h2>"):]
    assert "Student" in legend and "25.0" in legend
    assert "Familiarity per type: Student" in page and "DATA.json" in page
    assert "F1 against Familiarity" not in (out / "datasets" / "mit_movie.html").read_text()
