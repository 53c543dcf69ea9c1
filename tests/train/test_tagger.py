"""`unibench train-tagger`: BIO on the first sub-token, and a real fine-tune that beats the gazetteer."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA, needs_shared
from unibench.schema import make_sentence
from unibench.train.tagger import bio_labels, encode_sentences, word_tags

torch = pytest.importorskip("torch")


def test_bio_tags_longer_spans_win_and_overlaps_are_counted():
    s = make_sentence("s", ["New", "York", "City", "is", "big"], [(0, 3, "location"), (0, 2, "city"), (4, 5, "x")])
    tags, left_out = word_tags(s)
    assert tags == ["B-location", "I-location", "I-location", "O", "B-x"] and left_out == 1
    assert bio_labels(["person", "program language"]) == ["O", "B-person", "I-person", "B-program language",
                                                           "I-program language"]


def test_labels_sit_on_the_first_sub_token_only(rigged_bert_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(rigged_bert_dir)
    labels = bio_labels(["person", "location"])
    l2i = {lab: i for i, lab in enumerate(labels)}
    s = make_sentence("s", ["Barack", "Obama", "visited", "Vancouver"], [(0, 2, "person"), (3, 4, "location")])
    (ex,), stats = encode_sentences(tok, [s], l2i, 64)
    enc = tok(list(s.tokens), is_split_into_words=True)
    words = enc.word_ids()
    assert len(ex["labels"]) == len(words) and any(
        w is not None and words[k - 1] == w for k, w in enumerate(words))  # some word really is split
    want = ["B-person", "I-person", "O", "B-location"]
    for k, w in enumerate(words):
        first = w is not None and (k == 0 or words[k - 1] != w)
        assert ex["labels"][k] == (l2i[want[w]] if first else -100)
    assert ex["n"] == 4 and stats["words_cut"] == 0
    (cut,), stats = encode_sentences(tok, [s], l2i, 4)  # [CLS] + 2 pieces + [SEP]
    assert stats["words_cut"] > 0 and len(cut["input_ids"]) == 4


ROW = "conllpp"


@pytest.mark.slow
@needs_shared(ROW)
def test_minilm_tagger_beats_the_gazetteer(tmp_path, minilm_dir, cli):
    """A brief fine-tune (500 seeded train sentences, 2 epochs; the gazetteer gets the whole train split) is
    compared with `unibench run --model gazetteer` on the first 300 test sentences (--limit 300): CoNLL++
    because its names repeat across splits, which makes a dictionary a fair, non-trivial baseline (~50 F1)."""
    out = tmp_path / "tagger"
    common = ["--data-dir", SHARED_DATA, "--cache-dir", tmp_path / "cache"]
    rc, stdout, err = cli("train-tagger", "--dataset", ROW, "--base", minilm_dir, "--out", out, "--max-train", "500",
                          "--epochs", "2", "--lr", "3e-4", "--batch-size", "16", "--max-length", "64", "--json",
                          *common)
    assert rc == 0, err
    summary = json.loads(stdout)
    assert summary["sizes"]["sentences"] == 500 and summary["loss"]["last"] < summary["loss"]["first"]
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architectures"] == ["BertForTokenClassification"]
    assert sorted(cfg["id2label"].values()) == sorted(["O", "B-person", "I-person", "B-location", "I-location",
                                                       "B-organization", "I-organization"])
    meta = json.loads((out / "unibench_model.json").read_text())
    assert meta["adapter"] == "bert" and meta["training_datasets"] == [ROW] and meta["status"] == "complete"
    scores = {}
    for model in (f"hf:{out}", "gazetteer"):
        rc, stdout, err = cli("run", "--model", model, "--datasets", ROW, "--limit", "300", "--output-dir",
                              tmp_path / "results", "--json", *common)
        assert rc == 0, err
        res = json.loads(stdout)
        scores[model] = res["datasets"][ROW]["f1"]
        if model != "gazetteer":
            assert res["adapter"] == "bert"  # from unibench_model.json
    print(f"F1 tagger {scores[f'hf:{out}']:.3f} vs gazetteer {scores['gazetteer']:.3f}")
    assert scores["gazetteer"] > 0.3  # a real baseline, not a strawman
    assert scores[f"hf:{out}"] > scores["gazetteer"] + 0.03, scores
