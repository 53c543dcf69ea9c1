"""Prepared data is keyed to its raw inputs: a cache made from other files or another data dir is
never served; a mistyped data dir is an error; each re-preparation is announced in one line."""

import json
import os
import shutil

import pytest

from unibench.cards import get_card
from unibench.cli.main import main
from unibench.prepare import ensure_prepared, prepared_dir, read_manifest
from unibench.results import iter_result_files, read_result
from unibench.validate import validate_dir
from tests.conftest import SHARED_DATA, needs_shared

ROW = "crossner_ai"


def _copy(tmp_path, n_test: int | None = None):
    """A data dir holding a copy of crossner_ai, its test split cut to `n_test` sentences."""
    root = tmp_path / "copy"
    shutil.copytree(SHARED_DATA / ROW, root / ROW)
    if n_test is not None:
        test = root / ROW / "test.txt"
        blocks = test.read_text(encoding="utf-8").split("\n\n")
        test.write_text("\n\n".join(blocks[:n_test]) + "\n", encoding="utf-8")
    return root


def _stats(capsys, data_dir, cache) -> tuple[dict, str]:
    assert main(["data", "stats", ROW, "--data-dir", str(data_dir), "--cache-dir", str(cache), "--json"]) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


@needs_shared(ROW)
def test_stale_cache_from_a_truncated_copy_is_not_used(tmp_path, capsys):
    cache, copy = tmp_path / "cache", _copy(tmp_path, n_test=100)
    assert main(["data", "prepare", ROW, "--data-dir", str(copy), "--cache-dir", str(cache), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["splits"]["test"]["n_sentences"] == 100
    stats, _ = _stats(capsys, copy, cache)
    assert stats["test_set"].startswith("test set DIFFERS") and "expected 431 sentences" in stats["test_set"]
    stats, err = _stats(capsys, SHARED_DATA, cache)
    assert stats["splits"]["test"]["sentences"] == 431 and stats["splits"]["test"]["queries"] == 5603
    assert stats["test_set"].startswith("test set verified")
    line = next(x for x in err.splitlines() if x.startswith(f"re-preparing {ROW} test"))
    assert str(SHARED_DATA.resolve()) in line and str(copy.resolve()) in line
    assert len([x for x in err.splitlines() if "re-preparing" in x]) == 3  # one line per split, nothing else
    _, err = _stats(capsys, SHARED_DATA, cache)
    assert "re-preparing" not in err  # now up to date

    # the run: back on the truncated copy's cache, then the full data dir; the full test set is scored
    assert main(["data", "prepare", ROW, "--data-dir", str(copy), "--cache-dir", str(cache)]) == 0
    out = tmp_path / "results"
    assert main(["run", "--model", "gazetteer", "--datasets", ROW, "--data-dir", str(SHARED_DATA),
                 "--cache-dir", str(cache), "--output-dir", str(out), "--json"]) == 0
    assert "re-preparing" in capsys.readouterr().err
    [path] = iter_result_files(out)
    r = read_result(path)
    known = get_card(ROW).test_sets["paper"]
    assert (r.dataset.n_sentences, r.dataset.n_queries, r.dataset.content_hash) == (431, 5603, known.sha256)
    assert validate_dir(out).ok


@needs_shared(ROW)
def test_a_run_on_the_truncated_copy_is_refused_by_validate(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", "--model", "gazetteer", "--datasets", ROW, "--data-dir", str(_copy(tmp_path, n_test=100)),
                 "--cache-dir", str(tmp_path / "cache"), "--output-dir", str(out), "--json"]) == 0
    capsys.readouterr()
    rep = validate_dir(out)
    assert not rep.ok and any("expected 431 sentences" in p and "found 100 sentences" in p for p in rep.problems)
    # the same command on the full data: the finished result (same run spec) is not reused but re-run
    assert main(["run", "--model", "gazetteer", "--datasets", ROW, "--data-dir", str(SHARED_DATA),
                 "--cache-dir", str(tmp_path / "cache"), "--output-dir", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["datasets"][ROW]["loaded_from_disk"] is False
    assert f"re-running {ROW}:" in captured.err and "another test split" in captured.err
    [path] = iter_result_files(out)
    assert read_result(path).dataset.n_sentences == 431 and validate_dir(out).ok


@needs_shared(ROW)
@pytest.mark.parametrize("cmd", [["data", "stats", ROW], ["data", "queries", ROW], ["data", "prepare", ROW],
                                 ["run", "--model", "gazetteer", "--datasets", ROW]])
def test_mistyped_data_dir_is_an_error_even_with_a_cache(tmp_path, capsys, cmd):
    cache = tmp_path / "cache"
    assert main(["data", "prepare", ROW, "--data-dir", str(SHARED_DATA), "--cache-dir", str(cache)]) == 0
    capsys.readouterr()
    typo = tmp_path / "shraed-data"
    rc = main(cmd + ["--data-dir", str(typo), "--cache-dir", str(cache)]
              + (["--output-dir", str(tmp_path / "r")] if cmd[0] == "run" else []))
    assert rc == 2
    err = capsys.readouterr().err
    assert f"data dir {typo}" in err and "does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


@needs_shared(ROW)
def test_unibench_data_env_that_does_not_exist_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("UNIBENCH_DATA", str(tmp_path / "nope"))
    assert main(["data", "stats", ROW, "--cache-dir", str(tmp_path)]) == 2
    assert "$UNIBENCH_DATA" in capsys.readouterr().err


@needs_shared("anatem")
def test_data_dir_without_the_row_is_an_error_naming_the_folder(tmp_path, capsys):
    """anatem has local files only: a data dir that lacks it is an error, although a cache exists."""
    cache = tmp_path / "cache"
    assert main(["data", "prepare", "anatem", "--data-dir", str(SHARED_DATA), "--cache-dir", str(cache)]) == 0
    other = tmp_path / "other"
    other.mkdir()
    capsys.readouterr()
    assert main(["data", "stats", "anatem", "--data-dir", str(other), "--cache-dir", str(cache)]) == 2
    err = capsys.readouterr().err
    assert str(other / "anatem") in err and "re-preparing" not in err


@needs_shared(ROW)
def test_data_dir_without_a_hub_row_offline_names_the_folder_looked_in(tmp_path, capsys, monkeypatch):
    """crossner_ai also has a Hub source: without network the error names the local folder looked in as well as
    where to get the row, and a cache prepared from another data dir is never served instead."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cache = tmp_path / "cache"
    assert main(["data", "prepare", ROW, "--data-dir", str(SHARED_DATA), "--cache-dir", str(cache)]) == 0
    other = tmp_path / "other"
    other.mkdir()
    capsys.readouterr()
    assert main(["data", "stats", ROW, "--data-dir", str(other), "--cache-dir", str(cache)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"looked in {other / ROW}" in err and "unibench data download" in err


@needs_shared(ROW)
def test_editing_a_raw_file_re_prepares_and_touching_it_does_not(tmp_path, capsys):
    cache, copy = tmp_path / "cache", _copy(tmp_path)
    card = get_card(ROW)
    before, _ = _stats(capsys, copy, cache)
    test = copy / ROW / "test.txt"
    # touch: new mtime, same bytes -> hashed once, found unchanged, the new mtime is recorded
    st = test.stat()
    os.utime(test, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    _, how = ensure_prepared(card, "test", copy, cache)
    assert how == "cached"
    rec = next(f for f in read_manifest(cache, card, "paper")["splits"]["test"]["inputs"]["files"]
               if f["path"] == f"{ROW}/test.txt")
    assert rec["mtime_ns"] == test.stat().st_mtime_ns and rec["size"] == st.st_size
    # an edit of the same size (one letter of one token), as an editor saves it (new mtime): re-hashed, caught
    lines = test.read_text(encoding="utf-8").split("\n")
    k = next(i for i, x in enumerate(lines) if x.endswith("\tO") and x[0].isalpha() and x[0] != "Q")
    lines[k] = "Q" + lines[k][1:]
    test.write_text("\n".join(lines), encoding="utf-8")
    assert test.stat().st_size == st.st_size
    after, err = _stats(capsys, copy, cache)
    assert err.strip() == f"re-preparing {ROW} test (version paper): raw file {ROW}/test.txt changed since it was " \
                          "prepared"
    assert after["splits"]["test"]["content_hash"] != before["splits"]["test"]["content_hash"]
    assert after["splits"]["test"]["mentions"] == before["splits"]["test"]["mentions"]
    # a split is keyed to its own files only: removing dev.txt leaves the prepared train split valid
    (copy / ROW / "dev.txt").unlink()
    assert ensure_prepared(card, "train", copy, cache)[1] == "cached"


@needs_shared(ROW)
def test_a_cache_from_before_input_tracking_is_re_prepared(tmp_path, capsys):
    cache = tmp_path / "cache"
    card = get_card(ROW)
    ensure_prepared(card, "test", SHARED_DATA, cache)
    mpath = prepared_dir(cache, card, "paper") / "manifest.json"
    m = json.loads(mpath.read_text())
    del m["splits"]["test"]["inputs"]
    mpath.write_text(json.dumps(m))
    _, how = ensure_prepared(card, "test", SHARED_DATA, cache)
    assert how.startswith("re-prepared: the cache predates input tracking")
    assert "re-preparing crossner_ai test" in capsys.readouterr().err


@needs_shared(ROW)
def test_a_row_folder_symlinked_from_elsewhere(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / ROW).symlink_to(_copy(tmp_path) / ROW)
    card = get_card(ROW)
    entry, how = ensure_prepared(card, "test", data, tmp_path / "cache")
    assert how == "prepared" and f"{ROW}/test.txt" in [f["path"] for f in entry["inputs"]["files"]]
    assert ensure_prepared(card, "test", data, tmp_path / "cache")[1] == "cached"
