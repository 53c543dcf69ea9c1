"""`unibench score` on outputs that are mostly prose warns with the share and the adapters to try."""

from __future__ import annotations

import json

from unibench.cli.main import main

TEXT = "Geoffrey Hinton joined Google in Toronto ."
# what SmolLM2-135M-Instruct answers when asked in the UniNER string format (prose, no JSON list)
PROSE = ["The text describes Geoffrey Hinton as a researcher who joined Google.",
         "In the text, the organization is Google, a company based in Toronto.",
         '["Toronto"]']


def _write(tmp_path, outputs) -> str:
    path = tmp_path / "preds.jsonl"
    rows = [{"dataset": "crossner_ai", "output": o, "gold": ["Geoffrey Hinton"], "sentence_id": "a",
             "label": label, "text": TEXT} for o, label in zip(outputs, ("researcher", "organization", "location"))]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_mostly_prose_outputs_warn_in_tables_and_json(tmp_path, capsys):
    preds = _write(tmp_path, PROSE)
    assert main(["score", "--predictions", preds]) == 0
    err = capsys.readouterr().err
    assert "warning: crossner_ai: 2/3 outputs (67%) did not parse as the UniNER answer" in err
    assert "--adapter chat" in err
    assert main(["score", "--predictions", preds, "--json"]) == 0
    cap = capsys.readouterr()
    report = json.loads(cap.out)  # stdout stays one JSON object; the warning goes to stderr and into the report
    assert report["datasets"]["crossner_ai"]["parse_warning"].startswith("crossner_ai: 2/3 outputs (67%)")
    assert "warning: crossner_ai:" in cap.err


def test_parseable_outputs_do_not_warn(tmp_path, capsys):
    preds = _write(tmp_path, ['["Geoffrey Hinton"]', "I found nothing.", "[]"])  # 1/3 unparsed: below half
    assert main(["score", "--predictions", preds, "--json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["datasets"]["crossner_ai"]["parse_warning"] is None and "warning" not in cap.err
