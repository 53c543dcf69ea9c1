"""Output parsers of the families whose answers name several types at once.

- Ye format (ChatGPT, Vicuna; docs/running.md, a reconstruction): take the text after the
  last `Entity:` that is followed by a type block, treat newlines as `|`, split blocks on the
  first `:`, match types case-insensitively, split values on `,`, drop `None`/`N/A`/empty.
- InstructUIE (§1.6 rules for unibench): split on `;`, each piece on its first `:` into
  (type, span), drop pieces without `:` and bare `None`, match types case-insensitively.

Both return {type: [strings]} over the row's types (missing types -> []), plus a count of pieces
naming unknown types, which the run reports.
"""

from __future__ import annotations

import re
from typing import Sequence

_NONE = {"none", "n/a", "na", ""}


def _match(types: Sequence[str]) -> dict[str, str]:
    return {t.lower(): t for t in types}


def parse_ye(output: str, types: Sequence[str]) -> tuple[dict[str, list[str]], int]:
    by_lower = _match(types)
    text = output.strip()
    idx = [m.start() for m in re.finditer(r"Entity:", text)]
    for i in reversed(idx):
        rest = text[i + len("Entity:"):]
        if ":" in rest:
            text = rest
            break
    out: dict[str, list[str]] = {t: [] for t in types}
    unknown = 0
    for block in re.split(r"[|\n]", text):
        if ":" not in block:
            continue
        typ, values = block.split(":", 1)
        key = typ.strip().strip("*").strip().lower()
        if key not in by_lower:
            unknown += bool(key)
            continue
        for v in values.split(","):
            v = v.strip().strip("'\"").strip()
            if v.lower() not in _NONE:
                out[by_lower[key]].append(v)
    return out, unknown


def parse_instructuie(output: str, types: Sequence[str]) -> tuple[dict[str, list[str]], int]:
    by_lower = _match(types)
    out: dict[str, list[str]] = {t: [] for t in types}
    unknown = 0
    for piece in output.strip().split(";"):
        piece = piece.strip()
        if not piece or piece.lower() == "none" or ":" not in piece:
            continue
        typ, span = (x.strip() for x in piece.split(":", 1))
        if typ.lower() not in by_lower:
            unknown += 1
            continue
        if span and span.lower() != "none":
            out[by_lower[typ.lower()]].append(span)
    return out, unknown


PARSERS = {"ye": parse_ye, "instructuie": parse_instructuie}
