"""The reading rules themselves (`unibench.safe_read`): where an error points, what a BOM does, which
symlinks are followed."""

from __future__ import annotations

import os
import re

import pytest

from unibench import safe_read
from unibench.errors import DataFormatError


def test_a_decoding_error_names_the_line_and_the_byte_offset(tmp_path):
    p = tmp_path / "f.txt"
    p.write_bytes(b"ok\nfine\nCaf\xe9\n")
    with pytest.raises(DataFormatError) as exc:
        safe_read.read_text(p, "data")
    assert exc.value.line == 3 and "byte 0xE9 at byte offset 11" in exc.value.message


def test_the_offset_counts_a_stripped_bom(tmp_path):
    p = tmp_path / "f.txt"
    p.write_bytes(b"\xef\xbb\xbfab\xff")
    with pytest.raises(DataFormatError) as exc:
        safe_read.read_text(p, "data")
    assert exc.value.line == 1 and "byte offset 5" in exc.value.message


def test_one_bom_is_stripped_and_utf16_is_named(tmp_path):
    p = tmp_path / "f.txt"
    p.write_bytes(b"\xef\xbb\xbfx\n")
    assert safe_read.read_text(p, "data") == "x\n"
    p.write_bytes("x\n".encode("utf-16"))
    with pytest.raises(DataFormatError, match="UTF-16"):
        safe_read.read_text(p, "data")


@pytest.mark.parametrize("text,what", [("[" * 50_000 + "]" * 50_000, "nested too deeply"),
                                       ("7" * 5000, "unreadable JSON value"),
                                       ('{"a": 1,\n "b": }', "invalid JSON")])
def test_json_failures_are_data_format_errors(tmp_path, text, what):
    p = tmp_path / "f.json"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataFormatError, match=what):
        safe_read.load_json(p, "result")


def test_the_size_cap_is_checked_before_reading(tmp_path, monkeypatch):
    p = tmp_path / "f.json"
    p.write_text("[1, 2, 3]", encoding="utf-8")
    monkeypatch.setitem(safe_read.CAPS, "result", 8)
    with pytest.raises(DataFormatError, match="capped at"):
        safe_read.read_bytes(p, "result")


def test_symlinks_stay_inside_the_tree_walked(tmp_path):
    tree, outside = tmp_path / "tree", tmp_path / "outside.json"
    tree.mkdir()
    outside.write_text("{}", encoding="utf-8")
    (tree / "in.json").write_text("{}", encoding="utf-8")
    (tree / "to-in.json").symlink_to(tree / "in.json")
    (tree / "to-out.json").symlink_to(outside)
    assert safe_read.load_json(tree / "to-in.json", "result", root=tree) == {}
    with pytest.raises(DataFormatError, match="outside"):
        safe_read.load_json(tree / "to-out.json", "result", root=tree)
    # named directly (no tree), a symlink to a regular file anywhere is followed
    assert safe_read.load_json(tree / "to-out.json", "result") == {}


def test_a_hub_cache_snapshot_may_link_into_its_blobs(tmp_path):
    """huggingface_hub stores snapshot files as symlinks into the repo cache's blobs/."""
    repo = tmp_path / "datasets--o--r"
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs" / "abc").write_text("{}", encoding="utf-8")
    results = repo / "snapshots" / ("0" * 40) / "results"
    results.mkdir(parents=True)
    (results / "x.json").symlink_to(repo / "blobs" / "abc")
    assert safe_read.tree_root(results) == repo.resolve()
    assert safe_read.load_json(results / "x.json", "result", root=results) == {}
    (results / "y.json").symlink_to("/etc/hostname")
    with pytest.raises(DataFormatError, match="outside"):
        safe_read.load_json(results / "y.json", "result", root=results)


def test_iter_files_skips_folders_and_reports_links(tmp_path):
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "dir.json" / "b.json").write_text("{}", encoding="utf-8")
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    found = [p.relative_to(tmp_path).as_posix() for p in safe_read.iter_files(tmp_path, ".json")]
    assert found == ["a.json", "dir.json/b.json", "zero.json"]


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: it must be refused before any open."""
    fifo = tmp_path / "x.json"
    os.mkfifo(fifo)
    with pytest.raises(DataFormatError, match="not a regular file"):
        safe_read.read_bytes(fifo, "result")


@pytest.mark.parametrize("seed", range(200))
def test_streamed_lines_equal_the_whole_file_read(seed, tmp_path):
    """`iter_lines` (what JSONL readers stream) gives the lines and line numbers `open_text` gives over the whole
    decoded file, and the same error for a UTF-16 or non-UTF-8 file (a seeded property test: BOMs, \\r\\n, lone
    \\r, blank lines, multi-byte characters, bad bytes)."""
    import random

    from unibench.errors import UnibenchError
    from unibench.safe_read import iter_lines, open_text

    rng = random.Random(seed)
    pieces = [b"a", b"{}", b"\n", b"\r\n", b"\r", b"\xc3\xa9", b"\xe2\x80\xa8", b" ", b"x" * 50]
    data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
    if rng.random() < 0.2:
        data = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe"]) + data
    if rng.random() < 0.15:
        i = rng.randint(0, len(data))
        data = data[:i] + b"\xff" + data[i:]
    f = tmp_path / "f.jsonl"
    f.write_bytes(data)

    def lines(fn):
        try:
            return list(fn())
        except UnibenchError as exc:  # the whole-file read numbers lines by \n alone; the stream as it splits
            return re.sub(r"f\.jsonl:\d+:", "f.jsonl:N:", str(exc)) if b"\r" in data else str(exc)

    assert lines(lambda: iter_lines(f, "predictions")) == lines(lambda: enumerate(open_text(f, "predictions"), 1))


@pytest.mark.parametrize("line", ['{"a": 1}', ' {"a": 1}', '{"a": 1}  ', '{"a": 1} x', '{"a": 1}{"b": 2}', '[1, 2]',
                                  '"s"', '3', 'nul', '\ufeff{"a": 1}', '{"a": NaN}', '{"a": 1', '\t[]\t', '{"a": "\\u00e9"}'])
def test_jsonl_lines_parse_as_json_loads_parses_them(line, tmp_path):
    """iter_jsonl's fast decode gives json.loads's value, and its error (through parse_json) where it fails."""
    import json

    from unibench.errors import UnibenchError
    from unibench.safe_read import iter_jsonl, parse_json

    f = tmp_path / "f.jsonl"
    f.write_text("{}\n" + line + "\n", encoding="utf-8")  # line 2: a BOM there is not the file's
    try:
        want = [(1, {}), (2, parse_json(line + "\n", f, line=2, hint="h"))]
    except UnibenchError as exc:
        want = str(exc)
    try:
        got = list(iter_jsonl(f, "predictions", "h"))
    except UnibenchError as exc:
        got = str(exc)
    assert repr(got) == repr(want)
    if isinstance(want, list):
        assert want[1][1] == json.loads(line) or line.strip() == '{"a": NaN}'
