"""bigbio_kb and mrc_json readers, run for real through the cards on small synthetic files.

The files are written in tmp_path in exactly the layout the cards document (`<data-dir>/<id>/...`);
the text is invented (no clinical or LDC data is ever used in tests).
"""

from __future__ import annotations

import json

import pytest

from unibench.cards import get_card
from unibench.errors import DataFormatError, UnibenchError
from unibench.loaders import load_split
from unibench.readers.bigbio_kb import export_dataset_dict, load_bigbio

NOTE = "Patient has chest pain.\nCT scan of the chest was negative. Started aspirin 81 mg daily."


def _doc(doc_id, text, ents, passages=None):
    return {"id": doc_id, "document_id": doc_id,
            "passages": passages or [{"id": "p", "type": "text", "text": [text], "offsets": [[0, len(text)]]}],
            "entities": [{"id": str(i), "type": t, "text": [text[s:e]], "offsets": [[s, e]], "normalized": []}
                         for i, (t, s, e) in enumerate(ents)],
            "events": [], "coreferences": [], "relations": []}


def _mentions(split):
    return [[(sent.mention(sp), sp.type) for sp in sent.spans] for sent in split.sentences]


def _write_jsonl(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_bigbio_kb_lines_split_through_the_i2b2_2010_card(tmp_path):
    ents = [("problem", NOTE.index("chest pain"), NOTE.index("chest pain") + 10),
            ("test", NOTE.index("CT scan of the chest"), NOTE.index("CT scan of the chest") + 20),
            ("treatment", NOTE.index("aspirin"), NOTE.index("aspirin") + 7)]
    _write_jsonl(tmp_path / "i2b2_2010" / "test.jsonl", [_doc("doc-1", NOTE, ents)])
    split = load_split(get_card("i2b2_2010"), "test", tmp_path)
    # sentence_split=lines: the second line stays one sentence; whitespace tokens, but a token is
    # always cut at an entity boundary ("pain." -> "pain" ".")
    assert [s.text for s in split.sentences] == [
        "Patient has chest pain .", "CT scan of the chest was negative. Started aspirin 81 mg daily."]
    assert _mentions(split) == [[("chest pain", "problem")],
                                [("CT scan of the chest", "test"), ("aspirin", "treatment")]]
    assert split.sentences[0].id == "i2b2_2010/test/doc-1/0"
    assert split.source["format"] == "bigbio_kb"


def test_bigbio_kb_punct_split_passages_and_discontiguous_span(tmp_path):
    title, abstract = "Aspirin and ADE.", "He took 81mg aspirin daily. Rash, itchy, developed."
    text = title + " " + abstract
    passages = [{"id": "t", "type": "title", "text": [title], "offsets": [[0, len(title)]]},
                {"id": "a", "type": "abstract", "text": [abstract], "offsets": [[len(title) + 1, len(text)]]}]
    drug = text.index("aspirin")
    rash = text.index("Rash")
    itchy = text.index("itchy")
    rec = _doc("d2", text, [("Drug", drug, drug + 7), ("Strength", text.index("81mg"), text.index("81mg") + 2)],
               passages)
    rec["entities"].append({"id": "x", "type": "ADE", "text": ["Rash", "itchy"],
                            "offsets": [[rash, rash + 4], [itchy, itchy + 5]], "normalized": []})
    _write_jsonl(tmp_path / "n2c2_2018" / "train.jsonl", [rec])
    split = load_split(get_card("n2c2_2018"), "train", tmp_path)
    assert [s.text for s in split.sentences] == [
        "Aspirin and ADE .", "He took 81 mg aspirin daily .", "Rash , itchy , developed ."]
    # "81mg" is cut at the entity boundary; the discontiguous ADE becomes its covering span
    assert _mentions(split) == [[], [("81", "strength"), ("aspirin", "drug")],
                                [("Rash , itchy", "adverse drug event")]]
    assert split.repairs == 0


def test_bigbio_kb_errors_name_file_and_line(tmp_path):
    folder = tmp_path / "i2b2_2010"
    _write_jsonl(folder / "test.jsonl", [_doc("ok", NOTE, [])])
    with open(folder / "test.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("i2b2_2010"), "test", tmp_path)
    assert exc.value.line == 2 and exc.value.path.endswith("test.jsonl")

    bad = _doc("bad", NOTE, [("problem", 0, 7)])
    bad["entities"][0]["text"] = ["chest pain"]  # offsets point at "Patient"
    _write_jsonl(folder / "test.jsonl", [bad])
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("i2b2_2010"), "test", tmp_path)
    assert "does not match" in exc.value.message and exc.value.line == 1


def test_bigbio_kb_unknown_type_is_an_error_not_a_drop(tmp_path):
    _write_jsonl(tmp_path / "i2b2_2010" / "test.jsonl", [_doc("d", NOTE, [("drug", 0, 7)])])
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("i2b2_2010"), "test", tmp_path)
    # reported against the data file and line (issue 11), the card still named in the message
    assert "'drug'" in exc.value.message and "i2b2_2010.yaml" in exc.value.message
    assert exc.value.path.endswith("test.jsonl") and exc.value.line == 1


def test_bigbio_export_from_a_real_datasets_object_roundtrips(tmp_path):
    datasets = pytest.importorskip("datasets")
    ents = [("PATIENT", 0, 7)]
    text = "Patient John was seen by Dr. Smith on 2/3/2004."
    ents = [("PATIENT", text.index("John"), text.index("John") + 4),
            ("DOCTOR", text.index("Smith"), text.index("Smith") + 5),
            ("DATE", text.index("2/3/2004"), text.index("2/3/2004") + 8)]
    dsd = datasets.DatasetDict({"train": datasets.Dataset.from_list([_doc("n1", text, ents)]),
                                "test": datasets.Dataset.from_list([_doc("n2", "Seen at Mercy Hospital.",
                                                                         [("HOSPITAL", 8, 22)])])})
    counts = export_dataset_dict(dsd, tmp_path / "i2b2_2006")
    assert counts == {"train": 1, "test": 1}
    train = load_split(get_card("i2b2_2006"), "train", tmp_path)
    assert _mentions(train) == [[("John", "patient"), ("Smith", "doctor"), ("2 / 3 / 2004", "date")]]
    test = load_split(get_card("i2b2_2006"), "test", tmp_path)
    assert _mentions(test) == [[("Mercy Hospital", "hospital")]]


def test_load_bigbio_explains_that_scripts_are_refused(tmp_path, monkeypatch):
    pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    script_dir = tmp_path / "n2c2_fake"
    script_dir.mkdir()
    (script_dir / "n2c2_fake.py").write_text("import datasets\n", encoding="utf-8")
    try:
        load_bigbio(str(script_dir), "n2c2_fake_bigbio_kb", tmp_path)
    except UnibenchError as exc:
        assert "datasets<4" in (exc.hint or "")
    else:  # pragma: no cover - only with datasets<4, which runs the (empty) script
        pytest.fail("an empty loading script cannot produce a dataset")


MRC = [
    {"context": "The president of the United States met troops in Iraq .", "entity_label": "PER",
     "qas_id": "0.1", "query": "person", "impossible": False,
     "start_position": [0, 4], "end_position": [5, 5], "span_position": ["0;5", "4;5"]},
    {"context": "The president of the United States met troops in Iraq .", "entity_label": "GPE",
     "qas_id": "0.2", "query": "gpe", "impossible": False,
     "start_position": [4, 9], "end_position": [5, 9], "span_position": ["4;5", "9;9"]},
    {"context": "The president of the United States met troops in Iraq .", "entity_label": "WEA",
     "qas_id": "0.3", "query": "weapon", "impossible": True, "start_position": [], "end_position": []},
    {"context": "No entity here .", "entity_label": "PER", "qas_id": "1.1", "query": "person",
     "impossible": True, "start_position": [], "end_position": []},
]


def test_mrc_json_nested_spans_through_the_ace04_card(tmp_path):
    folder = tmp_path / "ace04"
    folder.mkdir()
    (folder / "mrc-ner.test").write_text(json.dumps(MRC, indent=2), encoding="utf-8")
    split = load_split(get_card("ace04"), "test", tmp_path)
    assert len(split.sentences) == 2  # the sentence without entities is kept
    assert sorted(_mentions(split)[0]) == sorted([
        ("The president of the United States", "person"), ("United States", "person"),
        ("United States", "geographical social political"), ("Iraq", "geographical social political")])
    assert _mentions(split)[1] == []
    # JSON Lines is accepted as well and gives the same sentences
    (folder / "mrc-ner.test").write_text("".join(json.dumps(r) + "\n" for r in MRC), encoding="utf-8")
    again = load_split(get_card("ace04"), "test", tmp_path)
    assert [s.to_dict() for s in again.sentences] == [s.to_dict() for s in split.sentences]


def test_mrc_json_rejects_positions_outside_the_context(tmp_path):
    folder = tmp_path / "ace05"
    folder.mkdir()
    bad = [dict(MRC[0], start_position=[3], end_position=[42])]
    (folder / "mrc-ner.test").write_text("".join(json.dumps(r) + "\n" for r in bad), encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("ace05"), "test", tmp_path)
    assert exc.value.line == 1 and "outside" in exc.value.message and "end inclusive" in exc.value.message


def test_the_export_command_says_why_when_the_hub_cannot_be_reached(tmp_path):
    """`python -m unibench.readers.bigbio_kb` offline (the loader script lives on the Hub): one error paragraph,
    exit 2, no traceback, nothing written."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    (tmp_path / "archives").mkdir()
    p = subprocess.run([sys.executable, "-m", "unibench.readers.bigbio_kb", "--repo", "bigbio/n2c2_2010",
                        "--config", "n2c2_2010_bigbio_kb", "--archives", str(tmp_path / "archives"),
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "\nerror: could not load bigbio/n2c2_2010" in "\n" + p.stderr, p.stderr
    assert "Couldn't reach" in p.stderr and "hint:" in p.stderr
    assert not (tmp_path / "out").exists()
