"""Cost per row (unibench/cost.py): price arithmetic and tables, API usage summed from a local server, and the
cost in result files, run summaries and `load_results`."""

from __future__ import annotations

import json

import pytest

import unibench
from unibench.cost import Price, choose_price, load_prices, usd
from unibench.errors import UnibenchError


def test_price_arithmetic():
    assert usd(1_000_000, 0, Price(input=2.5, output=10)) == pytest.approx(2.5)
    assert usd(0, 1_000_000, Price(input=2.5, output=10)) == pytest.approx(10)
    assert usd(1234, 567, Price(input=0.15, output=0.6)) == pytest.approx((1234 * 0.15 + 567 * 0.6) / 1e6)
    assert choose_price(1.0, 2.0, None, ["m"]) == Price(input=1.0, output=2.0)
    assert choose_price(None, None, None, ["m"]) is None
    with pytest.raises(UnibenchError, match="both --price-in and --price-out"):
        choose_price(1.0, None, None, ["m"])


def test_price_tables(tmp_path):
    y = tmp_path / "prices.yaml"
    y.write_text("models:\n  gpt-test: {input: 0.5, output: 1.5}\n  other: {input: 1, output: 1}\n")
    assert choose_price(None, None, y, ["openai:gpt-test", "gpt-test"]) == Price(input=0.5, output=1.5)
    j = tmp_path / "prices.json"
    j.write_text(json.dumps({"models": {"gpt-test": {"input": 3, "output": 4}}}))
    assert load_prices(j).models["gpt-test"].output == 4
    with pytest.raises(UnibenchError, match="no price for 'unknown'"):
        choose_price(None, None, j, ["unknown"])
    with pytest.raises(UnibenchError, match="either --price-in/--price-out or --prices"):
        choose_price(1, 1, j, ["gpt-test"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  m: {input: -1, output: 1}\n")
    with pytest.raises(UnibenchError, match=r"bad.yaml: not a valid price table: models.m.input"):
        load_prices(bad)


def test_api_usage_is_summed_priced_and_reused_from_the_cache(tmp_path, monkeypatch):
    pytest.importorskip("openai")
    from tests.helpers.openai_server import base_url, start_server

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  gpt-test: {input: 2.0, output: 8.0}\n")
    srv = start_server()
    try:
        opts = dict(benchmark="demo", limit=3, base_url=base_url(srv), cache_dir=tmp_path / "c", prices=prices)
        first = unibench.evaluate(model="openai:gpt-test", output_dir=tmp_path / "a", **opts)
        calls = srv.calls
        again = unibench.evaluate(model="openai:gpt-test", output_dir=tmp_path / "b", **opts)
    finally:
        srv.shutdown()
    costs = [r.cost for r in first.rows.values()]
    assert sum(c.input_tokens for c in costs) == srv.prompt_tokens > 0
    assert sum(c.output_tokens for c in costs) == srv.completion_tokens > 0
    assert sum(c.generated for c in costs) == calls and all(c.tokens_from == "api usage" for c in costs)
    for c in costs:
        assert c.usd == pytest.approx((c.input_tokens * 2.0 + c.output_tokens * 8.0) / 1e6)
    assert srv.calls == calls  # the re-run sent nothing
    for row, r in again.rows.items():
        c0 = first.rows[row].cost
        assert (r.cost.input_tokens, r.cost.output_tokens, r.cost.usd) == (c0.input_tokens, c0.output_tokens, c0.usd)
        assert r.cost.generated == 0 and r.cost.cached == c0.generated
        assert again.datasets[row]["input_tokens"] == c0.input_tokens  # the run summary's columns
    df = unibench.load_results(tmp_path / "a")
    assert df["cost_usd"].sum() == pytest.approx(sum(c.usd for c in costs))
    assert set(df["cost_input_tokens"]) == {c.input_tokens for c in costs}
