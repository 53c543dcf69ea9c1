"""prepare: normalised JSONL with content hashes, reused only while valid; missing data errors."""

import json

import pytest

from unibench.cards import get_card
from unibench.cli.main import main
from unibench.errors import MissingDataError
from unibench.prepare import load_sentences, prepare, prepared_dir
from tests.conftest import needs_shared


@needs_shared("crossner_ai")
def test_prepare_writes_hashes_and_reuses(shared_data, tmp_path):
    card = get_card("crossner_ai")
    m = prepare(card, shared_data, tmp_path, "paper", ["test"])
    entry = m["splits"]["test"]
    assert entry["n_sentences"] == 431 and len(entry["sha256"]) == 64
    path = prepared_dir(tmp_path, card, "paper") / "test.jsonl"
    sentences, e2 = load_sentences(card, "test", shared_data, tmp_path, "paper")
    assert e2["sha256"] == entry["sha256"] and len(sentences) == 431
    # a corrupted prepared file is detected by its hash and rebuilt, never trusted
    path.write_text(path.read_text()[:-200])
    sentences, e3 = load_sentences(card, "test", shared_data, tmp_path, "paper")
    assert e3["sha256"] == entry["sha256"] and len(sentences) == 431
    # the corrected version is a different dataset version with a different hash
    _, e4 = load_sentences(card, "test", shared_data, tmp_path, "corrected")
    assert e4["sha256"] != entry["sha256"]


def test_missing_data_dir_says_how_to_get_data(tmp_path):
    with pytest.raises(MissingDataError) as exc:
        load_sentences(get_card("crossner_ai"), "test", tmp_path / "nowhere", None)
    msg = str(exc.value)
    assert "crossner_ai" in msg and "--data-dir" in msg


def test_cli_missing_data_exits_nonzero(tmp_path, capsys):
    rc = main(["data", "stats", "crossner_ai", "--data-dir", str(tmp_path / "none"), "--cache-dir", str(tmp_path)])
    assert rc != 0
    assert "no" in capsys.readouterr().err


@needs_shared("crossner_ai")
def test_cli_queries_jsonl(shared_data, tmp_path):
    out = tmp_path / "q.jsonl"
    rc = main(["data", "queries", "crossner_ai", "--data-dir", str(shared_data), "--cache-dir", str(tmp_path),
               "--out", str(out)])
    assert rc == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 5603
    assert set(lines[0]) == {"dataset", "sentence_id", "text", "label", "gold"}
