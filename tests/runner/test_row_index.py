"""The response cache's row index (unibench/row_index.py) and score memo (unibench/score_memo.py): a re-run of a
finished per-query row fetches its outputs by their stored keys without rendering a prompt and reuses their
scores, and gives the same result files as the straightforward path; every input the per-query keys depend on
changes the row key, every output and the scoring code change the memo key; a missing entry falls back."""

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


def _no_render_no_scoring(monkeypatch):
    import unibench.adapters.render as render
    import unibench.runner as runner
    import unibench.schema as schema

    def refuse(*a, **k):
        raise AssertionError("a prompt was rendered or outputs scored again on an indexed row")

    monkeypatch.setattr(render, "query_request", refuse)
    monkeypatch.setattr(runner, "score_records", refuse)
    monkeypatch.setattr(schema, "read_sentences", refuse)
    monkeypatch.setattr(runner, "build_queries", refuse)


@needs_shared(ROW)
def test_indexed_rerun_equals_the_straightforward_run_and_renders_nothing(tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    first = _run(capsys, tmp_path / "first", cache)  # renders, generates, indexes the row
    assert first["generated"] == first["n_queries"] and first["cache_hits"] == 0
    logged = _run(capsys, tmp_path / "logged", cache, "--log-samples")  # a samples log needs prompts: rendered
    with monkeypatch.context() as m:
        _no_render_no_scoring(m)
        again = _run(capsys, tmp_path / "again", cache)
    assert again["cache_hits"] == again["n_queries"] == first["n_queries"] and again["generated"] == 0
    assert logged["cache_hits"] == first["n_queries"]
    assert _result(tmp_path / "again") == _result(tmp_path / "first") == _result(tmp_path / "logged")
    assert again["input_tokens"] == first["input_tokens"] and again["output_tokens"] == first["output_tokens"]


@needs_shared(ROW)
def test_without_its_scores_an_indexed_row_is_scored_again_without_rendering(tmp_path, capsys, monkeypatch):
    """The score memo emptied (e.g. by a scorer change): outputs still come by the row index, scoring runs."""
    cache = tmp_path / "cache"
    _run(capsys, tmp_path / "first", cache)
    db = sqlite3.connect(cache / "responses.sqlite")
    db.execute("DELETE FROM row_scores")
    db.commit()
    import unibench.adapters.render as render

    with monkeypatch.context() as m:
        m.setattr(render, "query_request", lambda *a, **k: pytest.fail("rendered"))
        again = _run(capsys, tmp_path / "again", cache)
    assert again["generated"] == 0 and db.execute("SELECT COUNT(*) FROM row_scores").fetchone()[0] == 1
    db.close()
    assert _result(tmp_path / "again") == _result(tmp_path / "first")


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


def test_every_input_of_the_per_query_keys_changes_the_row_key(monkeypatch):
    spec, card = load_adapters()["uniner"], load_registry()[ROW]
    ns = {"model": "m", "revision": "r", "adapter": "uniner", "template": spec.template_hash,
          "decoding": spec.decoding.model_dump(mode="json")}
    q = row_index.queries_digest("a" * 64, None, 130)
    base = row_index.row_key(ns, spec, card, None, q)
    assert row_index.row_key(dict(ns), spec, card, None, q) == base  # a pure function of its inputs
    changed = {
        "model": row_index.row_key(ns | {"model": "m2"}, spec, card, None, q),
        "revision / weights hash": row_index.row_key(ns | {"revision": "r2"}, spec, card, None, q),
        "decoding": row_index.row_key(ns | {"decoding": {"max_new_tokens": 1}}, spec, card, None, q),
        "device": row_index.row_key(ns | {"device": "cuda"}, spec, card, None, q),
        "template": row_index.row_key(ns, spec.model_copy(update={"suffix": spec.suffix + " "}), card, None, q),
        "label order": row_index.row_key(ns, spec.model_copy(update={"label_order": {ROW: tuple(reversed(card.types))}}),
                                         card, None, q),
        "card": row_index.row_key(ns, spec, card.model_copy(update={"paper": card.paper.model_copy(
            update={"name": card.paper.name + "x"})}), None, q),
        "training rows": row_index.row_key(ns, spec, card, [ROW], q),
        "data (the split's sha256)": row_index.row_key(ns, spec, card, None,
                                                       row_index.queries_digest("b" * 64, None, 130)),
        "limit": row_index.row_key(ns, spec, card, None, row_index.queries_digest("a" * 64, 10, 130)),
        "number of queries": row_index.row_key(ns, spec, card, None, row_index.queries_digest("a" * 64, None, 129)),
    }
    assert base not in changed.values() and len(set(changed.values())) == len(changed), changed
    row_index.code_digest.cache_clear()
    monkeypatch.setattr(row_index, "_KEY_CODE", row_index._KEY_CODE[:-1])  # the key-making code is hashed too
    try:
        assert row_index.row_key(ns, spec, card, None, q) != base
    finally:
        row_index.code_digest.cache_clear()
    monkeypatch.undo()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + (b"#" if p.parent.name == "jinja2" else b""))
    try:  # another Jinja2 (it renders the prompts)
        assert row_index.row_key(ns, spec, card, None, q) != base
    finally:
        monkeypatch.undo()
        row_index.code_digest.cache_clear()
    assert row_index.row_key(ns, spec, card, None, q) == base


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


CH = "c" * 64  # a card hash


def test_every_output_and_the_scoring_code_change_the_memo_key(monkeypatch):
    from unibench import score_memo

    outs = ['["a"]', "[]", '["b", "c"]']
    base = score_memo.memo_key(ROW, "d" * 64, outs, card_hash=CH)
    assert score_memo.memo_key(ROW, "d" * 64, list(outs), card_hash=CH) == base
    changed = [score_memo.memo_key(ROW, "d" * 64, outs[:2] + ['["b", "C"]'], card_hash=CH),
               score_memo.memo_key(ROW, "d" * 64, outs[::-1], card_hash=CH),
               score_memo.memo_key(ROW, "d" * 64, outs[:2], card_hash=CH),
               score_memo.memo_key(ROW, "e" * 64, outs, card_hash=CH),
               score_memo.memo_key("crossner_music", "d" * 64, outs, card_hash=CH),
               score_memo.memo_key(ROW, "d" * 64, outs, card_hash="f" * 64)]  # e.g. a type renamed
    assert base not in changed and len(set(changed)) == len(changed)
    # lists (spans) are always scored
    assert score_memo.memo_key(ROW, "d" * 64, outs[:2] + [["b"]], card_hash=CH) is None
    import unibench.scorer as scorer

    monkeypatch.setattr(scorer, "SCORER_VERSION", scorer.SCORER_VERSION + ".x")
    assert score_memo.memo_key(ROW, "d" * 64, outs, card_hash=CH) != base
    monkeypatch.undo()
    score_memo.code_digest.cache_clear()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + (b"#" if p.name == "taxonomy.py" else b""))
    try:
        assert score_memo.memo_key(ROW, "d" * 64, outs, card_hash=CH) != base  # the scoring code's source is in the key
    finally:
        monkeypatch.undo()
        score_memo.code_digest.cache_clear()
    row_index.code_digest.cache_clear()
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + (b"#" if p.name == "queries.py" else b""))
    try:
        # and the code that builds queries (gold, order)
        assert score_memo.memo_key(ROW, "d" * 64, outs, card_hash=CH) != base
    finally:
        monkeypatch.undo()
        row_index.code_digest.cache_clear()
    assert score_memo.memo_key(ROW, "d" * 64, outs, card_hash=CH) == base


@needs_shared(ROW)
def test_a_changed_output_is_scored_again(tmp_path, capsys):
    cache = tmp_path / "cache"
    first = _run(capsys, tmp_path / "first", cache)
    db = sqlite3.connect(cache / "responses.sqlite")
    (n_before,) = db.execute("SELECT COUNT(*) FROM row_scores").fetchone()
    db.execute("UPDATE responses SET output = ? WHERE rowid IN (SELECT rowid FROM responses LIMIT 5)",
               ('["Never In The Text"]',))
    db.commit()
    again = _run(capsys, tmp_path / "again", cache)
    assert db.execute("SELECT COUNT(*) FROM row_scores").fetchone()[0] == n_before + 1
    db.close()
    assert again["generated"] == 0 and (again["fp"], again["tp"]) != (first["fp"], first["tp"])


def test_get_all_equals_get_many(tmp_path):
    from unibench.cache import ResponseCache

    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put_many([(f"{i:064x}", f'["ü {i}"]') for i in range(1200)])
    keys = [f"{i:064x}" for i in range(0, 1500, 3)] * 2 + ["not a key", 'a "quoted" key']
    assert cache.get_all(keys) == cache.get_many(keys) and len(cache.get_all(keys)) == 400
    cache.close()
