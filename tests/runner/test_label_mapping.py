"""Checkpoint labels -> row types through the card (unibench/adapters/labels.py)."""

from unibench.adapters.labels import label_types, map_labels
from unibench.cards import get_card


def test_label_types_strip_prefixes_and_o():
    assert label_types(["O", "B-PER", "I-PER", "S-LOC", "E-LOC", "B-program language", "misc"]) == \
        ["PER", "LOC", "program language", "misc"]


def test_conll_bert_on_conll_and_crossner_rows():
    conll = map_labels(["PER", "ORG", "LOC", "MISC"], get_card("conllpp"))
    assert conll.mapping == {"PER": "person", "ORG": "organization", "LOC": "location"}
    assert conll.unmapped == ("MISC",)  # a type the card drops stays dropped
    # CrossNER's raw tags are lowercase words: PER matches no type or raw tag there, but "person" would
    ai = map_labels(["PER", "person", "ORGANISATION", "programlang", "Program Language"], get_card("crossner_ai"))
    assert ai.mapping == {"person": "person", "ORGANISATION": "organization", "programlang": "program language",
                          "Program Language": "program language"}
    assert ai.how == {"person": "type", "ORGANISATION": "raw tag", "programlang": "raw tag",
                      "Program Language": "type"}
    assert ai.unmapped == ("PER",)


def test_apply_drops_and_counts_unmapped_spans():
    m = map_labels(["PER", "MISC"], get_card("conllpp"))
    kept, dropped = m.apply([(0, 2, "PER"), (3, 4, "MISC"), (5, 6, "NEVER-SEEN")])
    assert kept == [(0, 2, "person")] and dropped == 2
    assert m.stamp(dropped) == {"label_mapping": {"PER": "person"}, "label_mapping_via": {"PER": "raw tag"},
                                "unmapped_labels": ["MISC"], "unmapped_spans": 2}
