"""Character-offset documents -> token-level `Sentence` records (shared by the standoff readers).

Several benchmark rows come as documents with character-offset entities rather than as
tokenised sentences: the bigbio KB schema (n2c2 sets, EBM-NLP), the i2b2 XML standoff files
(2012, 2014), ShARe/CLEF's pipe files. UniNER "split all instances in document-level datasets
into sentence-level ones" but never said how, so this module fixes one documented procedure
(docs/datasets.md, "Document-level sources"):

1. **Sentences.** `sentence_split` = `lines` (every non-empty line is a sentence; the i2b2
   2010 text files are distributed one sentence per line), `punct` (line breaks plus `.`, `!`,
   `?` followed by whitespace and an upper-case letter, digit or bracket, except after a short
   list of abbreviations such as `Dr.` and after initials), or `none` (one sentence per
   passage). A break is never made inside an entity, so no entity is cut in two.
2. **Tokens.** `tokenizer` = `wordpunct` (runs of word characters, every other non-space
   character alone) or `whitespace`. Tokens are additionally cut at every entity boundary, so
   every entity maps onto whole tokens and its gold string is exactly its source text (with
   single spaces).
3. **Discontiguous entities** (ShARe/CLEF, n2c2 2018): `discontiguous` = `span` (one span
   from the first fragment's start to the last fragment's end; the default), `fragments`
   (each fragment is its own mention) or `drop`.

Entities that cannot be placed (outside every passage, crossing passages, covering no token)
are never silently lost: they are counted in the reader's `DecodeReport` (shown by `unibench
data stats` as repairs), or raise `DataFormatError` when the card asks for `on_illegal: error`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Iterator

from ..errors import DataFormatError
from ..schema import Sentence, make_sentence

_SENT_END = re.compile(r"[.!?]['\")\]]*\s+(?=[A-Z0-9(\[\"'])")
# No break after these abbreviations or after a single letter (initials): "Dr. Smith", "J. Smith".
_ABBREV = {"dr", "mr", "mrs", "ms", "prof", "st", "vs", "no", "nos", "fig", "figs", "eq", "ref", "approx", "dept",
           "jr", "sr", "e.g", "i.e", "etc", "al", "inc", "ltd", "co", "corp", "mt", "ft", "jan", "feb", "mar", "apr",
           "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_TOKENIZERS = {"wordpunct": re.compile(r"\w+|[^\w\s]"), "whitespace": re.compile(r"\S+")}
SPLITS = ("punct", "lines", "none")
DISCONTIGUOUS = ("span", "fragments", "drop")


@dataclass
class Entity:
    fragments: list[tuple[int, int]]  # character offsets, end exclusive, document coordinates
    type: str
    text: str = ""  # source text, for messages only


@dataclass
class Document:
    id: str
    segments: list[tuple[int, str]]  # (start offset of the segment, its text)
    entities: list[Entity] = field(default_factory=list)
    where: str = "<memory>"  # file (and line) for error messages
    line: int | None = None


@dataclass
class DocOptions:
    sentence_split: str = "punct"
    tokenizer: str = "wordpunct"
    discontiguous: str = "span"

    @classmethod
    def from_options(cls, options: dict, path: str) -> "DocOptions":
        o = cls(str(options.get("sentence_split", "punct")), str(options.get("tokenizer", "wordpunct")),
                str(options.get("discontiguous", "span")))
        for name, value, allowed in (("sentence_split", o.sentence_split, SPLITS),
                                     ("tokenizer", o.tokenizer, tuple(_TOKENIZERS)),
                                     ("discontiguous", o.discontiguous, DISCONTIGUOUS)):
            if value not in allowed:
                raise DataFormatError(f"reader option {name}={value!r} is not one of {list(allowed)}", path=path,
                                      hint="fix sources.local.options in the dataset card")
        return o


def _abbreviation(text: str, dot: int) -> bool:
    """True when the `.` at `dot` ends an abbreviation or an initial rather than a sentence."""
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, 0, dot)
    word = m.group(1).lower() if m else ""
    return len(word) == 1 and word.isalpha() or word in _ABBREV


def _inside_entity(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < pos < e for s, e in spans)


def _sentence_ranges(text: str, mode: str, protect: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence (start, end) ranges inside `text`, never cutting a protected (entity) range."""
    if mode == "none":
        cuts: list[int] = []
    else:
        cuts = [m.end() for m in re.finditer(r"\n", text)]
        if mode == "punct":
            cuts += [m.end() for m in _SENT_END.finditer(text) if not _abbreviation(text, m.start())]
    cuts = sorted(c for c in set(cuts) if 0 < c < len(text) and not _inside_entity(c, protect))
    bounds = [0] + cuts + [len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]


def _tokens(text: str, start: int, end: int, tokenizer: str, cuts: set[int]) -> list[tuple[int, int]]:
    out = []
    for m in _TOKENIZERS[tokenizer].finditer(text, start, end):
        a, b = m.span()
        inner = sorted(c for c in cuts if a < c < b)
        for x, y in zip([a] + inner, inner + [b]):
            out.append((x, y))
    return out


class _Placer:
    """Places entities into the sentences of one document and accounts for the ones it cannot."""

    def __init__(self, ctx, doc: Document, opts: DocOptions):
        self.ctx, self.doc, self.opts = ctx, doc, opts

    def lost(self, ent: Entity, why: str) -> None:
        msg = f"document {self.doc.id!r}: entity {ent.type} {ent.text!r} {ent.fragments} {why}"
        if self.ctx.on_illegal == "error":
            raise DataFormatError(msg, path=self.doc.where, line=self.doc.line,
                                  hint="set `on_illegal: repair` in the card to count and skip such entities")
        self.ctx.report.add(f"{self.doc.where}:{self.doc.line or '?'}: {msg}")

    def mentions(self) -> list[tuple[list[tuple[int, int]], str, Entity]]:
        """(fragments, type, entity) after the discontiguous-entity policy."""
        out = []
        for ent in self.doc.entities:
            frags = sorted(ent.fragments)
            if len(frags) == 1:
                out.append((frags, ent.type, ent))
            elif self.opts.discontiguous == "span":
                out.append(([(frags[0][0], max(e for _, e in frags))], ent.type, ent))
            elif self.opts.discontiguous == "fragments":
                out.extend(([f], ent.type, ent) for f in frags)
            else:
                self.lost(ent, "is discontiguous (policy: drop)")
        return out


def document_sentences(ctx, doc: Document, opts: DocOptions) -> Iterator[Sentence]:
    """Yield the sentences of one document, ids `<row>/<split>/<doc id>/<k>`."""
    placer = _Placer(ctx, doc, opts)
    pending = placer.mentions()
    placed: set[int] = set()
    doc_key = doc.id.replace("/", "_") or "doc"
    k = 0
    for seg_start, seg_text in doc.segments:
        seg_end = seg_start + len(seg_text)
        local = [(i, [(s - seg_start, e - seg_start) for s, e in frags], typ)
                 for i, (frags, typ, _) in enumerate(pending)
                 if all(seg_start <= s < e <= seg_end for s, e in frags)]
        protect = [f for _, frags, _ in local for f in frags]
        cuts = {x for f in protect for x in f}
        for a, b in _sentence_ranges(seg_text, opts.sentence_split, protect):
            toks = _tokens(seg_text, a, b, opts.tokenizer, cuts)
            if not toks:
                continue
            starts = [t[0] for t in toks]
            spans = []
            for i, frags, typ in local:
                if not all(a <= s and e <= b for s, e in frags):
                    continue
                for s, e in frags:
                    lo = bisect_left(starts, s)
                    hi = lo
                    while hi < len(toks) and toks[hi][1] <= e:
                        hi += 1
                    if hi > lo:
                        spans.append((lo, hi, typ))
                        placed.add(i)
            words = [seg_text[x:y] for x, y in toks]
            yield make_sentence(f"{ctx.row_id}/{ctx.split}/{doc_key}/{k}", words, spans)
            k += 1
    for i, (frags, _typ, ent) in enumerate(pending):
        if i not in placed:
            placer.lost(ent, "lies outside every passage, crosses passages, or covers no token")
