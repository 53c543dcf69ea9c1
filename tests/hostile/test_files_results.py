"""Hostile result files in a results folder: `validate` (what a results repo's CI runs on a pull request)
and `leaderboard build` (what a maintainer runs on what was merged).

`validate` reports every bad file by name and exits 1 (its "checks failed" code; exit 2 stays for a
command that cannot run at all), never a traceback and never a hang: a symlink to /dev/zero is
refused before it is opened. `leaderboard build` leaves each bad file out, naming it, and builds the
site from the good ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.hostile import files_kit as kit
from unibench.safe_read import CAPS

REPO = Path(__file__).resolve().parents[2]
GOOD = "reported/paper__UniNER-7B-type-sup/fig9/conllpp.json"
TARGET = "reported/paper__UniNER-7B-type-sup/table3/mit_restaurant.json"
NAME = '"UniNER-7B w/ sup"'  # the display name: a JSON string in every reported file of this model

CASES = {
    "latin1": lambda b: b.replace(b"w/ sup", b"w/ s\xe9p", 1),
    "stray_byte": lambda b: b.replace(b"w/ sup", b"w/ \xffsup", 1),
    "utf16": lambda b: b.decode("utf-8").encode("utf-16"),
    "empty": lambda b: b"",
    "big_int": lambda b: b.replace(NAME.encode(), kit.BIG_INT.encode(), 1),
    "deep_nesting": lambda b: b.replace(NAME.encode(), kit.DEEP.encode(), 1),
    "wrong_type": lambda b: b.replace(b'"n_parameters": 7000000000', b'"n_parameters": "seven billion"', 1),
    "truncated": lambda b: b[: len(b) // 2],
    "oversize": lambda b: b[:-2] + b',\n  "padding": "' + b"x" * (CAPS["result"] + 10) + b'"\n}\n',
}


def _results(tmp_path: Path) -> Path:
    root = tmp_path / "results"
    for rel in (GOOD, TARGET):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "results" / rel, root / rel)
    return root


def _damage(root: Path, case: str, tmp_path: Path) -> Path:
    target = root / TARGET
    if case in kit.FS_CASES:
        kit.make_fs_case(target, case)
    elif case == "symlink_outside":
        outside = tmp_path / "elsewhere.json"
        shutil.copyfile(target, outside)
        target.unlink()
        target.symlink_to(outside)
    else:
        target.write_bytes(CASES[case](target.read_bytes()))
    return target


ALL = sorted(CASES) + ["dangling_symlink", "devzero_symlink", "symlink_outside"]


def test_the_valid_folder_passes(tmp_path, capsys):
    root = _results(tmp_path)
    rc, out, err = kit.run(["validate", root], capsys)
    assert rc == 0, out + err
    assert "2 result files, 0 problems" in out


@pytest.mark.parametrize("case", ALL)
def test_validate_names_the_bad_file(tmp_path, capsys, case):
    root = _results(tmp_path)
    target = _damage(root, case, tmp_path)
    rc, out, err = kit.run(["validate", root], capsys)
    assert rc == 1, out + err
    assert "Traceback" not in out + err
    assert str(target) in err, err
    assert str(root / GOOD) not in err  # the good file is not blamed
    assert "2 result files, 1 problem," in out


@pytest.mark.parametrize("case", ["devzero_symlink", "oversize", "deep_nesting", "latin1", "symlink_outside"])
def test_leaderboard_build_leaves_the_bad_file_out(tmp_path, capsys, case):
    root = _results(tmp_path)
    target = _damage(root, case, tmp_path)
    site = tmp_path / "site"
    rc, out, err = kit.run(["leaderboard", "build", "--results", root, "--out", site, "--json"], capsys)
    assert rc == 0, out + err
    assert "Traceback" not in out + err
    summary = json.loads(out)
    assert [s for s in summary["skipped"] if str(target) in s], summary["skipped"]
    assert summary["entries"] == 1  # the good file still makes the board
    assert (site / "index.html").is_file()


def test_a_folder_named_like_a_result_file_is_not_read(tmp_path, capsys):
    root = _results(tmp_path)
    (root / "reported" / "trap.json").mkdir()
    rc, out, err = kit.run(["validate", root], capsys)
    assert rc == 0, out + err
    assert "2 result files, 0 problems" in out


def test_a_bom_is_stripped(tmp_path, capsys):
    root = _results(tmp_path)
    target = root / TARGET
    target.write_bytes(b"\xef\xbb\xbf" + target.read_bytes())
    rc, out, err = kit.run(["validate", root], capsys)
    assert rc == 0, out + err


def test_a_symlinked_folder_is_not_followed(tmp_path, capsys):
    """A symlink to a folder outside the results tree (e.g. `/`) is not walked into."""
    root = _results(tmp_path)
    outside = tmp_path / "outside"
    (outside / "m" / "r").mkdir(parents=True)
    (outside / "m" / "r" / "x.json").write_text("{", encoding="utf-8")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    rc, out, err = kit.run(["validate", root], capsys)
    assert rc == 0, out + err
    assert "x.json" not in out + err


def test_a_hostile_sample_log_is_left_out_not_read(tmp_path, capsys):
    root = _results(tmp_path)
    log = (root / TARGET).with_name("mit_restaurant.samples.jsonl")
    log.symlink_to("/dev/zero")
    site = tmp_path / "site"
    rc, out, err = kit.run(["leaderboard", "build", "--results", root, "--out", site, "--json"], capsys)
    assert rc == 0, out + err
    assert [s for s in json.loads(out)["skipped"] if str(log) in s and "sample log left out" in s]
