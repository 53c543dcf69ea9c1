"""A fake Hub on 127.0.0.1 and a runner for the real `unibench` command in a subprocess.

The CLI runs in a subprocess because huggingface_hub reads HF_ENDPOINT / HF_HUB_OFFLINE when it
is first imported (and the test session sets HF_HUB_OFFLINE=1 for everything else): a fresh
process sees exactly the environment a user's shell would give it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.leaderboard.conftest import make_run, write

from .hub_server import FakeHub, Repo

TOKEN = "hf_unibenchTEST0secret0TOKEN0do0not0print"
REPO_ID = "unibench/results"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture()
def hub():
    with FakeHub(TOKEN) as h:
        h.repos[REPO_ID] = Repo()
        yield h


@pytest.fixture()
def hf_env(tmp_path, hub):
    """The environment of a user with HF_TOKEN set and the Hub at the fake server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS_"))}
    env.update(HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN, HF_HOME=str(tmp_path / "hf-home"), PYTHONPATH=str(ROOT),
               HF_HUB_DISABLE_TELEMETRY="1", NO_COLOR="1", COLUMNS="200")
    return env


def run_cli(args: list[str], env: dict, timeout: float = 120) -> Result:
    p = subprocess.run([sys.executable, "-m", "unibench", *args], capture_output=True, text=True, env=env,
                       timeout=timeout, cwd=ROOT)
    return Result(p.returncode, p.stdout, p.stderr)


@pytest.fixture()
def my_runs(tmp_path) -> Path:
    """A contributor's results folder: two rows of one model revision, as `unibench run` lays them out."""
    root = tmp_path / "my-results"
    write(root, make_run("myorg/ner-7b", "My NER 7B", "crossner_ai", 80, 20, 20))
    write(root, make_run("myorg/ner-7b", "My NER 7B", "mit_movie", 60, 30, 40))
    return root
