"""The annotations file: the one format between a teacher (or gold labels) and `distill build`.

JSONL, one line per passage chunk:
    {"id": str, "text": str, "entities": [[mention, type], ...], "dropped": {reason: n},
     "status": "ok" | <unparseable reason>, ...optional provenance keys}
`entities` are what was kept; `dropped` counts what was not and why (teacher_parse.py). Extra
keys (`passage_id`, `raw`, `dataset`, `notes`) are provenance and are ignored by the builder.

`gold_annotations` writes the same format from registry datasets' gold spans, with the cards'
natural-language type names: the stand-in for a teacher where no teacher LLM is reachable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..errors import DataFormatError
from ..io import atomic_write_text, iter_jsonl

HINT = ('each line must be {"id": str, "text": str, "entities": [[mention, type], ...], "dropped": {reason: int}} '
        '(written by `unibench distill annotate` or `distill gold-annotations`)')


@dataclass
class Annotation:
    id: str
    text: str
    entities: list[tuple[str, str]]
    dropped: dict[str, int] = field(default_factory=dict)
    status: str = "ok"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {"id": self.id, "text": self.text, "entities": [list(e) for e in self.entities],
             "dropped": dict(sorted(self.dropped.items())), "status": self.status}
        d.update(self.extra)
        return d


def annotation_from_dict(obj, *, path, line) -> Annotation:
    def bad(msg: str) -> DataFormatError:
        return DataFormatError(f"not an annotation record: {msg}", path=path, line=line, hint=HINT)

    if not isinstance(obj, dict):
        raise bad("expected a JSON object")
    aid, text, ents = obj.get("id"), obj.get("text"), obj.get("entities")
    if not isinstance(aid, str) or not aid:
        raise bad("'id' must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        raise bad("'text' must be a non-empty string")
    if not isinstance(ents, list):
        raise bad("'entities' must be a list of [mention, type] pairs")
    out = []
    for e in ents:
        if not (isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) and x.strip() for x in e)):
            raise bad(f"entity {e!r} is not a [mention, type] pair of non-empty strings")
        out.append((e[0], e[1]))
    dropped = obj.get("dropped", {})
    if not isinstance(dropped, dict) or not all(isinstance(v, int) and v >= 0 for v in dropped.values()):
        raise bad("'dropped' must map reasons to non-negative integers")
    extra = {k: v for k, v in obj.items() if k not in ("id", "text", "entities", "dropped", "status")}
    return Annotation(aid, text, out, dict(dropped), str(obj.get("status", "ok")), extra)


def read_annotations(paths: Iterable[Path | str]) -> list[Annotation]:
    """All records of several files, in order; ids must be unique across them."""
    out: list[Annotation] = []
    where: dict[str, str] = {}
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise DataFormatError("annotations file not found", path=path)
        before = len(out)
        for lineno, obj in iter_jsonl(path, HINT, "training"):
            a = annotation_from_dict(obj, path=path, line=lineno)
            if a.id in where:
                raise DataFormatError(f"duplicate id {a.id!r} (first at {where[a.id]})", path=path, line=lineno,
                                      hint="ids must be unique across all --annotations files")
            where[a.id] = f"{path}:{lineno}"
            out.append(a)
        if len(out) == before:
            raise DataFormatError("no annotation records (the file is empty or only blank lines)", path=path,
                                  hint=HINT)
    return out


def write_annotations(path: Path | str, records: Iterable[Annotation]) -> int:
    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
    atomic_write_text(path, "".join(x + "\n" for x in lines))
    return len(lines)


def gold_annotations(row_ids: list[str], split: str, data_dir: Path, cache_dir: Optional[Path],
                     version: str = "corrected", limit: Optional[int] = None) -> tuple[list[Annotation], dict]:
    """Annotations from gold labels: one record per sentence (text = whitespace-joined tokens, as
    the benchmark builds passages), entities in text order with the card's type names; with
    `limit`, the first `limit` sentences of each row."""
    from ..cards import resolve_ids
    from ..prepare import load_sentences

    records: list[Annotation] = []
    stats: dict[str, dict] = {}
    for card in resolve_ids(row_ids):
        sentences, entry = load_sentences(card, split, data_dir, cache_dir, version)
        sentences = sentences[:limit] if limit else sentences
        n_ent = 0
        for s in sentences:
            ents = [(s.mention(sp), sp.type) for sp in sorted(s.spans, key=lambda x: (x.start, x.end))]
            n_ent += len(ents)
            records.append(Annotation(s.id, s.text, ents, {}, "ok", {"dataset": card.id}))
        stats[card.id] = {"split": split, "version": version, "n_sentences": len(sentences), "n_entities": n_ent,
                          "types": card.types, "content_sha256": entry.get("sha256")}
    return records, stats
