"""ShARe/CLEF eHealth 2013 Task 1 (disorder mentions in MIMIC-II notes), read as distributed.

Layout of one split (a folder named in the card, e.g. `<data-dir>/shareclef/train/`):
the report texts (`*.txt`, e.g. `00098-016139-DISCHARGE_SUMMARY.txt`) and the gold annotation
files in the task's pipe format (any file whose name contains `.pipe`, e.g.
`00098-016139-DISCHARGE_SUMMARY.pipe.txt`), anywhere below the folder. Each annotation line is

    <report file name>||<type>||<CUI or CUI-less>||<start>||<end>[||<start>||<end> ...]

with one or more character spans (0-based, end exclusive; several spans = a discontiguous
disorder). The report named in the first field is looked up by file name. Discontiguous
mentions follow the card's `discontiguous` option (see `_documents`; the ShARe card uses
`span`). Assumption, stated because the data is under a PhysioNet DUA and was not available
to check: offsets are 0-based and end-exclusive over the raw report text, as in the task's
evaluation script; a span outside its report is an error naming the file and line.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import iter_files, read_bytes
from ..schema import Sentence
from . import ReadContext
from ._documents import DocOptions, Document, Entity, document_sentences

_HINT = "expected <report>||<type>||<cui>||<start>||<end>[||<start>||<end>...] per line"


def _annotation_lines(folder: Path) -> Iterator[tuple[Path, int, list[str]]]:
    files = [p for p in iter_files(folder, "") if ".pipe" in p.name]
    if not files:
        raise DataFormatError("no pipe annotation files (names containing '.pipe') in this folder", path=folder,
                              hint="put the Task 1 gold .pipe files next to the report .txt files")
    for f in files:
        text = read_bytes(f, "data", root=folder).decode("utf-8", errors="replace")
        for lineno, raw in enumerate(text.splitlines(), 1):
            if raw.strip():
                yield f, lineno, raw.strip().split("||")


def read(ctx: ReadContext) -> Iterator[Sentence]:
    opts = DocOptions.from_options(ctx.options, str(ctx.folder))
    for folder in ctx.files:
        if not folder.is_dir():
            raise DataFormatError("expected a folder of report .txt files and .pipe annotation files", path=folder)
        reports = {p.name: p for p in iter_files(folder, ".txt") if ".pipe" not in p.name}
        entities: dict[str, list[Entity]] = defaultdict(list)
        for f, lineno, fields in _annotation_lines(folder):
            if len(fields) < 5 or (len(fields) - 3) % 2:
                raise DataFormatError(f"{len(fields)} '||'-separated fields", path=f, line=lineno, hint=_HINT)
            name = Path(fields[0]).name
            if name not in reports:
                raise DataFormatError(f"report {name!r} not found below {folder}", path=f, line=lineno,
                                      hint="the report .txt files must sit in the same split folder")
            try:
                nums = [int(x) for x in fields[3:]]
            except ValueError:
                raise DataFormatError("start/end offsets are not integers", path=f, line=lineno, hint=_HINT) from None
            frags = list(zip(nums[0::2], nums[1::2]))
            if any(e <= s or s < 0 for s, e in frags):
                raise DataFormatError(f"empty or reversed span in {frags}", path=f, line=lineno, hint=_HINT)
            entities[name].append(Entity(frags, fields[1], f"{f.name}:{lineno}"))
        for name, path in reports.items():
            # The 2013 release is not uniformly UTF-8; replacement keeps its offsets (one character per byte
            # sequence), as this reader always did. Size, file type and symlinks are still checked.
            text = read_bytes(path, "data", root=folder).decode("utf-8", errors="replace").removeprefix("\ufeff")
            for ent in entities.get(name, []):
                if max(e for _, e in ent.fragments) > len(text):
                    raise DataFormatError(f"span {ent.fragments} is outside the {len(text)} characters of {name}",
                                          path=str(path), hint=f"annotation at {ent.text}")
            doc = Document(Path(name).stem, [(0, text)], entities.get(name, []), str(path))
            yield from document_sentences(ctx, doc, opts)
