"""Rendering adapter templates (Jinja2) into backend requests.

Templates are plain text (no HTML), so autoescaping is off; undefined variables are errors. Two
filters implement the Ye et al. label rendering (Ye et al. 2023's NER prompt; docs/running.md): `join_types` gives
"A", "A and B", "A, B, and C"; `format_line` gives "A: None | B: None | C: Word1, Word2".
"""

from __future__ import annotations

import functools
from typing import Sequence

import jinja2

from ..backends.base import GenRequest
from ..cards import DatasetCard
from ..queries import Query
from . import AdapterSpec


def _join_types(labels: Sequence[str]) -> str:
    labels = list(labels)
    if len(labels) <= 1:
        return "".join(labels)
    if len(labels) == 2:
        return f"{labels[0]} and {labels[1]}"
    return ", ".join(labels[:-1]) + ", and " + labels[-1]


def _format_line(labels: Sequence[str]) -> str:
    labels = list(labels)
    return " | ".join(f"{t}: None" for t in labels[:-1]) + (" | " if len(labels) > 1 else "") + \
        f"{labels[-1]}: Word1, Word2"


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["join_types"] = _join_types
    env.filters["format_line"] = _format_line
    return env


@functools.lru_cache(maxsize=256)
def _template(text: str) -> jinja2.Template:
    return _env().from_string(text)


def render(template: str, /, **values) -> str:
    return _template(template).render(**values)


def query_request(spec: AdapterSpec, card: DatasetCard, q: Query) -> GenRequest:
    values = {"text": q.text, "label": q.label, "labels": card.types, "dataset_name": card.paper.name}
    prefix = render(spec.prefix, **values)
    d = spec.decoding
    return GenRequest(prompt=prefix + render(spec.suffix, **values), prefix=prefix, max_new_tokens=d.max_new_tokens,
                      stop=tuple(d.stop), temperature=d.temperature)


def sentence_request(spec: AdapterSpec, card: DatasetCard, text: str) -> GenRequest:
    values = {"text": text, "labels": card.types, "dataset_name": card.paper.name}
    d = spec.decoding
    if spec.chat:
        prompt = tuple({"role": t.role, "content": render(t.content, **values)} for t in spec.chat)
        return GenRequest(prompt=prompt, max_new_tokens=d.max_new_tokens, stop=tuple(d.stop),
                          temperature=d.temperature)
    return GenRequest(prompt=render(spec.prefix, **values) + render(spec.suffix, **values),
                      max_new_tokens=d.max_new_tokens, stop=tuple(d.stop), temperature=d.temperature)
