"""`unibench rescore`: results recomputed from recorded outputs (samples log, else the response cache) equal the
originals when the scorer is unchanged and differ only in the stamps; results without outputs are listed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unibench.cache import ResponseCache
from unibench.cli.main import main
from unibench.leaderboard.board import group_of
from unibench.results import iter_result_files, read_result, write_result
from unibench.scorer import SCORER_VERSION
from tests.conftest import SHARED_DATA, needs_shared


def _run(capsys, *args) -> None:
    rc = main(["run", *args, "--json"])
    assert rc == 0, capsys.readouterr().err
    capsys.readouterr()


def _rescore(capsys, *args) -> dict:
    rc = main(["rescore", *args, "--json"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    return json.loads(cap.out)


def _same_but_stamps(old: Path, new: Path) -> None:
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    sa, sb = a.pop("stamps"), b.pop("stamps")
    assert a == b  # every number, count, CI replicate, taxonomy, stamp of model/data/prompt/backend
    assert sb["scorer_version"] == SCORER_VERSION and sb["rescored_from"] == sa["scorer_version"]
    assert {k: v for k, v in sa.items() if k != "date"} == \
        {k: v for k, v in sb.items() if k not in ("date", "rescored_from")}


@pytest.mark.parametrize("adapter", ["uniner", "chatgpt", "instructuie"])  # per query; per sentence (two formats)
def test_rescore_from_the_cache_and_from_samples_equals_the_original(tmp_path, capsys, adapter):
    cache = tmp_path / "cache"
    res = tmp_path / "res"
    _run(capsys, "--model", "dummy", "--adapter", adapter, "--benchmark", "demo", "--output-dir", str(res),
         "--cache-dir", str(cache))
    originals = sorted(iter_result_files(res))
    assert len(originals) == 3 and not list(res.rglob("*.samples.jsonl"))
    rep = _rescore(capsys, str(res), "--out", str(tmp_path / "a"), "--cache-dir", str(cache))
    assert [r["source"] for r in rep["rescored"]] == ["response cache"] * 3 and not rep["unavailable"]
    for path in originals:
        _same_but_stamps(path, tmp_path / "a" / path.relative_to(res))
    # the run specs came along with the new scorer version: the same run into the re-scored folder loads its rows
    before = {p: p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    _run(capsys, "--model", "dummy", "--adapter", adapter, "--benchmark", "demo", "--output-dir", str(tmp_path / "a"),
         "--cache-dir", str(cache))
    assert {p: p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()} == before
    # the rescore wrote the samples logs it rebuilt: rescoring its own output reads them, and agrees again
    rep = _rescore(capsys, str(tmp_path / "a"), "--out", str(tmp_path / "b"), "--cache-dir", str(tmp_path / "none"))
    assert [r["source"] for r in rep["rescored"]] == ["samples log"] * 3
    for path in originals:
        new = tmp_path / "b" / path.relative_to(res)
        assert read_result(new).scores == read_result(path).scores
        assert read_result(new).taxonomy == read_result(path).taxonomy


def test_results_without_outputs_are_listed_not_guessed(tmp_path, capsys):
    cache = tmp_path / "cache"
    res = tmp_path / "res"
    _run(capsys, "--model", "dummy", "--benchmark", "demo", "--output-dir", str(res), "--cache-dir", str(cache))
    rep = _rescore(capsys, str(res), "--out", str(tmp_path / "o1"), "--cache-dir", str(tmp_path / "nocache"))
    assert not rep["rescored"] and len(rep["unavailable"]) == 3
    assert all("no response cache" in u["reason"] for u in rep["unavailable"])
    empty = tmp_path / "empty"
    ResponseCache(empty / "responses.sqlite").close()  # a cache without this model's outputs
    shutil.copytree(cache / "prepared-cache", empty / "prepared-cache")
    rep = _rescore(capsys, str(res), "--out", str(tmp_path / "o2"), "--cache-dir", str(empty))
    assert len(rep["unavailable"]) == 3 and all("not in the response cache" in u["reason"] for u in rep["unavailable"])
    assert not list((tmp_path / "o2").rglob("*.json"))  # nothing guessed, nothing written
    assert main(["rescore", str(res), "--out", str(tmp_path / "o3"), "--cache-dir", str(tmp_path / "nocache")]) == 0
    err = capsys.readouterr().err
    assert "NOT re-scored split-demo-test/dummy/v1/btc.json" in err


def test_an_older_scorer_version_is_restamped_and_shown_apart(tmp_path, capsys):
    """A result stamped with an older scorer: the re-scored file carries both versions, and a site built from
    both folders ranks them in different tables (board.py's groups include the scorer version)."""
    cache, res = tmp_path / "cache", tmp_path / "res"
    _run(capsys, "--model", "dummy", "--benchmark", "demo", "--output-dir", str(res), "--cache-dir", str(cache),
         "--log-samples")
    path = next(p for p in iter_result_files(res) if p.name == "crossner_ai.json")
    old = read_result(path)
    old.stamps.scorer_version = "1.3"
    old.taxonomy = None  # 1.3 had no taxonomy
    write_result(path, old)
    rep = _rescore(capsys, str(res), "--out", str(tmp_path / "new"))
    row = next(r for r in rep["rescored"] if r["file"].endswith("crossner_ai.json"))
    assert (row["old"], row["new"], row["source"]) == ("1.3", SCORER_VERSION, "samples log")
    new = read_result(tmp_path / "new" / path.relative_to(res))
    assert new.stamps.rescored_from == "1.3" and new.taxonomy is not None
    assert new.scores == old.scores
    assert group_of(old) == "runs, scorer 1.3, data paper"
    assert group_of(new) == f"runs, scorer {SCORER_VERSION}, data paper"


@needs_shared("crossner_ai")
def test_span_model_rescored_from_its_log_and_listed_without_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("UNIBENCH_CACHE", str(tmp_path / "cache"))
    res = tmp_path / "res"
    _run(capsys, "--model", "gazetteer", "--datasets", "crossner_ai", "--data-dir", str(SHARED_DATA),
         "--output-dir", str(res), "--log-samples")
    (path,) = list(iter_result_files(res))
    rep = _rescore(capsys, str(res), "--out", str(tmp_path / "new"))
    assert rep["rescored"][0]["source"] == "samples log"
    _same_but_stamps(path, tmp_path / "new" / path.relative_to(res))  # strict span F1 carried over unchanged
    path.with_name("crossner_ai.samples.jsonl").unlink()
    rep = _rescore(capsys, str(res), "--out", str(tmp_path / "new2"))
    assert "span model" in rep["unavailable"][0]["reason"]
