"""The gazetteer baseline: a dictionary of a row's train-split mentions, matched in test sentences.

No model and no dependencies, so it is the offline default and a real (if weak) lower bound:
each mention string seen in training is remembered with its most frequent type; a test sentence
is scanned left to right taking the longest known token sequence at each position. Matching is
case-sensitive on tokens. It returns token spans, so it is scored with both the UniNER metric and
strict span F1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable, Optional, Sequence

from ..schema import Sentence

MAX_LEN = 12


class Gazetteer:
    name = "gazetteer"

    def __init__(self, train: Iterable[Sentence]):
        counts: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for s in train:
            for sp in s.spans:
                counts[tuple(s.tokens[sp.start:sp.end])][sp.type] += 1
        # most frequent type; ties broken by name so the dictionary does not depend on input order
        self.entries = {k: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for k, c in counts.items()}
        self.max_len = min(MAX_LEN, max((len(k) for k in self.entries), default=0))

    def identity(self) -> dict[str, str]:
        from ..io import sha256_json

        return {"model_id": "gazetteer", "revision": sha256_json(sorted((" ".join(k), v) for k, v in
                                                                        self.entries.items()))[:16]}

    def labels(self) -> list[str]:
        """The types it can predict (the train split's natural types), for the runner's label mapping."""
        return sorted(set(self.entries.values()))

    def versions(self) -> dict[str, str]:
        from .. import __version__

        return {"unibench": __version__}

    def predict(self, sentences: Sequence[Sequence[str]], progress: Optional[callable] = None) -> list[list[tuple[int, int, str]]]:
        out = []
        for tokens in sentences:
            spans, i = [], 0
            while i < len(tokens):
                for n in range(min(self.max_len, len(tokens) - i), 0, -1):
                    typ = self.entries.get(tuple(tokens[i:i + n]))
                    if typ is not None:
                        spans.append((i, i + n, typ))
                        i += n
                        break
                else:
                    i += 1
            out.append(spans)
            if progress:
                progress(1)
        return out
