"""DyGIE / SciERC document JSON lines: `{"doc_key", "sentences": [[tok]], "ner": [[[start, end, type]]]}`.

Token indices in `ner` are **document-level and end-inclusive** (the SciERC release convention):
`[3, 5, "Method"]` covers the 4th to the 6th token of the whole abstract. `ner` has one list per
sentence, and each mention must lie inside its own sentence.

Option `unit`: `document` (default; one record per abstract, all its sentences' tokens in order,
which is what UniNER's SciERC counts, 350/50/100 abstracts, show) or `sentence` (one record per
sentence). Option `end_inclusive` (default true) for copies that use end-exclusive indices.
Tokens are kept as released (PTB escapes such as `-LRB-` included): that is the source text.
"""

from __future__ import annotations

from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import open_text, parse_json
from ..schema import Sentence, make_sentence
from . import ReadContext

_HINT = ('expected one JSON document per line: {"doc_key": str, "sentences": [[str]], '
         '"ner": [[[start, end, type], ...] per sentence]} with document-level, end-inclusive token indices')


def read(ctx: ReadContext) -> Iterator[Sentence]:
    unit = str(ctx.options.get("unit", "document"))
    if unit not in ("document", "sentence"):
        raise DataFormatError(f"reader option unit={unit!r} is not 'document' or 'sentence'",
                              hint="fix sources.local.options in the dataset card")
    inclusive = 1 if ctx.options.get("end_inclusive", True) else 0
    for path in ctx.files:
        with open_text(path, "data") as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue

                def bad(msg: str) -> DataFormatError:
                    return DataFormatError(msg, path=path, line=lineno, hint=_HINT)

                doc = parse_json(raw, path, line=lineno, hint=_HINT)
                if not isinstance(doc, dict):
                    raise bad("expected a JSON object")
                sents, ner = doc.get("sentences"), doc.get("ner", [])
                key = str(doc.get("doc_key") or f"line{lineno}").replace("/", "_")
                if not isinstance(sents, list) or not sents or not all(
                        isinstance(s, list) and s and all(isinstance(t, str) and t.strip() for t in s) for s in sents):
                    raise bad("'sentences' must be a non-empty list of non-empty token lists")
                if not isinstance(ner, list) or len(ner) != len(sents):
                    raise bad(f"'ner' must hold one list per sentence ({len(sents)}), found "
                              f"{len(ner) if isinstance(ner, list) else type(ner).__name__}")
                offset, per_sentence = 0, []
                for k, (toks, mentions) in enumerate(zip(sents, ner)):
                    spans = []
                    if not isinstance(mentions, list):
                        raise bad(f"'ner' of sentence {k} must be a list of [start, end, type]")
                    for m in mentions:
                        try:
                            s, e, typ = int(m[0]), int(m[1]) + inclusive, str(m[2])
                        except (IndexError, TypeError, ValueError):
                            raise bad(f"mention {m!r} is not [start, end, type]") from None
                        if not (offset <= s < e <= offset + len(toks)):
                            raise bad(f"mention {m!r} of sentence {k} is outside its tokens "
                                      f"[{offset}, {offset + len(toks) - 1}] (document-level, end-inclusive)")
                        spans.append((s, e, typ))
                    per_sentence.append((toks, spans, offset))
                    offset += len(toks)
                if unit == "document":
                    tokens = [t for toks, _, _ in per_sentence for t in toks]
                    spans = [sp for _, sps, _ in per_sentence for sp in sps]
                    yield make_sentence(f"{ctx.row_id}/{ctx.split}/{key}/0", tokens, spans)
                else:
                    for k, (toks, sps, off) in enumerate(per_sentence):
                        yield make_sentence(f"{ctx.row_id}/{ctx.split}/{key}/{k}", toks,
                                            [(s - off, e - off, t) for s, e, t in sps])
