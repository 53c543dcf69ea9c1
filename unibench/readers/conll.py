"""CoNLL-style column files: one token per line, blank line (or a separator line) between sentences.

Covers the variants of the benchmark's raw releases: tab or space separated, 2 to 4 columns, the tag
in any column (`tag_column`, default last), `-DOCSTART-` lines, a leading token-index column,
and separator lines made of a single TAB (StackOverflow-NER). Options (all in the card):

- `sep`: "tab", "space" or "whitespace" (default "whitespace")
- `token_column` (default 0), `tag_column` (default -1), `n_columns` (expected count; checked)
- `docstart`: skip `-DOCSTART-` lines (default true)
- `tag_map`: raw tag -> replacement, for documented noise (e.g. `{"P": "O"}`)
- `skip_empty_o`: skip lines whose token is empty and whose tag is O (documented noise in the
  Broad Twitter Corpus), counting each as a repair; otherwise an empty token is an error
- `blank_lines`: "whitespace" (default: a line of only whitespace ends a sentence) or "empty"
  (only an empty line does; a whitespace-only line inside a sentence is skipped and counted as a
  repair, as in the Broad Twitter Corpus test file, whose one such line sits inside a tweet)
- `eof_empty_sentence`: after the last sentence, yield one empty sentence when the file ends
  with a blank line, as the Hugging Face loading scripts of these corpora do (`yield` on every
  blank line and once more at end of file); only the `paper` version of JNLPBA sets it, because
  the paper's test count includes that empty record
"""

from __future__ import annotations

from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import open_text
from ..schema import Sentence, make_sentence
from ..tags import decode
from . import ReadContext

_SEPS = {"tab": "\t", "space": " ", "whitespace": None}


def _sentences(path, opts, report=None) -> Iterator[tuple[list[str], list[str], list[int]]]:
    sep = _SEPS[opts.get("sep", "whitespace")]
    tok_col = int(opts.get("token_column", 0))
    tag_col = int(opts.get("tag_column", -1))
    n_cols = opts.get("n_columns")
    docstart = opts.get("docstart", True)
    tag_map = opts.get("tag_map", {})
    empty_only = opts.get("blank_lines", "whitespace") == "empty"
    ended_blank = False
    toks: list[str] = []
    tags: list[str] = []
    lines: list[int] = []
    with open_text(path, "data") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            ended_blank = not line.strip()
            if empty_only and line and not line.strip():
                if report is not None:
                    report.add(f"{path}:{lineno}: skipped a whitespace-only line inside a sentence")
                continue
            if not line.strip():
                if toks:
                    yield toks, tags, lines
                    toks, tags, lines = [], [], []
                continue
            if sep is None:
                cols = line.split()
            elif sep == "\t":
                cols = line.split("\t")
            else:
                cols = [c for c in line.split(sep) if c]
            if docstart and cols[tok_col if tok_col < len(cols) else 0].startswith("-DOCSTART-"):
                if toks:
                    yield toks, tags, lines
                    toks, tags, lines = [], [], []
                continue
            if (n_cols is not None and len(cols) != int(n_cols)) or len(cols) < 2:
                want = f"{n_cols} columns" if n_cols is not None else "at least 2 columns (token and tag)"
                raise DataFormatError(f"malformed CoNLL line {line[:60]!r}: {len(cols)} column(s)", path=path,
                                      line=lineno, hint=f"expected {want}, separated by "
                                                        f"{opts.get('sep', 'whitespace')}")
            tok, tag = cols[tok_col].strip(), cols[tag_col].strip()
            if not tok and tag == "O" and opts.get("skip_empty_o") and report is not None:
                report.add(f"{path}:{lineno}: skipped an empty token tagged O")
                continue
            if not tok:
                raise DataFormatError("empty token", path=path, line=lineno,
                                      hint="a token line needs a non-empty token column")
            toks.append(tok)
            tags.append(tag_map.get(tag, tag))
            lines.append(lineno)
    if toks:
        yield toks, tags, lines
    elif ended_blank and opts.get("eof_empty_sentence"):
        yield [], [], []


def read(ctx: ReadContext) -> Iterator[Sentence]:
    n = 0
    for path in ctx.files:
        for toks, tags, lines in _sentences(path, ctx.options, ctx.report):
            spans = decode(tags, ctx.tag_scheme, flush_final=ctx.flush_final, on_illegal=ctx.on_illegal,
                           report=ctx.report, path=str(path), lines=lines)
            yield make_sentence(ctx.sid(n), toks, spans)
            n += 1
