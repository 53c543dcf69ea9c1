"""Teacher output -> kept (mention, type) pairs, with every dropped item counted by reason.

Parse policy (the paper: "unparseable outputs ... are filtered out"; its parsing code was never
released, so this is unibench's, documented in docs/training.md):

1. The output is stripped; a surrounding Markdown code fence (```...```) is removed.
2. It must START with `[` (like the UniNER evaluation parser, which only reads a list at the
   start of the text); anything else is `no_list_at_start`. Empty output is `empty_output`.
   With `find_list` (for chatty teachers: "Here are the entities: [...]") the list may start
   later, at the first `[` followed by `(` or `[` (counted as `parsed_after_preamble`); an empty
   `[]` after a preamble is not taken (small teachers write code with `entities = []`). Off by
   default: the paper filtered unparseable outputs and describes no salvage.
3. The list is the shortest prefix ending in `]` that `ast.literal_eval` accepts (never `eval`),
   so trailing prose after the list is tolerated and a `]` inside a string does not cut it; if
   no prefix parses, `syntax_error` (a truncated list is unparseable, as in the paper: no
   salvage of partial lists).
4. Each item must be a 2-tuple or 2-list of strings `(mention, type)`, else `malformed_item`
   (the other items are kept). Mention and type are stripped, inner whitespace collapsed.
5. Dropped items, each counted: `empty_mention`, `template_echo` (the prompt's format example
   copied, e.g. ("entity 1", "type of entity 1")), `else_like_type` (None, NA, MISC, ELSE, other,
   unknown... the prompt file's list), `non_english_type` (a letter outside ASCII after NFKC:
   a heuristic, the paper does not say how it detected them), `invalid_type` (no ASCII letter
   at all), `duplicate` (same mention and type twice in one output), and `not_in_passage`.
6. A mention must occur in the passage: exact substring, else a case-insensitive match, in which
   case the passage's own spelling replaces the teacher's (counted as `case_repaired`, kept).
   Mentions found nowhere are dropped (`not_in_passage`) unless `keep_unfound` is set: the eval
   metric scores strings against passage spans, so a student trained on mentions that are not
   in the text learns to hallucinate. The paper does not say whether it filtered them.
"""

from __future__ import annotations

import ast
import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from .prompt import AnnotationPrompt

_FENCE = re.compile(r"^```[A-Za-z0-9_-]*\s*\n?(.*?)\n?```\s*$", re.S)
_MAX_CANDIDATES = 400  # `]` positions tried; a teacher output is bounded by max_new_tokens anyway
_TRIM = string.punctuation + string.whitespace + "\u201c\u201d\u2018\u2019"

UNPARSEABLE = ("empty_output", "no_list_at_start", "syntax_error")
ITEM_DROPS = ("malformed_item", "empty_mention", "template_echo", "else_like_type", "non_english_type",
              "invalid_type", "duplicate", "not_in_passage")


@dataclass
class ParsedOutput:
    entities: list[tuple[str, str]] = field(default_factory=list)
    status: str = "ok"  # "ok" or one of UNPARSEABLE
    dropped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)  # kept-but-changed items (case_repaired, kept_unfound)
    n_items: int = 0
    after_preamble: bool = False


def _clean(s: str) -> str:
    return " ".join(s.split())


def _key(s: str) -> str:
    return " ".join(s.casefold().strip(_TRIM).split())


_LIST_START = re.compile(r"\[\s*[(\[]")


def extract_list(output: str, find_list: bool = False) -> tuple[Optional[list], str]:
    """(the list, "ok" or "ok_after_preamble") or (None, reason). Never raises, never evaluates code."""
    text = output.strip()
    m = _FENCE.match(text)
    if m:
        text = m.group(1).strip()
    if not text:
        return None, "empty_output"
    if not text.startswith("["):
        start = _LIST_START.search(text) if find_list else None
        if start is None:
            return None, "no_list_at_start"
        value, status = _first_list(text[start.start():])
        return value, ("ok_after_preamble" if value is not None else status)
    return _first_list(text)


def _first_list(text: str) -> tuple[Optional[list], str]:
    tried = 0
    for pos, ch in enumerate(text):
        if ch != "]":
            continue
        tried += 1
        if tried > _MAX_CANDIDATES:
            break
        try:
            value = ast.literal_eval(text[:pos + 1])
        except Exception:  # noqa: BLE001 - SyntaxError, ValueError, MemoryError, RecursionError...
            continue
        if isinstance(value, list):  # always, for a literal from "[" to "]"; checked all the same
            return value, "ok"
    return None, "syntax_error"


class TeacherParser:
    def __init__(self, prompt: AnnotationPrompt, *, keep_unfound: bool = False, find_list: bool = False):
        self.else_like = {_key(t) for t in prompt.else_like_types}
        self.echo_mentions = [re.compile(p, re.I) for p in prompt.template_echo_mentions]
        self.echo_types = [re.compile(p, re.I) for p in prompt.template_echo_types]
        self.keep_unfound = keep_unfound
        self.find_list = find_list

    def type_reason(self, typ: str) -> Optional[str]:
        """Why a type name is dropped, or None when it is kept."""
        norm = unicodedata.normalize("NFKC", typ)
        if any(p.fullmatch(_key(norm)) for p in self.echo_types):
            return "template_echo"
        if _key(norm) in self.else_like:
            return "else_like_type"
        if any(ord(c) > 127 and unicodedata.category(c).startswith("L") for c in norm):
            return "non_english_type"
        if not any(c.isascii() and c.isalpha() for c in norm):
            return "invalid_type"
        return None

    def parse(self, output: str, passage: str) -> ParsedOutput:
        res = ParsedOutput()
        items, status = extract_list(output if isinstance(output, str) else "", self.find_list)
        if items is None:
            res.status = status
            return res
        res.after_preamble = status == "ok_after_preamble"
        res.n_items = len(items)
        seen = set()
        lower = passage.lower()
        same_len = len(lower) == len(passage)
        for item in items:
            if not (isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                res.dropped["malformed_item"] += 1
                continue
            mention, typ = _clean(item[0]), _clean(item[1])
            if not mention:
                res.dropped["empty_mention"] += 1
                continue
            if any(p.fullmatch(_key(mention)) for p in self.echo_mentions):
                res.dropped["template_echo"] += 1
                continue
            reason = self.type_reason(typ)
            if reason:
                res.dropped[reason] += 1
                continue
            if mention not in passage:
                ml = mention.lower()
                i = lower.find(ml) if same_len and len(ml) == len(mention) else -1
                if i >= 0:
                    mention = passage[i:i + len(mention)]
                    res.notes["case_repaired"] += 1
                elif self.keep_unfound:
                    res.notes["kept_unfound"] += 1
                else:
                    res.dropped["not_in_passage"] += 1
                    continue
            if (mention, typ.casefold()) in seen:
                res.dropped["duplicate"] += 1
                continue
            seen.add((mention, typ.casefold()))
            res.entities.append((mention, typ))
        return res
