"""`unibench score` reports the error taxonomy: in the JSON report per row and type, and as a printed table."""

from __future__ import annotations

import json

from unibench.cli.main import main
from unibench.scorer import SCORER_VERSION

TEXT = "Geoffrey Hinton joined Google in Toronto ."


def _write(tmp_path):
    rows = [("researcher", ["Geoffrey Hinton"], '["Geoffrey Hinton", "Hinton joined"]'),
            ("organization", ["Google"], '["Toronto", "DeepMind"]'),
            ("location", ["Toronto"], '["in"]')]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"dataset": "crossner_ai", "sentence_id": "s", "text": TEXT, "label": t,
                                        "gold": g, "output": o}) + "\n" for t, g, o in rows))
    return path


def test_score_json_has_the_taxonomy_and_the_table_is_printed(tmp_path, capsys):
    path = _write(tmp_path)
    assert main(["score", "-p", str(path), "--bootstrap", "0", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    d = report["datasets"]["crossner_ai"]
    tax = d["taxonomy"]["total"]
    assert report["scorer_version"] == SCORER_VERSION
    assert {k: tax[k] for k in ("correct", "boundary", "wrong_type", "spurious", "hallucinated")} == \
        {"correct": 1, "boundary": 1, "wrong_type": 1, "spurious": 1, "hallucinated": 1}
    assert (tax["missed_other_type"], tax["missed_not_found"]) == (1, 1)  # Toronto (found as org), Google
    assert (tax["correct"], tax["boundary"] + tax["wrong_type"] + tax["spurious"] + tax["hallucinated"],
            tax["missed_other_type"] + tax["missed_not_found"]) == (d["tp"], d["fp"], d["fn"])
    assert d["taxonomy"]["per_type"]["organization"]["wrong_type"] == 1
    assert main(["score", "-p", str(path), "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert "error taxonomy" in out and "missed: other type" in out
    line = next(x for x in out.splitlines() if "crossner_ai" in x and "[" in x and "20.0" in x)
    assert "1 [20.0]" in line  # 5 predictions: each fp category is 1 of them
