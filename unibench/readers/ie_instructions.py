"""IE_INSTRUCTIONS (InstructUIE) NER JSON: `[{"sentence": str, "entities": [{"name", "type", "pos": [s, e]}]}]`.

The MIT movie/restaurant copies staged from GLiNER's history use this layout: one record per
sentence, character offsets end-exclusive into the (lower-cased) sentence. The sentence is
already whitespace-tokenised, so the default tokenizer is `whitespace` (option `tokenizer`),
which keeps the passage text byte-identical to the original UniNER release (tested on
mit-restaurant); tokens are additionally cut at entity boundaries.

Every entity is checked: `sentence[s:e]` must equal its `name` (modulo whitespace) and lie inside
the sentence, otherwise the read fails with the file, the record's line and index. An entity whose
offsets fall inside a word is moved to a whole-word occurrence of its text (`realign_cut_words`,
counted as a repair in `unibench data stats`), so a passage's words are always its sentence's words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import DataFormatError
from ..safe_read import parse_json, read_text
from ..schema import Sentence, make_sentence
from . import ReadContext
from .text_split import same_text, split_document, trim

_HINT = 'expected a JSON list of {"sentence": str, "entities": [{"name": str, "type": str, "pos": [start, end]}]}'


def load_json_list(path: Path) -> tuple[list[Any], str]:
    """The JSON list in `path` and its text; a syntax error names the file and line."""
    text = read_text(path, "data")
    data = parse_json(text, path, hint=_HINT)
    if not isinstance(data, list):
        raise DataFormatError("expected a JSON list of records", path=path, line=1, hint=_HINT)
    return data, text


def record_line(text: str, index: int) -> int | None:
    """1-based line on which record `index` of a top-level JSON list starts (only computed for errors)."""
    dec = json.JSONDecoder()
    pos = text.index("[") + 1
    for i in range(index + 1):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if i == index:
            return text.count("\n", 0, pos) + 1
        try:
            _, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
    return None


def _cuts_a_word(sent: str, s: int, e: int) -> bool:
    return (s > 0 and not sent[s - 1].isspace()) or (e < len(sent) and not sent[e].isspace())


def realign_cut_words(sent: str, entities: list[tuple[int, int, str]],
                      repaired: Callable[[str], None]) -> list[tuple[int, int, str]]:
    """Move each entity whose offsets fall inside a word to a whole-word occurrence of its text.

    The MIT copies were converted from BIO with the FIRST substring match of each mention, so the
    rating `r` of "whats a rated r movie" points at the `r` of "rated" (95 MIT-movie test sentences,
    339 train); cutting the token there would garble the passage ("r ated r"). The entity goes to the
    first whole-word occurrence of its text that no other entity occupies (each move is reported
    as a repair); with no such occurrence it stays where it is and its word is cut, as before."""
    if not any(_cuts_a_word(sent, s, e) for s, e, _ in entities):
        return entities
    out = list(entities)
    taken = [(s, e) for s, e, _ in entities if not _cuts_a_word(sent, s, e)]
    for k, (s, e, typ) in enumerate(entities):
        if not _cuts_a_word(sent, s, e):
            continue
        words = sent[s:e].split()
        pattern = re.compile(r"(?<!\S)" + r"\s+".join(map(re.escape, words)) + r"(?!\S)")
        for m in pattern.finditer(sent):
            if not any(m.start() < b and a < m.end() for a, b in taken):
                out[k] = (m.start(), m.end(), typ)
                taken.append((m.start(), m.end()))
                repaired(f"entity {sent[s:e]!r} ({typ}) at [{s}, {e}] cuts a word; moved to the whole word at "
                         f"[{m.start()}, {m.end()}]")
                break
    return out


def read(ctx: ReadContext) -> Iterator[Sentence]:
    tokenizer = str(ctx.options.get("tokenizer", "whitespace"))
    n = 0
    for path in ctx.files:
        records, raw = load_json_list(path)
        for i, rec in enumerate(records):
            def bad(msg: str) -> DataFormatError:
                return DataFormatError(f"record {i}: {msg}", path=path, line=record_line(raw, i), hint=_HINT)

            if not isinstance(rec, dict) or not isinstance(rec.get("sentence"), str):
                raise bad("expected an object with a string 'sentence'")
            sent, ents = rec["sentence"], rec.get("entities", [])
            if not isinstance(ents, list):
                raise bad("'entities' must be a list")
            entities = []
            for ent in ents:
                try:
                    s, e = (int(x) for x in ent["pos"])
                    name, typ = str(ent["name"]), str(ent["type"])
                except (KeyError, TypeError, ValueError):
                    raise bad(f"entity {ent!r:.80} lacks name/type/pos [start, end]") from None
                if not (0 <= s < e <= len(sent)):
                    raise bad(f"entity {name!r} offsets [{s}, {e}] fall outside the {len(sent)}-character sentence")
                if not same_text(sent[s:e], name):
                    raise bad(f"entity offsets [{s}, {e}] give {sent[s:e]!r}, but its name is {name!r}")
                s, e = trim(sent, s, e)
                entities.append((s, e, typ))
            entities = realign_cut_words(sent, entities, lambda msg: ctx.report.add(f"{path}: record {i}: {msg}"))
            try:
                pieces = split_document(sent, entities, split="none", tokenizer=tokenizer)
            except ValueError as exc:
                raise bad(str(exc)) from None
            if not pieces:
                raise bad("empty sentence")
            yield make_sentence(ctx.sid(n), pieces[0].tokens, pieces[0].spans)
            n += 1
