"""The built site as files: every page there, escaped, self-contained; downloads; the samples
browser's cap; atomic replacement of an earlier build."""

import csv
import io
import json
import re

import pytest

from unibench.cards import DOMAINS, load_registry
from unibench.cli.main import main
from unibench.errors import UnibenchError
from unibench.leaderboard.site import build_site, entry_slug
from unibench.leaderboard.board import collect

from unibench.scorer import SCORER_VERSION

from .conftest import HOSTILE, REPO, make_run, write, write_samples


@pytest.fixture()
def built(tmp_path, run_results):
    p = next(run_results.rglob("crossner_ai.json"))
    write_samples(p, 55)
    out = tmp_path / "site"
    summary = build_site([REPO / "results", run_results], out)
    return out, summary, run_results


def test_every_page_exists_and_links_resolve(built):
    out, summary, _ = built
    for d in DOMAINS:
        assert (out / "domains" / f"{d.lower().replace(' ', '_')}.html").exists()
    assert {p.stem for p in (out / "datasets").glob("*.html")} == set(load_registry())
    assert summary["pages"] == len(list(out.rglob("*.html")))
    for page in out.rglob("*.html"):
        html = page.read_text()
        for href in re.findall(r'(?:href|src)="([^"]*)"', html):
            assert not re.match(r"^[a-z]+:", href) and not href.startswith("//"), (page, href)  # relative only
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.exists(), (page, href)


def test_hostile_strings_are_escaped_everywhere(built):
    out, _, _ = built
    pages = {p: p.read_text() for p in out.rglob("*.html")}
    assert not any("<script>window.__pwned" in t or "<img src=x" in t for t in pages.values())
    assert sum("&lt;script&gt;window.__pwned" in t for t in pages.values()) >= 4  # index, model, dataset, samples
    index = (out / "index.html").read_text()
    assert "Content-Security-Policy" in index and "script-src 'self'" in index
    data = json.loads((out / "leaderboard.json").read_text())
    assert any(r["display"] == HOSTILE for r in data["rows"])


def test_dataset_page_has_cis_diagnostics_and_per_type(built):
    out, _, _ = built
    html = (out / "datasets" / "crossner_ai.html").read_text()
    assert "Good model" in html and "[" in html and "parse failures" in html and "hallucination rate" in html
    assert "Per-type scores: Good model" in html and "organization" in html
    assert f"runs, scorer {SCORER_VERSION}, data paper" in html and "reported" in html
    assert 'href="../samples/' in html


def test_samples_browser_is_capped_and_marks_matches(built):
    out, _, runs = built
    board = collect([runs])
    e = next(e for e in board.entries.values() if e.display == "Good model")
    html = (out / "samples" / entry_slug(e) / "crossner_ai.html").read_text()
    assert "Showing the first 40 sentences (80 of 110 logged queries)" in html
    assert html.count('<section class="sample">') == 40
    assert '<span class="hit">Ada Lovelace</span>' in html and '<span class="spurious">nobody</span>' in html
    assert '<span class="miss">Alan Turing</span>' in html
    assert "&lt;img src=x" in html


def test_downloads(built):
    out, _, _ = built
    data = json.loads((out / "leaderboard.json").read_text())
    groups = {r["group"] for r in data["main"]}
    assert groups == {f"runs, scorer {SCORER_VERSION}, data paper", "reported"}
    fig9 = {r["display"]: r for r in data["main"] if r["source"] == "fig9"}
    assert round(100 * fig9["UniNER-7B"]["overall"], 1) == 40.7
    rows = list(csv.DictReader(io.StringIO((out / "leaderboard.csv").read_text())))
    assert {"group", "rank", "overall", "overall_ci_low", "Biomed"} <= set(rows[0])
    long = list(csv.DictReader(io.StringIO((out / "results-long.csv").read_text())))
    assert sum(1 for r in long if r["source"] == "fig9") == 3 * 49
    tex = (out / "leaderboard.tex").read_text()
    assert tex.count(r"\begin{tabular}") == 2 and r"\emph{reported}" in tex


def test_csv_formulas_and_latex_specials_are_neutralised(tmp_path):
    write(tmp_path / "r", make_run("org/x", "=HYPERLINK(\"http://x\")", "crossner_ai", 5, 5, 5))
    write(tmp_path / "r", make_run("org/y", "a_b & 100% #1 \\o/ ~^", "crossner_ai", 6, 5, 5))
    out = tmp_path / "site"
    build_site([tmp_path / "r"], out)
    assert "'=HYPERLINK" in (out / "results-long.csv").read_text()
    assert r"a\_b \& 100\% \#1 \textbackslash{}o/ \textasciitilde{}\textasciicircum{}" in (
        out / "leaderboard.tex").read_text()


def test_rebuild_replaces_atomically_and_refuses_foreign_folders(tmp_path, run_results):
    out = tmp_path / "site"
    build_site([run_results], out)
    (out / "stale.html").write_text("old")
    build_site([run_results], out)
    assert not (out / "stale.html").exists()  # a rebuild leaves nothing of the old site behind
    foreign = tmp_path / "mydata"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep")
    with pytest.raises(UnibenchError, match="not a site built by unibench"):
        build_site([run_results], foreign)
    assert (foreign / "precious.txt").read_text() == "keep"
    # a failure mid-build (a broken sample log) keeps the previous site and leaves no temporary folder
    p = next(run_results.rglob("crossner_ai.json"))
    line = '{"sentence_id": "a", "label": "x", "gold": [], "raw_output": "[]"}'
    p.with_name("crossner_ai.samples.jsonl").write_text(line + "\nnot json\n")
    with pytest.raises(UnibenchError, match=r"samples.jsonl:2: invalid JSON"):
        build_site([run_results], out)
    assert (out / "index.html").exists() and not list(tmp_path.glob(".site.*"))


def test_cli_build(tmp_path, run_results, capsys):
    out = tmp_path / "site"
    assert main(["leaderboard", "build", "--results", str(REPO / "results"), "--results", str(run_results),
                 "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["groups"] == [f"runs, scorer {SCORER_VERSION}, data paper", "reported"]
    assert summary["index"].endswith("index.html")
    assert main(["leaderboard", "build", "--results", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_samples_in_the_newer_log_format(tmp_path):
    """Lines that carry `text`, `output` (what was scored) and chat-message prompts, spans as raw output."""
    from unibench.leaderboard.samples import read_samples

    log = tmp_path / "x.samples.jsonl"
    lines = [{"dataset": "crossner_ai", "sentence_id": "s1", "label": "person", "text": "Ada met Alan .",
              "prompt": [{"role": "user", "content": "Text: Ada met Alan ."}], "raw_output": [[0, 1, "person"]],
              "output": ["Ada"], "prediction": ["Ada"], "gold": ["Ada", "Alan"]},
             {"sentence_id": "s1", "label": "location", "raw_output": {"bad": 1}, "gold": []}]
    log.write_text(json.dumps(lines[0]) + "\n")
    s = read_samples(log).sentences[0]
    assert s.text == "Ada met Alan ." and '"role": "user"' in s.prompt
    q = s.queries[0]
    assert (q.tp, q.fp, q.fn) == (1, 0, 1) and q.gold == [("Ada", True), ("Alan", False)]
    assert q.raw == '[[0, 1, "person"]]'
    log.write_text(json.dumps(lines[0]) + "\n" + json.dumps(lines[1]) + "\n")
    with pytest.raises(UnibenchError, match=r"x.samples.jsonl:2: expected `output`"):
        read_samples(log)


def test_partial_means_are_marked_partial_on_the_site(tmp_path):
    """A model with 2 of the 49 rows: its overall mean shows "2/49 rows (partial)", explained, and is unranked."""
    root = tmp_path / "r"
    write(root, make_run("org/two-rows", "Two rows", "crossner_ai", 10, 5, 5))
    write(root, make_run("org/two-rows", "Two rows", "conllpp", 10, 5, 5))
    out = tmp_path / "site"
    build_site([root], out)
    html = (out / "index.html").read_text()
    assert "2/49 rows (partial)" in html and "not comparable with the full benchmark" in html
