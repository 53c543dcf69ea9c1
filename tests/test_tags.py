"""Tag decoding: every scheme, the conlleval repair policy, and the paper quirk."""

import pytest

from unibench.errors import DataFormatError
from unibench.tags import DecodeReport, decode


def test_bio_basic_and_final_flush():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
    assert decode(tags, "BIO") == [(0, 2, "PER"), (3, 4, "LOC"), (4, 6, "LOC")]


def test_bio_without_final_flush_drops_sentence_final_entity():
    # The original UniNER CrossNER conversion never closed an entity open at sentence end.
    tags = ["B-PER", "O", "B-LOC", "I-LOC"]
    assert decode(tags, "BIO", flush_final=False) == [(0, 1, "PER")]


def test_bio_repair_counts_like_conlleval():
    report = DecodeReport()
    spans = decode(["O", "I-PER", "I-PER", "I-LOC"], "BIO", report=report)
    assert spans == [(1, 3, "PER"), (3, 4, "LOC")]
    assert report.repairs == 2


def test_bio_illegal_transition_error_names_line():
    with pytest.raises(DataFormatError) as exc:
        decode(["O", "I-PER"], "BIO", on_illegal="error", path="x.conll", lines=[7, 8])
    assert "x.conll:8" in str(exc.value) and "I-PER" in str(exc.value)


def test_iob1_b_only_separates_same_type():
    tags = ["I-ORG", "I-ORG", "B-ORG", "I-PER", "O", "I-LOC"]
    assert decode(tags, "IOB1") == [(0, 2, "ORG"), (2, 3, "ORG"), (3, 4, "PER"), (5, 6, "LOC")]


def test_iobes():
    tags = ["S-PER", "B-ORG", "I-ORG", "E-ORG", "O", "B-LOC", "E-LOC"]
    assert decode(tags, "IOBES") == [(0, 1, "PER"), (1, 4, "ORG"), (5, 7, "LOC")]


def test_io_bare_types_merge_adjacent():
    assert decode(["person", "person", "O", "art", "location"], "IO") == [(0, 2, "person"), (3, 4, "art"),
                                                                          (4, 5, "location")]


def test_malformed_tag_is_an_error():
    with pytest.raises(DataFormatError, match="malformed tag"):
        decode(["B-PER", "PER"], "BIO", path="f", lines=[1, 2])
