"""The span format and query building."""

import json

import pytest

from unibench.cards import get_card
from unibench.errors import DataFormatError
from unibench.queries import QUERY_CAP, Query, build_queries, sample_queries
from unibench.schema import make_sentence, read_sentences, write_sentences


def test_sentence_offsets_and_roundtrip(tmp_path):
    s = make_sentence("x/test/0", ["Barack", "Obama", "visited", "Paris", "."], [(3, 4, "location"),
                                                                              (0, 2, "person")])
    assert s.text == "Barack Obama visited Paris ."
    assert [(sp.char_start, sp.char_end) for sp in s.spans] == [(0, 12), (21, 26)]
    assert [s.text[sp.char_start:sp.char_end] for sp in s.spans] == ["Barack Obama", "Paris"]
    path = tmp_path / "s.jsonl"
    write_sentences(path, [s])
    assert list(read_sentences(path)) == [s]


def test_read_sentences_names_the_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = make_sentence("a", ["x"], []).to_dict()
    path.write_text(json.dumps(good) + "\n" + '{"id": "b", "tokens": ["y"], "spans": [{"start": 0, "end": 3, '
                                                 '"type": "t"}]}\n')
    with pytest.raises(DataFormatError) as exc:
        list(read_sentences(path))
    assert f"{path}:2" in str(exc.value)


def test_queries_cover_every_type_including_absent():
    card = get_card("crossner_ai")
    s = make_sentence("crossner_ai/test/0", "Geoffrey Hinton works at Google .".split(),
                      [(0, 2, "researcher"), (4, 5, "organization")])
    qs = build_queries(card, [s])
    assert [q.label for q in qs] == card.types
    gold = {q.label: list(q.gold) for q in qs}
    assert gold["researcher"] == ["Geoffrey Hinton"] and gold["organization"] == ["Google"]
    assert sum(1 for q in qs if not q.gold) == card.n_types - 2


def test_sampling_is_seeded_capped_and_order_preserving():
    qs = [Query("d", f"s{i}", "t", "l", ()) for i in range(QUERY_CAP + 500)]
    a = sample_queries(qs)
    assert len(a) == QUERY_CAP
    assert a == sample_queries(qs)  # same seed, same sample
    idx = [int(q.sentence_id[1:]) for q in a]
    assert idx == sorted(idx)
    assert sample_queries(qs, seed=1) != a
