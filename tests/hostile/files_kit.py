"""Generators of hostile files and the one assertion every refused file must pass.

A hostile case takes a valid file and turns it into one class of bad input (bytes that are not
UTF-8, a UTF-16 file, a stray byte, a NUL or C1 control inside a token, an empty file, a folder
or a dangling symlink or a symlink to /dev/zero where the file belongs, an integer of 5,000
digits, nesting 50,000 deep, a file over its size cap...). The CLI entry point then runs
in-process (`unibench.cli.main.main`), and `assert_refused` checks what the issue asks: exit
code 2, one paragraph that names the file, no traceback, and nothing written.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from unibench.cli.main import main

MARKER = "Cafe"  # a token present in every valid fixture, where byte-level damage is injected
SLOT = '"SLOT"'  # a JSON string in every valid JSON fixture, replaced by hostile JSON values

DEEP = "[" * 50_000 + "]" * 50_000
BIG_INT = "7" * 5000


def _replace(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def f(data: bytes) -> bytes:
        assert old in data, f"fixture lacks {old!r}"
        return data.replace(old, new, 1)
    return f


BYTE_CASES: dict[str, Callable[[bytes], bytes]] = {
    "latin1": _replace(MARKER.encode(), b"Caf\xe9"),
    "stray_byte": _replace(MARKER.encode(), b"Ca\xfffe"),
    "utf16": lambda data: data.decode("utf-8").encode("utf-16"),
    "empty": lambda data: b"",
}
TOKEN_CASES: dict[str, Callable[[bytes], bytes]] = {
    "nul_in_token": _replace(MARKER.encode(), b"Ca\x00fe"),
    "c1_in_token": _replace(MARKER.encode(), "Ca\u009bfe".encode()),
}
JSON_CASES: dict[str, Callable[[bytes], bytes]] = {
    "big_int": _replace(SLOT.encode(), BIG_INT.encode()),
    "deep_nesting": _replace(SLOT.encode(), DEEP.encode()),
}
FS_CASES = ("folder", "dangling_symlink", "devzero_symlink")


def make_fs_case(path: Path, case: str) -> None:
    """Put a folder, a dangling symlink or a symlink to /dev/zero where the file `path` was."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    if case == "folder":
        path.mkdir()
        (path / "inner.txt").write_text("x", encoding="utf-8")
    elif case == "dangling_symlink":
        path.symlink_to(path.parent / "does-not-exist")
    elif case == "devzero_symlink":
        path.symlink_to("/dev/zero")
    else:  # pragma: no cover - a typo in a test
        raise ValueError(case)


def apply(path: Path, case: str) -> None:
    """Turn the valid file at `path` into the hostile `case`."""
    if case in FS_CASES:
        make_fs_case(path, case)
        return
    fn = {**BYTE_CASES, **TOKEN_CASES, **JSON_CASES}[case]
    path.write_bytes(fn(path.read_bytes()))


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry below `root` (symlinks by target, files by content; special files not read)."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "<dir>"
            else:
                out[rel] = p.read_bytes()
    return out


def assert_refused(rc: int, out: str, err: str, names: list[str] | str, *, code: int = 2) -> None:
    """Exit `code`, one paragraph on stderr that names the file, no traceback."""
    names = [names] if isinstance(names, str) else names
    text = out + err
    assert rc == code, f"exit {rc}, expected {code}; output:\n{text}"
    assert "Traceback" not in text, text
    assert err.lstrip().startswith("error:"), err
    assert "\n\n" not in err.strip(), f"more than one paragraph:\n{err}"
    for name in names:
        assert name in err, f"{name!r} not named in:\n{err}"
