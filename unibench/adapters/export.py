"""Queries with their rendered prompts, for generating with any inference stack (`data queries --adapter`).

Each query gains exactly what `unibench run` would send its backend: `prompt` (text, for completion
models) or `messages` (for chat models), and the adapter's `decoding` (max_new_tokens, stop strings,
temperature). A per-sentence adapter (Ye format, InstructUIE) asks all types of a sentence in one
request, so all queries of a sentence carry the same prompt (`request: per_sentence`): generate once
per distinct prompt and give the answer to each of them. The outputs come back, one `output` per
line, to `unibench score --adapter A`, which applies the adapter's output handling and parser as
the run does (unibench/adapters/outputs.py).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from ..cards import DatasetCard
from ..errors import UnibenchError
from ..queries import Query
from . import AdapterSpec
from .render import query_request, sentence_request


def queries_with_prompts(spec: AdapterSpec, card: DatasetCard, queries: Iterable[Query],
                         training_rows: Sequence[str] | None = None) -> Iterator[dict]:
    if spec.kind == "spans":
        raise UnibenchError(f"adapter {spec.name!r} tags sentences with a token classifier or dictionary: it has no "
                            "prompt to export", hint="choose a prompted adapter (uniner, uniner-sup, vicuna, chatgpt, "
                                                     "instructuie) or run the model with `unibench run`")
    decoding = spec.decoding.model_dump(mode="json")
    fixed = {"adapter": spec.name, "template_hash": spec.template_hash, "request": spec.kind}
    by_text: dict[str, object] = {}
    for q in queries:
        if spec.kind == "per_query":
            prompt = query_request(spec, card, q, training_rows).prompt
        else:
            prompt = by_text.get(q.text)
            if prompt is None:
                prompt = by_text[q.text] = sentence_request(spec, card, q.text, training_rows).prompt
        key = "prompt" if isinstance(prompt, str) else "messages"
        yield q.to_dict() | fixed | {key: prompt if isinstance(prompt, str) else list(prompt), "decoding": decoding}
