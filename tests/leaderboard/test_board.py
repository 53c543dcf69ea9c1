"""Leaderboard tables without a browser: recomputed means, comparability groups, ranking and the ≈
marker, model metadata, files left out by validation, the F1-vs-size points."""

import json

from unibench.leaderboard.board import (collect, crossner_mit_table, dataset_table, domain_table, main_table,
                                        size_points)
from unibench.leaderboard.significance import OVERLAP, PAIRED

from unibench.scorer import SCORER_VERSION

from .conftest import REPO, full_runs, make_run, write


def _flat(table):
    return [x for _, rows in table for x in rows]


def test_reported_averages_and_table3():
    board = collect([REPO / "results"])
    assert not board.skipped and not board.warnings
    main = {(x["entry"].display, x["entry"].source_key): x["cells"]["overall"].value for x in _flat(main_table(
        board.entries))}
    assert round(100 * main[("ChatGPT (gpt-3.5-turbo-0301)", "fig9")], 1) == 33.9
    assert round(100 * main[("UniNER-7B", "fig9")], 1) == 40.7
    assert round(100 * main[("UniNER-7B w/ sup", "fig9")], 1) == 78.8
    # Table 3 exactly as printed (v2), recomputed means included
    t3 = {x["entry"].display: x for x in _flat(crossner_mit_table(board.entries)) if x["entry"].source_key == "table3"}
    printed = {"Vicuna-7B": 13.0, "Vicuna-13B": 17.5, "ChatGPT (gpt-3.5-turbo-0301)": 47.5, "UniNER-7B": 53.4,
               "UniNER-13B": 55.6, "UniNER-7B (sup. only)": 57.2, "UniNER-7B w/ sup": 61.8}
    for name, avg in printed.items():
        assert round(100 * t3[name]["avg"], 1) == avg, name
    assert [round(100 * v, 1) for v in t3["UniNER-7B"]["values"].values()] == [42.4, 31.7, 53.5, 59.4, 65.0, 60.8,
                                                                                 61.1]
    assert t3["InstructUIE-11B"]["avg"] is None  # two rows not printed: no mean, unranked
    gollie = next(x for x in _flat(crossner_mit_table(board.entries)) if x["entry"].display == "GoLLIE-7B")
    assert gollie["cells"]["avg"].note == "printed 58.0"  # its printed average is not the mean of its numbers


def test_groups_never_mix_scorer_versions_and_runs_with_reported(tmp_path, run_results):
    write(run_results, make_run("org/old", "Old scorer", "crossner_ai", 90, 5, 5, scorer="1.1"))
    write(run_results, make_run("org/good-model", "Good model", "mit_movie", 50, 50, 50, scorer="1.1"))
    board = collect([REPO / "results", run_results])
    groups = [g for g, _ in main_table(board.entries)]
    assert groups == [f"runs, scorer {SCORER_VERSION}, data paper", "runs, scorer 1.1, data paper", "reported"]
    for group, rows in main_table(board.entries):
        assert {x["entry"].group for x in rows} == {group}
    # the same model revision scored by two scorer versions is two entries, never one mixed mean
    good = [e for e in board.entries.values() if e.model_id == "org/good-model"]
    assert sorted(len(e.rows) for e in good) == [1, 2]
    first = dict(main_table(board.entries))[f"runs, scorer {SCORER_VERSION}, data paper"]
    gm = next(x for x in first if x["entry"].display == "Good model")
    assert gm["cells"]["overall"].ci is not None and gm["cells"]["overall"].note == "2/49 rows"
    assert gm["rank"] is None  # partial coverage: listed, unranked


def test_ranking_and_significance_marker(tmp_path):
    root = tmp_path / "runs"
    full_runs(root, "org/a", "A", 0.60, n_parameters=7_000_000_000)
    full_runs(root, "org/a2", "A2", 0.60)  # identical counts and seeds: not separable (paired)
    full_runs(root, "org/b", "B", 0.30, n_parameters=300_000_000)  # far below: separable
    full_runs(root, "org/c", "C", 0.30, content_hash="1" * 64, revision="r2")  # other test sets: not pairable
    board = collect([root])
    assert any("different normalised test sets" in w for w in board.warnings)  # shown, not hidden
    rows = _flat(main_table(board.entries))
    assert [x["entry"].display for x in rows] == ["A", "A2", "B", "C"] and [x["rank"] for x in rows] == [1, 2, 3, 4]
    assert rows[0]["tie"] is None
    assert rows[1]["tie"] == PAIRED  # same counts, same resamples: the paired difference CI holds 0
    assert rows[2]["tie"] is None  # 30 points below: separated
    assert rows[3]["tie"] == OVERLAP  # B and C overlap; other test sets, so only the CI-overlap reading


def test_overlap_fallback_when_not_pairable(tmp_path):
    write(tmp_path, make_run("org/a", "A", "crossner_ai", 50, 50, 50, seed=1))
    write(tmp_path, make_run("org/b", "B", "crossner_ai", 49, 50, 51, seed=2))  # other bootstrap seed
    rows = _flat(dataset_table(collect([tmp_path]).entries, "crossner_ai"))
    assert rows[1]["tie"] == OVERLAP


def test_model_meta_json_is_the_metadata(tmp_path):
    p = write(tmp_path, make_run("org/m", "from result", "crossner_ai", 5, 5, 5))
    (p.parent / "model_meta.json").write_text(json.dumps({
        "id": "org/m", "revision": "abc123", "display_name": "From meta", "family": "uniner",
        "n_parameters": 125_000_000, "training_datasets": ["crossner_ai"]}))
    e = next(iter(collect([tmp_path]).entries.values()))
    assert (e.display, e.n_parameters, e.meta_source, e.supervised) == ("From meta", 125_000_000,
                                                                       "model_meta.json", True)


def test_invalid_files_are_left_out_with_the_reason(tmp_path):
    ok = write(tmp_path, make_run("org/a", "A", "crossner_ai", 5, 5, 5))
    bad = write(tmp_path, make_run("org/b", "B", "crossner_ai", 5, 5, 5))
    obj = json.loads(bad.read_text())
    obj["dataset"]["label_map_hash"] = "f" * 64
    bad.write_text(json.dumps(obj))
    board = collect([tmp_path])
    assert [e.model_id for e in board.entries.values()] == ["org/a"] and ok
    assert len(board.skipped) == 1 and str(bad) in board.skipped[0] and "label_map_hash" in board.skipped[0]


def test_domain_table_and_size_points(tmp_path):
    full_runs(tmp_path, "org/a", "A", 0.6, n_parameters=7_000_000_000)
    write(tmp_path, make_run("org/p", "Partial", "crossner_ai", 5, 5, 5, n_parameters=10))
    board = collect([REPO / "results", tmp_path])
    rows, table = domain_table(board.entries, "Biomed")
    assert len(rows) == 8 and all(x["cells"]["mean"] for _, xs in table for x in xs)
    pts = size_points(main_table(board.entries))
    names = {p["entry"].display for p in pts}
    assert "A" in names and "Partial" not in names  # partial coverage is not plotted
    assert "UniNER-7B" in names and "ChatGPT (gpt-3.5-turbo-0301)" not in names  # ChatGPT's size is unknown
