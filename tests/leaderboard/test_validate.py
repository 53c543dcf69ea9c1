"""`unibench validate`: valid folders pass; each kind of tampering is caught with a message naming the
file and what was expected; cross-file checks (duplicates, test-set hashes, model metadata)."""

import json
from pathlib import Path

import pytest

from unibench.cli.main import main
from unibench.validate import validate_dir

from tests.conftest import SHARED_DATA, needs_shared

from .conftest import REPO, make_run, write


def _tamper(path: Path, fn) -> None:
    obj = json.loads(path.read_text())
    fn(obj)
    path.write_text(json.dumps(obj))


def test_valid_runs_and_reported_rows_pass(run_results, capsys):
    assert main(["validate", str(run_results)]) == 0
    assert main(["validate", str(REPO / "results")]) == 0
    assert "0 problems" in capsys.readouterr().out


def _set(path: str, value):
    def fn(o):
        *parents, last = path.split(".")
        node = o
        for p in parents:
            node = node[p]
        node[last] = value
    return fn


CASES = {
    "changed f1": (_set("scores.f1", 0.99), "does not match the counts"),
    "changed counts": (_set("scores.tp", 6), "does not match the counts"),
    "wrong dataset revision": (_set("dataset.revision", "0" * 40), "not the source revision pinned"),
    "wrong label map": (_set("dataset.label_map_hash", "f" * 64), "label_map_hash"),
    "missing field": (lambda o: o["model"].pop("display_name"), "model.display_name: Field required"),
    "NaN": (_set("scores.precision", float("nan")), "NaN or infinity at scores.precision"),
    "NaN replicate": (lambda o: o["scores"]["f1_replicates"].__setitem__(3, float("nan")),
                      "scores.f1_replicates[3]"),
    "unknown dataset": (_set("dataset.row", "nosuch"), "unknown dataset row 'nosuch'"),
    "scorer": (_set("stamps.scorer_version", "9.9"), "unknown scorer version '9.9'"),
    "per-type sum": (_set("scores.fn", 6), "does not match the counts"),
    "ci": (_set("scores.ci95", [0.1, 0.9]), "not the 95% percentile interval"),
    "partial run": (_set("dataset.limit", 5), "a partial or demo run"),
    "demo split": (_set("dataset.split", "demo-test"), "a partial or demo run"),
    "queries": (_set("dataset.n_queries", 123), "n_queries 123"),
    "outputs": (_set("diagnostics.n_outputs", 7), "n_outputs 7"),
    "unversioned": (_set("model.revision", "unversioned"), "does not identify the weights"),
    "empty family": (_set("model.family", " "), "model metadata missing"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_tampering_is_rejected(tmp_path, capsys, name):
    fn, message = CASES[name]
    root = tmp_path / "r"
    path = write(root, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
    _tamper(path, fn)
    rep = validate_dir(root)
    assert not rep.ok and any(str(path) in p for p in rep.problems), rep.problems
    assert main(["validate", str(root)]) == 1
    err = capsys.readouterr().err
    assert message in err, err


def test_per_type_must_add_up(tmp_path):
    path = write(tmp_path, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
    _tamper(path, lambda o: next(iter(o["per_type"].values())).update(tp=0, f1=0.0, precision=0.0, recall=0.0,
                                                                      support=o["per_type"][next(iter(
                                                                          o["per_type"]))]["fn"]))
    rep = validate_dir(tmp_path)
    assert any("per-type tp add up to" in p for p in rep.problems), rep.problems


def test_moved_file_duplicates_and_test_set_hashes(tmp_path, capsys):
    p = write(tmp_path, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
    (p.parent / "copy").mkdir()
    (p.parent / "copy" / p.name).write_text(p.read_text())
    rep = validate_dir(tmp_path)
    assert any("duplicate of" in x for x in rep.problems)
    assert any("belongs at" in x for x in rep.problems)  # the copy sits where its contents do not say
    other = tmp_path / "other"
    # ace04 records no test set (not staged): two runs on it with other hashes are flagged across files
    write(other, make_run("org/a", "A", "ace04", 5, 5, 5))
    write(other, make_run("org/b", "B", "ace04", 5, 5, 5, content_hash="1" * 64))
    rep = validate_dir(other)
    assert any("2 different normalised test sets" in x for x in rep.problems), rep.problems


def test_model_metadata_folder_rules(tmp_path):
    a = write(tmp_path, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
    write(tmp_path, make_run("org/m", "Another name", "mit_movie", 5, 5, 5))
    rep = validate_dir(tmp_path)
    assert any("['display_name'] differ" in x for x in rep.problems), rep.problems
    assert any("model_meta.json: missing" in x for x in validate_dir(tmp_path, require_model_meta=True).problems)
    meta = a.parent / "model_meta.json"
    meta.write_text(json.dumps({"id": "org/m", "revision": "abc123", "display_name": "M", "family": "uniner",
                                "training_datasets": ["crossner_ai", "pile-ner"]}))
    rep = validate_dir(tmp_path, require_model_meta=True)
    assert any("unknown: ['pile-ner']" in x for x in rep.problems), rep.problems
    meta.write_text(json.dumps({"id": "org/other", "revision": "abc123", "display_name": "M", "family": "uniner"}))
    assert any("does not match" in x and "model_meta.json" in x for x in validate_dir(tmp_path).problems)
    meta.write_text("{not json")
    assert any("model_meta.json:1: invalid JSON" in x for x in validate_dir(tmp_path).problems)


def test_changed_card_is_a_warning_unless_strict(tmp_path, capsys):
    p = write(tmp_path, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
    _tamper(p, _set("dataset.card_hash", "c" * 64))
    assert main(["validate", str(tmp_path)]) == 0
    assert "the card changed after this run" in capsys.readouterr().err
    assert main(["validate", str(tmp_path), "--strict"]) == 1


def test_json_output_and_empty_folder(tmp_path, capsys):
    assert main(["validate", str(tmp_path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and "no result files found" in out["problems"][0]
    assert main(["validate", str(tmp_path / "nope")]) == 2


@needs_shared("crossner_ai")
def test_a_real_run_passes(tmp_path, capsys):
    """The output of `unibench run` itself (gazetteer on the staged CrossNER AI test split)."""
    out = tmp_path / "results"
    assert main(["run", "--model", "gazetteer", "--datasets", "crossner_ai", "--data-dir", str(SHARED_DATA),
                 "--output-dir", str(out), "--cache-dir", str(tmp_path / "cache"), "--json"]) == 0
    capsys.readouterr()
    rep = validate_dir(out)
    assert rep.ok and rep.files == 1 and not rep.warnings, rep.problems
