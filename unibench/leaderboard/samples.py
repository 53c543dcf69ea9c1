"""Reading a run's sample log (`<row>.samples.jsonl`, `unibench run --log-samples`) for the site's
browser of predictions against gold.

Size-capped on purpose: a page shows the first `MAX_SENTENCES` sentences of the log (in the
log's order) and cuts long prompts and outputs, saying so, because a log of a large row holds
up to 200k queries and a static page must stay small. Each query is re-scored with the scorer's
own parsing and normalisation, so what the page marks as found / missed / spurious is exactly
what was counted. Sample logs hold dataset text; they are read locally and never uploaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..errors import DataFormatError
from ..io import iter_jsonl
from ..metrics.uniner import normalize_answer
from ..scorer import score_query

MAX_SENTENCES = 40
MAX_CHARS = 1500
HINT = ("a sample log line is an object with sentence_id, label, gold (list of strings) and output, raw_output "
        "and/or prediction, as `unibench run --log-samples` writes (unibench/runner.py)")


def clip(text: Any, limit: int = MAX_CHARS) -> tuple[str, bool]:
    s = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    return (s, False) if len(s) <= limit else (s[:limit], True)


@dataclass
class SampleQuery:
    label: str
    gold: list[tuple[str, bool]]  # (gold string, found by the model)
    predicted: list[tuple[str, bool]]  # (normalised predicted item, correct)
    raw: str
    raw_clipped: bool
    tp: int
    fp: int
    fn: int
    status: str

    @property
    def empty(self) -> bool:
        return not self.gold and not self.predicted and self.status == "ok"


@dataclass
class SampleSentence:
    sentence_id: str
    text: Optional[str] = None
    prompt: Optional[str] = None
    prompt_clipped: bool = False
    queries: list[SampleQuery] = field(default_factory=list)

    @property
    def shown(self) -> list[SampleQuery]:
        return [q for q in self.queries if not q.empty]


@dataclass
class SampleLog:
    path: Path
    sentences: list[SampleSentence]
    n_lines: int  # queries in the whole log
    n_shown_lines: int
    truncated: bool


def _query(obj: dict, path: Path, lineno: int) -> SampleQuery:
    label, gold = obj.get("label"), obj.get("gold")
    if not isinstance(label, str) or not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
        raise DataFormatError("expected `label` (string) and `gold` (list of strings)", path=path, line=lineno,
                              hint=HINT)
    pred, raw = obj.get("prediction"), obj.get("raw_output")
    # `output` is what the run scored (newer logs); older logs: the parsed list, else the raw text
    output = obj["output"] if "output" in obj else (pred if isinstance(pred, list) else raw)
    if not (isinstance(output, str) or (isinstance(output, list) and all(isinstance(x, str) for x in output))):
        raise DataFormatError("expected `output` or `raw_output` (a string or a list of strings) or `prediction` "
                              "(a list of strings)", path=path, line=lineno, hint=HINT)
    tp, fp, fn, items, status = score_query(output, gold)
    gold_norm = {normalize_answer(g) for g in gold}
    found = {i for i in items if i in gold_norm}
    shown = [(" | ".join(i) if isinstance(i, tuple) else str(i), i in found) for i in items]
    raw_text, clipped = clip(raw if raw is not None else pred)
    return SampleQuery(label, [(g, normalize_answer(g) in found) for g in gold], shown, raw_text, clipped,
                       tp, fp, fn, status)


def read_samples(path: Path, max_sentences: int = MAX_SENTENCES) -> SampleLog:
    path = Path(path)
    sentences: dict[str, SampleSentence] = {}
    n_lines = shown = 0
    full = False
    for lineno, obj in iter_jsonl(path, HINT, "predictions"):
        n_lines += 1
        if full:
            continue
        if not isinstance(obj, dict):
            raise DataFormatError("expected a JSON object", path=path, line=lineno, hint=HINT)
        sid = str(obj.get("sentence_id") or f"line {lineno}")
        s = sentences.get(sid)
        if s is None:
            if len(sentences) >= max_sentences:
                full = True
                continue
            text = obj.get("text") if isinstance(obj.get("text"), str) else None
            prompt, pclip = clip(obj["prompt"]) if obj.get("prompt") else (None, False)  # text, or chat messages
            s = sentences[sid] = SampleSentence(sid, text, prompt, pclip)
        s.queries.append(_query(obj, path, lineno))
        shown += 1
    return SampleLog(path, list(sentences.values()), n_lines, shown, full)
