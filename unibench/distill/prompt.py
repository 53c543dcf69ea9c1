"""The teacher's annotation prompt: a declarative file (`prompts/*.yaml`) validated by a schema.

Like adapters (`adapters/*.yaml`), the prompt is data, not code, so that another teacher prompt
(e.g. the paper's "definition" variant) is a new file, and so that its hash can key the response
cache and be stamped into the annotation summary. The file also carries the filter lists the
teacher-output parser applies (ELSE-like types, template echoes), because they belong to the
prompt: a different prompt invites different junk.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..backends.base import GenRequest
from ..declarative import load_named_yaml
from ..errors import UnknownNameError
from ..io import sha256_json

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
DEFAULT_PROMPT = "pile-ner-type"


class PromptDecoding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_new_tokens: int = Field(1024, ge=1)
    temperature: float = Field(0.0, ge=0.0)


class AnnotationPrompt(BaseModel):
    """One teacher prompt file. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    source: str
    reconstruction: bool = Field(description="true when some part of the prompt was not published")
    reconstruction_notes: tuple[str, ...] = ()
    system: str = Field(min_length=1)
    user: str = Field(min_length=1, description="Jinja2 template with the variable `passage`")
    decoding: PromptDecoding = PromptDecoding()
    else_like_types: tuple[str, ...] = ()
    template_echo_mentions: tuple[str, ...] = ()
    template_echo_types: tuple[str, ...] = ()

    @field_validator("user")
    @classmethod
    def _has_passage(cls, v: str) -> str:
        if "{{ passage }}" not in v:
            raise ValueError("the user template must contain '{{ passage }}'")
        return v

    @field_validator("template_echo_mentions", "template_echo_types")
    @classmethod
    def _regexes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return v

    @property
    def prompt_hash(self) -> str:
        """Hash of everything that changes what the teacher is asked (not the filters or notes)."""
        return sha256_json({"system": self.system, "user": self.user,
                            "decoding": self.decoding.model_dump(mode="json")})

    def request(self, passage: str, max_new_tokens: Optional[int] = None) -> GenRequest:
        from ..adapters.render import render

        messages = ({"role": "system", "content": self.system},
                    {"role": "user", "content": render(self.user, passage=passage)})
        return GenRequest(prompt=messages, max_new_tokens=max_new_tokens or self.decoding.max_new_tokens,
                          temperature=self.decoding.temperature)


def load_prompt_file(path: Path) -> AnnotationPrompt:
    return load_named_yaml(path, AnnotationPrompt, "annotation prompt")


@functools.lru_cache(maxsize=8)
def get_prompt(name_or_path: str = DEFAULT_PROMPT) -> AnnotationPrompt:
    """A shipped prompt by name (`prompts/<name>.yaml`) or any prompt file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_prompt_file(path)
    known = {p.stem: p for p in PROMPTS_DIR.glob("*.yaml")}
    if name_or_path not in known:
        raise UnknownNameError("annotation prompt", name_or_path, known)
    return load_prompt_file(known[name_or_path])
