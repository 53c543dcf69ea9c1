"""`unibench score`: recorded outputs in, per-row / per-domain / overall scores out; bad input is refused whole.

Runs the real CLI entry point (`unibench.cli.main.main`, which returns the exit code) in-process.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA, needs_shared
from unibench.cli.main import main
from unibench.metrics.uniner import original_evaluate

TEXT_A = "Geoffrey Hinton joined Google in Toronto ."
TEXT_B = "Yann LeCun works at Meta ."


def _records():
    """Two sentences x three types of crossner_ai (a real row with a domain), plus one row unknown to the registry."""
    rows = []
    for sid, text, answers in (
        ("a", TEXT_A, {"researcher": (["Geoffrey Hinton"], '["Geoffrey Hinton"]'),
                       "organization": (["Google"], '["Google", "Toronto"]'),
                       "location": (["Toronto"], "I could not find any.")}),
        ("b", TEXT_B, {"researcher": (["Yann LeCun"], '["the Yann LeCun."]'),
                       "organization": (["Meta"], ""),
                       "location": ([], "[]")}),
    ):
        for label, (gold, out) in answers.items():
            rows.append({"dataset": "crossner_ai", "output": out, "gold": gold, "sentence_id": sid,
                         "label": label, "text": text})
    rows.append({"dataset": "my_private_set", "output": '["x"]', "gold": ["x"]})
    return rows


def _write(tmp_path, lines, name="preds.jsonl"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_json_report(tmp_path, capsys):
    path = _write(tmp_path, [json.dumps(r) for r in _records()])
    out = tmp_path / "report.json"
    assert main(["score", "--predictions", str(path), "--json", "--bootstrap", "50", "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert json.loads(out.read_text(encoding="utf-8")) == report

    ai = report["datasets"]["crossner_ai"]
    # tp: Hinton, Google, LeCun; fp: Toronto (as organization); fn: Toronto (failed parse), Meta (empty).
    assert (ai["tp"], ai["fp"], ai["fn"]) == (3, 1, 2)
    assert ai["precision"] == 0.75 and ai["recall"] == 0.6 and ai["f1"] == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert ai["n_queries"] == 6 and ai["n_sentences"] == 2
    assert ai["parse_failures"] == 1 and ai["empty_outputs"] == 1
    assert ai["domain"] == "General"
    assert ai["per_type"]["organization"]["tp"] == 1 and ai["per_type"]["organization"]["fn"] == 1
    assert ai["ci95"][0] <= ai["f1"] <= ai["ci95"][1]
    # The same numbers as the original evaluator (up to its epsilons).
    recs = [r for r in _records() if r["dataset"] == "crossner_ai"]
    orig = original_evaluate([r["output"].strip() for r in recs], [json.dumps(r["gold"]) for r in recs])
    assert orig["f1"] == pytest.approx(ai["f1"], abs=1e-9)

    assert report["datasets"]["my_private_set"]["f1"] == 1.0
    assert report["unknown_datasets"] == ["my_private_set"]
    assert list(report["domains"]) == ["General"] and report["domains"]["General"]["rows"] == ["crossner_ai"]
    assert report["domains"]["General"]["f1"] == ai["f1"]
    assert report["overall"]["n_rows"] == 2
    # my_private_set's record has neither sentence_id nor text: the report says what was resampled.
    assert report["bootstrap"]["resamples"] == 50 and report["bootstrap"]["seed"] == 12345
    assert report["bootstrap"]["unit"].startswith("mixed")


def test_bootstrap_unit_in_report(tmp_path, capsys):
    recs = [r for r in _records() if r["dataset"] == "crossner_ai"]
    for name, edit, unit in (("ids", lambda r: r, "sentence"),
                             ("texts", lambda r: {k: v for k, v in r.items() if k != "sentence_id"},
                              "sentence (by passage text where sentence_id is absent)")):
        path = _write(tmp_path, [json.dumps(edit(r)) for r in recs], name=f"{name}.jsonl")
        assert main(["score", "--predictions", str(path), "--json", "--bootstrap", "10"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["bootstrap"]["unit"] == unit
        assert report["datasets"]["crossner_ai"]["n_sentences"] == 2  # same two sentences either way


def test_tables(tmp_path, capsys, monkeypatch):
    from unibench.cli import _common

    monkeypatch.setattr(_common.console, "width", 200)  # a wide terminal, so cells are not wrapped
    path = _write(tmp_path, [json.dumps(r) for r in _records()])
    assert main(["score", "--predictions", str(path), "--bootstrap", "0"]) == 0
    cap = capsys.readouterr()
    assert "crossner_ai" in cap.out and "per domain" in cap.out and "overall (mean over 2 rows)" in cap.out
    assert "66.7" in cap.out  # F1 of crossner_ai in %
    assert "my_private_set" in cap.err  # the note about rows without a domain


GOOD = json.dumps({"dataset": "crossner_ai", "output": "[]", "gold": []})


@pytest.mark.parametrize("bad,line,what", [
    ('{"dataset": "crossner_ai", "output": "[]", "gold": [', 2, "invalid JSON"),
    ('{"dataset": "crossner_ai", "output": "[]"}', 2, "'gold' must be a list of strings"),
    ('{"dataset": "crossner_ai", "output": "[]", "gold": "Paris"}', 2, "'gold' must be a list of strings"),
    ('{"dataset": "crossner_ai", "output": "[]", "gold": ["a", 3]}', 2, "'gold' must be a list of strings"),
    ('{"output": "[]", "gold": []}', 2, "'dataset' must be a non-empty string"),
    ('{"dataset": "crossner_ai", "output": 5, "gold": []}', 2, "'output'"),
    ('["not", "an", "object"]', 2, "expected a JSON object"),
    ('{"dataset": "crossner_ai", "output": "[]", "gold": [], "sentence_id": null}', 2,
     "'sentence_id' must be a string"),
    ('{"dataset": "crossner_ai", "output": "[]", "gold": [], "text": 7}', 2, "'text' must be a string"),
    ('{"dataset": "crossner_ai", "output": "[]", "gold": [], "label": ["per"]}', 2, "'label' must be a string"),
])
def test_bad_line_is_refused_whole(tmp_path, capsys, bad, line, what):
    path = _write(tmp_path, [GOOD, bad, GOOD])
    out = tmp_path / "never.json"
    code = main(["score", "--predictions", str(path), "--json", "--out", str(out)])
    cap = capsys.readouterr()
    assert code != 0
    err = " ".join(cap.err.split())  # rich may wrap long paths
    assert f"{path}:{line}" in err.replace(" ", "") or f"{path}:{line}" in err
    assert what in err
    assert not out.exists() and cap.out == ""


def test_empty_file(tmp_path, capsys):
    path = _write(tmp_path, ["", "   "])
    out = tmp_path / "never.json"
    assert main(["score", "--predictions", str(path), "--out", str(out)]) != 0
    err = " ".join(capsys.readouterr().err.split())
    assert path.name in err and "no prediction records" in err
    assert not out.exists()


def test_missing_file(tmp_path, capsys):
    assert main(["score", "--predictions", str(tmp_path / "nope.jsonl")]) != 0
    assert "not found" in capsys.readouterr().err


@needs_shared("uniner_released")
def test_released_gold_as_output_scores_one(tmp_path, capsys):
    """The original project's released CrossNER_AI queries, answered with their own gold, through the CLI."""
    examples = json.loads((SHARED_DATA / "uniner_released" / "CrossNER_AI.json").read_text(encoding="utf-8"))
    lines = []
    for ex in examples:
        conv = ex["conversations"]
        lines.append(json.dumps({"dataset": "crossner_ai", "output": conv[-1]["value"],
                                 "gold": json.loads(conv[-1]["value"]), "text": conv[0]["value"][len("Text: "):],
                                 "label": conv[2]["value"][len("What describes "):-len(" in the text?")]}))
    path = _write(tmp_path, lines)
    assert main(["score", "--predictions", str(path), "--json", "--bootstrap", "20"]) == 0
    ai = json.loads(capsys.readouterr().out)["datasets"]["crossner_ai"]
    assert ai["f1"] == 1.0 and ai["tp"] == 1603 and ai["n_queries"] == 5603 and ai["n_sentences"] == 430
    assert len(ai["per_type"]) == 13 and ai["hallucinations"] == 0
