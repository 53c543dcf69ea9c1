"""A training set's entity types with their mention counts: what Familiarity compares against.

Read from conversation data in the Pile-NER-type layout (a `unibench distill build` DATA.json or
the released Pile-NER-type train.json, through `unibench.train.conversations`), or from the
`training_types.json` that `unibench train` writes next to every checkpoint (or a checkpoint
folder holding one). A type is the <type> of a "What describes <type> in the text?" query; its
count is the number of entity mentions answered for it (the items of the JSON list answers), as
the paper counts annotations. Negative queries (`[]` answers) add no mention. Names are compared
lower-cased with whitespace collapsed, so "Person" and "person " are one type.

Why a separate small file per checkpoint: the counts are all Familiarity needs, they are a few
kilobytes where the data is hundreds of megabytes, and they travel with the model.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..errors import DataFormatError

FILE_NAME = "training_types.json"
FORMAT = "unibench-training-types/1"
_QUESTION = re.compile(r"^What describes (.+) in the text\?$", re.S)
_HINT = (f'expected {{"format": "{FORMAT}", "types": {{"<type name>": <mentions>, ...}}}} ({FILE_NAME}, '
         "written by `unibench train`), a folder holding one, or conversation data in the Pile-NER-type layout")


def normalise(name: str) -> str:
    return " ".join(name.split()).lower()


@dataclass(frozen=True)
class TrainingTypes:
    counts: dict[str, int]  # normalised type name -> entity mentions, sorted by name
    source: str  # file name the counts came from
    source_sha256: Optional[str] = None
    records: Optional[int] = None

    @property
    def sha256(self) -> str:
        """Hash of the counts alone: the identity of a training set for Familiarity (and its cache)."""
        blob = json.dumps(self.counts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def n_mentions(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict:
        return {"format": FORMAT, "source": self.source, "source_sha256": self.source_sha256,
                "records": self.records, "count": "entity mentions per type (answer items), names lower-cased",
                "n_types": len(self.counts), "n_mentions": self.n_mentions, "sha256": self.sha256,
                "types": self.counts}


def count_types(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, int], int]:
    """(query, JSON-list answer) pairs -> (mention counts per normalised type, queries not in the
    "What describes <type> in the text?" form)."""
    counts: dict[str, int] = {}
    other = 0
    for query, answer in pairs:
        m = _QUESTION.match(query.strip())
        if not m:
            other += 1
            continue
        name = normalise(m.group(1))
        items = json.loads(answer)
        counts[name] = counts.get(name, 0) + len(items)
    return dict(sorted((t, c) for t, c in counts.items() if c > 0)), other


def from_conversations(records, source: str, source_sha256: Optional[str] = None) -> TrainingTypes:
    """Counts of validated `Conversation` records (unibench.train.conversations)."""
    counts, _ = count_types(p for r in records for p in r.pairs)
    if not counts:
        raise DataFormatError("no entity mention under a 'What describes <type> in the text?' query", path=source,
                              hint=_HINT)
    return TrainingTypes(counts, Path(source).name, source_sha256, len(records))


def _from_types_file(path: Path, obj: dict) -> TrainingTypes:
    types = obj.get("types")
    if obj.get("format") != FORMAT or not isinstance(types, dict) or not types:
        raise DataFormatError(f"not a {FILE_NAME} (format {obj.get('format')!r})", path=path, line=1, hint=_HINT)
    counts: dict[str, int] = {}
    for name, c in types.items():
        if not isinstance(name, str) or not name.strip() or not isinstance(c, int) or isinstance(c, bool) or c < 0:
            raise DataFormatError(f"type {name!r}: count {c!r} is not a non-negative integer", path=path,
                                  hint=_HINT)
        key = normalise(name)
        counts[key] = counts.get(key, 0) + c
    counts = dict(sorted((t, c) for t, c in counts.items() if c > 0))
    if not counts:
        raise DataFormatError("every type has count 0", path=path, hint=_HINT)
    return TrainingTypes(counts, str(obj.get("source") or path.name), obj.get("source_sha256"), obj.get("records"))


def load_training_types(ref: Path | str, *, skip_invalid: bool = False) -> TrainingTypes:
    """Counts from a training_types.json, a checkpoint folder holding one, conversation data, or the
    Hub id of the released Pile-NER-type data (read from the HF cache; offline without it: a clear error)."""
    path = Path(ref).expanduser()
    if not path.exists() and re.fullmatch(r"[\w.-]+/[\w.-]+", str(ref)) and path.suffix not in (".json", ".jsonl"):
        from ..distill.pile_ner import locate  # a Hub dataset id, e.g. Universal-NER/Pile-NER-type (HF cache)

        path = locate(str(ref))
    if path.is_dir():
        if not (path / FILE_NAME).is_file():
            raise DataFormatError(f"folder without {FILE_NAME} (a checkpoint from an older `unibench train`?)",
                                  path=path, hint=_HINT)
        path = path / FILE_NAME
    if not path.is_file():
        raise DataFormatError("training data file not found", path=path, hint=_HINT)
    head = path.read_text(encoding="utf-8", errors="replace")[:4096].lstrip()
    if head.startswith("{") and f'"{FORMAT}"' in head:
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno, hint=_HINT) from None
        if isinstance(obj, dict):
            return _from_types_file(path, obj)
    from ..train.conversations import read_conversations

    data = read_conversations(path, skip_invalid=skip_invalid)
    return from_conversations(data.records, str(path), data.sha256)
