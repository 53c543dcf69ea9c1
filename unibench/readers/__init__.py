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
    "conll": "unibench.readers.conll:read",  # column files, BIO/IOB1/IOBES/IO
    "uniner_json": "unibench.readers.uniner_json:read",  # the original release's conversation JSON
    "token_csv": "unibench.readers.token_csv:read",  # token-per-row CSV (E-NER, FiNER-ORD)
    "ie_instructions": "unibench.readers.ie_instructions:read",  # {sentence, entities[{name,type,pos}]}
    "genia_jsonl": "unibench.readers.genia_jsonl:read",  # {tokens, entity_mentions} nested, token offsets
    "pubtator": "unibench.readers.pubtator:read",  # BioRED: documents with char offsets
    "dygie_jsonl": "unibench.readers.dygie_jsonl:read",  # SciERC: doc-level, end-inclusive token offsets
    "brat": "unibench.readers.brat:read",  # WLP, SoMeSci: .txt + .ann standoff
    "sofc": "unibench.readers.sofc:read",  # SOFC-Exp: texts + per-sentence TSV annotations
    "tasteset_csv": "unibench.readers.tasteset_csv:read",  # TASTEset: recipes with char spans
    "bigbio_kb": "unibench.readers.bigbio_kb:read",  # bigbio harmonised schema (documents, char offsets)
    "mrc_json": "unibench.readers.mrc_json:read",  # MRC-NER (ACE04/05) per (sentence, type) records
    "i2b2_xml": "unibench.readers.i2b2_xml:read",  # i2b2 2012/2014 XML standoff (TEXT + TAGS offsets)
    "shareclef_pipe": "unibench.readers.shareclef_pipe:read",  # ShARe/CLEF 2013 .txt reports + .pipe spans
    "scirex_jsonl": "unibench.readers.scirex_jsonl:read",  # SciREX papers: words, sentences, ner
    "ebmnlp": "unibench.readers.ebmnlp:read",  # EBM-NLP 2.0 release: .tokens + per-token PICO labels
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
