"""The response cache's row index (unibench/row_index.py): a re-run of a finished per-query row fetches its
outputs by their stored keys without rendering a prompt, and gives the same result files as the straightforward
path; every input the per-query keys depend on changes the row key; a missing per-query entry falls back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, needs_shared
from unibench import row_index
from unibench.adapters import load_adapters
from unibench.cards import load_registry
from unibench.cli.main import main
from unibench.queries import Query
from unibench.results import iter_result_files

ROW = "crossner_ai"


def _run(capsys, out: Path, cache: Path, *extra: str) -> dict:
    assert main(["run", "--model", "dummy", "--adapter", "uniner", "--datasets", ROW, "--data-dir", str(SHARED_DATA),
                 "--limit", "12", "--output-dir", str(out), "--cache-dir", str(cache), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["datasets"][ROW]


def _result(out: Path) -> dict:
    """The row's result file without what differs between two runs of the same spec (date, command, seconds)."""
    (path,) = list(iter_result_files(out))
    d = json.loads(path.read_text(encoding="utf-8"))
    d.pop("cost", None)
    d["stamps"].pop("date")
    d["stamps"].pop("command")
    return d


def _no_render(monkeypatch):
    import unibench.adapters.render as render

    def refuse(*a, **k):
        raise AssertionError("a prompt was rendered on an indexed row")

    monkeypatch.setattr(render, "query_request", refuse)


@needs_shared(ROW)
def test_indexed_rerun_equals_the_straightforward_run_and_renders_nothing(tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    first = _run(capsys, tmp_path / "first", cache)  # renders, generates, indexes the row
    assert first["generated"] == first["n_queries"] and first["cache_hits"] == 0
    logged = _run(capsys, tmp_path / "logged", cache, "--log-samples")  # a samples log needs prompts: rendered
    with monkeypatch.context() as m:
        _no_render(m)
        again = _run(capsys, tmp_path / "again", cache)
    assert again["cache_hits"] == again["n_queries"] == first["n_queries"] and again["generated"] == 0
    assert logged["cache_hits"] == first["n_queries"]
    assert _result(tmp_path / "again") == _result(tmp_path / "first") == _result(tmp_path / "logged")
    assert again["input_tokens"] == first["input_tokens"] and again["output_tokens"] == first["output_tokens"]


@needs_shared(ROW)
def test_a_missing_per_query_entry_falls_back_to_rendering(tmp_path, capsys):
    cache = tmp_path / "cache"
    first = _run(capsys, tmp_path / "first", cache)
    db = sqlite3.connect(cache / "responses.sqlite")
    assert db.execute("SELECT COUNT(*) FROM row_keys").fetchone()[0] == 1
    db.execute("DELETE FROM responses WHERE rowid = (SELECT MIN(rowid) FROM responses)")
    db.commit()
    db.close()
    again = _run(capsys, tmp_path / "again", cache)
    assert again["generated"] == 1 and again["cache_hits"] == first["n_queries"] - 1
    assert _result(tmp_path / "again") == _result(tmp_path / "first")


@needs_shared(ROW)
def test_another_limit_or_adapter_is_another_row_key(tmp_path, capsys):
    cache = tmp_path / "cache"
    _run(capsys, tmp_path / "a", cache)
    more = _run(capsys, tmp_path / "b", cache, "--limit", "13")  # the last --limit wins: one more sentence
    assert more["generated"] == more["n_queries"] - 12 * 13  # crossner_ai asks 13 types per sentence
    db = sqlite3.connect(cache / "responses.sqlite")
    assert db.execute("SELECT COUNT(*) FROM row_keys").fetchone()[0] == 2
    db.close()


def _queries(card, texts=("Hinton works at Google .", "LeCun is in Paris .")):
    return [Query(card.id, f"s{i}", t, label, ()) for i, t in enumerate(texts) for label in card.types]


def test_every_input_of_the_per_query_keys_changes_the_row_key(monkeypatch):
    spec, card = load_adapters()["uniner"], load_registry()[ROW]
    ns = {"model": "m", "revision": "r", "adapter": "uniner", "template": spec.template_hash,
          "decoding": spec.decoding.model_dump(mode="json")}
    qs = _queries(card)
    base = row_index.row_key(ns, spec, card, None, qs)
    assert row_index.row_key(dict(ns), spec, card, None, list(qs)) == base  # a pure function of its inputs
    changed = {
        "model": row_index.row_key(ns | {"model": "m2"}, spec, card, None, qs),
        "revision / weights hash": row_index.row_key(ns | {"revision": "r2"}, spec, card, None, qs),
        "decoding": row_index.row_key(ns | {"decoding": {"max_new_tokens": 1}}, spec, card, None, qs),
        "device": row_index.row_key(ns | {"device": "cuda"}, spec, card, None, qs),
        "template": row_index.row_key(ns, spec.model_copy(update={"suffix": spec.suffix + " "}), card, None, qs),
        "label order": row_index.row_key(ns, spec.model_copy(update={"label_order": {ROW: tuple(reversed(card.types))}}),
                                         card, None, qs),
        "card": row_index.row_key(ns, spec, card.model_copy(update={"paper": card.paper.model_copy(
            update={"name": card.paper.name + "x"})}), None, qs),
        "training rows": row_index.row_key(ns, spec, card, [ROW], qs),
        "data (a passage)": row_index.row_key(ns, spec, card, None, _queries(card, ("Hinton works at Google !",
                                                                                   "LeCun is in Paris ."))),
        "query order": row_index.row_key(ns, spec, card, None, list(reversed(qs))),
        "limit (fewer queries)": row_index.row_key(ns, spec, card, None, qs[:-1]),
        "a type": row_index.row_key(ns, spec, card, None, qs[:-1] + [Query(ROW, "s1", qs[-1].text, "other", ())]),
    }
    assert base not in changed.values() and len(set(changed.values())) == len(changed), changed
    row_index.code_digest.cache_clear()
    monkeypatch.setattr(row_index, "_KEY_CODE", row_index._KEY_CODE[:-1])  # the key-making code is hashed too
    try:
        assert row_index.row_key(ns, spec, card, None, qs) != base
    finally:
        row_index.code_digest.cache_clear()


def test_lookup_ignores_a_damaged_entry(tmp_path):
    from unibench.cache import ResponseCache

    cache = ResponseCache(tmp_path / "c.sqlite")
    keys = ["a" * 64, "b" * 64]
    row_index.store(cache, "row", keys)
    assert row_index.lookup(cache, "row") == keys and row_index.lookup(cache, "other") is None
    with cache._lock:
        cache._db.execute("UPDATE row_keys SET n = 3")
    assert row_index.lookup(cache, "row") is None
    cache.close()


@pytest.mark.parametrize("flag", ["--log-samples"])
@needs_shared(ROW)
def test_a_samples_log_of_an_indexed_row_has_its_prompts(tmp_path, capsys, flag):
    cache = tmp_path / "cache"
    _run(capsys, tmp_path / "first", cache)
    _run(capsys, tmp_path / "logged", cache, flag)
    (log,) = list((tmp_path / "logged").rglob("*.samples.jsonl")) or list((tmp_path / "logged").rglob("*.jsonl"))
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 12 * 13 and all(x["prompt"] and "ASSISTANT:" in x["prompt"] for x in lines)
