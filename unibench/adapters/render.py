"""Rendering adapter templates (Jinja2) into backend requests.

Templates are plain text (no HTML), so autoescaping is off; undefined variables are errors. Two
filters implement the Ye et al. label rendering (Ye et al. 2023's NER prompt; docs/running.md): `join_types` gives
"A", "A and B", "A, B, and C"; `format_line` gives "A: None | B: None | C: Word1, Word2".
`supervised_row` is true on the rows of the model's supervised training mix (`_supervised_row`).
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


@functools.lru_cache(maxsize=256)
def _inputs(text: str) -> tuple[str, ...]:
    """The variables a template reads (Jinja2's own analysis of the parsed template)."""
    from jinja2 import meta

    return tuple(sorted(meta.find_undeclared_variables(_env().parse(text))))


_MEMO: dict[tuple, str] = {}
_MEMO_CAP = 100_000


def _frozen(v):
    return tuple(v) if isinstance(v, list) else v


def render_once(template: str, values: dict) -> str:
    """`render(template, **values)`, rendered once per distinct value of the variables the template reads:
    a passage part (reads `text`, not `label`) once per sentence, a question part once per type. Rendering
    is a pure function of those inputs, so the text, and the cache key made from it, are unchanged."""
    key = (template,) + tuple(_frozen(values[n]) if n in values else _MISSING for n in _inputs(template))
    out = _MEMO.get(key)
    if out is None:
        out = render(template, **values)  # an undefined variable raises here, as before
        if len(_MEMO) >= _MEMO_CAP:
            _MEMO.clear()
        _MEMO[key] = out
    return out


_MISSING = object()


def _supervised_row(spec: AdapterSpec, card: DatasetCard, training_rows: Sequence[str] | None) -> bool:
    """The row is in the model's supervised training mix: the rows its checkpoint declares when it declares
    any (`unibench_model.json`, written by `unibench train`), else the adapter's list (published checkpoints)."""
    return card.id in (spec.supervised_rows if training_rows is None else training_rows)


def query_request(spec: AdapterSpec, card: DatasetCard, q: Query,
                  training_rows: Sequence[str] | None = None) -> GenRequest:
    values = {"text": q.text, "label": q.label, "labels": _labels(spec, card),
              "dataset_name": card.paper.name,
              "supervised_row": _supervised_row(spec, card, training_rows)}
    prefix = render_once(spec.prefix, values)
    d = spec.decoding
    if spec.chat:  # the model's chat template renders the turns; the shared turns name the prefix group
        turns = tuple({"role": t.role, "content": render_once(t.content, values)} for t in spec.chat)
        return GenRequest(prompt=turns, prefix=_chat_prefix_key(turns[:-1]), max_new_tokens=d.max_new_tokens,
                          stop=tuple(d.stop), temperature=d.temperature)
    return GenRequest(prompt=prefix + render_once(spec.suffix, values), prefix=prefix, max_new_tokens=d.max_new_tokens,
                      stop=tuple(d.stop), temperature=d.temperature)


def sentence_request(spec: AdapterSpec, card: DatasetCard, text: str,
                     training_rows: Sequence[str] | None = None) -> GenRequest:
    values = {"text": text, "labels": list(spec.label_order.get(card.id, card.types)), "dataset_name": card.paper.name,
              "supervised_row": _supervised_row(spec, card, training_rows)}
    d = spec.decoding
    if spec.chat:
        prompt = tuple({"role": t.role, "content": render(t.content, **values)} for t in spec.chat)
        return GenRequest(prompt=prompt, max_new_tokens=d.max_new_tokens, stop=tuple(d.stop),
                          temperature=d.temperature)
    return GenRequest(prompt=render(spec.prefix, **values) + render(spec.suffix, **values),
                      max_new_tokens=d.max_new_tokens, stop=tuple(d.stop), temperature=d.temperature)


_LABELS: dict[tuple[int, int], tuple] = {}


def _labels(spec: AdapterSpec, card: DatasetCard) -> list[str]:
    """The row's types in the adapter's order, computed once per (adapter, card) object (a fresh list each call)."""
    hit = _LABELS.get((id(spec), id(card)))
    if hit is None or hit[0] is not spec or hit[1] is not card:
        if len(_LABELS) > 1000:
            _LABELS.clear()
        hit = _LABELS[(id(spec), id(card))] = (spec, card, list(spec.label_order.get(card.id, card.types)))
    return list(hit[2])


def _chat_prefix_key(turns) -> str:
    """For chat prompts `GenRequest.prefix` is a group key (requests whose leading turns are equal share the
    rendered prefix after templating; backends find the shared tokens themselves), not a string prefix."""
    return "\n".join(f"{t['role']}: {t['content']}" for t in turns)
