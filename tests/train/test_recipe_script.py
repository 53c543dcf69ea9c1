"""scripts/recipe_end_to_end.sh, tiny: gold-annotations -> build -> train -> run before/after -> table."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, SHARED_DATA, needs_shared

pytest.importorskip("torch")


@needs_shared("ncbi", "bc5cdr", "crossner_literature")
@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not found")
def test_recipe_script_runs_end_to_end_tiny(tmp_path, tiny_llama_dir):
    from unibench.train.conversations import read_conversations

    work = tmp_path / "work"
    env = {**os.environ, "UNIBENCH": f"{sys.executable} -m unibench", "WORK": str(work),
           "DATA_DIR": str(SHARED_DATA), "CACHE_DIR": str(tmp_path / "cache"), "TRAIN_ROWS": "ncbi bc5cdr",
           "PER_ROW": "5", "BASE": str(tiny_llama_dir), "GGUF_FILE": "", "EPOCHS": "1", "BATCH": "2",
           "GRAD_ACCUM": "1", "LR": "1e-3", "MAX_LENGTH": "256", "PRECISION": "fp32",
           "EVAL_ROWS": "crossner_literature", "EVAL_LIMIT": "2", "EVAL_LIMIT_BEFORE": "1", "EVAL_BATCH": "4",
           "TRAIN_EXTRA": "--eval-fraction 0", "OMP_NUM_THREADS": "1"}
    p = subprocess.run(["bash", str(REPO / "scripts" / "recipe_end_to_end.sh")], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    steps = [line.split("\t")[0] for line in (work / "timings.tsv").read_text().splitlines()]
    assert steps == ["gold-annotations", "build", "train", "run-before@1", "run-after@1", "run-after@2"]
    table = (work / "before_after.md").read_text()
    assert "| crossner_literature |" in table and "F1 before@1 | F1 after@1 | F1 after@2" in table
    assert "| 11/11/22 |" in table  # queries: the first sentence's 11 types, then two sentences
    assert table in p.stdout
    data = read_conversations(work / "conversations.json")
    assert 0 < len(data.records) <= 10 and data.n_negative_pairs > 0  # frequency negatives were added
    meta = json.loads((work / "student" / "unibench_model.json").read_text())
    assert meta["adapter"] == "uniner" and meta["training_datasets"] == ["bc5cdr", "ncbi"]
    after = json.loads((work / "after@2.json").read_text())
    assert after["adapter"] == "uniner" and after["datasets"]["crossner_literature"]["n_queries"] == 2 * 11
