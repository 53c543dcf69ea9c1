"""The training conversation template and the rendering of one record into text + loss ranges.

Why render one string (and tokenize it once, in `encode.py`) instead of tokenizing turn by turn as
the original `preprocess2` did: the original's piecewise tokenization relied on LLaMA's
SentencePiece adding a leading space to every piece, which is how the separators between turns
appeared. A byte-level BPE tokenizer (SmolLM2, Llama-3, GPT-2) adds no such space, so piecewise
tokenization would train on "...textASSISTANT:" while `unibench run` asks "...text ASSISTANT:".
Rendering the exact ADD_COLON_TWO string and tokenizing it whole gives the student, at every
question, exactly the tokens the evaluation prompt will have (tested against the uniner adapter).

What is trained on is what the original trained on: every assistant turn, i.e. each JSON answer
*and* the fixed "I've read this text." turn, each followed by `</s>`. The loss range of an
assistant turn starts right after "ASSISTANT:" (where the evaluation prompt ends, so everything
the model must generate at evaluation is a target, including the space before the answer) and
ends after `</s>`. Everything else (system line, user turns, role names) is context only.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pydantic import BaseModel, ConfigDict

from ..declarative import load_named_yaml
from ..errors import CardError
from .conversations import Conversation

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


class ConversationTemplate(BaseModel):
    """One template file (templates/*.yaml). Unknown keys are errors, as in adapters and cards."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    source: str
    system: str
    user: str
    assistant: str
    sep: str
    sep2: str


@functools.lru_cache(maxsize=8)
def load_template(name: str = "ie_as_qa") -> ConversationTemplate:
    path = TEMPLATE_DIR / f"{name}.yaml"
    if not path.exists():
        raise CardError(f"unknown conversation template {name!r}", path=path,
                        hint=f"templates: {', '.join(sorted(p.stem for p in TEMPLATE_DIR.glob('*.yaml')))}")
    return load_named_yaml(path, ConversationTemplate, "conversation template")


@dataclass(frozen=True)
class Rendered:
    text: str
    targets: tuple[tuple[int, int], ...]  # character ranges [start, end) trained on, one per assistant turn

    def target_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.targets]


def shuffled_pairs(conv: Conversation, seed: int, epoch: int = 0) -> list[tuple[str, str]]:
    """The record's (query, answer) pairs in a random order that depends only on (seed, record
    position[, epoch]). The original shuffles the pairs after the passage turn once per example,
    since the answers do not depend on the order in which types are asked; its lazy dataset caches
    that first shuffle, so every epoch sees the same order (epoch=0 always: unibench's default).
    `unibench train --reshuffle-each-epoch` draws a new order each epoch instead (epoch=k)."""
    pairs = list(conv.pairs)
    key = f"unibench-train/{seed}/{conv.index}" + (f"/epoch{epoch}" if epoch else "")
    random.Random(key).shuffle(pairs)
    return pairs


def render(conv: Conversation, pairs: Sequence[tuple[str, str]] | None = None,
           template: ConversationTemplate | None = None) -> Rendered:
    """The whole conversation as one ADD_COLON_TWO string, with the assistant turns' ranges."""
    tpl = template or load_template()
    turns = [(conv.passage, conv.first_answer)] + list(conv.pairs if pairs is None else pairs)
    parts = [tpl.system, tpl.sep]
    pos = len(tpl.system) + len(tpl.sep)
    targets = []
    for user_value, answer in turns:
        head = f"{tpl.user}: {user_value}{tpl.sep}{tpl.assistant}:"
        parts.append(head)
        pos += len(head)
        tail = f" {answer}{tpl.sep2}"
        parts.append(tail)
        targets.append((pos, pos + len(tail)))
        pos += len(tail)
    return Rendered("".join(parts), tuple(targets))
