"""What went wrong besides wrong answers: parse failures, empty outputs, hallucinations.

- parse failure: a non-empty output with no JSON list at its start, or one the original
  parser's error path rejects (it then scores as `[]`);
- empty output: nothing left after stripping (raw text only: a span adapter's list, even an empty
  one, is an answer, like the text "[]");
- hallucination: a predicted (normalised) string that does not occur in the (normalised)
  passage, matched on word boundaries. Counted per unique predicted item.
"""

from __future__ import annotations

from dataclasses import dataclass

from .uniner import normalize_answer


@dataclass
class Diagnostics:
    n_outputs: int = 0
    parse_failures: int = 0
    empty_outputs: int = 0
    n_pred_items: int = 0
    hallucinations: int = 0
    n_checked_items: int = 0  # items whose passage text was known

    def rate(self, what: str) -> float | None:
        if what == "hallucination":
            return self.hallucinations / self.n_checked_items if self.n_checked_items else None
        n = {"parse_failure": self.parse_failures, "empty_output": self.empty_outputs}[what]
        return n / self.n_outputs if self.n_outputs else None


def in_text(item, norm_text_padded: str) -> bool:
    """Whether a parsed item occurs in the passage (given as ' ' + normalised text + ' ').

    An item that normalises to the empty string (e.g. "@" or "A.") occurs trivially: it cannot be
    told apart from the passage, so it is not counted as a hallucination."""
    if isinstance(item, tuple):
        return all(in_text(e, norm_text_padded) for e in item)
    return not item or f" {item} " in norm_text_padded


def padded_norm(text: str) -> str:
    return " " + normalize_answer(text) + " "
