"""Checks every reader's output must pass: data that is empty or impossible is an error, not a score.

Readers know their formats; these checks hold for all of them, so they live once, here, and the
loader runs them on what a reader returned. Errors name the data file and, where the offending
text can be found in it, the line (searched only on the error path, so the normal path costs one
pass over the tokens). A card whose released data has C1 controls in tokens (cp1252 punctuation decoded
as Latin-1) sets the reader option `allow_c1_controls: true`; C0 controls are refused for every row.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from .errors import DataFormatError
from .safe_read import iter_files, line_of
from .schema import Sentence

#: C0 controls (incl. NUL, TAB, CR, LF), DEL and C1 controls: never part of a token.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
C0_ONLY = re.compile(r"[\x00-\x1f\x7f]")


def _where(files: Iterable[Path], needles: list[str], fallback: str = "<no files>") -> tuple[str, int | None]:
    files = [Path(f) for f in files]
    for f in files:
        inside = list(iter_files(f, "")) if f.is_dir() else [f]  # a split folder (brat, i2b2...): its files
        for g in inside:
            line = line_of(g, needles) if needles and g.is_file() else None
            if line is not None:
                return str(g), line
    return ", ".join(str(f) for f in files) or fallback, None


def check_not_empty(sentences: list[Sentence], row: str, split: str, files: Iterable[Path],
                    source: str = "<no files>") -> None:
    if not sentences:
        where, _ = _where(files, [], source)
        raise DataFormatError(f"the {split} split of {row} has no sentences", path=where,
                              hint="the file is empty or holds no records this reader recognises; check that it is "
                                   "the right file for the card's format")


def check_tokens(sentences: list[Sentence], row: str, files: Iterable[Path], *, allow_c1: bool = False,
                 source: str = "<no files>") -> None:
    """No control character inside a token (C1 allowed only where the card documents it)."""
    bad = C0_ONLY if allow_c1 else CONTROL
    for s in sentences:
        for i, tok in enumerate(s.tokens):
            m = bad.search(tok)
            if m:
                ch = m.group()
                where, line = _where(files, [ch, f"\\u{ord(ch):04x}", f"\\u{ord(ch):04X}"], source)
                raise DataFormatError(f"token {i} of sentence {s.id} contains the control character "
                                      f"U+{ord(ch):04X}: {tok!r}", path=where, line=line,
                                      hint="remove or replace the control character in the data file (C1 "
                                           "characters in a known release are allowed by the card option "
                                           "allow_c1_controls)")


def unknown_type_error(raw_type: str, sentence_id: str, card_id: str, files: Iterable[Path],
                       mapped: Iterable[str], dropped: Iterable[str]) -> DataFormatError:
    """An unknown raw type, reported against the data file and the line where it first occurs."""
    where, line = _where(files, [f"-{raw_type}\n", f"-{raw_type}\t", f'"{raw_type}"', f"\t{raw_type}",
                                 f"{raw_type}\n", raw_type], fallback=f"the Hub source of {card_id}")
    return DataFormatError(
        f"raw type {raw_type!r} (sentence {sentence_id}) is neither in the label_map nor in the dropped_types of "
        f"dataset_cards/{card_id}.yaml", path=where, line=line,
        hint=f"fix the data, or map the type in the card; raw types mapped: {sorted(mapped)}; "
             f"dropped: {list(dropped)}")
