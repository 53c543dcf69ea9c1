"""`distill gold-annotations` on staged raw data: same format as the teacher's, card type names."""

import json

from unibench.cards import get_card
from unibench.cli.main import main
from unibench.distill.annotations import read_annotations
from unibench.distill.build import BuildConfig, build
from unibench.distill.conversations import read_conversations
from unibench.prepare import load_sentences
from tests.conftest import SHARED_DATA, needs_shared


@needs_shared("crossner_ai", "mit_restaurant")
def test_gold_annotations_from_staged_train_splits(tmp_path, capsys):
    out = tmp_path / "gold.jsonl"
    rc = main(["distill", "gold-annotations", "--datasets", "crossner_ai", "--datasets", "mit_restaurant",
               "--data-dir", str(SHARED_DATA), "--cache-dir", str(tmp_path / "cache"), "--out", str(out), "--json"])
    assert rc == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    anns = read_annotations([out])
    assert summary["records"] == len(anns) == 100 + 7659  # train sentences of both rows
    by_ds = {}
    for a in anns:
        by_ds.setdefault(a.extra["dataset"], []).append(a)
    for row in ("crossner_ai", "mit_restaurant"):
        card = get_card(row)
        sentences, _ = load_sentences(card, "train", SHARED_DATA, tmp_path / "cache", "corrected")
        assert [a.text for a in by_ds[row]] == [s.text for s in sentences]  # whitespace-joined tokens
        for a, s in zip(by_ds[row], sentences):
            assert a.entities == [(s.mention(sp), sp.type) for sp in s.spans]
            assert {t for _, t in a.entities} <= set(card.types)  # natural-language names from the card
            assert all(m in a.text for m, _ in a.entities)
        assert summary["datasets"][row]["n_entities"] == sum(len(a.entities) for a in by_ds[row])
    # and the builder takes them: frequency negatives over the union of both rows' types
    data = tmp_path / "data.json"
    m = build(BuildConfig(out=data, annotations=[out], seed=0))
    recs = read_conversations(data)
    # types equal up to case are one type ("location" in CrossNER, "Location" in MIT): 13 + 8 - 1
    union = {t.lower() for t in get_card("crossner_ai").types} | {t.lower() for t in get_card("mit_restaurant").types}
    assert m["annotation_records"]["corpus_types"] == len(union) == 20
    assert len(recs) == sum(1 for a in anns if a.entities)
    # every gold record keeps its source row (for the student's training_datasets) and the zero-shot prompt
    assert {r["dataset"] for r in recs} == {"crossner_ai", "mit_restaurant"}
    assert all(r["conversations"][0]["value"].startswith("Text: ") for r in recs)
