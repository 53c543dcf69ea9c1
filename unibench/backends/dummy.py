"""A deterministic text backend for tests and dry runs (no model).

For a UniNER-style prompt it answers with the passage's capitalised tokens whose hash, together
with the asked type, falls in a fixed bucket, as a JSON list; so outputs vary across queries and
types, are stable across runs and processes, and exercise the parser. `delay` (seconds per
request) makes runs slow enough to be interrupted in resume tests.
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

    def answer(self, prompt: str) -> str:
        m, t = _TEXT.search(prompt), _TYPE.search(prompt)
        if not m:
            return "[]"
        label = t.group(1) if t else ""
        picks = [tok for tok in m.group(1).split() if tok[:1].isupper() and _bucket(tok, label) == 0]
        return json.dumps(list(dict.fromkeys(picks)))

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
