"""MRC-NER JSON (ShannonAI `mrc-for-flat-nested-ner`), the usual sentence-level ACE04/ACE05 release.

Layout (per split one file, e.g. `mrc-ner.train`, `mrc-ner.dev`, `mrc-ner.test`): a JSON list
with one record per (sentence, entity type):

    {"context": "begala dr . palmisano , again , thanks ...",   # whitespace-tokenised sentence
     "entity_label": "PER", "qas_id": "4.3", "query": "...", "impossible": false,
     "start_position": [1, 1, 11], "end_position": [2, 4, 12], "span_position": ["1;2", "1;4", "11;12"]}

Positions are **word indices into `context.split()`, end inclusive**; nested spans are allowed.
`qas_id` is `<sentence index>.<type index>`; records of one sentence are grouped by the part
before the dot (or, when `qas_id` is absent, by consecutive identical `context`). Records with
no positions (`impossible: true`) still contribute their sentence, so sentences without any
entity are kept, as in the paper's sentence counts.

Assumptions (the MRC-NER release itself is built from LDC data and was not available to check):
the format above is the one documented in ShannonAI's README and data-preprocess scripts; a
file may also be JSON Lines (one record per line), which is accepted too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import parse_json, read_text
from ..schema import Sentence, make_sentence
from . import ReadContext

_HINT = ('expected a JSON list of {"context": str, "entity_label": str, "qas_id": "<sent>.<k>", '
         '"start_position": [int], "end_position": [int]} records (end inclusive word indices)')


def _records(path: Path) -> list[tuple[int | None, dict]]:
    text = read_text(path, "data")
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = parse_json(text, path, hint=_HINT)
        if not isinstance(data, list):
            raise DataFormatError("expected a JSON list of records", path=path, line=1, hint=_HINT)
        return [(None, r) for r in data]
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        if raw.strip():
            out.append((lineno, parse_json(raw, path, line=lineno, hint=_HINT)))
    return out


def _group_key(rec: dict, index: int, prev_key, prev_context) -> object:
    qas = rec.get("qas_id")
    if qas is not None:
        return str(qas).split(".")[0]
    return prev_key if rec["context"] == prev_context else f"#{index}"


def read(ctx: ReadContext) -> Iterator[Sentence]:
    n = 0
    for path in ctx.files:
        current_key, current_tokens, spans = None, None, []
        prev_context = None
        for i, (lineno, rec) in enumerate(_records(path)):
            where = {"path": path, "line": lineno, "hint": _HINT}
            if not isinstance(rec, dict) or not isinstance(rec.get("context"), str) or "entity_label" not in rec:
                raise DataFormatError(f"record {i} lacks 'context' or 'entity_label'", **where)
            key = _group_key(rec, i, current_key, prev_context)
            tokens = rec["context"].split()
            if key != current_key:
                if current_tokens:
                    yield make_sentence(ctx.sid(n), current_tokens, spans)
                    n += 1
                current_key, current_tokens, spans = key, tokens, []
            elif tokens != current_tokens:
                raise DataFormatError(f"record {i} (qas_id {rec.get('qas_id')!r}) has a different context from the "
                                      f"other records of its sentence", **where)
            prev_context = rec["context"]
            starts, ends = rec.get("start_position") or [], rec.get("end_position") or []
            if not isinstance(starts, list) or not isinstance(ends, list):
                raise DataFormatError(f"record {i}: start_position and end_position must be lists", **where)
            if len(starts) != len(ends):
                raise DataFormatError(f"record {i}: {len(starts)} start positions but {len(ends)} end positions",
                                      **where)
            for s, e in zip(starts, ends):
                if not (isinstance(s, int) and isinstance(e, int) and 0 <= s <= e < len(tokens)):
                    raise DataFormatError(f"record {i}: span [{s}, {e}] (end inclusive) is outside the "
                                          f"{len(tokens)} words of its context", **where)
                spans.append((s, e + 1, str(rec["entity_label"])))
        if current_tokens:
            yield make_sentence(ctx.sid(n), current_tokens, spans)
            n += 1
