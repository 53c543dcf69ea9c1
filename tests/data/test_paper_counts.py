"""`--version paper` reproduces the paper's test-set size on the staged rows where the raw files allow it.

Pins the test-sentence count of both versions of every staged row (measured on ../shared/data), and the
processing behind each `paper` count that differs from `corrected`. Where `paper` misses the paper's count,
the card must say by how much and why (count_notes).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tests.conftest import SHARED_DATA, needs_shared
from unibench.cards import CardError, get_card, parse_card
from unibench.cli.main import main
from unibench.errors import DataFormatError
from unibench.loaders import load_split
from unibench.resources import resource_dir

# row -> (paper version, corrected version) test sentences (recipes for TASTEset, documents for SciERC)
COUNTS = {
    "anatem": (3830, 3830), "bc2gm": (5038, 5038), "bc5cdr": (4797, 4797), "biored": (1082, 1082),
    "btc": (2000, 2000), "conllpp": (3453, 3453), "crossner_ai": (431, 431), "crossner_literature": (416, 416),
    "crossner_music": (465, 465), "crossner_politics": (650, 651), "crossner_science": (543, 543),
    "ener": (1010, 2598), "finer_ord": (1075, 1075), "genia": (1732, 1732), "harveyner": (1303, 1303),
    "jnlpba": (4261, 3856), "mit_movie": (2442, 2442), "mit_restaurant": (1520, 1520), "ncbi": (940, 940),
    "scierc": (100, 100), "sofc": (173, 173), "somesci": (8078, 8078), "stackoverflow_ner": (3108, 3108),
    "tasteset": (71, 70), "wikiann_en": (10000, 10000), "wikineural": (11597, 11597), "wlp": (2736, 2736),
}
_loaded: dict = {}


def _test(row: str, version: str, split: str = "test"):
    key = (row, version, split)
    if key not in _loaded:
        _loaded[key] = load_split(get_card(row), split, SHARED_DATA, version).sentences
    return _loaded[key]


def test_every_staged_row_is_pinned(shared_data):
    staged = {c for c in COUNTS if (shared_data / (get_card(c).sources.local.layout_dir or c)).is_dir()}
    assert staged == set(COUNTS) and len(COUNTS) == 27


@pytest.mark.parametrize("row", sorted(COUNTS))
def test_test_counts_of_both_versions(row, shared_data):
    card = get_card(row)
    paper, corrected = COUNTS[row]
    assert len(_test(row, "paper")) == paper
    assert len(_test(row, "corrected")) == corrected
    if paper != card.paper.test:  # out of reach: the card states our count and the reason
        assert card.count_notes and f"{paper:,}" in card.count_notes


def test_paper_count_reached_on_22_of_27_staged_rows(shared_data):
    card_test = {row: get_card(row).paper.test for row in COUNTS}
    matching = sorted(row for row, (paper, _) in COUNTS.items() if paper == card_test[row])
    assert len(matching) == 22
    assert set(COUNTS) - set(matching) == {"bc2gm", "biored", "genia", "somesci", "wlp"}


@needs_shared("jnlpba")
def test_jnlpba_paper_keeps_docstart_records_and_the_final_empty_one():
    paper = _test("jnlpba", "paper")
    assert sum(s.tokens == ("-DOCSTART-",) for s in paper) == 404
    assert paper[-1].tokens == () and sum(not s.tokens for s in paper) == 1
    real = [s for s in paper if s.tokens and s.tokens != ("-DOCSTART-",)]
    assert [s.text for s in real] == [s.text for s in _test("jnlpba", "corrected")]


@needs_shared("stackoverflow_ner")
def test_stackoverflow_drops_post_headers_and_block_placeholders():
    card = get_card("stackoverflow_ner")
    pattern = re.compile(card.processing["paper"].drop_text_matching)
    kept = _test("stackoverflow_ner", "paper")
    assert not any(pattern.search(s.text) for s in kept)
    assert not any(t in ("CODE_BLOCK", "OP_BLOCK", "Question_ID") for s in kept for t in s.tokens)
    assert [s.text for s in kept] == [s.text for s in _test("stackoverflow_ner", "corrected")]
    assert kept[0].text.startswith("I am using custom adapter")


@needs_shared("ener")
def test_ener_paper_is_deduplicated_long_sentences_split_8072_1009_1010():
    splits = {sp: _test("ener", "paper", sp) for sp in ("train", "dev", "test")}
    assert {sp: len(v) for sp, v in splits.items()} == {"train": 8072, "dev": 1009, "test": 1010}
    everything = [s for v in splits.values() for s in v]
    assert len({s.id for s in everything}) == len(everything)
    assert max(Counter(s.text for s in everything).values()) == 1
    assert min(len(s.tokens) for s in everything) == 6


@needs_shared("tasteset")
def test_tasteset_paper_takes_the_papers_recipe_counts():
    splits = {sp: _test("tasteset", "paper", sp) for sp in ("train", "dev", "test")}
    assert [len(splits[sp]) for sp in ("train", "dev", "test")] == [556, 69, 71]
    ids = [s.id for v in splits.values() for s in v]
    assert len(set(ids)) == 696


@needs_shared("btc")
def test_btc_whitespace_line_inside_a_tweet_is_a_repair_not_a_break():
    test = load_split(get_card("btc"), "test", SHARED_DATA, "paper")
    assert len(test.sentences) == 2000
    assert any("btc.test:13045" in e for e in test.repair_examples)
    tweet = next(s for s in test.sentences if "Montpellier , France" in s.text)
    assert tweet.tokens[-1].startswith("tps://t.co/")  # the tweet's tail stays with it


@needs_shared("jnlpba")
def test_data_stats_json_shows_difference_and_processing(tmp_path, capsys):
    rc = main(["data", "stats", "jnlpba", "--data-dir", str(SHARED_DATA), "--cache-dir", str(tmp_path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc in (0, None)
    assert out["splits"]["test"]["sentences"] == 4261 and out["splits"]["test"]["matches_paper"] is True
    assert "DOCSTART" in out["processing_note"]
    rc = main(["data", "stats", "jnlpba", "--data-dir", str(SHARED_DATA), "--cache-dir", str(tmp_path),
               "--version", "corrected"])
    text = capsys.readouterr().out
    assert "-405" in text and "3856" in text


def _card_text(row: str) -> str:
    return (resource_dir("dataset_cards") / f"{row}.yaml").read_text(encoding="utf-8")


def test_bad_processing_regex_names_the_card_line(tmp_path):
    text = _card_text("stackoverflow_ner").replace("drop_text_matching: '^", "drop_text_matching: '(^", 1)
    path = tmp_path / "stackoverflow_ner.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CardError) as exc:
        parse_card(path)
    assert "not a regular expression" in str(exc.value) and "drop_text_matching" in str(exc.value)
    assert exc.value.line == next(i for i, line in enumerate(text.splitlines(), 1) if "drop_text_matching" in line)


def test_split_sizes_need_a_split_policy(tmp_path):
    text = _card_text("btc").replace("\nlicense:", "\nprocessing:\n  paper: {split_sizes: [1, 1, 1], note: x}\nlicense:", 1)
    path = tmp_path / "btc.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CardError) as exc:
        parse_card(path)
    assert "split_policy" in str(exc.value)


def test_split_sizes_larger_than_the_data_fail_loudly(tmp_path):
    folder = tmp_path / "tasteset"
    folder.mkdir()
    (folder / "TASTEset.csv").write_text('ingredients,ingredients_entities\n"2 eggs","[]"\n', encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("tasteset"), "test", tmp_path, "paper")
    assert "696" in str(exc.value) and "1" in str(exc.value)
