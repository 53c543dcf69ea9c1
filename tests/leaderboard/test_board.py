"""Leaderboard tables without a browser: recomputed means, groups, downloads, escaping in files."""

import json
from pathlib import Path

from unibench.leaderboard.board import collect, crossner_mit_table, main_table
from unibench.leaderboard.site import build_site

from .conftest import HOSTILE, make_run

REPO = Path(__file__).resolve().parents[2]


def test_reported_averages_and_table3():
    entries, _ = collect([REPO / "results"])
    main = {(r["entry"].display, r["entry"].source_key): r["cells"]["overall"].value for r in main_table(entries)}
    assert round(100 * main[("ChatGPT (gpt-3.5-turbo-0301)", "fig9")], 1) == 33.9
    assert round(100 * main[("UniNER-7B", "fig9")], 1) == 40.7
    assert round(100 * main[("UniNER-7B w/ sup", "fig9")], 1) == 78.8
    t3 = {r["entry"].display: r for r in crossner_mit_table(entries) if r["entry"].source_key == "table3"}
    assert round(100 * t3["UniNER-7B"]["avg"], 1) == 53.4 and round(100 * t3["ChatGPT (gpt-3.5-turbo-0301)"]["avg"], 1) == 47.5


def test_runs_are_a_separate_group_with_cis(tmp_path, run_results):
    entries, _ = collect([REPO / "results", run_results])
    rows = main_table(entries)
    runs = [r for r in rows if r["entry"].kind == "run"]
    assert runs and all(r["entry"].group.startswith("scorer ") for r in runs)
    good = next(r for r in runs if r["entry"].display == "Good model")
    assert good["cells"]["overall"].ci is not None and good["cells"]["overall"].note == "2/49 rows"


def test_downloads_and_escaped_html(tmp_path, run_results):
    out = tmp_path / "site"
    build_site([REPO / "results", run_results], out)
    data = json.loads((out / "leaderboard.json").read_text())
    assert any(r["display"] == HOSTILE for r in data["main"])
    assert "<script>window.__pwned" not in (out / "index.html").read_text()
    assert "&lt;script&gt;" in (out / "index.html").read_text()
    assert (out / "leaderboard.csv").read_text().startswith("model,display,kind")
    assert "\\begin{tabular}" in (out / "leaderboard.tex").read_text()
    html = "".join(p.read_text() for p in out.rglob("*.html"))
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html


def test_demo_or_partial_runs_are_left_out(tmp_path):
    from unibench.results import result_path, write_result

    r = make_run("org/m", "M", "crossner_ai", 1, 1, 1)
    r.dataset.limit = 5
    write_result(result_path(tmp_path, r), r)
    entries, skipped = collect([tmp_path])
    assert not entries and skipped
