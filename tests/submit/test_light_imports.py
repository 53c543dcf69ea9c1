"""Building the site, validating and a dry-run submission import no model code, and nothing from the Hub."""

import subprocess
import sys

from tests.leaderboard.conftest import make_run, write

from .conftest import ROOT

HEAVY = ("torch", "transformers", "vllm", "openai", "datasets", "huggingface_hub")


def test_build_validate_and_dry_run_stay_light(tmp_path):
    runs = tmp_path / "runs"
    write(runs, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
    code = ("import sys; from unibench.cli.main import main; "
            f"a = main(['leaderboard', 'build', '--results', {str(runs)!r}, '--out', {str(tmp_path / 'site')!r}]); "
            f"b = main(['validate', {str(runs)!r}]); "
            f"c = main(['submit', {str(runs)!r}, '--repo', 'o/r', '--dry-run', '--json']); "
            f"print('RC', a, b, c, 'HEAVY', [m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert "RC 0 0 0 HEAVY []" in out.stdout, out.stdout + out.stderr
