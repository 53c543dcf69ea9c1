"""`unibench score` streams its file: the report equals the one computed from the whole list of records
(read first, converted record by record with `scorer_output`, scored by `score_records`)."""

from __future__ import annotations

import json
import random

from unibench.adapters import get_adapter
from unibench.adapters.outputs import scorer_output
from unibench.cards import get_card
from unibench.cli.score import bootstrap_unit, iter_prediction_records, read_prediction_records, score_file
from unibench.scorer import score_records


def _lines(adapter: str, n: int = 600) -> list[dict]:
    card = get_card("crossner_ai")
    rng = random.Random(5)
    recs = []
    for i in range(n):
        label = rng.choice(card.types)
        if adapter == "uniner":
            out = rng.choice(['["Google"]', "[]", "", "USER: x ASSISTANT: [\"Toronto\"]", "none", '["the Meta."]'])
        else:  # a per-sentence answer naming several types
            out = rng.choice([f"{label}: Google; {card.types[0]}: Toronto", f"{label}: None", "garbage", ""])
        rec = {"dataset": "crossner_ai", "output": out, "gold": rng.choice([[], ["Google"], ["Toronto", "Meta"]]),
               "label": label, "text": "Google and Meta met in Toronto ."}
        if rng.random() < 0.8:
            rec["sentence_id"] = f"s{i // 5}"
        recs.append(rec)
    return recs


def _check(tmp_path, adapter):
    recs = _lines(adapter)
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    spec, types = get_adapter(adapter), get_card("crossner_ai").types
    expected_records = [dict(r, output=scorer_output(spec, r["output"], types, r["label"])) for r in recs]
    assert read_prediction_records(path, adapter) == expected_records
    assert list(iter_prediction_records(path, adapter)) == expected_records
    report = score_file(path, n_resamples=100, seed=4, adapter=adapter)
    want = score_records(expected_records, n_resamples=100, seed=4)["crossner_ai"].to_dict()
    got = {k: v for k, v in report["datasets"]["crossner_ai"].items() if k in want}
    assert got == want
    assert report["bootstrap"]["unit"] == bootstrap_unit(expected_records) != "sentence"


def test_streamed_report_equals_the_list_computation_uniner(tmp_path):
    _check(tmp_path, "uniner")


def test_streamed_report_equals_the_list_computation_per_sentence_adapter(tmp_path):
    _check(tmp_path, "instructuie")
