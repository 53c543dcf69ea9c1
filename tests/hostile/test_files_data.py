"""Hostile raw data files through `data prepare` and `data stats`, for each reader format.

Each row below gets a tiny VALID data folder written here (so the suite needs no staged data),
then one file of it is turned into each hostile class. Every class must be refused with exit 2,
one paragraph naming the file, no traceback, no prepared output and no change to the data.
A UTF-8 BOM is the one class that must be accepted, with exactly the sentences of the file
without it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile import files_kit as kit
from unibench import safe_read


def _bigbio_doc(text: str, ents: list[tuple[str, int, int]]) -> dict:
    return {"id": "d", "document_id": "d",
            "passages": [{"id": "p", "type": "text", "text": [text], "offsets": [[0, len(text)]]}],
            "entities": [{"id": str(i), "type": t, "text": [text[s:e]], "offsets": [[s, e]], "normalized": []}
                         for i, (t, s, e) in enumerate(ents)],
            "events": [], "coreferences": [], "relations": [], "note": "SLOT"}


@dataclass
class Fixture:
    target: str  # the file (relative to the row folder) that each case damages
    files: dict[str, str]  # the valid row folder
    is_json: bool = False
    wrong_type: tuple[str, str] | None = None  # (old, new) text replacement giving a field the wrong JSON type


FIXTURES: dict[str, Fixture] = {
    # conll: tab-separated token/tag columns
    "anatem": Fixture("test.tsv", {"test.tsv": "The\tO\nCafe\tO\nliver\tB-Anatomy\n.\tO\n\nA\tO\ncell\tB-Anatomy\n"}),
    # token_csv, FiNER-ORD layout: integer labels
    "finer_ord": Fixture("test.csv", {"test.csv": "gold_label,gold_token,doc_idx,sent_idx\n1,John,0,0\n0,Cafe,0,0\n"
                                                  "5,Google,0,1\n"}),
    # genia_jsonl: one sentence per line, token offsets
    "genia": Fixture("test.jsonlines", {"test.jsonlines": json.dumps(
        {"tokens": ["Cafe", "IL-2", "gene"], "note": "SLOT",
         "entity_mentions": [{"start": 1, "end": 3, "entity_type": "DNA", "text": "IL-2 gene"}]}) + "\n"},
        is_json=True, wrong_type=('"entity_mentions": [', '"entity_mentions": 5, "x": [')),
    # mrc_json: a JSON list of (sentence, type) records
    "ace04": Fixture("mrc-ner.test", {"mrc-ner.test": json.dumps(
        [{"context": "John met Cafe Mary", "entity_label": "PER", "qas_id": "0.1", "start_position": [0, 3],
          "end_position": [0, 3], "note": "SLOT"}])},
        is_json=True, wrong_type=('"start_position": [0, 3]', '"start_position": 5')),
    # ie_instructions: a JSON list of {sentence, entities[{name, type, pos}]}
    "mit_movie": Fixture("test.json", {"test.json": json.dumps(
        [{"sentence": "Tom Hanks stars Cafe", "entities": [{"name": "Tom Hanks", "type": "actor", "pos": [0, 9]}],
          "note": "SLOT"}])},
        is_json=True, wrong_type=('"entities": [', '"entities": 5, "x": [')),
    # dygie_jsonl: documents with end-inclusive token offsets
    "scierc": Fixture("test.json", {"test.json": json.dumps(
        {"doc_key": "d1", "sentences": [["We", "use", "CNN", "Cafe", "."]], "ner": [[[2, 2, "Method"]]],
         "note": "SLOT"}) + "\n"},
        is_json=True, wrong_type=('"ner": [[[2, 2, "Method"]]]', '"ner": 5')),
    # scirex_jsonl: papers with words, sentence bounds and mentions
    "scirex": Fixture("test.jsonl", {"test.jsonl": json.dumps(
        {"doc_id": "d", "words": ["We", "use", "CNN", "Cafe", "."], "sentences": [[0, 5]],
         "ner": [[2, 3, "Method"]], "note": "SLOT"}) + "\n"},
        is_json=True, wrong_type=('"ner": [[2, 3, "Method"]]', '"ner": 5')),
    # pubtator: title/abstract lines and TAB-separated character-offset mentions
    "biored": Fixture("Test.PubTator", {"Test.PubTator": "1|t|BRCA1 gene Cafe.\n1|a|It causes cancer.\n"
                                                         "1\t0\t5\tBRCA1\tGeneOrGeneProduct\t672\n\n"}),
    # bigbio_kb: harmonised documents, character offsets
    "i2b2_2010": Fixture("test.jsonl", {"test.jsonl": json.dumps(
        _bigbio_doc("chest pain noted Cafe", [("problem", 0, 10)])) + "\n"},
        is_json=True, wrong_type=('"entities": [', '"entities": 5, "x": [')),
    # tasteset_csv: recipes with a JSON list of character-offset entities in a CSV cell (a seeded split by
    # recipe, so there are ten of them; the marker recipe is read whatever split it lands in)
    "tasteset": Fixture("TASTEset.csv", {"TASTEset.csv": "ingredients,ingredients_entities\n" + "".join(
        f'"{k} cups flour{" Cafe" if k == 1 else ""}","[{{""start"": 0, ""end"": {len(str(k))}, '
        f'""type"": ""QUANTITY"", ""entity"": ""{k}""}}, {{""start"": {len(str(k)) + 6}, ""end"": {len(str(k)) + 11}, '
        f'""type"": ""FOOD"", ""entity"": ""flour""}}]"\n' for k in range(1, 11))}),
    # i2b2_xml: a split folder of standoff XML files (TEXT + TAGS with character offsets)
    "i2b2_2012": Fixture("test/1.xml", {"test/1.xml": (
        "<?xml version='1.0' encoding='UTF-8'?>\n<ClinicalNarrativeTemporalAnnotation>\n"
        "<TEXT><![CDATA[\nThe patient had fever Cafe .\n]]></TEXT>\n<TAGS>\n"
        '<EVENT id="E0" start="17" end="22" text="fever" type="PROBLEM"/>\n'
        "</TAGS>\n</ClinicalNarrativeTemporalAnnotation>\n")}),
    # brat: a split folder of .txt + .ann standoff pairs (WLP skips the title line)
    "wlp": Fixture("test/protocol_1.txt", {"test/protocol_1.txt": "Protocol title\nAdd water Cafe.\n",
                                           "test/protocol_1.ann": "T1\tReagent 19 24\twater\n"}),
}

ROWS = sorted(FIXTURES)


def _cases(row: str) -> list[str]:
    fx = FIXTURES[row]
    cases = list(kit.BYTE_CASES) + list(kit.TOKEN_CASES) + list(kit.FS_CASES) + ["oversize"]
    if row == "finer_ord":  # its card allows C1 controls: the release has one (cp1252 decoded as Latin-1)
        cases.remove("c1_in_token")
    if row == "i2b2_2012":  # XML declares its own encoding: UTF-16 with a BOM is valid XML
        cases.remove("utf16")
    if fx.is_json:
        cases += list(kit.JSON_CASES) + ["wrong_type", "nul_escaped_in_json"]
    return cases


CASES = [(row, case) for row in ROWS for case in _cases(row)]


def _write_row(tmp_path: Path, row: str) -> tuple[Path, Path, Path]:
    data, cache = tmp_path / "data", tmp_path / "out" / "cache"
    for rel, text in FIXTURES[row].files.items():
        p = data / row / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return data, cache, data / row / FIXTURES[row].target


def _damage(target: Path, row: str, case: str, monkeypatch) -> list[str]:
    """Apply `case`; returns the names the error must mention."""
    names = [target.name]
    if case == "oversize":
        monkeypatch.setitem(safe_read.CAPS, "data", 16)
    elif case == "wrong_type":
        old, new = FIXTURES[row].wrong_type
        text = target.read_text(encoding="utf-8")
        assert old in text
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    elif case == "nul_escaped_in_json":  # valid JSON whose string holds a NUL: caught at the token
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace(kit.MARKER, "Ca\\u0000fe", 1), encoding="utf-8")
    else:
        kit.apply(target, case)
    if row == "wlp" and case == "empty":  # the .ann offsets then fall outside the empty text
        names = ["protocol_1.ann"]
    if row == "i2b2_2012" and case == "folder":  # a folder in a split folder is walked, not read: nothing left
        names = ["i2b2_2012/test", "no sentences"]
    return names


def _version(row: str) -> list[str]:
    """TASTEset's `paper` version takes exact split sizes (556/69/71 recipes) that a small fixture cannot fill."""
    return ["--version", "corrected"] if row == "tasteset" else []


def _prepared_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.jsonl")) if cache.exists() else []


@pytest.mark.parametrize("row", ROWS)
def test_the_valid_fixture_prepares(tmp_path, capsys, row):
    data, cache, _ = _write_row(tmp_path, row)
    rc, out, err = kit.run(["data", "prepare", row, *_version(row), "--data-dir", data, "--cache-dir", cache, "--json"], capsys)
    assert rc == 0, out + err
    assert json.loads(out)[0]["splits"]["test"]["n_sentences"] >= 1


@pytest.mark.parametrize("row,case", CASES)
def test_prepare_refuses(tmp_path, capsys, monkeypatch, row, case):
    data, cache, target = _write_row(tmp_path, row)
    names = _damage(target, row, case, monkeypatch)
    before = kit.snapshot(data)
    rc, out, err = kit.run(["data", "prepare", row, *_version(row), "--data-dir", data, "--cache-dir", cache], capsys)
    kit.assert_refused(rc, out, err, names)
    assert _prepared_files(cache) == []  # no partial output
    assert kit.snapshot(data) == before  # the data folder is only read


@pytest.mark.parametrize("row,case", [(r, c) for r, c in CASES if c in ("latin1", "devzero_symlink", "empty")])
def test_stats_refuses(tmp_path, capsys, monkeypatch, row, case):
    data, cache, target = _write_row(tmp_path, row)
    names = _damage(target, row, case, monkeypatch)
    rc, out, err = kit.run(["data", "stats", row, "--data-dir", data, "--cache-dir", cache], capsys)
    kit.assert_refused(rc, out, err, names)
    assert _prepared_files(cache) == []


@pytest.mark.parametrize("row", ROWS)
def test_a_utf8_bom_is_stripped_the_same_way_for_every_format(tmp_path, capsys, row):
    data, cache, target = _write_row(tmp_path, row)
    assert kit.run(["data", "prepare", row, *_version(row), "--data-dir", data, "--cache-dir", cache], capsys)[0] == 0
    plain = [p.read_bytes() for p in _prepared_files(cache)]
    target.write_bytes(b"\xef\xbb\xbf" + target.read_bytes())
    cache2 = tmp_path / "out" / "cache-bom"
    rc, out, err = kit.run(["data", "prepare", row, *_version(row), "--data-dir", data, "--cache-dir", cache2], capsys)
    assert rc == 0, out + err
    assert [p.read_bytes() for p in _prepared_files(cache2)] == plain


@pytest.mark.parametrize("label", ["-1", "7", "x"])
def test_finer_ord_label_index_out_of_range(tmp_path, capsys, label):
    """`-1` used to become the last label (I-ORG) through Python's negative indexing."""
    data, cache, target = _write_row(tmp_path, "finer_ord")
    target.write_text(target.read_text(encoding="utf-8").replace("1,John", f"{label},John"), encoding="utf-8")
    rc, out, err = kit.run(["data", "prepare", "finer_ord", "--data-dir", data, "--cache-dir", cache], capsys)
    kit.assert_refused(rc, out, err, ["test.csv:2", "0..6"])
    assert _prepared_files(cache) == []


def test_unknown_raw_tag_is_reported_at_the_data_line(tmp_path, capsys):
    data, cache, target = _write_row(tmp_path, "anatem")
    target.write_text(target.read_text(encoding="utf-8").replace("cell\tB-Anatomy", "cell\tB-Bogus"),
                      encoding="utf-8")
    rc, out, err = kit.run(["data", "prepare", "anatem", "--data-dir", data, "--cache-dir", cache], capsys)
    kit.assert_refused(rc, out, err, ["test.tsv:7", "'Bogus'", "anatem.yaml"])


def test_a_folder_where_the_split_folder_is_expected_holds_no_sentences(tmp_path, capsys):
    """brat reads a split FOLDER: one with no .ann files is an empty split, not 0 sentences prepared."""
    data, cache, _ = _write_row(tmp_path, "wlp")
    for p in (data / "wlp" / "test").iterdir():
        p.unlink()
    rc, out, err = kit.run(["data", "prepare", "wlp", "--data-dir", data, "--cache-dir", cache], capsys)
    kit.assert_refused(rc, out, err, ["no sentences", "test"])


def test_a_split_policy_that_leaves_a_split_empty_is_an_error_and_writes_nothing(tmp_path, capsys):
    """Two recipes cannot fill train, dev and test: no split is prepared (not even the train split)."""
    data, cache, target = _write_row(tmp_path, "tasteset")
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(lines[:3]), encoding="utf-8")
    rc, out, err = kit.run(["data", "prepare", "tasteset", *_version("tasteset"), "--data-dir", data, "--cache-dir", cache], capsys)
    kit.assert_refused(rc, out, err, ["TASTEset.csv", "split_policy"])
    assert _prepared_files(cache) == [] and not (cache / "prepared" / "tasteset").exists()


@pytest.mark.parametrize("tags,ok", [([0, 3, 4], True), ([0, -1, 0], False)])
def test_hub_rows_refuse_label_ids_out_of_range(monkeypatch, tags, ok):
    """A Hub row's integer tags index the ClassLabel names: -1 must not silently be the last name."""
    datasets = pytest.importorskip("datasets")
    from unibench.cards import get_card
    from unibench.errors import DataFormatError
    from unibench.readers import hf

    names = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
    features = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names))})
    ds = datasets.Dataset.from_dict({"tokens": [["John", "Acme", "Corp"]], "ner_tags": [tags]}, features=features)
    monkeypatch.setattr(hf, "load_hf_split", lambda card, split, data_dir=None: (ds, {}))
    card = get_card("wikiann_en")
    if ok:
        assert [sp.type for sp in hf.read_hf(card, "test")[0].spans] == ["ORG"]
    else:
        with pytest.raises(DataFormatError, match="out of range"):
            hf.read_hf(card, "test")
