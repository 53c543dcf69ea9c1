"""SOFC-Exp corpus (boschresearch/sofc-exp_textmining_resources, `sofc-exp-corpus/`).

Layout under the dataset folder:
- `SOFC-Exp-Metadata.csv` (TAB-separated): one row per article; `name` = PMC id, `set` = train/dev/test;
- `texts/<name>.txt`: the article text;
- `annotations/sentences/<name>.csv`: `sent_id<TAB>experiment(0/1)<TAB>begin<TAB>end` (character
  offsets into the text, end exclusive);
- `annotations/entity_types_and_slots/<name>.csv`: `sent_id<TAB>token_id<TAB>begin<TAB>end<TAB>
  entity_BIO<TAB>slot_BIO`, token offsets relative to the sentence start, for the
  experiment-describing sentences only (the only annotated ones).

The release's own sentences and tokens are used (no re-splitting); entities are decoded from the
entity BIO column with `unibench.tags` (BIO, conlleval repair policy, repairs counted). The card
lists the metadata file as the split's file; the reader picks the articles whose `set` equals the
split. Option `experiment_only` (default true) keeps only sentences flagged 1, which is what
UniNER's 568/135/173 count.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import open_text, read_text
from ..schema import Sentence, make_sentence
from ..tags import decode
from . import ReadContext

_SPLIT_NAMES = {"train": "train", "dev": "dev", "test": "test"}


def _int(value: str, path: Path, lineno: int, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DataFormatError(f"{what} {value!r} is not an integer", path=path, line=lineno) from None


def _articles(meta: Path, split: str) -> list[str]:
    with open_text(meta, "data", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows or "name" not in rows[0] or "set" not in rows[0]:
        raise DataFormatError("metadata lacks the 'name' and 'set' columns", path=meta, line=1,
                              hint="expected the TAB-separated SOFC-Exp-Metadata.csv")
    return [r["name"] for r in rows if r["set"].strip() == _SPLIT_NAMES.get(split, split)]


def _sentences(path: Path) -> list[tuple[int, ...]]:
    """(sent_id, experiment flag, begin, end, line) rows of one sentence table."""
    out = []
    with open_text(path, "data") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            cols = raw.rstrip("\r\n").split("\t")
            if len(cols) != 4:
                raise DataFormatError(f"{len(cols)} columns", path=path, line=lineno,
                                      hint="expected sent_id<TAB>experiment<TAB>begin<TAB>end")
            out.append(tuple(_int(c, path, lineno, "value") for c in cols) + (lineno,))
    return out


def _tokens(path: Path) -> dict[int, list[tuple[int, int, str, int]]]:
    """sent_id -> [(begin, end, entity tag, line)] in file order."""
    out: dict[int, list[tuple[int, int, str, int]]] = {}
    with open_text(path, "data") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            cols = raw.rstrip("\r\n").split("\t")
            if len(cols) != 6:
                raise DataFormatError(f"{len(cols)} columns", path=path, line=lineno,
                                      hint="expected sent_id<TAB>token_id<TAB>begin<TAB>end<TAB>entity<TAB>slot")
            sid = _int(cols[0], path, lineno, "sent_id")
            out.setdefault(sid, []).append((_int(cols[2], path, lineno, "begin"), _int(cols[3], path, lineno, "end"),
                                            cols[4].strip(), lineno))
    return out


def read(ctx: ReadContext) -> Iterator[Sentence]:
    experiment_only = bool(ctx.options.get("experiment_only", True))
    for meta in ctx.files:
        folder = meta.parent
        for name in _articles(meta, ctx.split):
            text_path = folder / "texts" / f"{name}.txt"
            sent_path = folder / "annotations" / "sentences" / f"{name}.csv"
            tok_path = folder / "annotations" / "entity_types_and_slots" / f"{name}.csv"
            for p in (text_path, sent_path, tok_path):
                if not p.exists():
                    raise DataFormatError(f"file of article {name} is missing", path=p,
                                          hint="the SOFC-Exp layout needs texts/, annotations/sentences/ and "
                                               "annotations/entity_types_and_slots/")
            text = read_text(text_path, "data", root=folder)
            tokens = _tokens(tok_path)
            for sid, flag, begin, end, lineno in _sentences(sent_path):
                if not (0 <= begin <= end <= len(text)):
                    raise DataFormatError(f"sentence {sid} offsets [{begin}, {end}] fall outside the "
                                          f"{len(text)}-character text of {name}", path=sent_path, line=lineno)
                if experiment_only and flag != 1:
                    continue
                rows = tokens.get(sid)
                if not rows:
                    raise DataFormatError(f"experiment sentence {sid} has no token rows", path=tok_path,
                                          hint="every sentence flagged 1 is annotated in entity_types_and_slots")
                words, tags, lines = [], [], []
                for b, e, tag, tline in rows:
                    if not (0 <= b < e <= end - begin):
                        raise DataFormatError(f"token offsets [{b}, {e}] fall outside sentence {sid} "
                                              f"({end - begin} characters)", path=tok_path, line=tline)
                    word = text[begin + b:begin + e]
                    if not word.strip() or any(c.isspace() for c in word.strip()):
                        raise DataFormatError(f"token [{b}, {e}] of sentence {sid} is {word!r}, not one word",
                                              path=tok_path, line=tline)
                    words.append(word.strip())
                    tags.append(tag)
                    lines.append(tline)
                spans = decode(tags, "BIO", flush_final=True, on_illegal=ctx.on_illegal, report=ctx.report,
                               path=str(tok_path), lines=lines)
                yield make_sentence(f"{ctx.row_id}/{ctx.split}/{name}/{sid}", words, spans)
