"""Atomic file writing and content hashing.

Results and prepared data are written to a temporary file in the same folder and renamed into
place, so that a crash or Ctrl-C never leaves a half-written file where a reader would trust it.
`tempfile` creates its files 0600 and its folders 0700 (private to the user); the finished file or
folder gets the mode a plain `open()` / `mkdir` would give it (0666 / 0777 minus the umask), so a
result file, sample log or site copied to a web server is readable by it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def current_umask() -> int:
    """The process umask (reading it means setting it; it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def umask_mode(directory: bool = False) -> int:
    """The mode `open()` (0666) or `mkdir` (0777) would give a new file or folder under the current umask."""
    return (0o777 if directory else 0o666) & ~current_umask()


def make_temp_dir(parent: Path | str, prefix: str) -> Path:
    """A fresh folder under `parent` (unique name, like tempfile.mkdtemp) with the umask's mode, not 0700."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(tmp, umask_mode(directory=True))
    return tmp


def atomic_write_text(path: Path | str, text: str) -> None:
    path = Path(path)
    if path.is_dir():  # os.replace would fail half-way with IsADirectoryError
        from .errors import UnibenchError

        raise UnibenchError("is a folder; expected the path of a file to write", path=path,
                            hint="give a file name (e.g. DIR/report.json), not an existing folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # POSIX; Windows has no modes to fix
            os.fchmod(fd, umask_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_json(path: Path | str, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def replace_dir(src: Path | str, dst: Path | str) -> Path:
    """Move a fully written folder `src` to `dst`, replacing an old `dst` only at that moment.

    Both renames are atomic on one filesystem, so a reader (or a crash) sees the old folder or
    the new one, never a mix; the old one is deleted only after the new one is in place.
    """
    import shutil

    src, dst = Path(src), Path(dst)
    old = None
    if dst.exists():
        old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
        os.replace(dst, old)
    os.replace(src, dst)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return dst


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_json(obj: Any) -> str:
    """A stable hash of a JSON-serialisable object (sorted keys, no whitespace)."""
    return sha256_text(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def iter_jsonl(path: Path | str, hint: str, kind: str = "data"):
    """Yield (line number, object) for each non-blank line of a JSONL file.

    A JSONL line that is not JSON becomes an error naming the file, the line and the column,
    with the caller's hint about what the line should hold. The file is read through
    `unibench.safe_read` (regular file, size cap of `kind`, UTF-8 with the BOM stripped).
    """
    from .safe_read import iter_jsonl as _iter

    yield from _iter(path, kind, hint)
