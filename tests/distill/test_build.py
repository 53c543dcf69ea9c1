"""`distill build`: the conversation layout, negatives, determinism, supervised mixing, Pile-NER input."""

import json
from pathlib import Path

import pytest

from unibench.adapters import get_adapter
from unibench.adapters.render import query_request
from unibench.cards import get_card
from unibench.cli.main import main
from unibench.distill.annotations import Annotation, write_annotations
from unibench.distill.build import BuildConfig, build, manifest_path
from unibench.distill.conversations import read_conversations
from unibench.errors import DataFormatError, UnibenchError
from unibench.io import sha256_file
from unibench.queries import Query
from unibench.resources import package_data

SYSTEM = "A virtual assistant answers questions from a user based on the provided text."
ANNOTATIONS = [
    Annotation("p1", "Paris is where Barack Obama met Angela Merkel and Barack Obama left .",
               [("Angela Merkel", "person"), ("Barack Obama", "Person"), ("Paris", "location"),
                ("Barack Obama", "person")]),
    Annotation("p2", "BRCA1 mutations raise the risk of breast cancer .",
               [("breast cancer", "disease"), ("BRCA1", "gene")]),
    Annotation("p3", "Nothing to see here .", []),
    Annotation("p4", "Google was founded in California by Larry Page .",
               [("Google", "organization"), ("California", "location"), ("Larry Page", "person")]),
]


def _write(tmp_path: Path, anns=ANNOTATIONS) -> Path:
    path = tmp_path / "ann.jsonl"
    write_annotations(path, anns)
    return path


def _pairs(rec):
    conv = rec["conversations"]
    return [(conv[k]["value"], json.loads(conv[k + 1]["value"])) for k in range(2, len(conv), 2)]


def test_layout_positives_and_negatives(tmp_path):
    out = tmp_path / "data.json"
    m = build(BuildConfig(out=out, annotations=[_write(tmp_path)], seed=1))
    recs = read_conversations(out)  # the output passes the layout validator
    assert [r["id"] for r in recs] == ["p1", "p2", "p4"]  # p3 (no entities) left out
    assert m["annotation_records"]["skipped_no_entities"] == 1
    r1 = recs[0]
    assert r1["conversations"][0] == {"from": "human", "value": "Text: " + ANNOTATIONS[0].text}
    assert r1["conversations"][1] == {"from": "gpt", "value": "I've read this text."}
    pairs = _pairs(r1)
    # positives first: types by first mention in the text; mentions deduplicated, in text order;
    # "Person"/"person" are one type named as first written
    assert pairs[:2] == [("What describes location in the text?", ["Paris"]),
                         ("What describes person in the text?", ["Barack Obama", "Angela Merkel"])]
    assert len(pairs) == 4 and all(a == [] for _, a in pairs[2:])  # ratio 1.0: 2 positives -> 2 negatives
    for rec in recs:
        asked = [q for q, _ in _pairs(rec)]
        assert len(asked) == len(set(asked))
        positives = {q.lower() for q, a in _pairs(rec) if a}
        negatives = {q.lower() for q, a in _pairs(rec) if not a}
        assert positives and not positives & negatives  # a present type is never its negative
    raw = out.read_text(encoding="utf-8")
    assert '"[\\"Barack Obama\\", \\"Angela Merkel\\"]"' in raw  # answers are json.dumps lists
    assert m["output"]["sha256"] == sha256_file(out) and manifest_path(out).exists()
    assert m["annotation_records"]["corpus_types"] == 5


def test_training_strings_equal_the_eval_prompts(tmp_path):
    """Rendered in the ie_as_qa template, each record gives exactly the prompts `unibench run` asks."""
    out = tmp_path / "data.json"
    build(BuildConfig(out=out, annotations=[_write(tmp_path)], supervised=["crossner_ai"], max_per_dataset=3,
                      data_dir=package_data("demo_data"), cache_dir=tmp_path / "cache", seed=2))
    card = get_card("crossner_ai")
    recs = read_conversations(out)
    sup = [r for r in recs if "dataset" in r]
    assert len(sup) == 3 and all(r["dataset"] == "crossner_ai" for r in sup)
    for rec in recs:
        conv = rec["conversations"]
        spec = get_adapter("uniner-sup" if "dataset" in rec else "uniner")
        text = conv[0]["value"].split("Text: ", 1)[1]
        for q, _ in _pairs(rec):
            label = q[len("What describes "):-len(" in the text?")]
            train_prompt = (f"{SYSTEM} USER: {conv[0]['value']} ASSISTANT: {conv[1]['value']}</s>"
                            f"USER: {q} ASSISTANT:")
            # the student declares crossner_ai as trained on (unibench_model.json), which `run` passes on
            assert train_prompt == query_request(spec, card, Query("crossner_ai", "s", text, label, ()),
                                                 ["crossner_ai"]).prompt
    # supervised records ask every type of the row, absent ones with "[]"; the Dataset: field is there
    for rec in sup:
        assert [q for q, _ in _pairs(rec)] == [f"What describes {t} in the text?" for t in card.types]
        assert rec["conversations"][0]["value"].startswith("Dataset: CrossNER_AI\nText: ")
        assert any(a for _, a in _pairs(rec))


def test_supervised_gold_matches_the_eval_queries(tmp_path):
    from unibench.prepare import load_sentences
    from unibench.queries import build_queries

    out = tmp_path / "sup.json"
    build(BuildConfig(out=out, supervised=["crossner_music"], max_per_dataset=10_000,
                      data_dir=package_data("demo_data"), cache_dir=tmp_path / "cache"))
    card = get_card("crossner_music")
    sentences, _ = load_sentences(card, "train", package_data("demo_data"), tmp_path / "cache", "corrected")
    gold = {(q.sentence_id, q.label): list(dict.fromkeys(q.gold)) for q in build_queries(card, sentences, cap=None)}
    recs = read_conversations(out)
    assert len(recs) == len(sentences)
    n = 0
    for rec in recs:
        sid = rec["id"].removeprefix("sup:")
        for q, a in _pairs(rec):
            assert a == gold[(sid, q[len("What describes "):-len(" in the text?")])]
            n += 1
    assert n == len(gold)


def test_seed_determinism_and_modes(tmp_path):
    ann = _write(tmp_path)
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    build(BuildConfig(out=a, annotations=[ann], seed=5, n_negatives=2))
    build(BuildConfig(out=b, annotations=[ann], seed=5, n_negatives=2))
    assert a.read_bytes() == b.read_bytes()
    outs = set()
    for seed in range(12):
        build(BuildConfig(out=c, annotations=[ann], seed=seed, n_negatives=2))
        outs.add(c.read_bytes())
    assert len(outs) > 1
    m = build(BuildConfig(out=c, annotations=[ann], negatives="none"))
    assert m["output"]["negative_queries"] == 0 and m["output"]["positive_queries"] == 7
    m = build(BuildConfig(out=c, annotations=[ann], negatives="uniform", n_negatives=10))
    # 5 corpus types; each passage gets all the ones it lacks
    assert m["output"]["negative_queries"] == (5 - 2) + (5 - 2) + (5 - 3)


def test_bad_inputs_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "entities": []}\n{"id": "b", "text": "y", "entities": [["m"]]}\n')
    with pytest.raises(DataFormatError) as exc:
        build(BuildConfig(out=tmp_path / "o.json", annotations=[bad]))
    assert f"{bad}:2:" in str(exc.value) and "[mention, type]" in str(exc.value)
    assert not (tmp_path / "o.json").exists()
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": "a", "text": "x", "entities": []}\n')
    with pytest.raises(DataFormatError, match="duplicate id 'a'"):
        build(BuildConfig(out=tmp_path / "o.json", annotations=[dup, dup]))
    with pytest.raises(UnibenchError, match="nothing to build"):
        build(BuildConfig(out=tmp_path / "o.json"))


def _pile_record(i, with_id=True, read="I've read this text."):
    rec = {"conversations": [{"from": "human", "value": f"Text: Passage {i} about Paris ."},
                             {"from": "gpt", "value": read},
                             {"from": "human", "value": "What describes city in the text?"},
                             {"from": "gpt", "value": '["Paris"]'},
                             {"from": "human", "value": "What describes gene in the text?"},
                             {"from": "gpt", "value": "[]"}]}
    if with_id:
        rec["id"] = i
    return rec


def test_pile_ner_local_file_is_validated_and_passed_through(tmp_path):
    src = tmp_path / "train.json"
    src.write_text(json.dumps([_pile_record(0), _pile_record(1, with_id=False, read="I\u2019ve read this text.")]))
    out = tmp_path / "mix.json"
    m = build(BuildConfig(out=out, annotations=[_write(tmp_path)], pile_ner=str(tmp_path)))  # a folder works too
    st = m["inputs"]["pile_ner"]
    assert (st["passages"], st["types"], st["positive_queries"], st["negative_queries"]) == (2, 2, 2, 2)
    recs = read_conversations(out)
    assert [r["id"] for r in recs[-2:]] == ["0", "pile-ner-type:1"]
    assert recs[-1]["conversations"][1]["value"] == "I\u2019ve read this text."  # passed through unchanged
    for broken, what in [({"conversations": []}, "record 2"), (dict(_pile_record(1), conversations=[
            {"from": "human", "value": "Text: a"}, {"from": "gpt", "value": "I've read this text."},
            {"from": "human", "value": "What describes x in the text?"}, {"from": "gpt", "value": "['a']"}]),
            "turn 3 is not a JSON list"), ({"conversations": [{"from": "gpt", "value": "x"}] * 2}, "turn 0")]:
        src.write_text(json.dumps([_pile_record(0), broken]))
        with pytest.raises(DataFormatError) as exc:
            build(BuildConfig(out=tmp_path / "x.json", pile_ner=str(src)))
        assert str(src) in str(exc.value) and "record 2" in str(exc.value) and what in str(exc.value)
    src.write_text("{not json")
    with pytest.raises(DataFormatError, match="invalid JSON"):
        build(BuildConfig(out=tmp_path / "x.json", pile_ner=str(src)))
    with pytest.raises(UnibenchError, match="not a Hub dataset id"):
        build(BuildConfig(out=tmp_path / "x.json", pile_ner=str(tmp_path / "nope.json")))


def test_cli_build_prints_counts_and_errors_exit_2(tmp_path, capsys):
    ann = _write(tmp_path)
    out = tmp_path / "cli.json"
    assert main(["distill", "build", "--annotations", str(ann), "--out", str(out), "--seed", "3",
                 "--negative-ratio", "0.5"]) == 0
    text = capsys.readouterr().out.replace("\n", "")  # rich wraps at the terminal width
    assert "3 of 4 passages used" in text and f"to {out}" in text and "7 positive + 4 negative" in text
    assert main(["distill", "build", "--annotations", str(ann), "--out", str(out), "--negatives", "popular"]) == 2
    assert "frequency, uniform, none" in capsys.readouterr().err
    assert main(["distill", "build", "--annotations", str(ann), "--out", str(out), "--n-negatives", "1",
                 "--negative-ratio", "1"]) == 2


def test_built_negatives_follow_the_corpus_frequencies_of_the_annotations(tmp_path):
    """End to end through the builder: frequencies come from the annotation files themselves."""
    from tests.distill.stats_helpers import chi2_pvalue

    sizes = {"t0": 400, "t1": 300, "t2": 150, "t3": 100, "t4": 50}
    anns, k = [], 0
    for t, n in sizes.items():
        for _ in range(n):
            anns.append(Annotation(f"p{k}", f"Mention{k} is here .", [(f"Mention{k}", t)]))
            k += 1
    out = tmp_path / "stat.json"
    build(BuildConfig(out=out, annotations=[_write(tmp_path, anns)], n_negatives=1, seed=42))
    observed = {t: 0 for t in sizes}
    expected = {t: 0.0 for t in sizes}
    for rec in read_conversations(out):
        (pos_q, _), (neg_q, neg_a) = _pairs(rec)
        pos, neg = pos_q.split()[2], neg_q.split()[2]
        assert neg_a == [] and neg != pos
        observed[neg] += 1
        rest = sum(n for t, n in sizes.items() if t != pos)
        for t, n in sizes.items():
            if t != pos:
                expected[t] += n / rest
    total = sum(observed.values())
    assert total == sum(sizes.values())
    assert chi2_pvalue([observed[t] for t in sizes], [expected[t] / total for t in sizes]) > 1e-3
    # uniform negatives on the same corpus do not fit the frequency expectation
    build(BuildConfig(out=out, annotations=[_write(tmp_path, anns)], negatives="uniform", n_negatives=1, seed=42))
    uni = {t: 0 for t in sizes}
    for rec in read_conversations(out):
        uni[_pairs(rec)[1][0].split()[2]] += 1
    assert chi2_pvalue([uni[t] for t in sizes], [expected[t] / total for t in sizes]) < 1e-6
