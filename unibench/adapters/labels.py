"""Mapping a span model's own label names onto a row's types, through the row's dataset card.

A token classifier (the paper's BERT baseline, `unibench train-tagger` output, any Hub
`*ForTokenClassification` checkpoint) predicts spans with ITS label names: `PER` for a CoNLL
BERT, `person` for a unibench tagger, `programlang` for a CrossNER one. The benchmark asks for
the row's natural-language types. The card is the one place that knows how the two relate, so
each checkpoint label type is mapped, in this order:

1. equal (case-insensitively, surrounding whitespace ignored) to one of the row's natural
   types -> that type (unibench taggers save `B-person`, the gazetteer predicts natural types);
2. equal to one of the card's RAW tags -> the card's label map of that tag (a CoNLL BERT's
   `PER` becomes `person` on every row whose card maps `PER`); exact match first, then a
   case-insensitive one if it is unique;
3. otherwise unmapped: its spans are dropped (never guessed into a type) and counted, so a
   result shows how much of the model's output the row could not use (e.g. `MISC`, which the
   paper's CoNLL rows drop).

No fuzzy matching: a near-miss would silently change scores, and a user can always retrain or
rename labels; the stamped mapping makes every decision visible in the result file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from ..cards import DatasetCard

Span = tuple[int, int, str]


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def label_types(labels: Iterable[str]) -> list[str]:
    """Entity types named by a tag set (`B-PER`, `I-PER`, `S-X`, bare `person`), `O` dropped, in order."""
    out: dict[str, None] = {}
    for lab in labels:
        if lab == "O" or not lab:
            continue
        typ = lab[2:] if len(lab) > 2 and lab[1] in "-_" and lab[0] in "BIES" else lab
        out.setdefault(typ, None)
    return list(out)


@dataclass(frozen=True)
class LabelMapping:
    mapping: dict[str, str]  # checkpoint type -> row type
    how: dict[str, str]  # checkpoint type -> "type" | "raw tag" (why it mapped)
    unmapped: tuple[str, ...]  # checkpoint types the row has no type for

    def apply(self, spans: Sequence[Span]) -> tuple[list[Span], int]:
        """Spans with row types, and how many spans were dropped for an unmapped label."""
        kept, dropped = [], 0
        for a, b, t in spans:
            row_type = self.mapping.get(t)
            if row_type is None:
                dropped += 1
            else:
                kept.append((a, b, row_type))
        return kept, dropped

    def stamp(self, dropped_spans: int) -> dict:
        """What a result file records (backend settings) so the mapping is auditable."""
        return {"label_mapping": dict(self.mapping), "label_mapping_via": dict(self.how),
                "unmapped_labels": list(self.unmapped), "unmapped_spans": dropped_spans}


def map_labels(checkpoint_types: Iterable[str], card: DatasetCard) -> LabelMapping:
    natural = {_fold(t): t for t in card.types}
    raw_ci: dict[str, list[str]] = {}
    for tag in card.label_map:
        raw_ci.setdefault(_fold(tag), []).append(tag)
    mapping, how, unmapped = {}, {}, []
    for t in dict.fromkeys(checkpoint_types):
        if _fold(t) in natural:
            mapping[t], how[t] = natural[_fold(t)], "type"
        elif t in card.label_map:
            mapping[t], how[t] = card.label_map[t].name, "raw tag"
        elif len(raw_ci.get(_fold(t), [])) == 1:
            mapping[t], how[t] = card.label_map[raw_ci[_fold(t)][0]].name, "raw tag"
        else:
            unmapped.append(t)
    return LabelMapping(mapping, how, tuple(unmapped))
