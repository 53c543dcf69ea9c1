"""`unibench data queries ID --adapter A`: the exported prompts are byte for byte what `unibench run` sends, and
outputs generated elsewhere come back through `unibench score --adapter A` to exactly the run's scores.

The "other inference stack" here is unibench's deterministic dummy backend driven only by the exported lines; for
the UniNER adapter it returns prompt + completion, as a text-generation pipeline does by default, so the round trip
also exercises the original get_response."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unibench.backends.base import GenRequest
from unibench.backends.dummy import DummyBackend
from unibench.cli.main import main
from unibench.resources import package_data
from unibench.results import iter_result_files, read_result

DEMO = package_data("demo_data")


def _export(adapter: str, out: Path) -> list[dict]:
    assert main(["data", "queries", "crossner_ai", "--data-dir", str(DEMO), "--adapter", adapter, "-o", str(out)]) == 0
    return [json.loads(x) for x in out.read_text().splitlines()]


def _generate_elsewhere(lines: list[dict], *, echo_prompt: bool) -> list[dict]:
    """Another stack: one request per distinct prompt, with the exported decoding settings."""
    backend, answers = DummyBackend(), {}
    for line in lines:
        prompt = line["prompt"] if "prompt" in line else tuple(line["messages"])
        key = json.dumps(prompt)
        if key not in answers:
            d = line["decoding"]
            (answer,) = backend.generate([GenRequest(prompt=prompt, max_new_tokens=d["max_new_tokens"],
                                                     stop=tuple(d["stop"]), temperature=d["temperature"])])
            answers[key] = (prompt + " " + answer) if echo_prompt else answer
        line["output"] = answers[key]
    return lines


@pytest.mark.parametrize("adapter", ["uniner", "uniner-sup", "instructuie", "chatgpt", "vicuna"])
def test_round_trip_equals_the_run(adapter, tmp_path, capsys):
    lines = _export(adapter, tmp_path / "queries.jsonl")
    assert len(lines) == 60 * 13 and all(x["adapter"] == adapter for x in lines)
    chat = adapter == "chatgpt"
    assert all(("messages" in x) == chat and ("prompt" in x) != chat for x in lines)
    assert all(x["decoding"]["max_new_tokens"] == (50 if adapter == "instructuie" else 256) for x in lines)

    preds = tmp_path / "preds.jsonl"
    echo = adapter.startswith("uniner")
    if echo:
        assert all(x["prompt"].endswith(" ASSISTANT:") for x in lines)
    preds.write_text("".join(json.dumps(x) + "\n" for x in _generate_elsewhere(lines, echo_prompt=echo)))
    assert main(["score", "-p", str(preds), "--adapter", adapter, "--json", "--bootstrap", "0"]) == 0
    scored = json.loads(capsys.readouterr().out)["datasets"]["crossner_ai"]

    out = tmp_path / "results"
    assert main(["run", "--model", "dummy", "--adapter", adapter, "--datasets", "crossner_ai", "--data-dir", str(DEMO),
                 "--output-dir", str(out), "--log-samples", "--json"]) == 0
    capsys.readouterr()
    (path,) = [p for p in iter_result_files(out) if p.name == "crossner_ai.json"]
    r = read_result(path)
    assert (scored["tp"], scored["fp"], scored["fn"]) == (r.scores.tp, r.scores.fp, r.scores.fn)
    assert r.scores.tp > 0
    # the exported prompts are the run's, byte for byte, query by query
    samples = [json.loads(x) for x in path.with_name("crossner_ai.samples.jsonl").read_text().splitlines()]
    assert [(s["sentence_id"], s["label"]) for s in samples] == [(x["sentence_id"], x["label"]) for x in lines]
    assert [s["prompt"] for s in samples] == [x.get("prompt", x.get("messages")) for x in lines]
    if echo:  # without the adapter's get_response the echoed template would not parse at all
        assert main(["score", "-p", str(preds), "--adapter", "gazetteer", "--json", "--bootstrap", "0"]) == 0
        assert json.loads(capsys.readouterr().out)["datasets"]["crossner_ai"]["tp"] == 0


def test_span_adapters_have_no_prompt_to_export(tmp_path, capsys):
    out = tmp_path / "q.jsonl"
    assert main(["data", "queries", "crossner_ai", "--data-dir", str(DEMO), "--adapter", "gazetteer", "-o",
                 str(out)]) == 2
    assert "no prompt to export" in capsys.readouterr().err and not out.exists()


def test_per_sentence_outputs_need_their_label(tmp_path, capsys):
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"dataset": "crossner_ai", "output": "person: Hinton", "gold": ["Hinton"]}) + "\n")
    assert main(["score", "-p", str(preds), "--adapter", "instructuie"]) == 2
    err = capsys.readouterr().err
    assert "p.jsonl:1:" in err and "'label'" in err
