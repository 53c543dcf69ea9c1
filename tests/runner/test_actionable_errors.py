"""Errors a user can act on (exit 2, one paragraph, no traceback): a --gguf-file not in the folder and a GGUF-only
folder list the folder's GGUF files; a missing local folder says "no such folder", not the Hub's repo-id rules;
`validate` and `submit` count in English ("1 problem") and `submit` prints each problem once."""

from __future__ import annotations

import pytest

from unibench.cli.main import main
from unibench.errors import plural


def _run_err(args, capsys) -> str:
    rc = main(["run", "--benchmark", "demo", "--adapter", "uniner", *args])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err
    return err


@pytest.fixture()
def gguf_folder(tmp_path):
    folder = tmp_path / "smol"
    folder.mkdir()
    for name in ("model-q8_0.gguf", "model-f16.gguf"):
        (folder / name).write_bytes(b"GGUF")
    return folder


def test_missing_gguf_file_lists_the_folder(gguf_folder, tmp_path, capsys):
    err = _run_err(["--model", f"hf:{gguf_folder}", "--gguf-file", "model-q4.gguf", "--output-dir",
                    str(tmp_path / "o")], capsys)
    assert "no GGUF file 'model-q4.gguf'" in err and str(gguf_folder) in err
    assert "model-f16.gguf, model-q8_0.gguf" in err


def test_gguf_only_folder_without_gguf_file_lists_them(gguf_folder, tmp_path, capsys):
    err = _run_err(["--model", f"hf:{gguf_folder}", "--output-dir", str(tmp_path / "o")], capsys)
    assert "GGUF weights only" in err and "--gguf-file" in err and "model-f16.gguf, model-q8_0.gguf" in err


@pytest.mark.parametrize("ref", ["./no-such-checkpoint", "{tmp}/missing/student", "~/no-such-unibench-ckpt"])
def test_missing_local_folder_says_so(ref, tmp_path, capsys):
    ref = ref.format(tmp=tmp_path)
    err = _run_err(["--model", f"hf:{ref}", "--output-dir", str(tmp_path / "o")], capsys)
    assert f"no such folder: {ref}" in err and "Repo id" not in err


def test_plural():
    assert [plural(n, "problem") for n in (0, 1, 2)] == ["0 problems", "1 problem", "2 problems"]


def test_submit_and_validate_print_each_problem_once(tmp_path, capsys):
    from tests.leaderboard.conftest import make_run, write

    r = make_run("org/m", "M", "crossner_ai", 10, 5, 5)
    r.stamps.scorer_version = "0.1"
    write(tmp_path / "runs", r)
    assert main(["submit", str(tmp_path / "runs"), "--repo", "org/results", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.count("unknown scorer version '0.1'") == 1
    assert "1 problem;" in err and "problem(s)" not in err
    assert main(["validate", str(tmp_path / "runs")]) == 1
    out = capsys.readouterr()
    assert out.err.count("unknown scorer version") == 1
    assert "1 result file, 1 problem, 0 warnings" in out.out
