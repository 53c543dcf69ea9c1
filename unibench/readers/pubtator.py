"""PubTator documents (BioRED): title, abstract, then character-offset annotations.

Layout of one document (documents separated by a blank line):

    PMID|t|title
    PMID|a|abstract
    PMID<TAB>start<TAB>end<TAB>mention<TAB>type<TAB>ids      (entity; offsets into title + " " + abstract)
    PMID<TAB>relation<TAB>id1<TAB>id2<TAB>novelty            (relation; ignored)

Documents become sentences with `text_split` (options `sentence_split`: `sentences` (default) or
`none`, and `tokenizer`: `punct` (default) or `whitespace`). The title and the abstract are
always separate sentences. Every entity's offsets must select exactly its mention text (modulo
whitespace) inside the document; otherwise the read fails naming the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import open_text
from ..schema import Sentence, make_sentence
from . import ReadContext
from .text_split import same_text, split_document, trim

_HINT = ("expected PubTator: 'PMID|t|title', 'PMID|a|abstract', then "
         "'PMID<TAB>start<TAB>end<TAB>mention<TAB>type[<TAB>ids]'")


@dataclass
class _Doc:
    pmid: str
    line: int
    title: str = ""
    abstract: str | None = None
    entities: list[tuple[int, int, str, str, int]] = field(default_factory=list)  # s, e, type, mention, line


def _documents(path: Path) -> Iterator[_Doc]:
    doc: _Doc | None = None
    with open_text(path, "data") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                if doc is not None:
                    yield doc
                    doc = None
                continue
            head = line.split("|", 2)
            if len(head) == 3 and head[1] in ("t", "a") and "\t" not in head[0]:
                pmid, kind, body = head
                if kind == "t":
                    if doc is not None:
                        yield doc
                    doc = _Doc(pmid, lineno, title=body)
                else:
                    if doc is None or doc.pmid != pmid or doc.abstract is not None:
                        raise DataFormatError(f"abstract line for {pmid} without its title line just before",
                                              path=path, line=lineno, hint=_HINT)
                    doc.abstract = body
                continue
            cols = line.split("\t")
            if doc is None or cols[0] != doc.pmid:
                raise DataFormatError(f"annotation line for {cols[0]!r} outside its document", path=path,
                                      line=lineno, hint=_HINT)
            if len(cols) >= 5 and cols[1].isdigit():
                if not cols[2].isdigit():
                    raise DataFormatError(f"end offset {cols[2]!r} is not an integer", path=path, line=lineno,
                                          hint=_HINT)
                doc.entities.append((int(cols[1]), int(cols[2]), cols[4], cols[3], lineno))
            elif len(cols) == 5 or len(cols) == 4:
                continue  # relation line
            else:
                raise DataFormatError(f"unrecognised line with {len(cols)} TAB-separated columns", path=path,
                                      line=lineno, hint=_HINT)
    if doc is not None:
        yield doc


def read(ctx: ReadContext) -> Iterator[Sentence]:
    split = str(ctx.options.get("sentence_split", "sentences"))
    tokenizer = str(ctx.options.get("tokenizer", "punct"))
    for path in ctx.files:
        for doc in _documents(path):
            text = doc.title + " " + (doc.abstract or "")
            entities = []
            for s, e, typ, mention, lineno in doc.entities:
                if not (0 <= s < e <= len(text)):
                    raise DataFormatError(f"entity {mention!r} offsets [{s}, {e}] fall outside document {doc.pmid} "
                                          f"({len(text)} characters)", path=path, line=lineno, hint=_HINT)
                if not same_text(text[s:e], mention):
                    raise DataFormatError(f"entity offsets [{s}, {e}] give {text[s:e]!r}, but the mention is "
                                          f"{mention!r}", path=path, line=lineno, hint=_HINT)
                s, e = trim(text, s, e)
                entities.append((s, e, typ))
            segments = [(0, len(doc.title)), (len(doc.title) + 1, len(text))]
            try:
                pieces = split_document(text, entities, segments=segments, split=split, tokenizer=tokenizer)
            except ValueError as exc:
                raise DataFormatError(f"document {doc.pmid}: {exc}", path=path, line=doc.line, hint=_HINT) from None
            for k, p in enumerate(pieces):
                yield make_sentence(f"{ctx.row_id}/{ctx.split}/{doc.pmid}/{k}", p.tokens, p.spans)
