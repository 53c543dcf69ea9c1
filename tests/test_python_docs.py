"""docs/python.md's examples are tests: every ```python block runs, in order and in one namespace, offline in a
fresh folder (the gazetteer on the demo benchmark shipped in the package)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_has_examples_for_every_function():
    code = "\n".join(_blocks())
    for name in ("unibench.evaluate(", "unibench.score(", "unibench.load_results(", ".to_frame()"):
        assert name in code


def test_python_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UNIBENCH_CACHE", str(tmp_path / "cache"))
    namespace: dict = {}
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"docs/python.md block {i + 1}", "exec"), namespace)  # noqa: S102 - our own docs
    assert (tmp_path / "results").is_dir()
