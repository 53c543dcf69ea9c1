"""i2b2 XML standoff files (2012 temporal relations, 2014 de-identification), read as distributed.

Each record is one XML file: `<ROOT><TEXT><![CDATA[...note...]]></TEXT><TAGS> ... </TAGS></ROOT>`,
where every annotation in `<TAGS>` carries character offsets into the TEXT content:

* 2012: `<EVENT id="E0" start="1" end="10" text="ADMISSION" type="OCCURRENCE" .../>` and
  `<TIMEX3 ... type="DATE" .../>` (plus TLINK/SECTIME without offsets, ignored);
* 2014: `<NAME id="P0" start="16" end="20" text="Jack" TYPE="PATIENT" comment=""/>`, `<DATE ...
  TYPE="DATE"/>`, ... (the TYPE attribute is the PHI subtype).

Options (card `sources.local.options`):
- `tags`: element names to read (default: every element with start/end); e.g. `[EVENT]` for 2012;
- `type_attribute`: attribute holding the type, tried in this order (default `[type, TYPE]`);
  when none is present the element name is the type;
- `entity_text_mismatch`: `error` (default) or `drop` (count the annotation as a repair, skip it);
- the `_documents` options (`sentence_split`, `tokenizer`, `discontiguous`).

A split entry in the card may name a folder (all `*.xml` below it, sorted), a `.tar.gz`/`.tgz`
archive (its `*.xml` members, read without unpacking, as downloaded from the n2c2 portal) or
a single `.xml` file. The `text` attribute is checked against TEXT[start:end]; a mismatch is an
error naming the file and the annotation, because it means the offsets are not the ones this
reader assumes (0-based, end exclusive, over the CDATA content), unless the card opts to drop them.
"""

from __future__ import annotations

import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import CAPS, iter_files, read_bytes
from ..schema import Sentence
from . import ReadContext
from ._documents import DocOptions, Document, Entity, document_sentences


def iter_xml(path: Path) -> Iterator[tuple[str, str, bytes]]:
    """(document id, where, xml bytes) for a folder, an archive or one file, in sorted order."""
    if path.is_dir():
        for f in iter_files(path, ".xml"):
            yield f.stem, str(f), read_bytes(f, "data", root=path)
    elif path.name.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(path) as tf:
            members = sorted((m for m in tf.getmembers() if m.isfile() and m.name.endswith(".xml")),
                             key=lambda m: m.name)
            for m in members:
                if m.size > CAPS["data"]:
                    raise DataFormatError(f"member {m.name} is {m.size} bytes, over the data cap", path=path)
                fh = tf.extractfile(m)
                yield Path(m.name).stem, f"{path}!{m.name}", fh.read() if fh else b""
    else:
        yield path.stem, str(path), read_bytes(path, "data")


def parse_document(doc_id: str, where: str, data: bytes, tags, type_attrs, ctx=None,
                   mismatch: str = "error") -> Document:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise DataFormatError(f"invalid XML: {exc}", path=where, line=exc.position[0],
                              hint="expected an i2b2 standoff file with <TEXT> and <TAGS>") from None
    text_el = root.find("TEXT")
    if text_el is None or text_el.text is None:
        raise DataFormatError("no <TEXT> element", path=where, hint="expected an i2b2 standoff file")
    text = text_el.text
    doc = Document(doc_id, [(0, text)], [], where)
    tags_el = root.find("TAGS")
    for el in (list(tags_el) if tags_el is not None else []):
        if "start" not in el.attrib or "end" not in el.attrib or (tags and el.tag not in tags):
            continue
        try:
            s, e = int(el.attrib["start"]), int(el.attrib["end"])
        except ValueError:
            raise DataFormatError(f"annotation {el.attrib.get('id')!r}: start/end are not integers", path=where) \
                from None
        typ = next((el.attrib[a] for a in type_attrs if el.attrib.get(a)), el.tag)
        if s < 0 or e > len(text) or e <= s:
            raise DataFormatError(f"annotation {el.attrib.get('id')!r} [{s}, {e}] is outside the "
                                  f"{len(text)}-character TEXT", path=where)
        want = el.attrib.get("text")
        if want is not None and " ".join(want.split()).lower() != " ".join(text[s:e].split()).lower():
            msg = f"annotation {el.attrib.get('id')!r}: text {want!r} != TEXT[{s}:{e}] {text[s:e]!r}"
            if mismatch != "drop" or ctx is None:
                raise DataFormatError(msg, path=where, hint="offsets are read as 0-based, end exclusive, over the "
                                                            "CDATA content; options.entity_text_mismatch: drop "
                                                            "counts and skips such annotations instead")
            ctx.report.add(f"{where}: {msg} (dropped)")
            continue
        doc.entities.append(Entity([(s, e)], typ, want or text[s:e]))
    return doc


def read(ctx: ReadContext) -> Iterator[Sentence]:
    opts = DocOptions.from_options(ctx.options, str(ctx.folder))
    tags = set(ctx.options.get("tags") or [])
    type_attrs = list(ctx.options.get("type_attribute") or ["type", "TYPE"])
    if isinstance(type_attrs, str):
        type_attrs = [type_attrs]
    for path in ctx.files:
        for doc_id, where, data in iter_xml(path):
            doc = parse_document(doc_id, where, data, tags, type_attrs, ctx,
                                 str(ctx.options.get("entity_text_mismatch", "error")))
            yield from document_sentences(ctx, doc, opts)
