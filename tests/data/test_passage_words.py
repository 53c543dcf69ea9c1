"""A passage's words are its source sentence's words, for every staged row of a column format (CoNLL-style).

The raw test file is re-read here independently (blank-line blocks, `-DOCSTART-` skipped, the card's token
column); unibench's passages must be those blocks, in file order (the `paper` version may leave a block out, as
CrossNER politics' last sentence). The IE_INSTRUCTIONS rows are checked in tests/readers/test_ie_instructions.py;
the document readers cut words at annotated boundaries by design (docs/datasets-spans.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from unibench.cards import load_registry
from unibench.loaders import load_split

COLUMN_ROWS = sorted(c.id for c in load_registry().values()
                     if c.sources.local is not None and c.sources.local.format == "conll")


def _blocks(path: Path, options: dict) -> list[list[str]]:
    sep = "\t" if options.get("sep") == "tab" else None
    col = options.get("token_column", 0)
    out, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if options.get("blank_lines") == "empty" and line and not line.strip():
            continue  # BTC: a whitespace-only line inside a tweet is skipped, not a boundary (card option)
        if not line.strip():
            if cur:
                out.append(cur)
            cur = []
            continue
        parts = line.split(sep)
        if parts[0].startswith("-DOCSTART-") and options.get("docstart", True):
            continue
        token = parts[col].strip()
        if token or not options.get("skip_empty_o"):  # BTC's empty tokens are skipped (counted repairs)
            cur.append(token)
    if cur:
        out.append(cur)
    return out


@pytest.mark.parametrize("row", COLUMN_ROWS)
def test_passages_are_the_source_sentences_in_order(row):
    if not (SHARED_DATA / row).is_dir():
        pytest.skip(f"staged data not found: {row} under {SHARED_DATA}")
    card = load_registry()[row]
    local = card.sources.local
    proc = card.processing_for("paper")
    options = {**(local.options or {}), **(proc.options if proc else {})}
    source = _blocks(SHARED_DATA / row / local.files["test"], options)
    ours = [list(s.tokens) for s in load_split(card, "test", SHARED_DATA).sentences]
    if options.get("eof_empty_sentence") and ours and not ours[-1]:
        ours = ours[:-1]  # JNLPBA `paper`: the loading script's empty record after the file's last blank line
    filtered = proc is not None and (proc.drop_text_matching or proc.min_tokens or proc.drop_duplicate_texts)
    assert (0 if filtered else len(source) - 1) <= len(ours) <= len(source)
    i = 0
    for n, words in enumerate(ours):
        while i < len(source) and source[i] != words:
            i += 1
        assert i < len(source), f"{row}: passage {n} is not a source sentence in order: {' '.join(words)[:120]}"
        i += 1


def test_finer_ord_passages_are_its_csv_sentences():
    """Token-per-row CSV: a sentence is the run of rows sharing (doc_idx, sent_idx), re-read here with `csv`."""
    import csv

    if not (SHARED_DATA / "finer_ord").is_dir():
        pytest.skip(f"staged data not found: finer_ord under {SHARED_DATA}")
    card = load_registry()["finer_ord"]
    with open(SHARED_DATA / "finer_ord" / "test.csv", newline="", encoding="utf-8") as fh:
        runs: dict[tuple[str, str], list[str]] = {}
        for rec in csv.DictReader(fh):
            runs.setdefault((rec["doc_idx"], rec["sent_idx"]), []).append(rec["gold_token"])
    ours = [list(s.tokens) for s in load_split(card, "test", SHARED_DATA).sentences]
    assert ours == list(runs.values())
