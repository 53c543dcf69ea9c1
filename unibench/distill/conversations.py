"""Conversation records in the released Pile-NER-type layout (docs/training.md), and their checks.

    {"id": str, "conversations": [
        {"from": "human", "value": "Text: <passage>"},
        {"from": "gpt", "value": "I've read this text."},
        {"from": "human", "value": "What describes <type> in the text?"},
        {"from": "gpt", "value": "[\"m1\", \"m2\"]"}, ...],
     "dataset": <row id>   (supervised records only)}

The human turns are not written here: they are cut out of the evaluation adapters' own
templates (`adapters/uniner.yaml` for open-type records, `adapters/uniner-sup.yaml` with its
`Dataset:` field for supervised ones), so a student is trained on exactly the strings that
`unibench run` will ask it. Answers are `json.dumps(list, ensure_ascii=False)`; negatives "[]".

`validate_records` is the one reader-side check of the layout (file:record errors), used for the
released Pile-NER file and for our own output; `conversation_stats` counts passages, types and
positive/negative queries.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import DataFormatError, UnibenchError

READ_TURN = "I've read this text."
READ_TURN_VARIANTS = (READ_TURN, "I\u2019ve read this text.")  # the HF cards print a curly apostrophe
_QUESTION = re.compile(r"^What describes (.+) in the text\?$", re.S)


class _Turns:
    """The human-turn strings of one UniNER-family adapter, cut out of its rendered template."""

    def __init__(self, adapter_name: str):
        from ..adapters import get_adapter

        self.spec = get_adapter(adapter_name)

    def first_turn(self, text: str, dataset_name: str = "") -> str:
        from ..adapters.render import render

        prefix = render(self.spec.prefix, text=text, label="", labels=[], dataset_name=dataset_name,
                        supervised_row=bool(dataset_name))  # a supervised record is of its training mix
        i, j = prefix.find(" USER: "), prefix.rfind(" ASSISTANT: ")
        gpt = prefix[j + len(" ASSISTANT: "):] if j >= 0 else ""
        if i < 0 or j < i or gpt.removesuffix("</s>") != READ_TURN:
            raise UnibenchError(f"adapter {self.spec.name!r} is not in the ie_as_qa layout this builder expects "
                                "('<system> USER: <passage turn> ASSISTANT: I've read this text.</s>')")
        return prefix[i + len(" USER: "):j]

    def question(self, label: str) -> str:
        from ..adapters.render import render

        suffix = render(self.spec.suffix, text="", label=label, labels=[], dataset_name="", supervised_row=False)
        if not (suffix.startswith("USER: ") and suffix.endswith(" ASSISTANT:")):
            raise UnibenchError(f"adapter {self.spec.name!r} suffix is not 'USER: <question> ASSISTANT:'")
        return suffix[len("USER: "):-len(" ASSISTANT:")]


@lru_cache(maxsize=4)
def turns(adapter_name: str) -> _Turns:
    return _Turns(adapter_name)


def answer(mentions: Sequence[str]) -> str:
    return json.dumps(list(mentions), ensure_ascii=False)


def make_record(rid: str, text: str, queries: Iterable[tuple[str, Sequence[str]]], *, dataset: str | None = None,
                dataset_name: str = "") -> dict:
    """One record: the passage turn, then one (question, JSON answer) pair per (type, mentions)."""
    t = turns("uniner-sup" if dataset else "uniner")
    conv = [{"from": "human", "value": t.first_turn(text, dataset_name)}, {"from": "gpt", "value": READ_TURN}]
    for label, mentions in queries:
        conv.append({"from": "human", "value": t.question(label)})
        conv.append({"from": "gpt", "value": answer(mentions)})
    rec = {"id": rid, "conversations": conv}
    if dataset:
        rec["dataset"] = dataset
    return rec


def _check_record(rec, n: int, path) -> None:
    def bad(msg: str) -> DataFormatError:
        rid = rec.get("id") if isinstance(rec, dict) else None
        return DataFormatError(f"record {n}{f' (id {rid!r})' if rid is not None else ''}: {msg}", path=path,
                               hint="expected the Pile-NER-type layout: {\"id\", \"conversations\": [human 'Text: "
                                    "...', gpt \"I've read this text.\", then human 'What describes T in the "
                                    "text?' / gpt '[JSON list of strings]' pairs]}")

    if not isinstance(rec, dict):
        raise bad("not a JSON object")
    conv = rec.get("conversations")
    if not isinstance(conv, list) or len(conv) < 2 or len(conv) % 2:
        raise bad("'conversations' must be a list of an even number (>= 2) of turns")
    for k, turn in enumerate(conv):
        want = "human" if k % 2 == 0 else "gpt"
        if not isinstance(turn, dict) or turn.get("from") != want or not isinstance(turn.get("value"), str):
            raise bad(f"turn {k} must be {{\"from\": \"{want}\", \"value\": str}}")
    first = conv[0]["value"]
    if not (first.startswith("Text: ") or (first.startswith("Dataset: ") and "\nText: " in first)):
        raise bad("turn 0 must start with 'Text: ' (or 'Dataset: D\\nText: ')")
    if conv[1]["value"] not in READ_TURN_VARIANTS:
        raise bad(f"turn 1 must be {READ_TURN!r}")
    for k in range(2, len(conv), 2):
        if not _QUESTION.match(conv[k]["value"]):
            raise bad(f"turn {k} must be 'What describes <type> in the text?'")
        try:
            value = json.loads(conv[k + 1]["value"])
        except (ValueError, RecursionError):  # JSONDecodeError, too many digits, too deep
            raise bad(f"turn {k + 1} is not a JSON list") from None
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise bad(f"turn {k + 1} must be a JSON list of strings")
    if "id" in rec and not isinstance(rec["id"], (str, int)):
        raise bad("'id' must be a string")


def validate_records(records, path: Path | str) -> None:
    if not isinstance(records, list):
        raise DataFormatError("the top level must be a JSON list of conversation records", path=path)
    for n, rec in enumerate(records, 1):
        _check_record(rec, n, path)


def read_conversations(path: Path | str) -> list[dict]:
    """Load and validate a conversation data file (ours or the released Pile-NER-type)."""
    from ..safe_read import load_json

    path = Path(path)
    if not os.path.lexists(path):
        raise DataFormatError("conversation data file not found", path=path)
    records = load_json(path, "training", hint="expected a JSON list of conversation records")
    validate_records(records, path)
    if not records:
        raise DataFormatError("no conversation records (the list is empty)", path=path)
    return records


def conversation_stats(records: Sequence[dict]) -> dict:
    types: Counter = Counter()
    pos = neg = 0
    for rec in records:
        conv = rec["conversations"]
        for k in range(2, len(conv), 2):
            types[_QUESTION.match(conv[k]["value"]).group(1)] += 1
            if json.loads(conv[k + 1]["value"]):
                pos += 1
            else:
                neg += 1
    return {"passages": len(records), "types": len(types), "queries": pos + neg, "positive_queries": pos,
            "negative_queries": neg, "top_types": types.most_common(10)}


def dumps_records(records: Sequence[dict]) -> str:
    """A JSON list with one record per line: valid JSON, and readable/diffable line by line."""
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"
