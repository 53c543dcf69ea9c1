"""A small deterministic tokenizer and sentence splitter for character-offset documents.

Used by the readers of staged document-level or raw-text sources (PubTator, brat, TASTEset,
IE_INSTRUCTIONS). UniNER "split all instances in document-level datasets into sentence-level
ones" without saying how, so this module fixes one procedure, in pure Python so that the same
input always gives the same sentences on every machine (no model-based splitter, no downloads):

* **Sentences** (`sentence_ranges`): a break after `.`, `!` or `?` (plus closing quotes or
  brackets) that is followed by whitespace and then an upper-case letter, a digit, or an opening
  bracket/quote; never after a known abbreviation (`e.g.`, `Fig.`, `al.`, ...) or a single
  initial (`J. Smith`); with `split="lines"`, also at every line break. **A break is never made inside an
  entity**: an entity crossing a would-be boundary keeps the two pieces in one sentence, so no
  entity is ever cut or lost (the cost is an occasional longer sentence).
* **Tokens** (`tokenize`): `whitespace` = maximal runs of non-space characters; `punct` = the
  same runs with leading `([{"'` and trailing `.,;:!?)]}"'` characters peeled off one by one
  (so "(IL-2)," gives `(`, `IL-2`, `)`, `,` while "IL-2", "3.5" and "Na(v)1.5" stay whole). In both
  modes tokens are additionally cut at every entity boundary, so every entity covers whole tokens
  and its gold string (tokens joined by spaces) equals its source text modulo whitespace.

`split_document` combines both and maps character-offset entities onto token spans.

Deviation from the paper: UniNER's splitter is unknown, so sentence counts of the rows that use
this module differ slightly from Table 6 (each card's `count_notes` gives both numbers). The
remote (non-staged) rows use `_documents.py`, which counts unplaceable entities as repairs; the
staged readers here instead fail loudly on any entity that does not fit its text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable

_SENT_END = re.compile(r"[.!?][\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"(\S+)$")
# No sentence break after these (lower-cased, without the final dot).
ABBREVIATIONS = frozenset("""
    al approx ca cf co corp dept dr e.g eq eqs et etc fig figs i.e inc jr ltd min mr mrs ms no nos p pp
    prof ref refs resp sec sect sp spp sr st suppl tab vol vs viz
""".split())
_OPEN, _CLOSE = "([{\"'", ".,;:!?)]}\"'"
TOKENIZERS = ("whitespace", "punct")


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, max(0, dot - 20), dot)
    word = m.group(1).lstrip(_OPEN).lower() if m else ""
    return (len(word) == 1 and word.isalpha()) or word in ABBREVIATIONS


def sentence_ranges(text: str, start: int = 0, end: int | None = None, *,
                    protect: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Sentence (start, end) character ranges of `text[start:end]`, stripped of outer whitespace.

    `protect` holds (start, end) entity ranges that no break may fall inside.
    """
    end = len(text) if end is None else end
    protect = sorted(protect)
    cuts = set()
    for m in _SENT_END.finditer(text, start, end):
        if not _is_abbreviation(text, m.start()):
            cuts.add(m.end())
    bounds = [start] + sorted(c for c in cuts if start < c < end and not any(s < c < e for s, e in protect)) + [end]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def tokenize(text: str, start: int = 0, end: int | None = None, *, mode: str = "punct",
             cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Token (start, end) character ranges of `text[start:end]`; tokens are also cut at `cuts`."""
    if mode not in TOKENIZERS:
        raise ValueError(f"tokenizer {mode!r} is not one of {TOKENIZERS}")
    end = len(text) if end is None else end
    cut_list = sorted(set(cuts))
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"\S+", text[start:end]):
        a, b = m.start() + start, m.end() + start
        pieces = [(a, b)]
        if mode == "punct":
            pieces = _peel(text, a, b)
        for x, y in pieces:
            lo = bisect_left(cut_list, x + 1)
            inner = []
            while lo < len(cut_list) and cut_list[lo] < y:
                inner.append(cut_list[lo])
                lo += 1
            for p, q in zip([x] + inner, inner + [y]):
                out.append((p, q))
    return out


def _peel(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split leading opening and trailing closing punctuation off one whitespace token."""
    head, tail = [], []
    while b - a > 1 and text[a] in _OPEN:
        head.append((a, a + 1))
        a += 1
    while b - a > 1 and text[b - 1] in _CLOSE:
        tail.append((b - 1, b))
        b -= 1
    return head + [(a, b)] + tail[::-1]


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Entity offsets without surrounding whitespace (brat files sometimes include a trailing space)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def same_text(a: str, b: str) -> bool:
    """Equality modulo whitespace (runs of any Unicode space count as one space)."""
    return " ".join(a.split()) == " ".join(b.split())


@dataclass(frozen=True)
class Piece:
    """One sentence of a document: its tokens and its entities as token spans (end exclusive)."""

    start: int  # character offset of the sentence in the document
    tokens: list[str]
    spans: list[tuple[int, int, str]]


def split_document(text: str, entities: list[tuple[int, int, str]], *, segments: list[tuple[int, int]] | None = None,
                   split: str = "sentences", tokenizer: str = "punct") -> list[Piece]:
    """Cut a document into sentences (or keep it whole) and place its entities on tokens.

    `entities` are (start, end, type) character offsets, already validated and trimmed by the
    caller; `segments` are ranges that are always separate (e.g. a title and an abstract; default:
    the whole text). `split` is `sentences` (punctuation rule), `lines` (punctuation rule plus every
    line break), `line_only` (only line breaks) or `none` (one piece per segment). Every entity
    lands in exactly one piece, because no break is made inside an entity; an entity that crosses
    a segment boundary raises ValueError (the caller turns it into a DataFormatError with its file).
    """
    segments = segments or [(0, len(text))]
    cuts = {x for s, e, _ in entities for x in (s, e)}
    pieces: list[Piece] = []
    placed = [False] * len(entities)
    for seg_start, seg_end in segments:
        inside = [(i, s, e, t) for i, (s, e, t) in enumerate(entities) if seg_start <= s and e <= seg_end]
        protect = [(s, e) for _, s, e, _ in inside]
        if split == "none":
            ranges = [r for r in [trim(text, seg_start, seg_end)] if r[0] < r[1]]
        elif split == "line_only":
            ranges = _line_ranges(text, seg_start, seg_end, protect)
        else:
            ranges = [r for a, b in (_line_ranges(text, seg_start, seg_end, protect) if split == "lines"
                                     else [(seg_start, seg_end)])
                      for r in sentence_ranges(text, a, b, protect=protect)]
        for a, b in ranges:
            toks = tokenize(text, a, b, mode=tokenizer, cuts=cuts)
            if not toks:
                continue
            starts = [x for x, _ in toks]
            ends = {y: k for k, (_, y) in enumerate(toks)}
            spans = []
            for i, s, e, t in inside:
                if a <= s and e <= b:
                    lo = bisect_left(starts, s)
                    if lo == len(starts) or starts[lo] != s or e not in ends:
                        raise ValueError(f"entity [{s}, {e}) {text[s:e]!r} does not fall on token boundaries")
                    spans.append((lo, ends[e] + 1, t))
                    placed[i] = True
            pieces.append(Piece(a, [text[x:y] for x, y in toks], spans))
    for i, ok in enumerate(placed):
        if not ok:
            s, e, t = entities[i]
            raise ValueError(f"entity {t} [{s}, {e}) {text[s:e]!r} crosses a segment boundary or covers no text")
    return pieces


def _line_ranges(text: str, start: int, end: int, protect: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges between line breaks (a line break inside an entity does not break)."""
    cuts = [m.end() + start for m in re.finditer(r"\n", text[start:end])]
    cuts = [c for c in cuts if not any(s < c < e for s, e in protect)]
    bounds = [start] + cuts + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]
