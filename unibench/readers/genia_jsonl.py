"""Nested-NER JSON lines (GENIA as released by yhcc/CNN_Nested_NER):
`{"tokens": [str], "doc_id", "sent_id", "entity_mentions": [{"start", "end", "entity_type", "text"}]}`.

Token offsets are end-exclusive. Nested and overlapping mentions are kept as separate spans: the
benchmark asks one query per type, so a protein inside a DNA mention is simply gold for both
queries. Each mention's `text` (when present) must equal its tokens joined by spaces, modulo
whitespace; anything else is an error naming the file and line.
"""

from __future__ import annotations

from typing import Iterator

from ..errors import DataFormatError
from ..schema import Sentence, make_sentence
from ..io import iter_jsonl
from . import ReadContext
from .text_split import same_text

_HINT = ('expected one JSON object per line: {"tokens": [str], "entity_mentions": '
         '[{"start": int, "end": int, "entity_type": str, "text": str}]} (end exclusive)')


def read(ctx: ReadContext) -> Iterator[Sentence]:
    n = 0
    for path in ctx.files:
        for lineno, rec in iter_jsonl(path, _HINT):
            tokens = rec.get("tokens") if isinstance(rec, dict) else None
            if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) and t.strip()
                                                                     for t in tokens):
                raise DataFormatError("'tokens' must be a non-empty list of non-blank strings", path=path,
                                      line=lineno, hint=_HINT)
            spans = []
            mentions = rec.get("entity_mentions", [])
            if not isinstance(mentions, list) or not all(isinstance(m, dict) for m in mentions):
                raise DataFormatError("'entity_mentions' must be a list of objects", path=path, line=lineno, hint=_HINT)
            for m in mentions:
                try:
                    s, e, typ = int(m["start"]), int(m["end"]), str(m["entity_type"])
                except (KeyError, TypeError, ValueError):
                    raise DataFormatError(f"mention {m!r:.80} lacks start/end/entity_type", path=path,
                                          line=lineno, hint=_HINT) from None
                if not (0 <= s < e <= len(tokens)):
                    raise DataFormatError(f"mention [{s}, {e}) is outside the {len(tokens)} tokens", path=path,
                                          line=lineno, hint=_HINT)
                joined = " ".join(tokens[s:e])
                if "text" in m and not same_text(joined, str(m["text"])):
                    raise DataFormatError(f"mention [{s}, {e}) covers {joined!r}, but its text is {m['text']!r}",
                                          path=path, line=lineno, hint=_HINT)
                spans.append((s, e, typ))
            # Tokens with inner spaces would break the one-space text rule: none exist in GENIA.
            yield make_sentence(ctx.sid(n), [t.strip() for t in tokens], spans)
            n += 1
