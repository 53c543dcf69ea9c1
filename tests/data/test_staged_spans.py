"""The nine span/document rows, loaded from the staged raw data through their cards.

For every card: each staged split loads through `load_split`; the test count equals an explicit
number (the paper's where they agree, otherwise ours, and then the card must explain the
difference); gold fed back as model output scores exactly F1 = 1.0; and the gold mentions equal
the entity texts of the raw files, re-read here by a small independent parser per format
(compared as multisets of (type, text without whitespace), after the card's label map).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, needs_shared
from unibench.cards import get_card
from unibench.loaders import available_splits, load_split
from unibench.metrics.uniner import gold_items
from unibench.queries import build_queries
from unibench.readers.uniner_json import read_released_queries
from unibench.scorer import score_records

# row -> (staged splits, test units we expect, paper's test units)
EXPECTED = {
    "mit_movie": ({"train", "test"}, 2442, 2442),
    "mit_restaurant": ({"train", "test"}, 1520, 1520),
    "genia": ({"test"}, 1732, 1854),
    "biored": ({"train", "dev", "test"}, 1082, 1106),
    "scierc": ({"train", "dev", "test"}, 100, 100),
    "sofc": ({"train", "dev", "test"}, 173, 173),
    "somesci": ({"test"}, 8078, 16427),
    "wlp": ({"train", "dev", "test"}, 2736, 2726),
    "tasteset": ({"train", "dev", "test"}, 71, 71),
}
ROWS = sorted(EXPECTED)


def _nows(s: str) -> str:
    return "".join(s.split())


@pytest.fixture(scope="module")
def loaded():
    cache: dict[tuple[str, str], object] = {}

    def get(row: str, split: str = "test"):
        if (row, split) not in cache:
            cache[row, split] = load_split(get_card(row), split, SHARED_DATA)
        return cache[row, split]
    return get


@pytest.mark.parametrize("row", ROWS)
def test_staged_splits_load_and_test_count(row, loaded, shared_data):
    card = get_card(row)
    splits, ours, paper = EXPECTED[row]
    assert card.paper.test == paper
    if ours != paper:
        assert card.count_notes and f"{ours:,}" in card.count_notes, "the card must explain our count"
    for split in sorted(splits):
        assert split in available_splits(card)
        got = loaded(row, split)
        assert got.sentences and all(s.text == " ".join(s.tokens) for s in got.sentences)
        assert {sp.type for s in got.sentences for sp in s.spans} <= set(card.types)
    assert len(loaded(row).sentences) == ours


@pytest.mark.parametrize("row", ROWS)
def test_gold_as_output_scores_one(row, loaded, shared_data):
    card = get_card(row)
    queries = build_queries(card, loaded(row).sentences)
    assert len(queries) == EXPECTED[row][1] * card.n_types
    recs = [{"dataset": row, "sentence_id": q.sentence_id, "text": q.text, "label": q.label,
             "output": json.dumps(list(q.gold), ensure_ascii=False), "gold": list(q.gold)} for q in queries]
    score = score_records(recs, n_resamples=0)[row]
    assert score.counts.tp > 0 and score.counts.fp == 0 and score.counts.fn == 0
    assert score.f1 == 1.0


def test_mit_movie_query_count(loaded, shared_data):
    card = get_card("mit_movie")
    assert card.types == ["actor", "character", "director", "genre", "plot", "rating", "average ratings", "review",
                          "song", "title", "trailer", "year"]
    assert len(build_queries(card, loaded("mit_movie").sentences)) == 29304


@needs_shared("uniner_released", "mit_restaurant")
def test_mit_restaurant_equals_the_original_release(loaded):
    card = get_card("mit_restaurant")
    released = read_released_queries(SHARED_DATA / "uniner_released" / "mit-restaurant.json")
    ours = build_queries(card, loaded("mit_restaurant").sentences)
    assert card.types == [q["label"] for q in released[:8]]  # the release's type order
    assert len(ours) == len(released) == 12160

    def key(text, label, gold):
        return text, label, tuple(gold)
    assert Counter(key(q.text, q.label, q.gold) for q in ours) == Counter(
        key(r["text"], r["label"], r["gold"]) for r in released)
    assert sum(len(gold_items(q.gold)) for q in ours) == 3149


# --- independent re-reading of the raw entity texts --------------------------------------------

def _raw_mit(folder: Path):
    for rec in json.loads((folder / "test.json").read_text(encoding="utf-8")):
        for e in rec["entities"]:
            yield e["type"], e["name"]


def _raw_genia(folder: Path):
    for line in (folder / "test.jsonlines").read_text(encoding="utf-8").splitlines():
        for m in json.loads(line)["entity_mentions"]:
            yield m["entity_type"], m["text"]


def _raw_biored(folder: Path):
    for line in (folder / "Test.PubTator").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) == 6 and cols[1].isdigit():
            yield cols[4], cols[3]


def _raw_scierc(folder: Path):
    for line in (folder / "test.json").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        words = [w for s in doc["sentences"] for w in s]
        for sent in doc["ner"]:
            for s, e, t in sent:
                yield t, " ".join(words[s:e + 1])


def _raw_sofc(folder: Path):
    with open(folder / "SOFC-Exp-Metadata.csv", encoding="utf-8") as fh:
        names = [r["name"] for r in csv.DictReader(fh, delimiter="\t") if r["set"] == "test"]
    for name in names:
        text = (folder / "texts" / f"{name}.txt").read_text(encoding="utf-8")
        starts = {}
        for line in (folder / "annotations" / "sentences" / f"{name}.csv").read_text().splitlines():
            sid, flag, b, _e = line.split("\t")
            starts[sid] = int(b)
        cur = None
        for line in (folder / "annotations" / "entity_types_and_slots" / f"{name}.csv").read_text().splitlines() + [""]:
            cols = line.split("\t") if line else ["", "", "0", "0", "O"]
            tag = cols[4]
            if cur and (tag == "O" or tag.startswith("B-") or cols[0] != cur[0]):
                yield cur[1], text[cur[2]:cur[3]]
                cur = None
            if tag.startswith("B-"):
                off = starts[cols[0]]
                cur = [cols[0], tag[2:], off + int(cols[2]), off + int(cols[3])]
            elif tag.startswith("I-"):
                cur[3] = starts[cols[0]] + int(cols[3])


def _raw_brat(files: list[Path], wanted=None):
    for ann in files:
        if wanted is not None and ann.stem not in wanted:
            continue
        for line in ann.read_text(encoding="utf-8").splitlines():
            if line.startswith("T"):
                cols = line.split("\t")
                typ, offs = cols[1].split(" ", 1)
                if ";" not in offs:  # discontiguous ones are dropped by the cards' policy
                    yield typ, "\t".join(cols[2:])


def _raw_somesci(folder: Path):
    wanted = set(json.loads((folder / "train_devel_test_split.json").read_text())["test"])
    files = [f for d in ("PLoS_methods", "Pubmed_fulltext", "Creation_sentences") for f in (folder / d).glob("*.ann")]
    return _raw_brat(files, wanted)


def _raw_tasteset(folder: Path):
    with open(folder / "TASTEset.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for e in json.loads(row["ingredients_entities"]):
                # the text at the offsets: 5 `entity` fields swap " for ' (the card's equal_quotes policy)
                yield e["type"], row["ingredients"][e["start"]:e["end"]]


RAW = {"mit_movie": _raw_mit, "mit_restaurant": _raw_mit, "genia": _raw_genia, "biored": _raw_biored,
       "scierc": _raw_scierc, "sofc": _raw_sofc, "somesci": _raw_somesci,
       "wlp": lambda f: _raw_brat(sorted((f / "test").glob("*.ann"))), "tasteset": _raw_tasteset}


@pytest.mark.parametrize("row", ROWS)
def test_mentions_equal_source_entity_texts(row, loaded, shared_data):
    card = get_card(row)
    got = loaded(row, "test") if row != "tasteset" else None
    if row == "tasteset":  # the whole file: every recipe is in exactly one of the three splits (corrected)
        sents = [s for split in ("train", "dev", "test")
                 for s in load_split(card, split, shared_data, "corrected").sentences]
        assert len({s.id for s in sents}) == len(sents) == 700
    else:
        sents = got.sentences
    ours = Counter((sp.type, _nows(s.mention(sp))) for s in sents for sp in s.spans)
    raw = Counter((card.label_map[t].name, _nows(text)) for t, text in RAW[row](shared_data / row)
                  if t in card.label_map)
    assert sum(ours.values()) > 0
    assert ours == raw
