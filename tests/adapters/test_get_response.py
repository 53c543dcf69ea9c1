"""Parity with the original pipeline's `get_response` (src/utils.py, applied in src/serve/inference.py to every
output before evaluate.py's parser): outputs containing `ASSISTANT:` score on what follows the last one, in
`unibench run` (the runner) and in `unibench score`, for the adapters whose YAML declares it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import unibench
from unibench.adapters import get_adapter
from unibench.adapters.outputs import get_response, scorer_output
from unibench.cards import get_card
from unibench.cli.main import main
from unibench.metrics.uniner import gold_items, original_evaluate, parse, query_counts
from unibench.runner import RowJob, RunConfig, run_row


def original_get_response(r: str) -> str:
    """src/utils.py, restated line by line."""
    return r.split('ASSISTANT:')[-1].strip()


# (raw output, what the original pipeline parses from it)
CASES = [
    ('["Obama"]', ["obama"]),
    (' ASSISTANT: ["Obama"] ', ["obama"]),  # an echoed turn marker
    ('I\'ve read this text.</s>USER: What describes person in the text? ASSISTANT: ["Obama", "Biden"]',
     ["obama", "biden"]),  # the template echoed in full
    ('["a"] USER: and location? ASSISTANT: ["Paris"]', ["paris"]),  # a new turn: the LAST answer counts
    ('["a"] ASSISTANT:', []),  # nothing after the last marker
    ("ASSISTANT:ASSISTANT: []", []),
    ('assistant: ["x"]', []),  # case-sensitive, as the original: no split, and the parser's anchored match fails
    ('ASSISTANT: blah ["x"]', []),
    ('ASSISTANT:\n["x"] ASSISTANT: ["y"] trailing', ["y"]),
]
GOLD = ["Obama", "Paris"]


@pytest.mark.parametrize("raw,parsed", CASES, ids=[c[0][:40] for c in CASES])
def test_get_response_is_the_original(raw, parsed):
    spec = get_adapter("uniner")
    assert spec.response_after == "ASSISTANT:"
    assert get_response(raw, spec.response_after) == original_get_response(raw)
    out = scorer_output(spec, raw, (), "person")
    assert parse(out.strip()) == parsed == parse(original_get_response(raw))


def test_which_adapters_apply_it():
    """The UniNER adapters (whose original pipeline did it); not the families evaluated by other code."""
    assert get_adapter("uniner-sup").response_after == "ASSISTANT:"
    for name in ("vicuna", "chatgpt", "instructuie", "bert", "gazetteer"):
        assert get_adapter(name).response_after is None
        assert get_response(" x ASSISTANT: y", get_adapter(name).response_after) == " x ASSISTANT: y"


def _original_counts(raws, golds):
    """The original pipeline: get_response -> evaluate.py (parser on prediction and on the gold JSON)."""
    preds = [json.dumps(parse(original_get_response(r))) for r in raws]
    floats = original_evaluate(preds, [json.dumps(g) for g in golds])
    tp = fp = fn = 0
    for r, g in zip(raws, golds):
        a, b, c = query_counts(parse(original_get_response(r)), gold_items(g))
        tp, fp, fn = tp + a, fp + b, fn + c
    return (tp, fp, fn), floats


def test_unibench_score_applies_it(tmp_path, capsys):
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps({"dataset": "crossner_ai", "output": raw, "gold": GOLD, "label": "person",
                                        "sentence_id": f"s{i}"}) + "\n" for i, (raw, _) in enumerate(CASES)))
    assert main(["score", "-p", str(path), "--json", "--bootstrap", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    d = report["datasets"]["crossner_ai"]
    (tp, fp, fn), floats = _original_counts([c[0] for c in CASES], [GOLD] * len(CASES))
    assert (d["tp"], d["fp"], d["fn"]) == (tp, fp, fn) and report["adapter"] == "uniner"
    assert d["f1"] == pytest.approx(floats["f1"], abs=1e-9)
    # without get_response (an adapter that does not declare it) the same file scores differently
    assert main(["score", "-p", str(path), "--json", "--bootstrap", "0", "--adapter", "gazetteer"]) == 0
    plain = json.loads(capsys.readouterr().out)["datasets"]["crossner_ai"]
    assert (plain["tp"], plain["fp"], plain["fn"]) != (tp, fp, fn)


class EchoingBackend:
    """A text backend whose outputs echo the template before their answer, cycling through CASES."""

    name = "echo"

    def generate(self, requests, progress=None):
        out = [CASES[i % len(CASES)][0] for i in range(len(requests))]
        if progress:
            progress(len(requests))
        return out

    def versions(self):
        return {}

    def identity(self):
        return {"model_id": "echo", "revision": "v1"}


def test_run_applies_it_and_logs_raw_output_and_prediction(tmp_path):
    card = get_card("crossner_ai")
    cfg = RunConfig(model_display="echo", model_id="echo", revision="v1", adapter=get_adapter("uniner"), limit=2,
                    log_samples=True, output_dir=tmp_path)
    job = RowJob(card=card, data_dir=Path(unibench.__file__).parent / "demo_data")
    result, loaded = run_row(cfg, job, EchoingBackend(), {"name": "echo"})
    assert not loaded and tuple(int(x) for x in result.stamps.scorer_version.split(".")) >= (1, 3)  # get_response
    (samples,) = tmp_path.rglob("crossner_ai.samples.jsonl")
    lines = [json.loads(x) for x in samples.read_text().splitlines()]
    assert len(lines) == result.dataset.n_queries == 2 * card.n_types
    raws = [x["raw_output"] for x in lines]
    assert raws == [CASES[i % len(CASES)][0] for i in range(len(lines))]
    assert all(x["output"] == original_get_response(x["raw_output"]) for x in lines)
    assert all(x["prediction"] == parse(original_get_response(x["raw_output"])) for x in lines)
    (tp, fp, fn), _ = _original_counts(raws, [x["gold"] for x in lines])
    assert (result.scores.tp, result.scores.fp, result.scores.fn) == (tp, fp, fn)
    assert any(c[1] != parse(c[0].strip()) for c in CASES)  # the step matters on these outputs
