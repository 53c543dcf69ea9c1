"""Runs never clobber each other: partial and demo runs live apart from full runs, a different run spec in the
same place is refused unless --overwrite, a samples log always belongs to the result beside it, and
--log-samples on a finished row writes the log from the response cache without running the model."""

import json
from pathlib import Path

import pytest

from unibench.cli.main import main
from unibench.results import iter_result_files, read_result
from unibench.validate import validate_dir
from tests.conftest import SHARED_DATA, needs_shared


def _run(capsys, *args) -> tuple[int, dict | None, str]:
    rc = main(["run", *args, "--json"])
    cap = capsys.readouterr()
    return rc, (json.loads(cap.out) if rc == 0 else None), cap.err


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@needs_shared("crossner_ai")
def test_limit_and_demo_runs_never_touch_a_full_run(tmp_path, capsys, monkeypatch):
    """The README's demo, a full run of one of its rows and a --limit run, all into one results folder: each
    lands in its own place, and every earlier file stays byte-identical."""
    monkeypatch.setenv("UNIBENCH_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results"
    rc, _, err = _run(capsys, "--model", "gazetteer", "--benchmark", "demo", "--output-dir", str(out))
    assert rc == 0, err
    demo = _snapshot(out)
    assert all(k.startswith("split-demo-test/gazetteer/train-dictionary/") for k in demo)
    full_args = ["--model", "gazetteer", "--datasets", "crossner_ai", "--data-dir", str(SHARED_DATA),
                 "--output-dir", str(out), "--log-samples"]
    rc, full, err = _run(capsys, *full_args)
    assert rc == 0, err
    full_path = out / "gazetteer" / "train-dictionary" / "crossner_ai.json"
    assert read_result(full_path).dataset.n_sentences == full["datasets"]["crossner_ai"]["n_queries"] // 13
    after_full = _snapshot(out)
    assert {k: after_full[k] for k in demo} == demo  # the demo's rows untouched
    rc, part, err = _run(capsys, *full_args, "--limit", "5")
    assert rc == 0, err
    after_limit = _snapshot(out)
    assert {k: after_limit[k] for k in after_full} == after_full  # full result, spec and samples byte-identical
    partial = out / "partial" / "limit-5" / "gazetteer" / "train-dictionary" / "crossner_ai.json"
    r = read_result(partial)
    assert r.dataset.limit == 5 and r.dataset.n_sentences == 5 and part["datasets"]["crossner_ai"]["n_queries"] == 65
    assert len(partial.with_name("crossner_ai.samples.jsonl").read_text().splitlines()) == 65
    # the leaderboard reads the whole folder through validation: only the full run is a leaderboard result
    flagged = validate_dir(out).by_file
    assert str(full_path) not in flagged and str(partial) in flagged


def test_a_different_run_spec_is_refused_unless_overwrite(tmp_path, capsys):
    """Same model, revision and row, another adapter: the place is taken; refused with the file and the
    difference named and nothing written; --overwrite replaces it and takes the old samples log with it."""
    common = ["--model", "dummy", "--benchmark", "demo", "--output-dir", str(tmp_path / "o"), "--cache-dir",
              str(tmp_path / "c")]
    rc, _, err = _run(capsys, *common, "--adapter", "dummy", "--log-samples")
    assert rc == 0, err
    before = _snapshot(tmp_path / "o")
    rc, _, err = _run(capsys, *common, "--adapter", "uniner")
    assert rc == 2 and "a run never silently replaces another" in err and "--overwrite" in err
    assert "crossner_ai.json" in err and 'adapter: "dummy" -> "uniner"' in err and "Traceback" not in err
    assert _snapshot(tmp_path / "o") == before
    rc, _, err = _run(capsys, *common, "--adapter", "uniner", "--overwrite")
    assert rc == 0 and "--overwrite: replacing" in err, err
    files = list(iter_result_files(tmp_path / "o"))
    assert len(files) == 3 and all(read_result(f).prompt.adapter == "uniner" for f in files)
    assert not list((tmp_path / "o").rglob("*.samples.jsonl"))  # the dummy adapter's logs went with their results
    rc, again, _ = _run(capsys, *common, "--adapter", "uniner")  # now the same spec: loaded, not refused
    assert rc == 0 and all(v["loaded_from_disk"] for v in again["datasets"].values())


def test_log_samples_on_a_finished_row_comes_from_the_cache(tmp_path, capsys):
    common = ["--model", "dummy", "--adapter", "dummy", "--benchmark", "demo", "--output-dir", str(tmp_path / "o")]
    rc, first, err = _run(capsys, *common, "--cache-dir", str(tmp_path / "c"))
    assert rc == 0 and not list((tmp_path / "o").rglob("*.samples.jsonl")), err
    results = _snapshot(tmp_path / "o")
    rc, again, err = _run(capsys, *common, "--cache-dir", str(tmp_path / "c"), "--log-samples")
    assert rc == 0, err
    assert err.count("wrote its samples log from the response cache (the model was not run)") == 3
    for row, v in again["datasets"].items():
        assert v["loaded_from_disk"] and v["generated"] == 0 and v["tp"] == first["datasets"][row]["tp"]
        (path,) = [p for p in iter_result_files(tmp_path / "o") if p.stem == row]
        lines = path.with_name(f"{row}.samples.jsonl").read_text().splitlines()
        assert len(lines) == read_result(path).dataset.n_queries
        assert main(["score", "--predictions", str(path.with_name(f"{row}.samples.jsonl")), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["datasets"][row]["tp"] == v["tp"]
    assert {k: v for k, v in _snapshot(tmp_path / "o").items() if k in results} == results
    # without the cache the log cannot be written without running the model: an error, not a silent rerun
    for p in (tmp_path / "o").rglob("*.samples.jsonl"):
        p.unlink()
    rc, _, err = _run(capsys, *common, "--cache-dir", str(tmp_path / "empty"), "--log-samples")
    assert rc == 2 and "not in the response cache" in err
    assert not list((tmp_path / "o").rglob("*.samples.jsonl"))


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_limit_must_be_positive(limit, tmp_path, capsys):
    rc = main(["run", "--model", "gazetteer", "--benchmark", "demo", "--limit", limit, "--output-dir",
               str(tmp_path / "o")])
    assert rc == 2 and "--limit" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
