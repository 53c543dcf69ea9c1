"""The loud failure of a wrong prompt format: a row where most outputs do not parse.

A model asked in a format it was not trained on usually answers in prose; the UniNER parser then
finds no JSON list, every query counts as a parse failure with no predictions, and F1 is 0.0 with a
tight CI, which reads like a measured result. Whenever at least half of a row's outputs fail to
parse, `run` and `score` print this warning, the result file carries it
(`diagnostics.parse_warning`) and the leaderboard site shows it. One wording for all of them.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

THRESHOLD = 0.5  # share of a row's outputs that fail to parse


def adapters_to_try(used: Optional[str]) -> list[str]:
    """The generative adapters other than the one used (the test-only `dummy` left out), `chat` first: it asks a
    chat model through its own chat template, the usual fix for a model that answers in prose."""
    from .adapters import load_adapters

    names = [n for n, s in load_adapters().items() if s.kind != "spans" and n not in ("dummy", used)]
    return sorted(names, key=lambda n: (n != "chat", n))


def parse_warning(row: str, n_outputs: int, parse_failures: int, adapter: Optional[str] = None,
                  unit: str = "outputs") -> Optional[str]:
    """The warning for a row, or None when fewer than THRESHOLD of its outputs failed to parse.

    `adapter`: the adapter that made the prompts (`run`), or None for recorded outputs (`score`, which
    parses every output with the UniNER parser). `unit`: "outputs" (one per query), or "answers" for
    per-sentence adapters (one answer per sentence, split per type by their parser)."""
    if n_outputs <= 0 or parse_failures / n_outputs < THRESHOLD:
        return None
    share = f"{parse_failures}/{n_outputs} {unit} ({100 * parse_failures / n_outputs:.0f}%)"
    tries = ", ".join(adapters_to_try(adapter))
    if adapter:
        return (f"{row}: {share} did not parse in the {adapter} adapter's answer format, so this F1 measures the "
                f"prompt format, not the model; the model probably expects another prompt: try --adapter {tries}")
    return (f"{row}: {share} did not parse as the UniNER answer (a JSON list of strings), so this F1 measures the "
            f"answer format, not the model; generate the outputs with a prompt the model follows (unibench run "
            f"--adapter {tries})")


def answer_understood(parser: str, raw: str, types: Sequence[str]) -> bool:
    """Whether a per-sentence answer is in its adapter's format at all. Those parsers never fail (prose just
    yields no entities), so the query-level parse-failure count stays 0 for them; an answer counts as parsed
    when it names one of the row's types as `type:` at the start of a block (the Ye format lists every type,
    with `None` for absent ones; InstructUIE gives `type: span; ...`), or is InstructUIE's bare `None`."""
    text = raw.strip()
    if parser == "instructuie" and text.lower() == "none":
        return True
    names = "|".join(re.escape(t) for t in sorted(types, key=len, reverse=True))
    return bool(names) and re.search(rf"(?:^|[|\n;]|Entity:)\s*\**\s*(?:{names})\s*\**\s*:", text, re.I) is not None


def result_parse_warning(result) -> Optional[str]:
    """A run result's warning: the one it carries, else computed from its counts (files written before the field
    existed get the same mark on the site)."""
    dg = getattr(result, "diagnostics", None)
    if result.kind != "run" or dg is None:
        return None
    if dg.parse_warning:
        return dg.parse_warning
    return parse_warning(result.dataset.row, dg.n_outputs, dg.parse_failures,
                         result.prompt.adapter if result.prompt else None)
