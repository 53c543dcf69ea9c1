"""A model's raw text -> what the scorer reads, the way the adapter's original pipeline did it.

The original UniNER inference (`src/serve/inference.py` of universal-ner/universal-ner) passes every
generated text through `get_response` (`src/utils.py`), `r.split('ASSISTANT:')[-1].strip()`, before
`evaluate.py`'s parser sees it: a model that echoes the template, or starts a new turn, is scored on
what follows the LAST `ASSISTANT:`. An adapter declares this in its YAML (`response_after`), so
`unibench run` and `unibench score` apply the same step; adapters whose original pipelines had no
such step leave it unset and their text is only stripped (by the scorer or their parser).

Per-sentence adapters (Ye format, InstructUIE) answer all types at once: `scorer_output` parses that
answer with the adapter's parser and keeps the list of the query's type, so a text recorded outside
unibench (`unibench data queries --adapter`) is scored exactly as `unibench run` scores it.
"""

from __future__ import annotations

from typing import Sequence

from . import AdapterSpec
from .parsers import PARSERS


def get_response(text: str, marker: str | None) -> str:
    """The original `get_response` when `marker` is set (text after its last occurrence, stripped)."""
    if marker is None:
        return text
    return text.split(marker)[-1].strip()


def parse_sentence_output(spec: AdapterSpec, raw: str, types: Sequence[str]) -> tuple[dict[str, list[str]], int]:
    """A per-sentence adapter's answer -> ({type: [strings]}, pieces naming unknown types)."""
    return PARSERS[spec.parser](get_response(raw, spec.response_after), types)


def scorer_output(spec: AdapterSpec, raw: str | list[str], types: Sequence[str], label: str | None) -> str | list[str]:
    """What the scorer gets for one query: per-query text after `get_response`, or the query type's list
    parsed from a per-sentence answer. Lists (already parsed, e.g. a span adapter's) pass unchanged."""
    if not isinstance(raw, str):
        return raw
    if spec.kind == "per_sentence":
        if label is None:
            raise ValueError(f"adapter {spec.name!r} answers per sentence: each record needs its 'label'")
        return parse_sentence_output(spec, raw, types)[0].get(label, [])
    return get_response(raw, spec.response_after)
