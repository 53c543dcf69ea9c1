"""Adapters: a model family's prompt format, decoding settings and output parser, from `adapters/*.yaml`.

An adapter turns queries into `GenRequest`s and raw outputs back into per-query answers; it never
runs a model (backends do) and never scores (the scorer does). Three kinds:

- `per_query`: one request per (sentence, type), e.g. UniNER; the raw text is scored as is, with
  the original parser;
- `per_sentence`: one request per sentence naming all types (Ye-format ChatGPT/Vicuna,
  InstructUIE); the answer is split into one list of strings per type;
- `spans`: the backend returns token spans (gazetteer, BERT); strings per type are derived.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..declarative import load_named_yaml
from ..errors import UnknownNameError
from ..io import sha256_json
from ..resources import resource_dir


class Decoding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()
    temperature: float = 0.0


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Literal["system", "user", "assistant"]
    content: str


class AdapterSpec(BaseModel):
    """One adapter file. Unknown keys are errors, like in dataset cards."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    family: str
    kind: Literal["per_query", "per_sentence", "spans"]
    reconstruction: bool = Field(description="true when the paper did not publish this prompt")
    setting: Literal["zero-shot", "supervised"] = "zero-shot"
    source: str
    prefix: str = ""
    suffix: str = ""
    chat: Optional[tuple[ChatTurn, ...]] = None
    decoding: Decoding = Decoding()
    parser: Literal["uniner_json", "ye", "instructuie", "spans"]
    response_after: Optional[str] = Field(
        None, description="keep only the text after the last occurrence of this marker, stripped, before parsing "
                          "(the original UniNER get_response; unibench/adapters/outputs.py)")
    supervised_rows: tuple[str, ...] = Field(
        (), description="rows of the checkpoint's supervised training mix: templates get `supervised_row` = true "
                        "on them (uniner-sup renders its `Dataset:` field only there)")
    label_order: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="per row id, the row's types in the order the prompt lists them "
                                          "(`labels`), where the model's own data fixes one; else the card's order")

    @property
    def template_hash(self) -> str:
        # `response_after` is output handling (covered by the scorer version), not the prompt; empty
        # `supervised_rows` / `label_order` are left out so the adapters without them keep their earlier hashes.
        d = self.model_dump(mode="json", exclude={"source", "response_after"})
        for key in ("supervised_rows", "label_order"):
            if not d[key]:
                del d[key]
        return sha256_json(d)


@functools.lru_cache(maxsize=1)
def load_adapters(folder: str | None = None) -> dict[str, AdapterSpec]:
    root = Path(folder) if folder else resource_dir("adapters")
    out = {}
    for path in sorted(root.glob("*.yaml")):
        spec = load_named_yaml(path, AdapterSpec, "adapter")
        out[spec.name] = spec
    return out


def get_adapter(name: str) -> AdapterSpec:
    specs = load_adapters()
    if name not in specs:
        raise UnknownNameError("adapter", name, specs)
    return specs[name]


def render_context(**values: Any) -> dict:
    return values
