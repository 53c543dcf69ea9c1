"""i2b2_xml, shareclef_pipe, scirex_jsonl and ebmnlp readers, run through their cards on synthetic files.

Every file is written in tmp_path in the layout the card's `access.where` documents; the text is
invented (never clinical data).
"""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from unibench.cards import get_card
from unibench.errors import DataFormatError
from unibench.loaders import load_split

TEXT_2014 = "\nRecord date: 2093-01-13\nJack Smith, 62 y/o, seen by Dr. Ann Lee at Mercy Hospital.\n"


def _xml(text: str, tags: list[str]) -> bytes:
    return (f"<?xml version='1.0' encoding='UTF-8'?>\n<deIdi2b2>\n<TEXT><![CDATA[{text}]]></TEXT>\n<TAGS>\n"
            + "\n".join(tags) + "\n</TAGS>\n</deIdi2b2>\n").encode("utf-8")


def _tag(el: str, i: int, text: str, sub: str, typ_attr: str, typ: str, extra: str = "") -> str:
    s = text.index(sub)
    return f'<{el} id="P{i}" start="{s}" end="{s + len(sub)}" text="{sub}" {typ_attr}="{typ}" {extra}/>'


def _mentions(split):
    return [[(sent.mention(sp), sp.type) for sp in sent.spans] for sent in split.sentences]


def test_i2b2_2014_reads_the_archives_as_downloaded(tmp_path):
    folder = tmp_path / "i2b2_2014"
    folder.mkdir()
    tags = [_tag("DATE", 0, TEXT_2014, "2093-01-13", "TYPE", "DATE", 'comment=""'),
            _tag("NAME", 1, TEXT_2014, "Jack Smith", "TYPE", "PATIENT", 'comment=""'),
            _tag("AGE", 2, TEXT_2014, "62", "TYPE", "AGE", 'comment=""'),
            _tag("NAME", 3, TEXT_2014, "Ann Lee", "TYPE", "DOCTOR", 'comment=""'),
            _tag("LOCATION", 4, TEXT_2014, "Mercy Hospital", "TYPE", "HOSPITAL", 'comment=""'),
            _tag("LOCATION", 5, TEXT_2014, "Record", "TYPE", "LOCATION-OTHER", 'comment=""')]
    data = _xml(TEXT_2014, tags)
    with tarfile.open(folder / "testing-PHI-Gold-fixed.tar.gz", "w:gz") as tf:
        info = tarfile.TarInfo("testing-PHI-Gold-fixed/110-01.xml")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    split = load_split(get_card("i2b2_2014"), "test", tmp_path)
    assert [s.text for s in split.sentences] == [
        "Record date : 2093 - 01 - 13", "Jack Smith , 62 y / o , seen by Dr . Ann Lee at Mercy Hospital ."]
    assert _mentions(split) == [[("2093 - 01 - 13", "date")],
                                [("Jack Smith", "patient"), ("62", "age"), ("Ann Lee", "doctor"),
                                 ("Mercy Hospital", "hospital")]]
    assert split.dropped_mentions == 1  # LOCATION-OTHER is a dropped type
    assert split.sentences[0].id == "i2b2_2014/test/110-01/0"


def test_i2b2_2012_events_only_and_mismatches_counted(tmp_path):
    text = "\nADMISSION DATE : 01/02/2010\nThe patient had fever and received antibiotics .\n"
    tags = [_tag("EVENT", 0, text, "ADMISSION", "type", "OCCURRENCE", 'modality="FACTUAL" polarity="POS"'),
            _tag("EVENT", 1, text, "fever", "type", "PROBLEM"),
            _tag("EVENT", 2, text, "antibiotics", "type", "TREATMENT"),
            _tag("TIMEX3", 3, text, "01/02/2010", "type", "DATE", 'val="2010-01-02"'),
            '<EVENT id="E9" start="30" end="35" text="nausea" type="PROBLEM"/>',  # wrong offsets
            '<TLINK id="TL0" fromID="E0" toID="E1" type="BEFORE"/>']
    (tmp_path / "i2b2_2012" / "test" / "batch1").mkdir(parents=True)
    (tmp_path / "i2b2_2012" / "test" / "batch1" / "1.xml").write_bytes(_xml(text, tags))
    split = load_split(get_card("i2b2_2012"), "test", tmp_path)
    assert _mentions(split) == [[("ADMISSION", "occurrence")],
                                [("fever", "problem"), ("antibiotics", "treatment")]]
    assert split.repairs == 1 and "nausea" in split.repair_examples[0]


def test_i2b2_xml_malformed_file_names_it(tmp_path):
    (tmp_path / "i2b2_2012" / "train").mkdir(parents=True)
    (tmp_path / "i2b2_2012" / "train" / "bad.xml").write_text("<ROOT><TEXT>x</TEXT>", encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("i2b2_2012"), "train", tmp_path)
    assert exc.value.path.endswith("bad.xml") and "invalid XML" in exc.value.message


REPORT = "HISTORY: The patient has left atrium mildly dilated.\nNo acute distress. Pneumonia resolved.\n"


def test_shareclef_pipe_with_discontiguous_disorder(tmp_path):
    folder = tmp_path / "shareclef" / "test"
    folder.mkdir(parents=True)
    (folder / "00001-000001-DISCHARGE_SUMMARY.txt").write_text(REPORT, encoding="utf-8")
    a, b = REPORT.index("left atrium"), REPORT.index("dilated")
    p = REPORT.index("Pneumonia")
    d = REPORT.index("acute distress")
    lines = [f"00001-000001-DISCHARGE_SUMMARY.txt||Disease_Disorder||C0000001||{a}||{a + 11}||{b}||{b + 7}",
             f"00001-000001-DISCHARGE_SUMMARY.txt||Disease_Disorder||C0032285||{p}||{p + 9}",
             f"00001-000001-DISCHARGE_SUMMARY.txt||Disease_Disorder||CUI-less||{d}||{d + 14}"]
    (folder / "00001-000001-DISCHARGE_SUMMARY.pipe.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    split = load_split(get_card("shareclef"), "test", tmp_path)
    assert [s.text for s in split.sentences] == [
        "HISTORY : The patient has left atrium mildly dilated .", "No acute distress .", "Pneumonia resolved ."]
    assert _mentions(split) == [[("left atrium mildly dilated", "disorder")], [("acute distress", "disorder")],
                                [("Pneumonia", "disorder")]]
    (folder / "00001-000001-DISCHARGE_SUMMARY.pipe.txt").write_text(lines[0] + "||7\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("shareclef"), "test", tmp_path)
    assert exc.value.line == 1 and "fields" in exc.value.message


def test_scirex_sentences_and_spans(tmp_path):
    words = "We propose BERT-X for question answering . It improves F1 on SQuAD .".split()
    doc = {"doc_id": "paper/1", "words": words, "sentences": [[0, 7], [7, 13]],
           "ner": [[2, 3, "Method"], [4, 6, "Task"], [9, 10, "Metric"], [11, 12, "Material"], [5, 9, "Task"]],
           "coref": {}, "n_ary_relations": [], "method_subrelations": {}, "sections": [[0, 13]]}
    (tmp_path / "scirex").mkdir()
    (tmp_path / "scirex" / "test.jsonl").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    split = load_split(get_card("scirex"), "test", tmp_path)
    assert _mentions(split) == [[("BERT-X", "method"), ("question answering", "task")],
                                [("F1", "metric"), ("SQuAD", "material")]]
    assert split.repairs == 1  # the mention crossing the sentence boundary
    assert split.sentences[1].id == "scirex/test/paper_1/1"


def test_ebmnlp_release_layout(tmp_path):
    root = tmp_path / "ebmnlp" / "ebm_nlp_2_00"
    tokens = "Adults with asthma received inhaled steroids . Lung function improved .".split()
    (root / "documents").mkdir(parents=True)
    (root / "documents" / "123.tokens").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    labels = {"participants": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
              "interventions": [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0],
              "outcomes": [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]}
    for element, labs in labels.items():
        d = root / "annotations" / "aggregated" / "starting_spans" / element / "test" / "gold"
        d.mkdir(parents=True)
        (d / "123.AGGREGATED.ann").write_text("\n".join(map(str, labs)) + "\n", encoding="utf-8")
    split = load_split(get_card("ebmnlp"), "test", tmp_path)
    assert [s.text for s in split.sentences] == ["Adults with asthma received inhaled steroids .",
                                                 "Lung function improved ."]
    assert _mentions(split) == [[("Adults with asthma", "participants"), ("inhaled steroids", "interventions")],
                                [("Lung function", "outcomes")]]
