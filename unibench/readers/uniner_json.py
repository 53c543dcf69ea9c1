"""The original UniNER project's released test files (`src/eval/test_data/*.json`).

Each file is a JSON list with one conversation per (sentence, type) query: `Text: <passage>`,
`I've read this text.`, `What describes <type> in the text?`, and the gold answer as a JSON
list of strings. Queries of one sentence are consecutive; their type order varies from sentence
to sentence (apparently set iteration order), so only the first sentence shows the card's order.

`read_released_queries` returns the queries exactly as released (the reference for the
paper-compatible rows); `read` turns them back into sentences, locating each gold string as
the next unused occurrence of its tokens, so the file can also serve as a data source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import load_json, parse_json
from ..schema import Sentence, make_sentence
from . import ReadContext

_Q_PREFIX, _Q_SUFFIX = "What describes ", " in the text?"


def read_released_queries(path: Path) -> list[dict]:
    """[{text, label, gold, index}] in file order, validated."""
    records = load_json(path, "data", hint="expected the UniNER conversation JSON (a list of {id, conversations})")
    if not isinstance(records, list):
        raise DataFormatError("expected a JSON list of conversation records", path=path, line=1)
    out = []
    for i, rec in enumerate(records):
        try:
            conv = rec["conversations"]
            text = conv[0]["value"]
            question = conv[2]["value"]
            answer = conv[3]["value"]
        except (KeyError, IndexError, TypeError):
            raise DataFormatError(f"record {i} is not a 4-turn UniNER conversation", path=path,
                                  hint="expected {id, conversations: [human Text:, gpt, human question, gpt answer]}"
                                  ) from None
        if not all(isinstance(v, str) for v in (text, question, answer)):
            raise DataFormatError(f"record {i}: conversation values must be strings", path=path)
        if not (text.startswith("Text: ") and question.startswith(_Q_PREFIX) and question.endswith(_Q_SUFFIX)):
            raise DataFormatError(f"record {i} does not follow the ie_as_qa wording", path=path)
        gold = parse_json(answer, path, hint=f"record {i}: the answer must be a JSON list of strings")
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            raise DataFormatError(f"record {i}: the answer is not a JSON list of strings", path=path)
        out.append({"index": i, "text": text[len("Text: "):], "label": question[len(_Q_PREFIX):-len(_Q_SUFFIX)],
                    "gold": gold})
    return out


def released_types(queries: list[dict]) -> list[str]:
    types: list[str] = []
    for q in queries:
        if q["label"] in types:
            break
        types.append(q["label"])
    return types


def _locate(tokens: list[str], mention: str, used: set[tuple[int, int]]) -> tuple[int, int] | None:
    m = mention.split()
    for i in range(len(tokens) - len(m) + 1):
        if tokens[i:i + len(m)] == m and (i, i + len(m)) not in used:
            return i, i + len(m)
    return None


def read(ctx: ReadContext) -> Iterator[Sentence]:
    n = 0
    for path in ctx.files:
        queries = read_released_queries(path)
        types = released_types(queries)
        if len(queries) % len(types):
            raise DataFormatError(f"{len(queries)} queries is not a multiple of the {len(types)} types",
                                  path=path)
        for start in range(0, len(queries), len(types)):
            block = queries[start:start + len(types)]
            tokens = block[0]["text"].split()
            spans, used = [], set()
            for q in block:
                for mention in q["gold"]:
                    where = _locate(tokens, mention, used)
                    if where is None:
                        raise DataFormatError(f"gold {mention!r} ({q['label']}) not found in its text",
                                              path=path, hint=f"record {q['index']}")
                    used.add(where)
                    spans.append((where[0], where[1], q["label"]))
            yield make_sentence(ctx.sid(n), tokens, spans)
            n += 1
