"""The one way unibench reads a file that a user or a pull request supplied.

A results repository takes pull requests from strangers and its CI runs `unibench validate` on
them; users feed unibench data files from many tools. So every such read goes through here:

- **regular files only**: a folder, a FIFO, a device (a symlink to `/dev/zero`) or a dangling
  symlink is refused before anything is read; when a file was found by walking a folder
  (`root=`), a symlink is followed only if its target stays inside that folder;
- **a size cap per kind of file** (`CAPS`, the one place they are stated; docs/trust.md repeats
  them), checked on the size the filesystem reports and again on the bytes actually read;
- **UTF-8, with one leading BOM stripped** the same way for every format; UTF-16 and other
  non-UTF-8 bytes are an error naming the line and the byte offset;
- **every parse failure is a `DataFormatError`** naming the file and the line: JSON syntax,
  integers longer than Python's digit limit (a ValueError), nesting deep enough to raise
  RecursionError, YAML errors.

Nothing here imports more than the standard library (and yaml, lazily).
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any, Iterator

from .errors import DataFormatError, UnibenchError

MB = 1 << 20

#: The size caps, by kind of file. A file larger than its cap is refused before it is read.
CAPS: dict[str, int] = {
    "result": 5 * MB,  # one result file (a row's scores, CIs, per-type counts): ~2-60 KB in practice
    "meta": 1 * MB,  # model_meta.json, run specs, small JSON configs
    # `score --predictions`, sample logs (one line per query): read line by line, never held whole; a
    # full 49-row re-score file of 2.5 M recorded outputs is ~0.7 GB
    "predictions": 4096 * MB,
    "data": 1024 * MB,  # raw dataset files read by the readers, prepared JSONL
    "training": 1024 * MB,  # distill annotations / passages, conversation DATA.json for `train --data`
}

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _cap(kind: str) -> int:
    if kind not in CAPS:  # a programming error, not bad input
        raise KeyError(f"unknown file kind {kind!r}; known: {sorted(CAPS)}")
    return CAPS[kind]


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


def _inside(target: Path, root: Path) -> bool:
    try:
        target.relative_to(root)
        return True
    except ValueError:
        return False


def tree_root(root: Path | str) -> Path:
    """The folder a symlink found under `root` may point into: `root` itself, except for a Hugging Face
    cache snapshot (`<repo cache>/snapshots/<commit>/...`), whose files are symlinks that huggingface_hub
    itself made into the repo cache's `blobs/`: there the repo cache folder is the tree."""
    root = Path(root).resolve()
    for folder in (root, *root.parents):  # the results/ folder of a snapshot, or the snapshot itself
        if folder.parent.name == "snapshots" and (folder.parent.parent / "blobs").is_dir():
            return folder.parent.parent
    return root


def check_file(path: Path | str, kind: str, *, root: Path | str | None = None) -> Path:
    """The path to open, after refusing anything that is not a regular file within its cap.

    `root` is the folder being read when the file was found by walking it: a symlink must then
    resolve to a file inside `root`. A path given directly (a command-line argument) may be a
    symlink anywhere, but its target must still be a regular file.
    """
    return _checked(path, kind, root)[0]


def _checked(path: Path | str, kind: str, root: Path | str | None) -> tuple[Path, os.stat_result]:
    """`check_file`, and the status it checked. One `lstat` decides for a plain file (most files: reading a
    24,500-file leaderboard made three status calls per file before); a symlink is resolved and its target's
    status checked."""
    path = Path(path)
    cap = _cap(kind)
    try:
        st = os.lstat(path)
    except (OSError, ValueError):  # what os.path.lexists takes as absent
        raise UnibenchError("file not found", path=path, hint="check the path") from None
    target = path
    if stat.S_ISLNK(st.st_mode):
        target = path.resolve()
        if not target.exists():
            raise DataFormatError(f"dangling symlink (points to {os.readlink(path)})", path=path,
                                  hint="replace the symlink by the file itself")
        if root is not None and not _inside(target, tree_root(root)):
            raise DataFormatError(f"symlink points outside {root} (to {target})", path=path,
                                  hint="files in this folder must be regular files, or symlinks to files "
                                       "inside the same folder")
        st = os.stat(target)
    if stat.S_ISDIR(st.st_mode):
        raise DataFormatError("is a folder, not a file", path=path, hint=f"expected a {kind} file here")
    if not stat.S_ISREG(st.st_mode):
        raise DataFormatError("is not a regular file (a device, FIFO or socket)", path=path,
                              hint="only regular files are read; replace it by the file itself")
    if st.st_size > cap:
        raise DataFormatError(f"is {_size(st.st_size)}; {kind} files are capped at {_size(cap)}", path=path,
                              hint="see docs/trust.md for the caps (unibench/safe_read.py CAPS)")
    return target, st


def _open_checked(path: Path | str, kind: str, root: Path | str | None) -> tuple[int, os.stat_result]:
    """A descriptor open on the checked file (`check_file`) and its status. O_NONBLOCK: should the file have
    been swapped for a FIFO since the check, opening it must not hang; fstat on the open descriptor is the
    check that cannot be raced."""
    target, _ = _checked(path, kind, root)
    fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DataFormatError("is not a regular file", path=path, hint="only regular files are read")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_bytes(path: Path | str, kind: str, *, root: Path | str | None = None) -> bytes:
    """The file's bytes, refused when it is not a regular file or exceeds its kind's cap."""
    cap = _cap(kind)
    fd, st = _open_checked(path, kind, root)
    try:
        # the size the open file reports, plus one byte to see growth; reading up to the cap at once would
        # allocate (and map) the whole cap for every small file
        chunks, total = [], 0
        while total <= cap:
            chunk = os.read(fd, min(cap + 1 - total, max(st.st_size + 1 - total, 1 << 16)))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(data) > cap:  # grew after the size check, or the filesystem lied about the size
        raise _over_cap(path, cap, kind)
    return data


def _over_cap(path, cap: int, kind: str) -> DataFormatError:
    return DataFormatError(f"is larger than the {_size(cap)} cap for {kind} files", path=path,
                           hint="see docs/trust.md for the caps")


def _not_utf8(path, byte: int, offset: int, reason: str, line: int) -> DataFormatError:
    """The one message for a byte that is not UTF-8 (whole-file and streamed reads alike)."""
    return DataFormatError(f"is not UTF-8: byte 0x{byte:02X} at byte offset {offset} ({reason})", path=path,
                           line=line, hint="save the file as UTF-8 (e.g. `iconv -f latin1 -t UTF-8 FILE > NEW` for "
                                           "Latin-1)")


def decode_utf8(data: bytes, path: Path | str) -> str:
    """UTF-8 text with one leading BOM removed; anything else names the line and byte offset."""
    if data.startswith(_UTF16_BOMS):
        raise DataFormatError("is UTF-16 (it starts with a UTF-16 byte-order mark); unibench reads UTF-8",
                              path=path, line=1, hint="convert it, e.g. `iconv -f UTF-16 -t UTF-8 FILE > NEW`")
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        line = data.count(b"\n", 0, offset) + 1
        raise _not_utf8(path, data[offset], offset, exc.reason, line) from None


def read_text(path: Path | str, kind: str, *, root: Path | str | None = None) -> str:
    """The file as text: checked (`check_file`), capped, UTF-8 decoded, BOM stripped."""
    return decode_utf8(read_bytes(path, kind, root=root), path)


def open_text(path: Path | str, kind: str, *, root: Path | str | None = None,
              newline: str | None = None) -> io.StringIO:
    """A file object over `read_text`, for code written against `open()` (csv, line loops).

    `newline` means what it means for `open()`: None translates \\r\\n and \\r to \\n, "" keeps
    them (what the csv module needs).
    """
    return io.StringIO(read_text(path, kind, root=root), newline=newline)


def parse_json(text: str, path: Path | str, *, line: int | None = None, hint: str | None = None) -> Any:
    """`json.loads` with every failure a DataFormatError naming the file and the line.

    `line` is the line `text` starts on when it is one line (JSONL) or one cell of a bigger file.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        col = f" at column {exc.colno}" if line is not None else ""
        raise DataFormatError(f"invalid JSON ({exc.msg}{col})", path=path, line=where, hint=hint) from None
    except RecursionError:
        raise DataFormatError("JSON nested too deeply to read", path=path, line=line,
                              hint=hint or "no unibench file nests more than a few levels") from None
    except ValueError as exc:  # e.g. an integer longer than sys.get_int_max_str_digits()
        raise DataFormatError(f"unreadable JSON value ({str(exc)[:120]})", path=path, line=line,
                              hint=hint or "numbers must be ordinary integers or floats") from None


def load_json(path: Path | str, kind: str, *, root: Path | str | None = None, hint: str | None = None) -> Any:
    """One JSON document from a checked file."""
    return parse_json(read_text(path, kind, root=root), path, hint=hint)


def iter_lines(path: Path | str, kind: str, *, root: Path | str | None = None) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line of a checked file, read as a stream: the same checks, cap, UTF-8 and
    BOM handling as `read_text`, lines split as `open()` splits them (\\n, \\r\\n and \\r), but never the whole
    file in memory (a 0.7 GB predictions file held as text and as a StringIO took 2.3 GB). A byte that is not
    UTF-8 is refused when its line is reached, naming that line and its byte offset, as `decode_utf8` does."""
    cap = _cap(kind)
    with os.fdopen(_open_checked(path, kind, root)[0], "rb") as fh:
        offset, lineno = 0, 0
        for raw in fh:
            if offset == 0:
                if raw.startswith(_UTF16_BOMS):
                    decode_utf8(raw, path)  # the UTF-16 message
                skip = len(_BOM) if raw.startswith(_BOM) else 0
            else:
                skip = 0
            try:
                text = raw[skip:].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, raw[skip + exc.start], offset + skip + exc.start, exc.reason,
                                lineno + 1) from None
            offset += len(raw)
            if not text:  # a file that is only a BOM
                continue
            if offset > cap:  # grew after the size check
                raise _over_cap(path, cap, kind)
            if "\r" in text:  # universal newlines, as open() and read_text's readers see them
                parts = text.replace("\r\n", "\n").split("\r")
                for part in parts[:-1]:
                    lineno += 1
                    yield lineno, part + "\n"
                text = parts[-1]
                if not text:
                    continue
            lineno += 1
            yield lineno, text


def iter_jsonl(path: Path | str, kind: str, hint: str, *, root: Path | str | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, object) for each non-blank line of a checked JSONL file, streamed (`iter_lines`)."""
    decode = _RAW_DECODE
    for lineno, raw in iter_lines(path, kind, root=root):  # lines as open() splits them
        if not raw.isspace():
            try:  # json.loads without its two whitespace scans (a third of its time on a short line)
                obj, end = decode(raw)
                if end != len(raw) and not raw[end:].isspace():
                    raise ValueError("extra data")
            except (ValueError, RecursionError):  # json.loads decides: leading blanks, or the error naming the line
                obj = parse_json(raw, path, line=lineno, hint=hint)
            yield lineno, obj


_RAW_DECODE = json.JSONDecoder().raw_decode


def load_yaml(path: Path | str, kind: str, *, root: Path | str | None = None) -> Any:
    """One YAML document (safe loader) from a checked file; YAML errors name the line."""
    import yaml

    text = read_text(path, kind, root=root)
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataFormatError(f"invalid YAML ({exc.problem or exc.context})", path=path,
                              line=mark.line + 1 if mark else None) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise DataFormatError(f"invalid YAML ({type(exc).__name__})", path=path) from None


def iter_files(root: Path | str, suffix: str) -> Iterator[Path]:
    """Every entry under `root` whose name ends with `suffix`, sorted, that is not a folder.

    Symlinked folders are not entered. Symlinks and special files ARE yielded, so that the
    caller's `read_*(..., root=root)` refuses them by name instead of skipping them silently.
    """
    root = Path(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in filenames:
            if name.endswith(suffix):
                found.append(here / name)
        for name in dirnames:  # os.walk lists symlinks to folders as dirnames
            if name.endswith(suffix) and (here / name).is_symlink():
                found.append(here / name)
    yield from sorted(found)


def line_of(path: Path | str, needles: list[str], kind: str = "data") -> int | None:
    """The first line of a (checked) text file containing any of `needles`, or None.

    Used only on the error path, to report a bad value against the data file and line where it
    occurs even when the reader has already turned lines into sentences.
    """
    try:
        text = read_text(path, kind)
    except UnibenchError:
        return None
    best = None
    for needle in needles:
        pos = text.find(needle)
        if pos >= 0 and (best is None or pos < best):
            best = pos
    return None if best is None else text.count("\n", 0, best) + 1
