"""Span/offset and document-level readers on tiny files written to tmp_path, through their cards.

Each format is read the way a user's data dir is laid out (the card's `sources.local.files`),
so the tests exercise the card, the loader and the reader together. Bad-input tests check that
the error names the file, the line (or record) and what is wrong.
"""

from __future__ import annotations

import json

import pytest

from unibench.cards import get_card
from unibench.errors import DataFormatError
from unibench.loaders import load_split
from unibench.readers import ReadContext
from unibench.readers import brat, dygie_jsonl, text_split


def _mentions(split):
    return [[(s.mention(sp), sp.type) for sp in s.spans] for s in split.sentences]


# --- text_split ---------------------------------------------------------------------------------

def test_sentence_rules_abbreviations_and_entities():
    text = "We used Stata (e.g. v9) by Dr. Smith et al. in 2006. The result was 3.5 mg. Then J. Doe left."
    ranges = text_split.sentence_ranges(text)
    assert [text[a:b] for a, b in ranges] == [
        "We used Stata (e.g. v9) by Dr. Smith et al. in 2006.", "The result was 3.5 mg.", "Then J. Doe left."]
    # an entity across a would-be break keeps the sentences together
    s = text.index("2006.")
    merged = text_split.sentence_ranges(text, protect=[(s, s + 9)])
    assert [text[a:b] for a, b in merged][0].endswith("The result was 3.5 mg.")


def test_tokenizer_peels_edge_punctuation_and_cuts_at_entities():
    text = "(IL-2), Na(v)1.5 and tachycardia/bradycardia."
    toks = [text[a:b] for a, b in text_split.tokenize(text)]
    assert toks == ["(", "IL-2", ")", ",", "Na(v)1.5", "and", "tachycardia/bradycardia", "."]
    cut = text.index("/")
    toks = [text[a:b] for a, b in text_split.tokenize(text, cuts=[cut, cut + 1])]
    assert toks[-4:] == ["tachycardia", "/", "bradycardia", "."]
    assert [text[a:b] for a, b in text_split.tokenize(text, mode="whitespace")][0] == "(IL-2),"


def test_split_document_places_every_entity_and_is_deterministic():
    text = "Title here\nA protein IL-2binds DNA. Second sentence on p53."
    ents = [(text.index("IL-2"), text.index("IL-2") + 4, "protein"), (text.index("p53"), text.index("p53") + 3, "p")]
    one = text_split.split_document(text, ents, split="lines")
    two = text_split.split_document(text, ents, split="lines")
    assert one == two
    assert [" ".join(p.tokens) for p in one] == ["Title here", "A protein IL-2 binds DNA .", "Second sentence on p53 ."]
    assert [[(" ".join(p.tokens[s:e]), t) for s, e, t in p.spans] for p in one] == [[], [("IL-2", "protein")],
                                                                                   [("p53", "p")]]
    with pytest.raises(ValueError, match="crosses a segment"):
        text_split.split_document(text, [(0, 12, "x")], segments=[(0, 10), (11, len(text))])


# --- IE_INSTRUCTIONS (MIT) ----------------------------------------------------------------------

def _mit(tmp_path, records, raw: str | None = None):
    folder = tmp_path / "mit_restaurant"
    folder.mkdir(exist_ok=True)
    (folder / "test.json").write_text(raw if raw is not None else json.dumps(records, indent=1), encoding="utf-8")
    return folder / "test.json"


def test_ie_instructions_reads_spans(tmp_path):
    _mit(tmp_path, [{"sentence": "a four star place with a bar", "entities": [
        {"name": "four star", "type": "Rating", "pos": [2, 11]}, {"name": "bar", "type": "Amenity", "pos": [25, 28]}]}])
    split = load_split(get_card("mit_restaurant"), "test", tmp_path)
    assert split.sentences[0].text == "a four star place with a bar"
    assert _mentions(split) == [[("four star", "Rating"), ("bar", "Amenity")]]


def test_ie_instructions_truncated_json_names_file_and_line(tmp_path):
    path = _mit(tmp_path, None, raw='[\n {"sentence": "a bar", "entities": [\n  {"name": "bar", "type": "Amenity"')
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("mit_restaurant"), "test", tmp_path)
    assert exc.value.path == str(path) and exc.value.line == 3
    assert "invalid JSON" in str(exc.value)


def test_ie_instructions_offsets_disagreeing_with_text(tmp_path):
    recs = [{"sentence": "any asian cuisine", "entities": []},
            {"sentence": "a cheap bar", "entities": [{"name": "cheap", "type": "Price", "pos": [1, 6]}]}]
    path = _mit(tmp_path, recs)
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("mit_restaurant"), "test", tmp_path)
    assert exc.value.path == str(path) and exc.value.line == 6  # where record 1 starts in the indented file
    assert "record 1" in str(exc.value) and "'cheap'" in str(exc.value)
    _mit(tmp_path, [{"sentence": "a bar", "entities": [{"name": "bar", "type": "Amenity", "pos": [2, 9]}]}])
    with pytest.raises(DataFormatError, match="outside the 5-character sentence"):
        load_split(get_card("mit_restaurant"), "test", tmp_path)


# --- GENIA (nested, token offsets) --------------------------------------------------------------

def test_genia_keeps_nested_spans_and_checks_text(tmp_path):
    (tmp_path / "genia").mkdir()
    rec = {"tokens": ["IL-2", "gene", "expression"], "entity_mentions": [
        {"start": 0, "end": 2, "entity_type": "DNA", "text": "IL-2 gene"},
        {"start": 0, "end": 1, "entity_type": "protein", "text": "IL-2"}]}
    bad = dict(rec, entity_mentions=[{"start": 0, "end": 2, "entity_type": "DNA", "text": "IL-2 genes"}])
    path = tmp_path / "genia" / "test.jsonlines"
    path.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    split = load_split(get_card("genia"), "test", tmp_path)
    assert _mentions(split) == [[("IL-2", "protein"), ("IL-2 gene", "DNA")]]
    path.write_text(json.dumps(rec) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("genia"), "test", tmp_path)
    assert exc.value.path == str(path) and exc.value.line == 2 and "'IL-2 genes'" in str(exc.value)


# --- PubTator (BioRED) --------------------------------------------------------------------------

_TITLE = "SCN5A mutation causes tachycardia/bradycardia"
_ABSTRACT = "We studied SCN5A. The patient (age 3) had bradycardia."


def _pt(sub: str, typ: str, in_abstract: bool = False, shift: int = 0) -> str:
    base = len(_TITLE) + 1 if in_abstract else 0
    s = base + (_ABSTRACT if in_abstract else _TITLE).index(sub) + shift
    return f"123\t{s}\t{s + len(sub)}\t{sub}\t{typ}\tID\n"


PUBTATOR = (f"123|t|{_TITLE}\n123|a|{_ABSTRACT}\n" + _pt("SCN5A", "GeneOrGeneProduct")
            + _pt("tachycardia", "DiseaseOrPhenotypicFeature") + _pt("bradycardia", "DiseaseOrPhenotypicFeature")
            + _pt("SCN5A", "GeneOrGeneProduct", True) + "123\tAssociation\tD013610\t6331\tNovel\n\n")


def test_pubtator_documents_become_sentences(tmp_path):
    (tmp_path / "biored").mkdir()
    for name in ("Train", "Dev", "Test"):
        (tmp_path / "biored" / f"{name}.PubTator").write_text(PUBTATOR, encoding="utf-8")
    split = load_split(get_card("biored"), "test", tmp_path)
    assert [s.text for s in split.sentences] == ["SCN5A mutation causes tachycardia / bradycardia",
                                                 "We studied SCN5A .", "The patient ( age 3 ) had bradycardia ."]
    assert _mentions(split)[0] == [("SCN5A", "gene or gene product"), ("tachycardia", "disease or phenotypic feature"),
                                   ("bradycardia", "disease or phenotypic feature")]
    assert [s.id for s in split.sentences] == ["biored/test/123/0", "biored/test/123/1", "biored/test/123/2"]


def test_pubtator_offset_mismatch_names_line(tmp_path):
    (tmp_path / "biored").mkdir()
    path = tmp_path / "biored" / "Test.PubTator"
    good = _pt("SCN5A", "GeneOrGeneProduct", True)
    path.write_text(PUBTATOR.replace(good, _pt("SCN5A", "GeneOrGeneProduct", True, shift=-1)), encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("biored"), "test", tmp_path)
    assert exc.value.path == str(path) and exc.value.line == 6 and "'SCN5A'" in str(exc.value)


# --- DyGIE (SciERC) -----------------------------------------------------------------------------

def _dygie(tmp_path, ner):
    doc = {"doc_key": "X1", "sentences": [["We", "use", "CRF", "models", "."], ["It", "works", "."]], "ner": ner}
    path = tmp_path / "scierc" / "test.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n" + json.dumps(doc) + "\n", encoding="utf-8")
    return path


def test_dygie_end_inclusive_document_unit(tmp_path):
    _dygie(tmp_path, [[[2, 3, "Method"], [0, 0, "Generic"]], [[5, 5, "Generic"]]])
    split = load_split(get_card("scierc"), "test", tmp_path)
    assert [s.text for s in split.sentences] == ["We use CRF models . It works ."]
    assert _mentions(split) == [[("CRF models", "method")]] and split.dropped_mentions == 2
    ctx = ReadContext("scierc", "test", tmp_path / "scierc", [tmp_path / "scierc" / "test.json"],
                      {"unit": "sentence"}, "spans")
    sents = list(dygie_jsonl.read(ctx))
    assert [(s.id, [s.mention(sp) for sp in s.spans]) for s in sents] == [("scierc/test/X1/0", ["We", "CRF models"]),
                                                                          ("scierc/test/X1/1", ["It"])]


def test_dygie_mention_outside_its_sentence(tmp_path):
    path = _dygie(tmp_path, [[[4, 5, "Task"]], []])  # crosses into the second sentence
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("scierc"), "test", tmp_path)
    assert exc.value.path == str(path) and exc.value.line == 2 and "outside its tokens" in str(exc.value)


# --- brat (WLP, SoMeSci) ------------------------------------------------------------------------

WLP_TXT = "Make buffer\nAdd 5 ml water to the tube.\nAllow the gel to set for 10 min.\n"


def _wlp(tmp_path, ann: str):
    folder = tmp_path / "wlp" / "test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "protocol_1.txt").write_text(WLP_TXT, encoding="utf-8")
    (folder / "protocol_1.ann").write_text(ann, encoding="utf-8")
    return folder / "protocol_1.ann"


def _t(i, typ, sub, text=WLP_TXT, start=0):
    s = text.index(sub, start)
    return f"T{i}\t{typ} {s} {s + len(sub)}\t{sub}\n"


def test_brat_wlp_lines_types_and_discontiguous_policy(tmp_path):
    s_allow, s_set = WLP_TXT.index("Allow"), WLP_TXT.index("to set")
    ann = (_t(1, "Action", "Add") + _t(2, "Amount", "5 ml") + _t(3, "Reagent", "water") + "E1\tAction:T1 Acts-on:T3\n"
           + f"T4\tAction {s_allow} {s_allow + 5};{s_set} {s_set + 6}\tAllow to set\n"
           + _t(5, "Time", "10 min") + _t(6, "Mention", "gel") + "R1\tMeasure Arg1:T1 Arg2:T2\n")
    _wlp(tmp_path, ann)
    split = load_split(get_card("wlp"), "test", tmp_path)
    assert [s.text for s in split.sentences] == ["Add 5 ml water to the tube .", "Allow the gel to set for 10 min ."]
    assert _mentions(split) == [[("Add", "action"), ("5 ml", "amount"), ("water", "reagent")], [("10 min", "time")]]
    assert split.repairs == 1 and "discontiguous" in split.repair_examples[0]  # counted, not silent
    assert split.dropped_mentions == 1  # Mention is a dropped type


def test_brat_bad_offset_names_ann_file_and_line(tmp_path):
    path = _wlp(tmp_path, _t(1, "Action", "Add") + "T2\tAmount 16 x19\t5 ml\n")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("wlp"), "test", tmp_path)
    assert exc.value.path == str(path) and exc.value.line == 2 and "bad offsets" in str(exc.value)
    path = _wlp(tmp_path, _t(1, "Action", "Add") + "T2\tAmount 17 21\t5 ml\n")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("wlp"), "test", tmp_path)
    assert exc.value.line == 2 and "'5 ml'" in str(exc.value)
    _wlp(tmp_path, "T1\tAction 70 90\tAdd\n")
    with pytest.raises(DataFormatError, match="outside the"):
        load_split(get_card("wlp"), "test", tmp_path)
    _wlp(tmp_path, _t(1, "Reagent", "buffer"))  # the title line is left out: an entity there is an error
    with pytest.raises(DataFormatError, match="first line"):
        load_split(get_card("wlp"), "test", tmp_path)


def test_brat_discontiguous_error_by_default_and_split_file(tmp_path):
    folder = tmp_path / "somesci"
    for sub in ("PLoS_methods", "Pubmed_fulltext", "Creation_sentences"):
        (folder / sub).mkdir(parents=True)
    text = "We used SPSS 22 (IBM). It ran on Linux.\nR was used too."
    (folder / "PLoS_methods" / "PMC1.txt").write_text(text, encoding="utf-8")
    (folder / "PLoS_methods" / "PMC1.ann").write_text(
        _t(1, "Application_Usage", "SPSS", text) + _t(2, "Version", "22", text) + _t(3, "Developer", "IBM", text)
        + _t(4, "OperatingSystem_Mention", "Linux", text), encoding="utf-8")
    (folder / "PLoS_methods" / "PMC2.txt").write_text("Not in the test split.", encoding="utf-8")
    (folder / "PLoS_methods" / "PMC2.ann").write_text("", encoding="utf-8")
    (folder / "train_devel_test_split.json").write_text(json.dumps({"train": ["PMC2"], "devel": [], "test": ["PMC1"]}))
    split = load_split(get_card("somesci"), "test", tmp_path)
    assert [s.text for s in split.sentences] == ["We used SPSS 22 ( IBM ) .", "It ran on Linux .", "R was used too ."]
    assert _mentions(split)[:2] == [[("SPSS", "application"), ("22", "version"), ("IBM", "developer")],
                                    [("Linux", "operating system")]]
    assert split.sentences[0].id == "somesci/test/PLoS_methods_PMC1/0"
    ann = folder / "PLoS_methods" / "PMC1.ann"
    ann.write_text("T1\tApplication_Usage 8 12;13 15\tSPSS 22\n", encoding="utf-8")
    ctx = ReadContext("somesci", "test", folder, [folder / "PLoS_methods"], {}, "spans")
    with pytest.raises(DataFormatError) as exc:
        list(brat.read(ctx))
    assert exc.value.path == str(ann) and exc.value.line == 1 and "discontiguous" in str(exc.value)


# --- SOFC-Exp -----------------------------------------------------------------------------------

def test_sofc_experiment_sentences_and_release_tokens(tmp_path):
    folder = tmp_path / "sofc"
    for sub in ("texts", "annotations/sentences", "annotations/entity_types_and_slots"):
        (folder / sub).mkdir(parents=True)
    (folder / "SOFC-Exp-Metadata.csv").write_text("name\tset\nPMC9\ttest\nPMC8\ttrain\n", encoding="utf-8")
    text = "Intro text here. The YSZ cell was tested at 800 °C."
    (folder / "texts" / "PMC9.txt").write_text(text, encoding="utf-8")
    (folder / "annotations" / "sentences" / "PMC9.csv").write_text("1\t0\t0\t16\n2\t1\t17\t51\n")
    rows = [("The", "O"), ("YSZ", "B-MATERIAL"), ("cell", "B-DEVICE"), ("was", "O"), ("tested", "B-EXPERIMENT"),
            ("at", "O"), ("800", "B-VALUE"), ("°C", "I-VALUE"), (".", "O")]
    sent, pos, lines = text[17:51], 0, []
    for k, (tok, tag) in enumerate(rows, 1):
        b = sent.index(tok, pos)
        pos = b + len(tok)
        lines.append(f"2\t{k}\t{b}\t{pos}\t{tag}\tO")
    tok_file = folder / "annotations" / "entity_types_and_slots" / "PMC9.csv"
    tok_file.write_text("\n".join(lines) + "\n")
    split = load_split(get_card("sofc"), "test", tmp_path)
    assert [s.text for s in split.sentences] == ["The YSZ cell was tested at 800 °C ."]
    assert _mentions(split) == [[("YSZ", "material"), ("cell", "device"), ("800 °C", "value")]]
    assert split.dropped_mentions == 1  # EXPERIMENT
    tok_file.write_text("\n".join(lines[:2] + ["2\t3\t9\t99\tB-DEVICE\tO"]) + "\n")
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("sofc"), "test", tmp_path)
    assert exc.value.path == str(tok_file) and exc.value.line == 3


# --- TASTEset -----------------------------------------------------------------------------------

def _taste(tmp_path, recipes):
    import csv
    folder = tmp_path / "tasteset"
    folder.mkdir(exist_ok=True)
    with open(folder / "TASTEset.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ingredients", "ingredients_entities"])
        for text, ents in recipes:
            w.writerow([text, json.dumps(ents)])
    return folder / "TASTEset.csv"


def _ent(text, sub, typ, surface=None):
    s = text.index(sub)
    return {"start": s, "end": s + len(sub), "type": typ, "entity": surface or sub}


def test_tasteset_recipes_split_by_document_and_quote_noise_counted(tmp_path):
    recipes = []
    for i in range(10):
        text = f"{i + 1} cups flour\n1/2\" thick slices of bread\n"
        recipes.append((text, [_ent(text, f"{i + 1}", "QUANTITY"), _ent(text, "cups", "UNIT"),
                               _ent(text, "flour", "FOOD"),
                               _ent(text, "1/2\" thick", "PHYSICAL_QUALITY", "1/2' thick")]))
    _taste(tmp_path, recipes)
    card = get_card("tasteset")
    splits = {s: load_split(card, s, tmp_path, "corrected") for s in ("train", "dev", "test")}  # paper: 696 recipes
    assert [len(splits[s].sentences) for s in ("train", "dev", "test")] == [8, 1, 1]
    ids = [x.id for s in splits.values() for x in s.sentences]
    assert sorted(ids) == sorted(f"tasteset/all/{i}/0" for i in range(10))
    first = next(x for x in splits["train"].sentences + splits["dev"].sentences + splits["test"].sentences
                 if x.id == "tasteset/all/0/0")
    assert first.text == "1 cups flour 1/2 \" thick slices of bread"
    assert [(first.mention(sp), sp.type) for sp in first.spans][-1] == ("1/2 \" thick", "physical quality")
    assert splits["test"].repairs == 10  # one quote variant per recipe, counted (the whole file is read)


def test_tasteset_offset_mismatch_names_csv_line(tmp_path):
    text = "2 eggs\n1 cup milk\n"
    path = _taste(tmp_path, [(text, [_ent(text, "eggs", "FOOD")]),
                             (text, [{"start": 8, "end": 11, "type": "UNIT", "entity": "cup"}])])
    with pytest.raises(DataFormatError) as exc:
        load_split(get_card("tasteset"), "test", tmp_path)
    assert exc.value.path == str(path) and exc.value.line == 5  # recipe 1 starts on CSV line 5
    assert "recipe 1" in str(exc.value)
