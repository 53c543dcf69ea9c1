"""Assertions shared by the hostile server tests: how a refused input must end."""

from __future__ import annotations

from pathlib import Path


def assert_clean_refusal(res, *needles: str) -> None:
    """Exit 2, one `error:` paragraph (its only line break is before `hint:`), no traceback, no raw
    control character on the console, and the expected words in the message."""
    err = res.stderr
    assert res.returncode == 2, (res.returncode, res.stdout, err)
    assert "Traceback" not in err and "Traceback" not in res.stdout
    error_lines = [line for line in err.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(error_lines) if line.startswith("error:"))
    rest = error_lines[start + 1:]
    assert len(rest) <= 1 and all(line.lstrip().startswith("hint:") for line in rest), err
    assert_inert(res.stdout + err)
    for needle in needles:
        assert needle in err.replace("\n", " "), (needle, err)


def assert_inert(text: str) -> None:
    """No ESC, CR, BEL or C1 control reaches the terminal."""
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]
    assert not bad, sorted({hex(ord(c)) for c in bad})


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}
