"""Token-per-row CSV files: E-NER (`token,tag`) and FiNER-ORD (`gold_label,gold_token,doc_idx,sent_idx`).

Options (in the card):
- `layout: ener`: csv-quoted `token,tag` rows; a row with an EMPTY token ends a sentence; a
  `-DOCSTART-` row starts a new document. Sentence ids are `<row>/all/<doc>/<k>` so that the
  loader's `split_policy` can split by document. Rows that do not have exactly two fields are
  the release's known noise (2 rows): they are skipped and counted as repairs, never silently.
- `layout: finer_ord`: a header row, integer labels mapped through `label_names`; a sentence is
  the run of rows sharing (doc_idx, sent_idx).
- `tag_map`: raw tag -> replacement for documented noise (e.g. E-NER's stray `P` rows).
"""

from __future__ import annotations

import csv
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import open_text
from ..schema import Sentence, make_sentence
from ..tags import decode
from . import ReadContext


def _emit(ctx: ReadContext, sid: str, toks: list[str], tags: list[str], lines: list[int], path) -> Sentence:
    spans = decode(tags, ctx.tag_scheme, flush_final=ctx.flush_final, on_illegal=ctx.on_illegal,
                   report=ctx.report, path=str(path), lines=lines)
    return make_sentence(sid, toks, spans)


def _read_ener(ctx: ReadContext, path) -> Iterator[Sentence]:
    tag_map = ctx.options.get("tag_map", {})
    doc, k = -1, 0
    toks: list[str] = []
    tags: list[str] = []
    lines: list[int] = []

    def flush():
        nonlocal toks, tags, lines, k
        if toks:
            s = _emit(ctx, f"{ctx.row_id}/{ctx.split}/{max(doc, 0)}/{k}", toks, tags, lines, path)
            k += 1
            toks, tags, lines = [], [], []
            return s
        return None

    with open_text(path, "data", newline="") as fh:
        reader = csv.reader(fh)
        for row in reader:
            lineno = reader.line_num
            if len(row) != 2:
                ctx.report.add(f"{path}:{lineno}: skipped malformed row with {len(row)} fields")
                continue
            tok, tag = row[0].strip(), tag_map.get(row[1].strip(), row[1].strip())
            if tok == "-DOCSTART-":
                s = flush()
                if s:
                    yield s
                doc, k = doc + 1, 0
                continue
            if not tok:
                s = flush()
                if s:
                    yield s
                continue
            toks.append(tok)
            tags.append(tag)
            lines.append(lineno)
    s = flush()
    if s:
        yield s


def _read_finer(ctx: ReadContext, path) -> Iterator[Sentence]:
    names = ctx.options.get("label_names")
    if not names:
        raise DataFormatError("the finer_ord layout needs `label_names` in the card's options", path=path)
    with open_text(path, "data", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"gold_label", "gold_token", "doc_idx", "sent_idx"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise DataFormatError(f"header {reader.fieldnames} lacks {sorted(need)}", path=path, line=1,
                                  hint="expected the FiNER-ORD header gold_label,gold_token,doc_idx,sent_idx")
        key, n = None, 0
        toks: list[str] = []
        tags: list[str] = []
        lines: list[int] = []
        for row in reader:
            lineno = reader.line_num
            try:
                index = int(row["gold_label"])
                if not 0 <= index < len(names):  # names[-1] would silently be the last label
                    raise IndexError(index)
                label = names[index]
                this = (int(row["doc_idx"]), int(row["sent_idx"]))
            except (ValueError, IndexError, TypeError):
                raise DataFormatError(f"bad row {row!r}", path=path, line=lineno,
                                      hint=f"gold_label must be an integer 0..{len(names) - 1}; doc_idx and sent_idx "
                                           "integers") from None
            tok = (row["gold_token"] or "").strip()
            if not tok:
                raise DataFormatError("empty token", path=path, line=lineno)
            if key is not None and this != key and toks:
                yield _emit(ctx, ctx.sid(n), toks, tags, lines, path)
                n += 1
                toks, tags, lines = [], [], []
            key = this
            toks.append(tok)
            tags.append(label)
            lines.append(lineno)
        if toks:
            yield _emit(ctx, ctx.sid(n), toks, tags, lines, path)


def read(ctx: ReadContext) -> Iterator[Sentence]:
    layout = ctx.options.get("layout")
    for path in ctx.files:
        if layout == "ener":
            yield from _read_ener(ctx, path)
        elif layout == "finer_ord":
            yield from _read_finer(ctx, path)
        else:
            raise DataFormatError(f"unknown token_csv layout {layout!r}", path=path,
                                  hint="set options.layout to 'ener' or 'finer_ord' in the card")
