"""Readers: raw dataset files (in their original formats) -> `Sentence` records with RAW types.

A reader knows a file format, nothing about the benchmark: it yields sentences whose span types
are the raw tags of the source (`B-PER` -> `PER`). The loader (`unibench.loaders`) then applies
the card's label map. Adding a dataset in an existing format needs only a YAML card; a new
format needs one module here and one line in `READERS`.

Readers are looked up by name and imported lazily, so `unibench --help` stays fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import UnknownNameError
from ..schema import Sentence
from ..tags import DecodeReport

READERS: dict[str, str] = {
    "conll": "unibench.readers.conll:read",
    "uniner_json": "unibench.readers.uniner_json:read",
}


@dataclass
class ReadContext:
    """Everything a reader may use: the folder, the files of one split, options and quirks."""

    row_id: str
    split: str
    folder: Path
    files: list[Path]
    options: dict[str, Any]
    tag_scheme: str
    on_illegal: str = "repair"
    flush_final: bool = True  # False only for the paper-compatible CrossNER rows
    report: DecodeReport = field(default_factory=DecodeReport)

    def sid(self, n: int) -> str:
        return f"{self.row_id}/{self.split}/{n}"


Reader = Callable[[ReadContext], Iterator[Sentence]]


def get_reader(name: str) -> Reader:
    if name not in READERS:
        raise UnknownNameError("reader format", name, READERS)
    module, func = READERS[name].split(":")
    return getattr(importlib.import_module(module), func)
