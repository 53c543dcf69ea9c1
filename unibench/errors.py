"""Errors that a user can act on.

Every error that reaches the CLI names the file, the line and what was expected, so that a
user can fix their input without reading our code. The CLI turns any `UnibenchError` into a
one-paragraph message and a non-zero exit code (2); anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Iterable


class UnibenchError(Exception):
    """An error caused by input, configuration or environment, not by a bug."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 hint: str | None = None):
        from .privacy import mask_secrets

        # the one place every error message passes: a key or password a server echoed never reaches the screen
        self.message = mask_secrets(message)
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = mask_secrets(hint) if hint else hint
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line is not None else "") + ": "
        text = where + self.message
        if self.hint:
            text += "\n  hint: " + self.hint
        return text


class DataFormatError(UnibenchError):
    """A raw or normalised data file does not have the format its card promises."""


class CardError(UnibenchError):
    """A dataset card (or another declarative file) fails its schema."""


class UnknownNameError(UnibenchError):
    """A name (dataset id, adapter, benchmark...) that is not registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = ("did you mean " + " or ".join(repr(c) for c in close) + "?") if close else None
        listing = ", ".join(known[:60]) + (" ..." if len(known) > 60 else "")
        super().__init__(f"unknown {kind} {name!r}. Known: {listing}", hint=hint)
        self.name = name
        self.suggestions = close


class MissingDataError(UnibenchError):
    """Raw data for a dataset is not where the data dir says it should be."""


def did_you_mean(name: str, known: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 problem', '2 problems', '0 problems': messages count things in English, not 'problem(s)'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
