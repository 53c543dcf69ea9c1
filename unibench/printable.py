"""The one way a string from a file or a server reaches the console: control characters escaped.

A results repository's CI prints what strangers wrote (model names, file names from the Hub,
server error bodies). Printed raw, an ESC sequence can retitle the window, clear the screen or
colour a forged `error:` line; a CR or an LF can overwrite or invent a line; C1 controls (0x80-0x9f,
e.g. CSI 0x9b) act like ESC on some terminals; bidi overrides reorder what is shown. `printable`
turns every such character into a visible escape (`\\x1b`, `\\r`, `\\u202e`), so the text stays
readable and inert. rich, which prints our messages, removes only BEL/BS/VT/FF/CR and keeps ESC,
so it is no protection on its own.

`error_text` renders a `UnibenchError` for the console: the message, the path and the hint are
each made printable, and line breaks inside them become spaces, so an error is one paragraph
whose only line break is the one before `hint:`.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the invisible characters that reorder or split displayed text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    c = match.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def printable(value: object) -> str:
    """`str(value)` with every control, C1 and bidi-override character shown as an escape."""
    return _UNSAFE.sub(_escape, str(value))


def one_paragraph(value: object) -> str:
    """`printable`, with line breaks (and the blanks around them) first turned into one space."""
    return printable(re.sub(r"[ \t]*(?:\r\n|\r|\n)+[ \t]*", " ", str(value)).strip())


def error_text(exc) -> str:
    """A UnibenchError as the CLI prints it: `path:line: message` and an optional `hint:` line."""
    where = ""
    if exc.path is not None:
        where = printable(exc.path) + (f":{exc.line}" if exc.line is not None else "") + ": "
    text = where + one_paragraph(exc.message)
    if exc.hint:
        text += "\n  hint: " + one_paragraph(exc.hint)
    return text


def json_safe(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`, which escapes only C0) with C1 and bidi
    characters also written as `\\uXXXX`: the same JSON value, inert on a terminal."""
    return re.sub("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)
