"""CoNLL reader on tiny files: column variants, separators, bad lines named by file and line."""

import pytest

from unibench.errors import DataFormatError
from unibench.readers import ReadContext
from unibench.readers.conll import read


def _read(tmp_path, text, scheme="BIO", on_illegal="repair", **opts):
    path = tmp_path / "f.txt"
    path.write_text(text)
    ctx = ReadContext(row_id="r", split="test", folder=tmp_path, files=[path], options=opts, tag_scheme=scheme,
                      on_illegal=on_illegal)
    return list(read(ctx)), ctx


def test_docstart_and_four_columns(tmp_path):
    sents, _ = _read(tmp_path, "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n",
                     sep="space", n_columns=4)
    assert [s.text for s in sents] == ["EU rejects", "Peter"]
    assert sents[0].spans[0].type == "ORG" and sents[0].id == "r/test/0"


def test_index_column_and_tab_separator_lines(tmp_path):
    sents, _ = _read(tmp_path, "0\tNew\tB-LOC\n1\tYork\tI-LOC\n\t\n0\thi\tO\n", sep="tab", token_column=1, tag_column=2)
    assert [s.text for s in sents] == ["New York", "hi"]
    assert (sents[0].spans[0].start, sents[0].spans[0].end) == (0, 2)


def test_malformed_line_names_file_and_line(tmp_path):
    with pytest.raises(DataFormatError) as exc:
        _read(tmp_path, "a\tO\nb\tO\tX\n", sep="tab", n_columns=2)
    assert "f.txt:2" in str(exc.value) and "2 columns" in str(exc.value)


def test_illegal_transition_error_or_repair(tmp_path):
    with pytest.raises(DataFormatError) as exc:
        _read(tmp_path, "a\tO\nb\tI-PER\n", sep="tab", on_illegal="error")
    assert "f.txt:2" in str(exc.value)
    sents, ctx = _read(tmp_path, "a\tO\nb\tI-PER\n", sep="tab")
    assert ctx.report.repairs == 1 and sents[0].spans[0].type == "PER"


def test_empty_token_policy(tmp_path):
    with pytest.raises(DataFormatError, match="empty token"):
        _read(tmp_path, "a\tO\n\tO\n", sep="tab")
    sents, ctx = _read(tmp_path, "a\tO\n\tO\n", sep="tab", skip_empty_o=True)
    assert sents[0].tokens == ("a",) and ctx.report.repairs == 1


def test_blank_lines_empty_skips_whitespace_only_lines_as_repairs(tmp_path):
    text = "a\tO\n \nb\tB-PER\n\nc\tO\n"
    default, _ = _read(tmp_path, text, sep="tab")
    assert [s.text for s in default] == ["a", "b", "c"]  # a space-only line ends a sentence by default
    sents, ctx = _read(tmp_path, text, sep="tab", blank_lines="empty")
    assert [s.text for s in sents] == ["a b", "c"]
    assert ctx.report.repairs == 1 and "f.txt:2" in ctx.report.examples[0]


def test_docstart_kept_and_eof_empty_sentence(tmp_path):
    text = "-DOCSTART-\tO\n\na\tB-DNA\n\n"
    sents, _ = _read(tmp_path, text, sep="tab", docstart=False, eof_empty_sentence=True)
    assert [s.tokens for s in sents] == [("-DOCSTART-",), ("a",), ()]
    assert sents[2].text == "" and sents[2].spans == ()
    no_blank_end, _ = _read(tmp_path, "a\tO\n", sep="tab", eof_empty_sentence=True)
    assert [s.text for s in no_blank_end] == ["a"]  # only a file ending in a blank line yields the empty record
