"""The README's two commands are the contract with a new user; CI must run the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    return [b.strip() for b in blocks[:2]]


def test_ci_runs_the_readme_test_command_verbatim():
    main_job, tests = _commands()
    assert "unibench run --model gazetteer --benchmark demo" in main_job and "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_main_command_needs_nothing_outside_the_package():
    """The demo benchmark reads only data shipped in the package (redistributable samples)."""
    import yaml

    from unibench.resources import package_data

    demo = yaml.safe_load(package_data("benchmark_sets.yaml").read_text())["demo"]
    folder = package_data(demo["data_dir"])
    assert all((folder / row).is_dir() and (folder / row / "LICENSE").exists() for row in demo["rows"])
