"""token_csv reader on tiny files: E-NER's layout with its documented noise, FiNER-ORD's integer labels."""

import pytest

from unibench.errors import DataFormatError
from unibench.readers import ReadContext
from unibench.readers.token_csv import read


def _ctx(tmp_path, name, text, layout, scheme, **opts):
    path = tmp_path / name
    path.write_text(text)
    return ReadContext(row_id="x", split="all", folder=tmp_path, files=[path], options={"layout": layout, **opts},
                       tag_scheme=scheme)


def test_ener_documents_sentences_and_noise(tmp_path):
    text = ('-DOCSTART-,O\n,O\nApple,I-BUSINESS\nInc,I-BUSINESS\nsued,O\n",",O\nbad,row,extra\nok,P\n,O\n'
            '-DOCSTART-,O\nthe,O\nCourt,I-COURT\n')
    ctx = _ctx(tmp_path, "all.csv", text, "ener", "IOB1", tag_map={"P": "O"})
    sents = list(read(ctx))
    assert [s.id for s in sents] == ["x/all/0/0", "x/all/1/0"]
    assert sents[0].tokens == ("Apple", "Inc", "sued", ",", "ok")
    assert [(sp.start, sp.end, sp.type) for sp in sents[0].spans] == [(0, 2, "BUSINESS")]
    assert ctx.report.repairs == 1  # the 3-field row is skipped and counted


def test_finer_ord_integer_labels(tmp_path):
    text = "gold_label,gold_token,doc_idx,sent_idx\n1,John,0,0\n2,Smith,0,0\n0,said,0,0\n5,IBM,0,1\n"
    ctx = _ctx(tmp_path, "t.csv", text, "finer_ord", "BIO",
               label_names=["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"])
    sents = list(read(ctx))
    assert [s.text for s in sents] == ["John Smith said", "IBM"]
    assert [(sp.start, sp.end, sp.type) for sp in sents[0].spans] == [(0, 2, "PER")]


def test_finer_ord_bad_label_names_file_and_line(tmp_path):
    text = "gold_label,gold_token,doc_idx,sent_idx\n1,John,0,0\nnine,x,0,0\n"
    ctx = _ctx(tmp_path, "t.csv", text, "finer_ord", "BIO", label_names=["O", "B-PER", "I-PER"])
    with pytest.raises(DataFormatError) as exc:
        list(read(ctx))
    assert "t.csv:3" in str(exc.value)


def test_finer_ord_truncated_header(tmp_path):
    ctx = _ctx(tmp_path, "t.csv", "gold_label,gold_tok\n", "finer_ord", "BIO", label_names=["O"])
    with pytest.raises(DataFormatError, match="header"):
        list(read(ctx))
