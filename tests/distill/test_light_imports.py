"""The data commands (`distill --help`, `gold-annotations`, `build`) never import torch, openai & co."""

import json
import subprocess
import sys
from pathlib import Path

from unibench.resources import package_data

REPO = Path(__file__).resolve().parents[2]


def test_build_and_gold_annotations_stay_light(tmp_path):
    ann = tmp_path / "ann.jsonl"
    ann.write_text(json.dumps({"id": "a", "text": "Paris is big .", "entities": [["Paris", "city"]]}) + "\n" +
                   json.dumps({"id": "b", "text": "Obama spoke .", "entities": [["Obama", "person"]]}) + "\n")
    gold = str(tmp_path / "gold.jsonl")
    gold_args = ["distill", "gold-annotations", "--datasets", "crossner_ai", "--data-dir",
                 str(package_data("demo_data")), "--cache-dir", str(tmp_path / "cache"), "--out", gold, "--json"]
    build_args = ["distill", "build", "--annotations", str(ann), "--annotations", gold, "--out",
                  str(tmp_path / "d.json"), "--json"]
    code = (
        "import sys; from unibench.cli.main import main; "
        "assert main(['distill', '--help']) == 0; "
        f"assert main({gold_args!r}) == 0; "
        f"assert main({build_args!r}) == 0; "
        "heavy = [m for m in ('torch', 'transformers', 'vllm', 'openai', 'datasets') if m in sys.modules]; "
        "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert "HEAVY []" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    assert (tmp_path / "d.json").exists()
