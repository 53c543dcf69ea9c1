"""The fast leaderboard (files read once, replicates as arrays summarised once, tables computed once)
gives exactly what the straightforward computation gives (straightforward_board.py): every table's
ranks, values, CIs, notes and ≈ markers, the skipped list, and the JSON / CSV / LaTeX downloads,
byte for byte. Plus the numpy replicate helpers against `metrics.bootstrap` on awkward inputs."""

import json
import os
import random

import numpy as np
import pytest

from unibench.cards import DOMAINS, load_registry
from unibench.leaderboard import board as fast
from unibench.leaderboard import downloads, replicates
from unibench.leaderboard.significance import OVERLAP, PAIRED
from unibench.metrics import bootstrap

from . import straightforward_board as slow
from .conftest import REPO, full_runs, make_run, write


def _norm(table):
    return [(g, [(x["entry"].key, x["rank"], x["tie"], x.get("avg"), x.get("values"),
                  {k: None if c is None else (c.value, c.ci, c.note) for k, c in x["cells"].items()})
                 for x in rows]) for g, rows in table]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("fast") / "runs"
    full_runs(root, "org/a", "A", 0.60, n_parameters=7_000_000_000)
    full_runs(root, "org/a2", "A2", 0.60)  # same counts and seeds as A: paired, not separable
    for path in full_runs(root, "org/b", "B", 0.59, seed=7):  # stored as the runner stores them: 6 decimals
        obj = json.loads(path.read_text(encoding="utf-8"))
        reps = [round(x, 6) for x in obj["scores"]["f1_replicates"]]
        obj["scores"].update(f1_replicates=reps, ci95=list(bootstrap.interval(reps)))
        path.write_text(json.dumps(obj), encoding="utf-8")
    full_runs(root, "org/c", "C", 0.45, seed=31)  # other seeds: CI overlap or separated
    full_runs(root, "org/d", "D", 0.44, seed=40, n_parameters=1_000_000)  # unpairable with C
    for i, row in enumerate(fast.CROSSNER_MIT):  # the seven CrossNER/MIT rows only: a partial entry
        write(root, make_run("org/seven", "Seven", row, 50 + i, 30, 20, seed=3 + i))
    write(root, make_run("org/one", "One row", "crossner_ai", 70, 10, 10, seed=5))
    write(root, make_run("org/one", "One row", "mit_movie", 20, 10, 10, seed=6, scorer="1.1"))  # another group
    write(root, make_run("org/e", "E", "crossner_ai", 60, 20, 20, seed=3))
    bad = root / "org__broken" / "abc123"
    bad.mkdir(parents=True)
    (bad / "crossner_ai.json").write_text('{"kind": "run", ', encoding="utf-8")  # left out, listed as skipped
    nan = write(root, make_run("org/nan", "NaN", "crossner_ai", 60, 20, 20))
    nan.write_text(nan.read_text(encoding="utf-8").replace('"max_new_tokens": 256', '"max_new_tokens": NaN'),
                   encoding="utf-8")
    return [REPO / "results", root]


def test_tables_and_downloads_identical(results):
    new, old = fast.collect(results), slow.collect(results)
    assert new.skipped == old.skipped and new.warnings == old.warnings and len(new.skipped) == 2
    assert list(new.entries) == list(old.entries)
    assert all(not e.replicates for e in new.entries.values())  # dropped once summarised
    main_new, main_old = fast.main_table(new.entries), slow.main_table(old.entries)
    assert _norm(main_new) == _norm(main_old)
    ties = {x[2] for _, rows in _norm(main_new) for x in rows}
    t3_new, t3_old = fast.crossner_mit_table(new.entries), slow.crossner_mit_table(old.entries)
    assert _norm(t3_new) == _norm(t3_old)
    for d in DOMAINS:
        rows_new, table_new = fast.domain_table(new.entries, d)
        rows_old, table_old = slow.domain_table(old.entries, d)
        assert rows_new == rows_old and _norm(table_new) == _norm(table_old), d
    for row in load_registry():
        table = fast.dataset_table(new.entries, row)
        assert _norm(table) == _norm(slow.dataset_table(old.entries, row)), row
        ties |= {x["tie"] for _, rows in table for x in rows}
    assert {PAIRED, OVERLAP, None} <= ties  # every marker kind is exercised
    names = {r: c.display_name for r, c in load_registry().items()}
    data_new = downloads.leaderboard_json(main_new, t3_new, new.entries, new.skipped, "x")
    data_old = downloads.leaderboard_json(main_old, t3_old, old.entries, old.skipped, "x")
    assert json.dumps(data_new) == json.dumps(data_old)
    assert downloads.main_csv(data_new) == downloads.main_csv(data_old)
    assert downloads.long_csv(data_new) == downloads.long_csv(data_old)
    assert downloads.latex(main_new, t3_new, names) == downloads.latex(main_old, t3_old, names)


def test_site_downloads_match_the_straightforward_tables(results, tmp_path):
    """The built site's downloads are the straightforward tables' (the site computes each table once)."""
    from unibench.leaderboard.site import build_site

    build_site(results, tmp_path / "site")
    old = slow.collect(results)
    main, t3 = slow.main_table(old.entries), slow.crossner_mit_table(old.entries)
    data = downloads.leaderboard_json(main, t3, old.entries, old.skipped, json.loads(
        (tmp_path / "site" / "leaderboard.json").read_text(encoding="utf-8"))["unibench_version"])
    assert (tmp_path / "site" / "leaderboard.json").read_text(encoding="utf-8") == \
        json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert (tmp_path / "site" / "results-long.csv").read_text(encoding="utf-8") == downloads.long_csv(data)


@pytest.mark.parametrize("seed", range(5))
def test_replicate_helpers_match_bootstrap(seed):
    rng = random.Random(seed)
    rows = [[rng.choice([rng.random(), round(rng.random(), 6), 0.0, 1.0, 0.1]) for _ in range(rng.randint(1, 60))]
            for _ in range(rng.randint(1, 12))]
    rows.insert(rng.randrange(len(rows)), [])  # a row without replicates is left out, as bootstrap does
    want = bootstrap.mean_replicates(rows)
    got = replicates.mean_replicates([replicates.as_array(r) for r in rows])
    assert got.tolist() == want  # exact, not approximate
    assert replicates.interval(got) == bootstrap.interval(want)
    assert replicates.interval(np.asarray(rows[0] or [0.5])) == bootstrap.interval(rows[0] or [0.5])
    diff = [x - y for x, y in zip(want, reversed(want))]
    assert replicates.interval(got - got[::-1]) == bootstrap.interval(diff)
    assert replicates.mean_replicates([None, replicates.as_array([])]) is None


def test_validate_reads_each_file_once_and_still_finds_non_finite_numbers(tmp_path):
    """validate parses a file in one step unless its text could hold NaN or infinity; the words alone
    (here in a display name) do not make a file invalid, an overflowing number does."""
    from unibench.validate import validate_dir

    root = tmp_path / "runs"
    write(root, make_run("org/words", "NaN Infinity 1e999 model", "crossner_ai", 60, 20, 20))
    big = write(root, make_run("org/big", "Big", "crossner_ai", 60, 20, 20))
    obj = json.loads(big.read_text(encoding="utf-8"))
    obj["scores"]["f1_replicates"][0] = "BIG"
    big.write_text(json.dumps(obj).replace('"BIG"', "1e400"), encoding="utf-8")  # json reads it as infinity
    seen = []
    rep = validate_dir(root, on_result=lambda p, r, a: seen.append(p.parent.parent.name))
    assert list(rep.by_file) == [str(big)]
    assert rep.by_file[str(big)] == ["NaN or infinity at scores.f1_replicates[0]: every number must be finite"]
    assert seen == ["org__words"] and rep.paths == sorted(rep.paths) and len(rep.paths) == 2


def test_compact_replicates_give_back_the_same_floats():
    rng = random.Random(3)
    six = np.asarray([round(rng.random(), 6) for _ in range(500)] + [0.0, 1.0, 1e-06, 0.999999])
    c = replicates.compact(six)
    assert c.dtype == np.uint32 and replicates.expand(c).tolist() == six.tolist()
    raw = np.asarray([rng.random() for _ in range(50)])  # more decimals: kept as they are
    assert replicates.compact(raw) is raw and replicates.expand(raw) is raw


def test_indented_json_text_is_json_dumps_text():
    from unibench.leaderboard.json_text import dumps_indented

    odd = {"a": [], "b": {}, "c": [1, 2.5, -0.0, 1e-07, 1e16, 12345678901234567890, True, False, None],
           "d\n\"é☃": {"x": [[], [{}], [[1]]], "y": (0.1, 0.2)}, 3: "int key", 2.5: "float key", None: "none key",
           True: "bool key", "nan": [float("nan"), float("inf"), -float("inf")],
           "s": "\u2028 \x00 \x1f <script> \\ / \ud800"}
    for value in (odd, [], {}, "x", 1.5, None, [odd, [odd]]):
        assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):  # unknown types: json.dumps's own answer
        dumps_indented({"x": object()})


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_rendering_processes_write_the_same_site_as_one(results, tmp_path, monkeypatch):
    from unibench.leaderboard.site import build_site

    monkeypatch.setenv("UNIBENCH_BUILD_WORKERS", "1")
    one = build_site(results, tmp_path / "one")
    monkeypatch.setenv("UNIBENCH_BUILD_WORKERS", "2")
    two = build_site(results, tmp_path / "two")
    assert one["pages"] == two["pages"] > 60
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_a_failing_rendering_process_fails_the_build(results, tmp_path, monkeypatch):
    from unibench.errors import UnibenchError
    from unibench.leaderboard import site

    def boom(*args):
        raise UnibenchError("latex writer broke")

    monkeypatch.setenv("UNIBENCH_BUILD_WORKERS", "2")
    monkeypatch.setattr(site.downloads, "latex", boom)  # the downloads are the child's share
    with pytest.raises(UnibenchError, match="page-rendering process failed: latex writer broke"):
        site.build_site(results, tmp_path / "site")
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.building-*"))


def test_a_failing_parent_stops_the_rendering_child(results, tmp_path, monkeypatch):
    from unibench.leaderboard import site

    real = site.domain_svg

    def boom(*args):
        if os.getpid() == parent:
            raise RuntimeError("parent broke")
        return real(*args)

    parent = os.getpid()
    monkeypatch.setenv("UNIBENCH_BUILD_WORKERS", "2")
    monkeypatch.setattr(site, "domain_svg", boom)  # model pages: the parent fails on its first one
    with pytest.raises(RuntimeError, match="parent broke"):
        site.build_site(results, tmp_path / "site")
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.building-*"))
