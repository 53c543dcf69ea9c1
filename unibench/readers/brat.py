"""brat standoff (WLP, SoMeSci): `name.txt` + `name.ann`.

Entity lines: `T<id><TAB><type> <start> <end>[;<start> <end>...]<TAB><text>`.

`files` in the card lists folders (every `*.ann` inside, with its `.txt`) or single `.ann` files.
Only text-bound (`T`) lines are entities; events (`E`), relations (`R`), attributes (`A`/`M`),
normalisations (`N`) and notes (`#`) are ignored. Offsets are character offsets into the `.txt`
file read with universal newlines off, end exclusive; each entity's offsets must select its text
(modulo whitespace) and lie inside the file, otherwise the read fails naming the `.ann` file and
line. Whitespace at an entity's edges (WLP has a few `"5 minutes "`) is trimmed.

Options:
- `sentence_split`: `sentences` (punctuation rule of `text_split`), `lines` (that rule plus every
  line break; default), `line_only` (one sentence per non-empty line: WLP's one-step-per-line
  files) or `none`;
- `skip_first_line`: the first line is not a sentence (WLP: the protocol title); an entity on it
  is an error, so nothing is dropped silently;
- `discontiguous`: `error` (default), `drop` (counted as repairs in the load report), `span` (one
  span from the first fragment to the last) or `fragments` (each fragment its own mention);
- `split_file` + `split_keys`: a JSON file mapping split names to document ids (SoMeSci's
  `train_devel_test_split.json`) and unibench split -> key in it (e.g. `{dev: devel}`); only the
  listed documents of the split are read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import iter_files, load_json, open_text, read_text
from ..schema import Sentence, make_sentence
from . import ReadContext
from .text_split import same_text, split_document, trim

_HINT = "expected brat standoff: 'T<n><TAB><Type> <start> <end>[;<start> <end>]<TAB><text>' (character offsets)"
DISCONTIGUOUS = ("error", "drop", "span", "fragments")


def _ann_files(ctx: ReadContext) -> list[Path]:
    out: list[Path] = []
    for f in ctx.files:
        out.extend([p for p in iter_files(f, ".ann") if p.parent == f] if f.is_dir() else [f])
    return out


def _wanted(ctx: ReadContext) -> set[str] | None:
    name = ctx.options.get("split_file")
    if not name:
        return None
    path = ctx.folder / name
    if not path.exists():
        raise DataFormatError("split file not found", path=path, hint="fix options.split_file in the card")
    table = load_json(path, "data", root=ctx.folder)
    key = dict(ctx.options.get("split_keys", {})).get(ctx.split, ctx.split)
    if not isinstance(table, dict) or not isinstance(table.get(key), list):
        raise DataFormatError(f"no list of document ids under {key!r}", path=path,
                              hint='expected {"train": [ids], "devel": [ids], "test": [ids]}')
    return set(map(str, table[key]))


def read_ann(ann: Path, text: str, discontiguous: str, report) -> list[tuple[int, int, str]]:
    """Validated (start, end, type) entities of one `.ann` file."""
    entities = []
    with open_text(ann, "data", newline="") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line.startswith("T"):
                continue
            cols = line.split("\t")
            if len(cols) < 2:
                raise DataFormatError(f"text-bound line without a TAB-separated type and offsets: {line[:60]!r}",
                                      path=ann, line=lineno, hint=_HINT)
            label = "\t".join(cols[2:])  # WLP texts may contain TABs
            typ, _, offs = cols[1].partition(" ")
            try:
                frags = [tuple(int(x) for x in f.split()) for f in offs.split(";")]
                if not frags or any(len(f) != 2 for f in frags):
                    raise ValueError
            except ValueError:
                raise DataFormatError(f"bad offsets {offs!r} for {cols[0]} ({typ})", path=ann, line=lineno,
                                      hint=_HINT) from None
            for s, e in frags:
                if not (0 <= s < e <= len(text)):
                    raise DataFormatError(f"offsets [{s}, {e}] of {cols[0]} ({typ}) fall outside the "
                                          f"{len(text)}-character text", path=ann, line=lineno, hint=_HINT)
            source = " ".join(text[s:e] for s, e in frags)
            if not same_text(source, label):
                raise DataFormatError(f"offsets {offs} of {cols[0]} ({typ}) give {source!r}, but the annotation "
                                      f"text is {label!r}", path=ann, line=lineno, hint=_HINT)
            if len(frags) > 1:
                if discontiguous == "error":
                    raise DataFormatError(f"discontiguous entity {cols[0]} ({typ}) {label!r}", path=ann, line=lineno,
                                          hint="set options.discontiguous (drop, span or fragments) in the card")
                if discontiguous == "drop":
                    report.add(f"{ann}:{lineno}: discontiguous {typ} {label!r} dropped (policy: drop)")
                    continue
                if discontiguous == "span":
                    frags = [(frags[0][0], frags[-1][1])]
            for s, e in frags:
                s, e = trim(text, s, e)
                if s < e:
                    entities.append((s, e, typ))
    return entities


def read(ctx: ReadContext) -> Iterator[Sentence]:
    split = str(ctx.options.get("sentence_split", "lines"))
    tokenizer = str(ctx.options.get("tokenizer", "punct"))
    discontiguous = str(ctx.options.get("discontiguous", "error"))
    if discontiguous not in DISCONTIGUOUS:
        raise DataFormatError(f"reader option discontiguous={discontiguous!r} is not one of {list(DISCONTIGUOUS)}",
                              hint="fix sources.local.options in the dataset card")
    wanted = _wanted(ctx)
    several = len(ctx.files) > 1
    for ann in _ann_files(ctx):
        if wanted is not None and ann.stem not in wanted:
            continue
        txt = ann.with_suffix(".txt")
        if not os.path.lexists(txt):  # a dangling symlink is refused by name when read
            raise DataFormatError("no .txt file beside this .ann file", path=ann,
                                  hint="brat pairs name.txt with name.ann")
        text = read_text(txt, "data", root=ann.parent)
        entities = read_ann(ann, text, discontiguous, ctx.report)
        start = 0
        if ctx.options.get("skip_first_line"):
            start = text.find("\n") + 1 if "\n" in text else len(text)
            for s, e, typ in entities:
                if s < start:
                    raise DataFormatError(f"entity {typ} {text[s:e]!r} lies on the first line, which "
                                          f"skip_first_line leaves out", path=ann, hint=_HINT)
        try:
            pieces = split_document(text, entities, segments=[(start, len(text))], split=split, tokenizer=tokenizer)
        except ValueError as exc:
            raise DataFormatError(str(exc), path=ann, hint=_HINT) from None
        key = f"{ann.parent.name}_{ann.stem}" if several else ann.stem
        for k, p in enumerate(pieces):
            yield make_sentence(f"{ctx.row_id}/{ctx.split}/{key}/{k}", p.tokens, p.spans)
