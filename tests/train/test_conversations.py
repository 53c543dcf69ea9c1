"""The conversation data file: what is accepted, and errors that name the file and the line."""

from __future__ import annotations

import json

import pytest

from unibench.errors import DataFormatError
from unibench.train.conversations import read_conversations, training_datasets


def _rec(rid="a", first="Text: Paris is nice .", pairs=(("What describes location in the text?", '["Paris"]'),),
         **extra):
    conv = [{"from": "human", "value": first}, {"from": "gpt", "value": "I've read this text."}]
    for q, a in pairs:
        conv += [{"from": "human", "value": q}, {"from": "gpt", "value": a}]
    return {"id": rid, "conversations": conv, **extra}


def _write(tmp_path, records, name="d.json", pretty=True):
    p = tmp_path / name
    if name.endswith(".jsonl"):
        p.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        p.write_text(json.dumps(records, indent=2 if pretty else None))
    return p


def test_reads_list_and_jsonl_the_same(tmp_path):
    recs = [_rec("a"), _rec("b", pairs=(("What describes person in the text?", "[]"),
                                        ("What describes location in the text?", '["Paris"]')))]
    a = read_conversations(_write(tmp_path, recs))
    b = read_conversations(_write(tmp_path, recs, "d.jsonl"))
    assert [r.pairs for r in a.records] == [r.pairs for r in b.records]
    assert a.n_pairs == 3 and a.n_negative_pairs == 1 and not a.supervised
    assert a.records[1].passage == "Text: Paris is nice ." and a.records[1].index == 1
    assert len(a.sha256) == 64


def test_error_names_the_line_where_the_bad_record_starts(tmp_path):
    recs = [_rec("a"), _rec("b"), _rec("c", pairs=(("What describes location in the text?", "Paris"),))]
    p = _write(tmp_path, recs)
    with pytest.raises(DataFormatError) as e:
        read_conversations(p)
    starts = [i + 1 for i, line in enumerate(p.read_text().splitlines()) if line == "  {"]  # records begin
    assert len(starts) == 3 and e.value.line == starts[2]
    assert e.value.path == str(p) and "record 2" in e.value.message and "JSON list of strings" in e.value.message


@pytest.mark.parametrize("bad, why", [
    ({"conversations": [{"from": "gpt", "value": "x"}, {"from": "human", "value": "y"}]}, "turn 0"),
    (_rec(first="Paris is nice ."), "must start with 'Text: '"),
    ({"id": "a", "conversations": [{"from": "human", "value": "Text: x"}]}, "at least 2 turns"),
    ({"id": "a", "conversations": _rec()["conversations"][:3]}, "even number"),
    (_rec(pairs=(("What describes x in the text?", '["a", 3]'),)), "JSON list of strings"),
    (_rec(pairs=(("", "[]"),)), "empty"),
    (_rec(dataset=""), "'dataset'"),
    ([1, 2], "JSON object"),
])
def test_bad_records_are_errors_with_reasons(tmp_path, bad, why):
    p = _write(tmp_path, [_rec("ok"), bad])
    with pytest.raises(DataFormatError) as e:
        read_conversations(p)
    assert why in e.value.message and e.value.line is not None


def test_invalid_json_names_its_line(tmp_path):
    p = tmp_path / "d.json"
    p.write_text('[\n' + json.dumps(_rec()) + ',\n{"id": "b", "conversations": [}\n]\n')
    with pytest.raises(DataFormatError) as e:
        read_conversations(p)
    assert e.value.line == 3 and "invalid JSON" in e.value.message


def test_not_a_list_and_missing_file(tmp_path):
    p = tmp_path / "d.json"
    p.write_text('{"id": "a"}')
    with pytest.raises(DataFormatError, match="JSON object|JSON list"):
        read_conversations(p)
    with pytest.raises(DataFormatError, match="not found"):
        read_conversations(tmp_path / "nope.json")
    p.write_text("[]")
    with pytest.raises(DataFormatError, match="no usable records"):
        read_conversations(p)


def test_skip_invalid_drops_and_counts(tmp_path):
    p = _write(tmp_path, [_rec("a"), _rec("b", first="nope"), _rec("c")])
    f = read_conversations(p, skip_invalid=True)
    assert [r.id for r in f.records] == ["a", "c"] and len(f.skipped) == 1 and "turn 0" in f.skipped[0]


def test_max_records_and_training_datasets(tmp_path):
    recs = [_rec("a"), _rec("s1", first="Dataset: CrossNER_AI\nText: x", dataset="crossner_ai"),
            _rec("s2", first="Dataset: CrossNER_music\nText: y"), _rec("s3", first="Dataset: Unknown set\nText: z"),
            _rec("g", dataset="conllpp")]
    f = read_conversations(_write(tmp_path, recs))
    assert f.supervised
    assert f.records[1].dataset_field == "CrossNER_AI" and f.records[0].dataset_field is None
    # row ids: the dataset field, else the paper name mapped through the cards, else kept verbatim
    assert training_datasets(f.records) == sorted(["crossner_ai", "crossner_music", "Unknown set", "conllpp"])
    assert len(read_conversations(_write(tmp_path, recs), max_records=2).records) == 2
    assert training_datasets(read_conversations(_write(tmp_path, [_rec("a")])).records) == []
