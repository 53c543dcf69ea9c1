"""Turning per-token tags into spans, for every tag scheme the benchmark's raw data uses.

Repair policy for illegal transitions (documented in docs/datasets.md), the same as conlleval's:
an `I-X` (or `E-X`) that does not continue an open `X` entity starts a new entity of type `X`.
Every repair is counted so that `unibench data stats` can report it; a card may instead ask for
`on_illegal: error`, which turns the first illegal transition into an error naming file and line.

`flush_final=False` reproduces the original UniNER CrossNER conversion, which never closed an
entity still open at the end of a sentence (docs/datasets.md, "the original release"). It exists only to build the
paper-compatible version of those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from .errors import DataFormatError

SCHEMES = ("BIO", "IOB1", "IOBES", "IO")


@dataclass
class DecodeReport:
    repairs: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, msg: str) -> None:
        self.repairs += 1
        if len(self.examples) < 5:
            self.examples.append(msg)


def split_tag(tag: str, scheme: str) -> tuple[str, str | None]:
    """Return (prefix, type) with prefix in {O, B, I, E, S}."""
    if tag == "O":
        return "O", None
    if len(tag) > 2 and tag[1] in "-_" and tag[0] in "BIES":
        return tag[0], tag[2:]
    if scheme == "IO":  # bare type names (Few-NERD style)
        return "I", tag
    raise ValueError(tag)


def decode(tags: Sequence[str], scheme: str, *, flush_final: bool = True, on_illegal: str = "repair",
           report: DecodeReport | None = None, path: str = "<memory>",
           lines: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
    """Decode one sentence's tags into (start, end_exclusive, raw_type) spans."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; expected one of {SCHEMES}")
    report = report if report is not None else DecodeReport()
    spans: list[tuple[int, int, str]] = []
    cur_type: str | None = None
    cur_start = 0

    def close(end: int) -> None:
        nonlocal cur_type
        if cur_type is not None:
            spans.append((cur_start, end, cur_type))
        cur_type = None

    def illegal(i: int, tag: str, why: str) -> None:
        line = lines[i] if lines is not None else None
        if on_illegal == "error":
            raise DataFormatError(f"illegal {scheme} transition at tag {tag!r}: {why}", path=path, line=line,
                                  hint="fix the tag, or set `on_illegal: repair` in the card to apply the "
                                       "conlleval repair (the entity starts here)")
        report.add(f"{path}:{line if line is not None else '?'}: {tag} ({why})")

    for i, tag in enumerate(tags):
        try:
            prefix, typ = split_tag(tag, scheme)
        except ValueError:
            line = lines[i] if lines is not None else None
            raise DataFormatError(f"malformed tag {tag!r}", path=path, line=line,
                                  hint=f"expected O or a {scheme} tag such as B-TYPE / I-TYPE") from None
        if prefix == "O":
            close(i)
            continue
        if scheme == "BIO":
            if prefix == "B":
                close(i)
                cur_type, cur_start = typ, i
            elif prefix == "I":
                if cur_type != typ:
                    illegal(i, tag, "I- does not continue an entity of the same type")
                    close(i)
                    cur_type, cur_start = typ, i
            else:
                raise DataFormatError(f"tag {tag!r} is not BIO", path=path,
                                      line=lines[i] if lines is not None else None,
                                      hint="the card says tag_scheme BIO; use IOBES if the file has E-/S- tags")
        elif scheme == "IOB1":
            if prefix == "B" or cur_type != typ:
                close(i)
                cur_type, cur_start = typ, i
            elif prefix not in "BI":
                raise DataFormatError(f"tag {tag!r} is not IOB1", path=path,
                                      line=lines[i] if lines is not None else None)
        elif scheme == "IO":
            if cur_type != typ:
                close(i)
                cur_type, cur_start = typ, i
        else:  # IOBES
            if prefix == "S":
                close(i)
                spans.append((i, i + 1, typ))
            elif prefix == "B":
                close(i)
                cur_type, cur_start = typ, i
            elif prefix in "IE":
                if cur_type != typ:
                    illegal(i, tag, f"{prefix}- does not continue an entity of the same type")
                    close(i)
                    cur_type, cur_start = typ, i
                if prefix == "E":
                    close(i + 1)
    if flush_final:
        close(len(tags))
    return spans
