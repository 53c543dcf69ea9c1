"""`unibench train --help`, `train-tagger --help` and a data error never import torch, transformers or peft:
the data file is validated before anything heavy is loaded."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_help_and_bad_data_stay_light(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "a", "conversations": []}]')
    code = (
        "import sys; from unibench.cli.main import main; "
        "assert main(['train', '--help']) == 0; "
        "assert main(['train-tagger', '--help']) == 0; "
        f"assert main(['train', '--data', {str(bad)!r}, '--base', 'x', '--out', {str(tmp_path / 'o')!r}]) == 2; "
        "import unibench.train.conversations, unibench.train.template, unibench.train.encode, "
        "unibench.train.checkpoint; "
        "heavy = [m for m in ('torch', 'transformers', 'peft', 'numpy') if m in sys.modules]; "
        "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert "HEAVY []" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    assert "record 0" in out.stderr and "at least 2 turns" in out.stderr
