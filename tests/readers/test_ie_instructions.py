"""IE_INSTRUCTIONS reader: an entity whose offsets fall inside a word is moved to the whole-word occurrence of its
text (a repair), so no passage ever differs from its source sentence (the MIT copies' first-substring offsets)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA
from unibench.cards import get_card
from unibench.loaders import load_split
from unibench.queries import build_queries
from unibench.readers.ie_instructions import realign_cut_words


def _realign(sent, ents):
    notes = []
    return realign_cut_words(sent, ents, notes.append), notes


def test_a_cut_word_moves_to_the_whole_word():
    sent = "whats a rated r movie with jessica alba"
    out, notes = _realign(sent, [(8, 9, "rating"), (27, 39, "actor")])
    assert out == [(14, 15, "rating"), (27, 39, "actor")] and len(notes) == 1 and "[8, 9]" in notes[0]


def test_two_cut_entities_take_different_occurrences_and_never_an_occupied_one():
    sent = "rated r or r rated"
    out, notes = _realign(sent, [(0, 1, "rating"), (0, 1, "rating")])
    assert out == [(6, 7, "rating"), (11, 12, "rating")] and len(notes) == 2
    sent = "a rated r movie"  # the only whole-word "r" is taken by a correct entity: the cut one stays
    out, notes = _realign(sent, [(8, 9, "rating"), (2, 3, "rating")])
    assert out == [(8, 9, "rating"), (2, 3, "rating")] and notes == []


def test_multiword_and_untouched_cases():
    sent = "new york style pizza in newyork"
    out, notes = _realign(sent, [(24, 27, "Location")])  # "new" inside "newyork"
    assert out == [(0, 3, "Location")] and len(notes) == 1
    out, notes = _realign("is the movie good", [(3, 6, "x")])  # already whole words: unchanged
    assert out == [(3, 6, "x")] and notes == []
    out, notes = _realign("rated", [(0, 1, "rating")])  # no whole-word occurrence: left as it was
    assert out == [(0, 1, "rating")] and notes == []


def test_the_repair_reaches_the_loader_and_the_passage_keeps_its_words(tmp_path):
    rows = [{"sentence": "whats a rated r movie", "entities": [{"name": "r", "type": "rating", "pos": [8, 9]}]},
            {"sentence": "any r movies", "entities": [{"name": "r", "type": "rating", "pos": [4, 5]}]}]
    folder = tmp_path / "mit_movie"
    folder.mkdir()
    (folder / "test.json").write_text(json.dumps(rows))
    loaded = load_split(get_card("mit_movie"), "test", tmp_path)
    assert [list(s.tokens) for s in loaded.sentences] == [r["sentence"].split() for r in rows]
    assert [[(s.mention(sp), sp.type) for sp in s.spans] for s in loaded.sentences] == [[("r", "rating")]] * 2
    assert loaded.sentences[0].spans[0].start == 3 and loaded.repairs == 1


@pytest.mark.parametrize("row,repairs", [("mit_movie", {"train": 339, "test": 95}),
                                         ("mit_restaurant", {"train": 0, "test": 0})])
def test_staged_passages_equal_their_source_sentences(row, repairs):
    if not (SHARED_DATA / row).is_dir():
        pytest.skip(f"staged data not found: {row} under {SHARED_DATA}")
    card = get_card(row)
    for split, n_repairs in repairs.items():
        src = json.loads((SHARED_DATA / row / f"{split}.json").read_text(encoding="utf-8"))
        loaded = load_split(card, split, SHARED_DATA)
        assert len(loaded.sentences) == len(src) and loaded.repairs == n_repairs
        differ = [r["sentence"] for s, r in zip(loaded.sentences, src) if list(s.tokens) != r["sentence"].split()]
        assert differ == []
        # every gold mention is still its source entity's text
        for s, r in zip(loaded.sentences, src):
            assert sorted(s.mention(sp) for sp in s.spans) == sorted(" ".join(e["name"].split()) for e in r["entities"])
        if split == "test":
            assert len(build_queries(card, loaded.sentences)) == {"mit_movie": 29_304, "mit_restaurant": 12_160}[row]


def test_data_stats_shows_the_repairs(tmp_path, capsys):
    if not (SHARED_DATA / "mit_movie").is_dir():
        pytest.skip(f"staged data not found: mit_movie under {SHARED_DATA}")
    from unibench.cli.main import main

    assert main(["data", "stats", "mit_movie", "--data-dir", str(SHARED_DATA), "--cache-dir", str(tmp_path),
                 "--json"]) == 0
    splits = json.loads(capsys.readouterr().out)["splits"]
    assert (splits["test"]["tag_repairs"], splits["train"]["tag_repairs"]) == (95, 339)
    assert splits["test"]["queries"] == 29_304
