"""scripts/record_test_sets.py: measures staged test splits into the cards, rewriting only the
`test_sets:` block, idempotently; the committed cards match the staged data."""

import shutil
import subprocess
import sys

from unibench.cards import parse_card
from unibench.resources import resource_dir
from unibench.test_sets import Measured, render_block, replace_block
from tests.conftest import REPO, SHARED_DATA, needs_shared

SCRIPT = REPO / "scripts" / "record_test_sets.py"
A, B = "a" * 64, "b" * 64


def test_replace_block_touches_nothing_else():
    text = "id: x  # a comment\npaper:\n  test: 3\n\n# trailing comment\n"
    block = render_block({"paper": Measured(3, A)})
    once = replace_block(text, block)
    assert once == "id: x  # a comment\n" + block + "paper:\n  test: 3\n\n# trailing comment\n"  # before paper:
    assert replace_block(once, block) == once  # idempotent
    assert replace_block("id: x", block) == "id: x\n" + block  # no paper section: appended
    middle = ("id: x\ntest_sets:\n  paper: {sentences: 1, sha256: " + B + "}\n\n  corrected: {sentences: 1}\n"
              "license: y\n")
    new = replace_block(middle, render_block({"paper": Measured(3, A), "corrected": Measured(2, B)}))
    assert new.startswith("id: x\ntest_sets:  # measured") and new.endswith("license: y\n")
    assert "sentences: 1" not in new and f"corrected: {{sentences: 2, sha256: {B}}}" in new


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=600, cwd=REPO)


@needs_shared("crossner_ai", "ncbi")
def test_script_records_checks_and_is_idempotent(tmp_path):
    cards = tmp_path / "cards"
    shutil.copytree(resource_dir("dataset_cards"), cards)
    rows = ["crossner_ai", "ncbi", "ace04"]
    assert _run("--data-dir", SHARED_DATA, "--cards-dir", cards, "--rows", *rows, "--check").returncode == 0
    original = (cards / "crossner_ai.yaml").read_text()
    stale = original.replace("paper: {sentences: 431,", "paper: {sentences: 400,")
    assert stale != original
    (cards / "crossner_ai.yaml").write_text(stale)
    (cards / "ncbi.yaml").write_text(replace_block((cards / "ncbi.yaml").read_text(), ""))  # no block at all
    check = _run("--data-dir", SHARED_DATA, "--cards-dir", cards, "--rows", *rows, "--check")
    assert check.returncode == 1 and "out of date: crossner_ai" in check.stdout and "ncbi" in check.stdout
    assert (cards / "crossner_ai.yaml").read_text() == stale  # --check writes nothing
    fixed = _run("--data-dir", SHARED_DATA, "--cards-dir", cards, "--rows", *rows)
    assert fixed.returncode == 0, fixed.stderr
    assert "2 rows measured, 2 updated, 1 not staged" in fixed.stdout
    assert (cards / "crossner_ai.yaml").read_text() == original  # byte for byte, comments and all
    assert parse_card(cards / "ncbi.yaml").test_sets["paper"].sentences == 940
    again = _run("--data-dir", SHARED_DATA, "--cards-dir", cards, "--rows", *rows)
    assert "0 updated" in again.stdout
    assert _run("--data-dir", tmp_path / "nowhere", "--cards-dir", cards).returncode == 2


def test_committed_cards_match_the_staged_data(shared_data):
    """Every staged row's recorded test set is what the loaders produce now (re-run the script if not)."""
    res = _run("--data-dir", shared_data, "--check")
    assert res.returncode == 0, res.stdout + res.stderr
