"""The conversation data file that `unibench train` reads: the released Pile-NER-type layout.

A JSON list (or JSONL, one record a line) of records
`{"id": str, "conversations": [{"from": "human", "value": "Text: <passage>"},
{"from": "gpt", "value": "I've read this text."}, {"from": "human", "value": "What describes <type> in
the text?"}, {"from": "gpt", "value": "[\\"m1\\", \\"m2\\"]"}, ...], "dataset": <row id, optional>}`
(the released `Pile-NER-type.json`; docs/training.md). One record is one passage with all its (query, answer) pairs; negatives are
answered `[]`. Supervised records carry `Dataset: D\\nText: ...` in the first human turn, as the
`uniner-sup` adapter renders it.

Why validate this strictly: a record with swapped roles, a missing passage turn or an answer that
is not a JSON list of strings would silently train the student on something the evaluation never
asks, and the damage only shows as a worse F1 hours later. Every problem is reported with the
file, the line where the record starts and what was expected. `skip_invalid=True` drops and
counts bad records instead (for large third-party files).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from ..errors import DataFormatError
from ..io import iter_jsonl, sha256_file

HINT = ('expected a JSON list (or JSONL) of {"id": str, "conversations": [{"from": "human", "value": '
        '"Text: ..."}, {"from": "gpt", "value": "I\'ve read this text."}, {"from": "human", "value": '
        '"What describes <type> in the text?"}, {"from": "gpt", "value": "[\\"m1\\"]"}, ...]} records '
        '(the Pile-NER-type layout, docs/training.md)')
_DATASET = re.compile(r"^Dataset: (?P<name>[^\n]+)\nText: ", re.S)


@dataclass(frozen=True)
class Conversation:
    """One validated record: the passage turn, the first assistant turn, then (query, answer) pairs."""

    id: str
    index: int  # position in the file (0-based); seeds the per-example question shuffle
    line: int  # line where the record starts, for messages
    passage: str  # value of the first human turn ("Text: ..." or "Dataset: D\nText: ...")
    first_answer: str  # value of the first gpt turn ("I've read this text.")
    pairs: tuple[tuple[str, str], ...]
    dataset: Optional[str] = None  # the record's "dataset" field (a row id), if any

    @property
    def dataset_field(self) -> Optional[str]:
        """The `Dataset: D` name of a supervised record's first turn (None for plain records)."""
        m = _DATASET.match(self.passage)
        return m.group("name") if m else None


@dataclass
class ConversationFile:
    path: Path
    sha256: str
    records: list[Conversation]
    skipped: list[str]  # "line N: reason" of records dropped with skip_invalid

    @property
    def n_pairs(self) -> int:
        return sum(len(r.pairs) for r in self.records)

    @property
    def n_negative_pairs(self) -> int:
        return sum(1 for r in self.records for _, a in r.pairs if _answer_items(a) == [])

    @property
    def supervised(self) -> bool:
        return any(r.dataset_field is not None for r in self.records)


def _answer_items(value: str) -> Optional[list]:
    try:
        items = json.loads(value)
    except (ValueError, RecursionError):  # JSONDecodeError, too many digits, too deep
        return None
    return items if isinstance(items, list) else None


def _iter_json_array(text: str, path: Path) -> Iterator[tuple[int, object]]:
    """(line, element) for each element of a top-level JSON array, so errors can name lines."""
    dec = json.JSONDecoder()
    ws = re.compile(r"\s*")
    pos = ws.match(text, 0).end()
    if pos >= len(text) or text[pos] != "[":
        raise DataFormatError("the file does not start with a JSON list '['", path=path, line=1, hint=HINT)
    pos = ws.match(text, pos + 1).end()
    line, counted = 1, 0
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            obj, end = dec.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"invalid JSON ({exc.msg} at column {exc.colno})", path=path, line=exc.lineno,
                                  hint=HINT) from None
        except (ValueError, RecursionError) as exc:  # an integer over the digit limit; nesting too deep
            raise DataFormatError(f"unreadable JSON record ({type(exc).__name__})", path=path, line=line,
                                  hint=HINT) from None
        yield line, obj
        pos = ws.match(text, end).end()
        if pos < len(text) and text[pos] == ",":
            pos = ws.match(text, pos + 1).end()
            continue
        if pos < len(text) and text[pos] == "]":
            if text[ws.match(text, pos + 1).end():].strip():
                raise DataFormatError("text after the closing ']' of the list", path=path,
                                      line=1 + text.count("\n", 0, pos), hint=HINT)
            return
        raise DataFormatError("expected ',' or ']' between records", path=path, line=1 + text.count("\n", 0, pos),
                              hint=HINT)


def _iter_raw(path: Path) -> Iterator[tuple[int, object]]:
    from ..safe_read import read_text

    text = read_text(path, "training")
    if text.lstrip().startswith("["):
        yield from _iter_json_array(text, path)
        return
    yield from iter_jsonl(path, HINT, "training")


def parse_record(obj: object, index: int, line: int) -> Conversation:
    """Validate one record; raises ValueError(reason) when it is not in the expected layout."""
    if not isinstance(obj, dict):
        raise ValueError("a record must be a JSON object")
    rid = obj.get("id", f"record-{index}")
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise ValueError("'id' must be a string")
    dataset = obj.get("dataset")
    if dataset is not None and (not isinstance(dataset, str) or not dataset):
        raise ValueError("'dataset' must be a non-empty string (a registry row id) when present")
    turns = obj.get("conversations")
    if not isinstance(turns, list) or len(turns) < 2:
        raise ValueError("'conversations' must be a list of at least 2 turns")
    if len(turns) % 2:
        raise ValueError(f"'conversations' has {len(turns)} turns; expected human/gpt pairs (an even number)")
    values = []
    for k, t in enumerate(turns):
        want = "human" if k % 2 == 0 else "gpt"
        if not isinstance(t, dict) or t.get("from") != want or not isinstance(t.get("value"), str):
            raise ValueError(f"turn {k} must be {{\"from\": \"{want}\", \"value\": str}}, got {json.dumps(t)[:80]}")
        values.append(t["value"])
    passage = values[0]
    if not (passage.startswith("Text: ") or _DATASET.match(passage)):
        raise ValueError("turn 0 must start with 'Text: ' (or 'Dataset: D\\nText: ' for supervised records)")
    pairs = []
    for k in range(2, len(values), 2):
        q, a = values[k], values[k + 1]
        if not q.strip():
            raise ValueError(f"turn {k} (a query) is empty")
        items = _answer_items(a)
        if items is None or not all(isinstance(x, str) for x in items):
            raise ValueError(f"turn {k + 1} (the answer to {q[:60]!r}) must be a JSON list of strings, got {a[:60]!r}")
        pairs.append((q, a))
    return Conversation(str(rid), index, line, passage, values[1], tuple(pairs), dataset)


def read_conversations(path: Path | str, *, skip_invalid: bool = False,
                       max_records: Optional[int] = None) -> ConversationFile:
    """Read and validate a conversation file. Raises DataFormatError naming file:line."""
    path = Path(path)
    if not os.path.lexists(path):  # anything else that is not a regular file is refused by name when read
        raise DataFormatError("conversation data file not found", path=path, hint=HINT)
    records: list[Conversation] = []
    skipped: list[str] = []
    for index, (line, obj) in enumerate(_iter_raw(path)):
        try:
            records.append(parse_record(obj, index, line))
        except ValueError as exc:
            if not skip_invalid:
                raise DataFormatError(f"record {index}: {exc}", path=path, line=line, hint=HINT) from None
            skipped.append(f"line {line}: {exc}")
        if max_records is not None and len(records) >= max_records:
            break
    if not records:
        raise DataFormatError("no usable records" + (f" ({len(skipped)} invalid)" if skipped else ""), path=path,
                              hint=HINT)
    return ConversationFile(path, sha256_file(path), records, skipped)


def training_datasets(records: list[Conversation]) -> list[str]:
    """Row ids whose training data the records contain, for `unibench_model.json` (empty for
    pure distillation on teacher-annotated passages).

    A record counts when it carries a `dataset` field (a row id: gold training data, whether or
    not it is rendered with the supervised `Dataset:` field) or a `Dataset: D` first turn, whose
    name is mapped back to a row id through the cards' paper names (what the uniner-sup adapter
    renders), or kept verbatim when no card has that name.
    """
    names: dict[str, None] = {}
    by_paper: Optional[dict[str, str]] = None
    for r in records:
        if r.dataset:
            names.setdefault(r.dataset, None)
            continue
        field = r.dataset_field
        if field is None:
            continue
        if by_paper is None:
            from ..cards import load_registry

            by_paper = {c.paper.name: c.id for c in load_registry().values()}
        names.setdefault(by_paper.get(field, field), None)
    return sorted(names)
