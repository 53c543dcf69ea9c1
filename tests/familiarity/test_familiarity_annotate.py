"""`unibench familiarity --annotate` writes the values into result files, and `submit` carries them."""

from __future__ import annotations

import json

import pytest

from tests.familiarity.conftest import conversation_file
from tests.leaderboard.conftest import make_run, write
from unibench.cards import get_card
from unibench.results import read_result
from unibench.submit import plan_submission


def test_annotate_then_submit_carries_familiarity(tmp_path, minilm_dir, cli):
    train = conversation_file(tmp_path / "t.json", [{"person": ["A"] * 3, "location": ["B"] * 3}])
    root = tmp_path / "runs"
    for row, tp in (("crossner_ai", 80), ("mit_movie", 40)):
        write(root, make_run("org/student", "Student", row, tp, 20, 20))
    rc, out, err = cli("familiarity", "--train", train, "--rows", "crossner_ai", "--k", "3", "--model", minilm_dir,
                       "--cache-dir", tmp_path / "cache", "--annotate", root, "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert len(res["annotated"]) == 2  # every row result under the folder, not only the --rows shown
    ai = read_result(next(root.rglob("crossner_ai.json"))).familiarity
    assert ai.per_type["person"] == pytest.approx(1.0, abs=1e-5) and ai.k == 3
    assert ai.per_type == res["rows"]["crossner_ai"]["per_type"] and ai.training_source == "t.json"
    movie = read_result(next(root.rglob("mit_movie.json"))).familiarity
    assert list(movie.per_type) == get_card("mit_movie").types and movie.mean < ai.mean
    plan = plan_submission(root, "org/results")
    uploaded = [json.loads(u.data) for u in plan.uploads if u.path_in_repo.endswith("crossner_ai.json")]
    assert uploaded[0]["familiarity"]["per_type"]["person"] == pytest.approx(1.0, abs=1e-5)


def test_annotate_needs_row_results(tmp_path, minilm_dir, cli):
    train = conversation_file(tmp_path / "t.json", [{"person": ["A"]}])
    (tmp_path / "empty").mkdir()
    rc, _, err = cli("familiarity", "--train", train, "--rows", "crossner_ai", "--model", minilm_dir,
                     "--cache-dir", tmp_path / "cache", "--annotate", tmp_path / "empty")
    assert rc == 2 and "no row result" in err
