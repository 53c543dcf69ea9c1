"""A deterministic text backend for tests and dry runs (no model).

For a UniNER-style prompt it answers with the passage's capitalised tokens whose hash, together
with the asked type, falls in a fixed bucket, as a JSON list; so outputs vary across queries and
types, are stable across runs and processes, and exercise the parser. Prompts that ask for all
types at once get the same picks in that family's answer format: the Ye et al. format
(`Entity: a: X, Y | b: None`, chatgpt/vicuna adapters) or InstructUIE's (`a: X; b: Y` / `None`),
so the per-sentence parsers are exercised end to end too (tests, local fake API servers).
`delay` (seconds per request) makes runs slow enough to be interrupted in resume tests.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Optional, Sequence

from .base import GenRequest, ProgressFn

_TEXT = re.compile(r"Text: (.*?) ASSISTANT:", re.S)
_TYPE = re.compile(r"What describes (.*?) in the text\?")
_YE = re.compile(r"Entity: (?P<line>.*?): Word1, Word2\nText: (?P<text>.*?)\nEntity:", re.S)
_UIE = re.compile(r"\nOption: (?P<opts>.*?) \nText: (?P<text>.*?) \nAnswer:", re.S)


def _bucket(*parts: str) -> int:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()[0] % 4


class DummyBackend:
    name = "dummy"

    def __init__(self, delay: float = 0.0):
        self.delay = delay

    def identity(self) -> dict[str, str]:
        return {"model_id": "dummy", "revision": "v1"}

    def versions(self) -> dict[str, str]:
        from .. import __version__

        return {"unibench": __version__}

    @staticmethod
    def _picks(text: str, label: str) -> list[str]:
        return list(dict.fromkeys(tok for tok in text.split() if tok[:1].isupper() and _bucket(tok, label) == 0))

    def answer(self, prompt: str) -> str:
        ye = _YE.search(prompt)
        if ye:  # "a: None | b: None | c" -> types a, b, c
            types = [t.rsplit(": None", 1)[0] for t in ye.group("line").split(" | ")]
            parts = [f"{t}: {', '.join(self._picks(ye.group('text'), t)) or 'None'}" for t in types]
            return "Entity: " + " | ".join(parts)
        uie = _UIE.search(prompt)
        if uie:
            types = uie.group("opts").split(", ")
            parts = [f"{t}: {w}" for t in types for w in self._picks(uie.group("text"), t)]
            return "; ".join(parts) or "None"
        m, t = _TEXT.search(prompt), _TYPE.search(prompt)
        if not m:
            return "[]"
        return json.dumps(self._picks(m.group(1), t.group(1) if t else ""))

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None) -> list[str]:
        out = []
        for r in requests:
            if self.delay:
                time.sleep(self.delay)
            prompt = r.prompt if isinstance(r.prompt, str) else "\n".join(m["content"] for m in r.prompt)
            out.append(self.answer(prompt))
            if progress:
                progress(1)
        return out
