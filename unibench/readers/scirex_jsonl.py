"""SciREX document JSONL (`allenai/SciREX`, `scirex_dataset/release_data.tar.gz` -> `{train,dev,test}.jsonl`).

One paper per line: `doc_id`, `words` (all tokens of the paper), `sentences` (list of
`[start, end)` token ranges), `ner` (list of `[start, end, type]` token spans over `words`,
end exclusive, types Method / Task / Metric / Material), plus `sections`, `coref`,
`n_ary_relations`, `method_subrelations` (unused here).

Every sentence becomes one record (UniNER's SciREX counts are sentences, avg. 29 tokens);
a mention that crosses a sentence boundary is counted as a repair and skipped (or is an error
with `on_illegal: error`). Option `end_inclusive: true` reads `ner` ends as inclusive, for
derived copies that use that convention.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import open_text, parse_json
from ..schema import Sentence, make_sentence
from . import ReadContext

_HINT = 'expected one paper per line: {"doc_id", "words": [str], "sentences": [[s, e]], "ner": [[s, e, type]]}'


def read(ctx: ReadContext) -> Iterator[Sentence]:
    inclusive = bool(ctx.options.get("end_inclusive", False))
    for path in ctx.files:
        with open_text(path, "data") as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                doc = parse_json(raw, path, line=lineno, hint=_HINT)
                try:
                    words, sents, ner = doc["words"], doc["sentences"], doc.get("ner", [])
                    doc_id = str(doc.get("doc_id", lineno)).replace("/", "_")
                    if not (isinstance(words, list) and all(isinstance(w, str) for w in words)
                            and isinstance(sents, list) and isinstance(ner, list)):
                        raise TypeError
                    starts = [int(s) for s, _ in sents]
                    bounds = [(int(a), int(b)) for a, b in sents]
                    items = [(int(it[0]), int(it[1]), str(it[2])) for it in ner]
                except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                    raise DataFormatError("not a SciREX document line (words: [str], sentences: [[int, int]], "
                                          "ner: [[int, int, str]])", path=path, line=lineno, hint=_HINT) from None
                sents = bounds
                per_sent: dict[int, list[tuple[int, int, str]]] = {}
                for s, e, typ in items:
                    e += 1 if inclusive else 0
                    k = bisect_right(starts, s) - 1
                    if k < 0 or not (s < e <= int(sents[k][1])):
                        msg = f"mention {words[s:e][:8]} [{s}, {e}) {typ} crosses a sentence boundary"
                        if ctx.on_illegal == "error":
                            raise DataFormatError(msg, path=path, line=lineno, hint=_HINT)
                        ctx.report.add(f"{path}:{lineno}: {msg}")
                        continue
                    per_sent.setdefault(k, []).append((s - starts[k], e - starts[k], typ))
                for k, (a, b) in enumerate(sents):
                    toks = [w for w in words[int(a):int(b)] if w.strip()]
                    if len(toks) != int(b) - int(a):
                        raise DataFormatError(f"sentence {k} of {doc_id} has empty or whitespace tokens",
                                              path=path, line=lineno, hint=_HINT)
                    if toks:
                        yield make_sentence(f"{ctx.row_id}/{ctx.split}/{doc_id}/{k}", toks, per_sent.get(k, []))
