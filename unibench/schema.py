"""The one span format: every reader produces `Sentence` records, everything downstream reads them.

A sentence is a list of tokens; its `text` is the tokens joined by single spaces, because that
is how the original UniNER evaluation built its passages (`src/utils.py` of universal-ner/universal-ner;
docs/metric.md). Spans carry
both token offsets (end exclusive) and character offsets into that `text`, so that span-based
scorers and string-based scorers see the same mention. On disk this is JSONL, one sentence per
line; `read_sentences` validates each line and names the line that is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .errors import DataFormatError


@dataclass(frozen=True)
class Span:
    start: int  # token index, inclusive
    end: int  # token index, exclusive
    type: str  # natural-language type name (after the card's label map)
    char_start: int = -1
    char_end: int = -1

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "char_start": self.char_start,
                "char_end": self.char_end, "type": self.type}


@dataclass(frozen=True)
class Sentence:
    id: str
    tokens: tuple[str, ...]
    spans: tuple[Span, ...] = field(default=())
    text: str = ""

    def __post_init__(self):
        if not self.text:
            object.__setattr__(self, "text", " ".join(self.tokens))

    def mention(self, span: Span) -> str:
        """The gold string of a span: whitespace-joined tokens, as the paper writes gold answers."""
        return " ".join(self.tokens[span.start:span.end])

    def to_dict(self) -> dict:
        return {"id": self.id, "tokens": list(self.tokens), "text": self.text,
                "spans": [s.to_dict() for s in self.spans]}


def token_char_offsets(tokens: Iterable[str]) -> list[tuple[int, int]]:
    """Character offsets of each token inside `" ".join(tokens)`."""
    out, pos = [], 0
    for tok in tokens:
        out.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    return out


def make_sentence(sid: str, tokens: list[str], token_spans: Iterable[tuple[int, int, str]]) -> Sentence:
    """Build a Sentence from token-offset spans, filling the character offsets.

    Spans are sorted by (start, end, type) so that two readers of the same data produce the
    same record whatever order the source listed them in.
    """
    offs = token_char_offsets(tokens)
    spans = []
    for start, end, typ in sorted(set(token_spans)):
        if not (0 <= start < end <= len(tokens)):
            raise ValueError(f"span ({start}, {end}) outside sentence {sid!r} of {len(tokens)} tokens")
        spans.append(Span(start, end, typ, offs[start][0], offs[end - 1][1]))
    return Sentence(sid, tuple(tokens), tuple(spans))


def sentence_from_dict(obj: dict, *, path: str | Path = "<memory>", line: int | None = None) -> Sentence:
    def bad(msg: str) -> DataFormatError:
        return DataFormatError(f"not a unibench sentence record: {msg}", path=path, line=line,
                               hint='expected {"id": str, "tokens": [str], "text": str, "spans": '
                                    '[{"start": int, "end": int, "type": str, ...}]}')

    if not isinstance(obj, dict):
        raise bad("expected a JSON object")
    sid, tokens, spans = obj.get("id"), obj.get("tokens"), obj.get("spans", [])
    if not isinstance(sid, str) or not sid:
        raise bad("'id' must be a non-empty string")
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise bad("'tokens' must be a list of non-empty strings")
    text = obj.get("text", " ".join(tokens))
    if text != " ".join(tokens):
        raise bad("'text' must equal the tokens joined by single spaces")
    if not isinstance(spans, list):
        raise bad("'spans' must be a list")
    out = []
    for s in spans:
        try:
            start, end, typ = int(s["start"]), int(s["end"]), s["type"]
        except (KeyError, TypeError, ValueError):
            raise bad(f"span {s!r} lacks integer start/end or type") from None
        if not isinstance(typ, str) or not typ or not (0 <= start < end <= len(tokens)):
            raise bad(f"span {s!r} is outside the {len(tokens)} tokens or has an empty type")
        out.append((start, end, typ))
    return make_sentence(sid, tokens, out)


def write_sentences(path: Path, sentences: Iterable[Sentence]) -> int:
    """Write JSONL atomically (temp file + rename). Returns the number of records."""
    from .io import atomic_write_text

    lines = [json.dumps(s.to_dict(), ensure_ascii=False) for s in sentences]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)


def read_sentences(path: Path) -> Iterator[Sentence]:
    from .io import iter_jsonl

    for lineno, obj in iter_jsonl(path, "each line must be one JSON sentence record"):
        yield sentence_from_dict(obj, path=path, line=lineno)
