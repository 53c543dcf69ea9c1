"""`unibench validate`: a valid folder passes; each kind of tampering is caught with a clear message."""

import json
from pathlib import Path

from unibench.cli.main import main
from unibench.results import result_path, write_result

from .conftest import make_run

REPO = Path(__file__).resolve().parents[2]


def _write(root, r):
    path = result_path(root, r)
    write_result(path, r)
    return path


def test_valid_runs_and_reported_rows_pass(run_results, capsys):
    assert main(["validate", str(run_results)]) == 0
    assert main(["validate", str(REPO / "results")]) == 0


def _tamper(path, fn):
    obj = json.loads(path.read_text())
    fn(obj)
    path.write_text(json.dumps(obj))


def test_each_tampering_is_rejected(tmp_path, capsys):
    cases = {
        "changed f1": (lambda o: o["scores"].update(f1=0.99), "does not match the counts"),
        "wrong label map": (lambda o: o["dataset"].update(label_map_hash="f" * 64), "label_map_hash"),
        "missing field": (lambda o: o["model"].pop("display_name"), "display_name"),
        "NaN": (lambda o: o["scores"].update(precision=float("nan")), "finite"),
        "unknown dataset": (lambda o: o["dataset"].update(row="nosuch"), "unknown dataset row"),
        "scorer": (lambda o: o["stamps"].update(scorer_version="9.9"), "unknown scorer version"),
    }
    for name, (fn, message) in cases.items():
        root = tmp_path / name.replace(" ", "_")
        path = _write(root, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
        _tamper(path, fn)
        assert main(["validate", str(root)]) == 1, name
        assert message in capsys.readouterr().err, name


def test_duplicate_rows_rejected(tmp_path, capsys):
    r = make_run("org/m", "M", "crossner_ai", 5, 5, 5)
    p = _write(tmp_path, r)
    (p.parent / "copy").mkdir()
    (p.parent / "copy" / p.name).write_text(p.read_text())
    assert main(["validate", str(tmp_path)]) == 1
    assert "duplicate" in capsys.readouterr().err
