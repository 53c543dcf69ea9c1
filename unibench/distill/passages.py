"""Raw passages for the teacher: reading them (with line-numbered errors) and chunking them.

Input formats (`--passages FILE`):
- JSONL (file name ending in `.jsonl`): one object per line with a non-empty string `"text"` and
  an optional string `"id"` (default: `<file stem>:<line>`); ids must be unique;
- anything else is plain text: one passage per line; blank lines are skipped; the id is
  `<file stem>:<line>`.

Chunking (the paper: "articles are chunked to <= 256 tokens", method unpublished): passages are
cut at whitespace into consecutive chunks of at most `max_tokens` tokens. Tokens are whitespace
tokens by default (so a chunk is at most 256 words); with a tokenizer (a Hugging Face name or
path, loaded lazily, offline mode honoured) the budget counts its subword tokens instead, and
chunks still end at whitespace unless one word alone is longer than the budget, in which case
that word is cut at token boundaries. A chunk's text is the exact substring of the passage it
covers (inner whitespace kept). Chunk ids are `<passage id>#<k>`, k from 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..errors import DataFormatError, UnibenchError

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Passage:
    id: str
    text: str


@dataclass(frozen=True)
class Chunk:
    id: str
    passage_id: str
    text: str
    n_tokens: int


def read_passages(path: Path | str) -> list[Passage]:
    path = Path(path)
    if not path.is_file():
        raise UnibenchError(f"passages file not found: {path}")
    if path.suffix == ".jsonl":
        return _read_jsonl(path)
    from ..safe_read import open_text

    out = []
    with open_text(path, "training") as fh:  # regular file, size cap, UTF-8 (errors name line and byte)
        for lineno, line in enumerate(fh, 1):
            text = line.strip()
            if text:
                out.append(Passage(f"{path.stem}:{lineno}", text))
    if not out:
        raise DataFormatError("no passages (the file is empty or only blank lines)", path=path)
    return out


def _read_jsonl(path: Path) -> list[Passage]:
    from ..io import iter_jsonl

    hint = 'each line must be a JSON object {"text": "<passage>", "id": "<optional unique id>"}'
    out, seen = [], {}
    for lineno, obj in iter_jsonl(path, hint, "training"):
        if not isinstance(obj, dict):
            raise DataFormatError("expected a JSON object", path=path, line=lineno, hint=hint)
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DataFormatError("'text' must be a non-empty string", path=path, line=lineno, hint=hint)
        pid = obj.get("id", f"{path.stem}:{lineno}")
        if not isinstance(pid, str) or not pid:
            raise DataFormatError("'id' must be a non-empty string", path=path, line=lineno, hint=hint)
        if pid in seen:
            raise DataFormatError(f"duplicate id {pid!r} (first on line {seen[pid]})", path=path, line=lineno)
        seen[pid] = lineno
        out.append(Passage(pid, text.strip()))
    if not out:
        raise DataFormatError("no passages (the file is empty)", path=path)
    return out


# --- chunking ----------------------------------------------------------------------------------

def whitespace_counter(words: Sequence[str]) -> list[int]:
    return [1] * len(words)


def hf_counter(name_or_path: str) -> Callable[[Sequence[str]], list[int]]:
    """Subword counts per word from a Hugging Face tokenizer (imported lazily)."""
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise UnibenchError("--tokenizer needs the `transformers` package",
                            hint="pip install 'unibench[transformers]'") from None
    try:
        tok = AutoTokenizer.from_pretrained(name_or_path)
    except Exception as exc:  # noqa: BLE001 - OSError, offline errors, bad folders
        raise UnibenchError(f"could not load tokenizer {name_or_path!r}: {type(exc).__name__}: {str(exc)[:200]}",
                            hint="give a local tokenizer folder, or a Hub name already in the HF cache") from None

    def count(words: Sequence[str]) -> list[int]:
        # each word as it appears after a space, so counts match the word inside running text
        enc = tok([" " + w for w in words], add_special_tokens=False)["input_ids"]
        return [max(1, len(ids)) for ids in enc]

    count.tokenizer = tok  # type: ignore[attr-defined]
    return count


def chunk_passage(p: Passage, max_tokens: int, counter: Callable[[Sequence[str]], list[int]] = whitespace_counter
                  ) -> list[Chunk]:
    if max_tokens < 1:
        raise UnibenchError(f"--max-tokens must be at least 1 (got {max_tokens})")
    words = [(m.start(), m.end()) for m in _WORD.finditer(p.text)]
    counts = counter([p.text[a:b] for a, b in words])
    pieces: list[tuple[int, int, int]] = []  # (char start, char end, tokens)
    start: Optional[int] = None
    used = prev_end = 0
    for (a, b), n in zip(words, counts):
        if n > max_tokens:  # one word over budget: flush, then cut the word itself
            if start is not None:
                pieces.append((start, prev_end, used))
                start, used = None, 0
            pieces.extend(_split_word(p.text, a, b, n, max_tokens, counter))
            continue
        if start is not None and used + n > max_tokens:
            pieces.append((start, prev_end, used))
            start, used = None, 0
        if start is None:
            start = a
        used += n
        prev_end = b
    if start is not None:
        pieces.append((start, prev_end, used))
    return [Chunk(f"{p.id}#{k}", p.id, p.text[a:b], n) for k, (a, b, n) in enumerate(pieces)]


def _split_word(text: str, a: int, b: int, n: int, max_tokens: int, counter) -> list[tuple[int, int, int]]:
    tok = getattr(counter, "tokenizer", None)
    if tok is None:  # whitespace tokens: a word is one token, never over budget
        return [(a, b, n)]
    enc = tok(text[a:b], add_special_tokens=False, return_offsets_mapping=True)
    offs = enc["offset_mapping"]
    out = []
    for i in range(0, len(offs), max_tokens):
        group = offs[i:i + max_tokens]
        s, e = group[0][0], group[-1][1]
        if i + max_tokens >= len(offs):
            e = b - a
        out.append((a + s, a + e, len(group)))
    return out


def chunk_passages(passages: Sequence[Passage], max_tokens: int = 256, tokenizer: Optional[str] = None) -> list[Chunk]:
    counter = hf_counter(tokenizer) if tokenizer else whitespace_counter
    out: list[Chunk] = []
    for p in passages:
        out.extend(chunk_passage(p, max_tokens, counter))
    return out
