"""Hostile single-file inputs: `score --predictions`, `distill build --annotations`, `train --data`.

Each valid file is turned into every hostile class; the command must exit 2 with one paragraph that
names the file, print no traceback, and write nothing (no report, no DATA.json, no manifest, no
model folder).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile import files_kit as kit
from unibench import safe_read

PREDICTIONS = "".join(json.dumps(r) + "\n" for r in [
    {"dataset": "crossner_ai", "output": '["Cafe"]', "gold": ["Cafe"], "sentence_id": "SLOT"},
    {"dataset": "crossner_ai", "output": "[]", "gold": ["Paris"], "sentence_id": "s2"},
])
ANNOTATIONS = "".join(json.dumps(r) + "\n" for r in [
    {"id": "a1", "text": "Cafe Paris is nice .", "entities": [["Paris", "location"]], "dropped": {}, "note": "SLOT"},
    {"id": "a2", "text": "Ada Lovelace wrote .", "entities": [["Ada Lovelace", "person"]], "dropped": {}},
])
CONVERSATIONS = json.dumps([
    {"id": f"c{i}", "note": "SLOT" if i == 0 else "-", "conversations": [
        {"from": "human", "value": "Text: Cafe Paris is nice ."}, {"from": "gpt", "value": "I've read this text."},
        {"from": "human", "value": "What describes location in the text?"}, {"from": "gpt", "value": '["Paris"]'}]}
    for i in range(3)], indent=1)

BASE_CASES = (list(kit.BYTE_CASES) + list(kit.FS_CASES) + list(kit.JSON_CASES) + ["oversize", "wrong_type"])


@pytest.fixture()
def work(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    return tmp_path


def _damage(path: Path, case: str, kind: str, wrong_type: tuple[str, str], monkeypatch) -> None:
    if case == "oversize":
        monkeypatch.setitem(safe_read.CAPS, kind, 16)
    elif case == "wrong_type":
        text = path.read_text(encoding="utf-8")
        assert wrong_type[0] in text
        path.write_text(text.replace(*wrong_type, 1), encoding="utf-8")
    else:
        kit.apply(path, case)


# -- score --------------------------------------------------------------------------------------

def _score_argv(work: Path, preds: Path) -> list:
    return ["score", "--predictions", preds, "--json", "--bootstrap", "0", "--out", work / "out" / "report.json"]


def test_score_valid(work, capsys):
    preds = work / "in" / "preds.jsonl"
    preds.write_text(PREDICTIONS, encoding="utf-8")
    rc, out, err = kit.run(_score_argv(work, preds), capsys)
    assert rc == 0, out + err
    assert json.loads(out)["datasets"]["crossner_ai"]["tp"] == 1


@pytest.mark.parametrize("case", BASE_CASES)
def test_score_refuses(work, capsys, monkeypatch, case):
    preds = work / "in" / "preds.jsonl"
    preds.write_text(PREDICTIONS, encoding="utf-8")
    _damage(preds, case, "predictions", ('"gold": ["Cafe"]', '"gold": 5'), monkeypatch)
    rc, out, err = kit.run(_score_argv(work, preds), capsys)
    kit.assert_refused(rc, out, err, "preds.jsonl")
    assert list((work / "out").iterdir()) == []


def test_score_bom_is_stripped(work, capsys):
    preds = work / "in" / "preds.jsonl"
    preds.write_bytes(b"\xef\xbb\xbf" + PREDICTIONS.encode())
    rc, out, err = kit.run(_score_argv(work, preds), capsys)
    assert rc == 0, out + err


def test_score_out_is_an_existing_folder(work, capsys):
    preds = work / "in" / "preds.jsonl"
    preds.write_text(PREDICTIONS, encoding="utf-8")
    target = work / "out" / "existing"
    target.mkdir()
    rc, out, err = kit.run(["score", "--predictions", preds, "--bootstrap", "0", "--out", target], capsys)
    kit.assert_refused(rc, out, err, ["existing", "folder"])
    assert list(target.iterdir()) == [] and out == ""


# -- distill build ------------------------------------------------------------------------------

def _build_argv(work: Path, ann: Path) -> list:
    return ["distill", "build", "--annotations", ann, "--out", work / "out" / "DATA.json"]


def test_distill_build_valid(work, capsys):
    ann = work / "in" / "ann.jsonl"
    ann.write_text(ANNOTATIONS, encoding="utf-8")
    rc, out, err = kit.run(_build_argv(work, ann), capsys)
    assert rc == 0, out + err
    assert len(json.loads((work / "out" / "DATA.json").read_text(encoding="utf-8"))) == 2


@pytest.mark.parametrize("case", BASE_CASES + ["blank_lines"])
def test_distill_build_refuses(work, capsys, monkeypatch, case):
    ann = work / "in" / "ann.jsonl"
    ann.write_text(ANNOTATIONS, encoding="utf-8")
    if case == "blank_lines":  # empty in all but name: used to write `[]`
        ann.write_text("\n \n", encoding="utf-8")
    else:
        _damage(ann, case, "training", ('"entities": [["Paris", "location"]]', '"entities": 5'), monkeypatch)
    rc, out, err = kit.run(_build_argv(work, ann), capsys)
    kit.assert_refused(rc, out, err, "ann.jsonl")
    assert list((work / "out").iterdir()) == []


# -- train --data -------------------------------------------------------------------------------

def _train_argv(work: Path, data: Path) -> list:
    # the data is read before the base model is looked at, so no model is needed to refuse it
    return ["train", "--data", data, "--base", work / "no-model", "--out", work / "out" / "student"]


@pytest.mark.parametrize("case", BASE_CASES)
def test_train_data_refuses(work, capsys, monkeypatch, case):
    data = work / "in" / "data.json"
    data.write_text(CONVERSATIONS, encoding="utf-8")
    _damage(data, case, "training", ('"conversations": [', '"conversations": 5, "x": ['), monkeypatch)
    rc, out, err = kit.run(_train_argv(work, data), capsys)
    kit.assert_refused(rc, out, err, "data.json")
    assert list((work / "out").iterdir()) == []
