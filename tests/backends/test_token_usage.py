"""Token counts of a local model equal its tokenizer's, are kept beside the response cache, and a cached re-run
reports the same totals without computing anything (unibench/usage.py, unibench/cost.py)."""

from __future__ import annotations

import json

import unibench


def _run(tmp_path, model_dir, out: str):
    return unibench.evaluate(model=f"hf:{model_dir}", benchmark="demo", adapter="uniner", limit=2, batch_size=4,
                             output_dir=tmp_path / out, cache_dir=tmp_path / "cache", log_samples=True)


def test_tokens_equal_the_tokenizers_and_survive_the_cache(tmp_path, tiny_llama_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    first = _run(tmp_path, tiny_llama_dir, "a")
    for row, r in first.rows.items():
        log = r.dataset and sorted((tmp_path / "a").rglob(f"{row}.samples.jsonl"))
        lines = [json.loads(x) for x in log[0].read_text().splitlines()]
        want_in = sum(len(tok(x["prompt"])["input_ids"]) for x in lines)
        want_out = sum(len(tok(x["raw_output"], add_special_tokens=False)["input_ids"]) for x in lines)
        c = r.cost
        assert (c.input_tokens, c.output_tokens, c.tokens_from) == (want_in, want_out, "tokenizer"), row
        assert c.generated == len(lines) and c.cached == 0 and c.requests_without_tokens == 0
        assert c.device_time == "process CPU time" and c.device_seconds > 0 and c.usd is None
    again = _run(tmp_path, tiny_llama_dir, "b")  # same cache, new results folder: nothing computed
    for row, r in again.rows.items():
        assert r.cost.generated == 0 and r.cost.cached == first.rows[row].cost.generated
        assert (r.cost.input_tokens, r.cost.output_tokens) == (first.rows[row].cost.input_tokens,
                                                               first.rows[row].cost.output_tokens)
    assert again.summary["model_loaded"] is False
