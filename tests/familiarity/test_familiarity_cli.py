"""`unibench familiarity` end to end with the real all-MiniLM-L6-v2: values, cache, annotation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.familiarity.conftest import conversation_file
from unibench.cards import get_card

REPO = Path(__file__).resolve().parents[2]
AI = get_card("crossner_ai").types


@pytest.fixture()
def ai_train(tmp_path) -> Path:
    """Every crossner_ai type answered with 3 mentions: an identical type set with k = 3."""
    return conversation_file(tmp_path / "ai.json", [{t: [f"{t} {i}" for i in range(3)] for t in AI}])


def test_identical_types_are_one_and_unrelated_rows_low(ai_train, tmp_path, minilm_dir, cli):
    rc, out, err = cli("familiarity", "--train", ai_train, "--rows", "crossner_ai", "--rows", "mit_restaurant",
                       "--k", "3", "--model", minilm_dir, "--cache-dir", tmp_path / "cache", "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert res["training"] == {"source": "ai.json", "types": 13, "mentions": 39,
                               "sha256": res["training"]["sha256"]}
    ai = res["rows"]["crossner_ai"]
    assert list(ai["per_type"]) == AI
    assert all(v == pytest.approx(1.0, abs=1e-5) for v in ai["per_type"].values())
    assert ai["nearest"]["program language"][0][:2] == ["program language", pytest.approx(1.0, abs=1e-5)]
    mr = res["rows"]["mit_restaurant"]["per_type"]
    assert mr["Location"] == pytest.approx(1.0, abs=1e-5)  # "location" is a crossner_ai type (names are lower-cased)
    others = [v for t, v in mr.items() if t != "Location"]
    assert max(others) < 0.6 and sum(others) / len(others) < 0.45
    assert res["rows"]["mit_restaurant"]["mean"] < 0.55 < ai["mean"]


def test_rerun_reads_the_cache_without_loading_a_model(ai_train, tmp_path, minilm_dir, cli):
    args = ["familiarity", "--train", str(ai_train), "--rows", "mit_movie", "--k", "3", "--model", str(minilm_dir),
            "--cache-dir", str(tmp_path / "cache"), "--json"]
    rc, out, err = cli(*args)
    assert rc == 0, err
    first = json.loads(out)
    assert first["embedded"] == 13 + 12  # 13 training types, 12 mit_movie types
    code = ("import json, sys; from unibench.cli.main import main; "
            f"rc = main({args!r}); "
            "print('HEAVY', [m for m in ('torch', 'transformers') if m in sys.modules], file=sys.stderr); "
            "sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    second = json.loads(proc.stdout)
    assert "HEAVY []" in proc.stderr and second["embedded"] == 0
    assert second["rows"] == first["rows"]
    # a new row embeds only its own types: the training embeddings come from the cache
    rc, out, err = cli(*args[:3], "--rows", "crossner_ai", *args[5:])
    assert rc == 0, err
    assert json.loads(out)["embedded"] == len(AI)  # its 13 types; no training type embedded again


def test_table_output_and_errors(ai_train, tmp_path, minilm_dir, cli):
    rc, out, err = cli("familiarity", "--train", ai_train, "--rows", "crossner_ai", "--k", "3", "--model",
                       minilm_dir, "--cache-dir", tmp_path / "cache")
    assert rc == 0, err
    assert "program language" in out and "100.0" in out and "embedded 26 type names" in err
    rc, out, err = cli("familiarity", "--train", tmp_path / "missing.json", "--rows", "crossner_ai")
    assert rc == 2 and "training data file not found" in err
    rc, out, err = cli("familiarity", "--train", ai_train, "--rows", "no_such_row")
    assert rc == 2 and "no_such_row" in err


def test_help_stays_light():
    code = ("import sys; from unibench.cli.main import main; assert main(['familiarity', '--help']) == 0; "
            "print('HEAVY', [m for m in ('torch', 'transformers', 'numpy') if m in sys.modules], file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0 and "HEAVY []" in proc.stderr, proc.stderr[-2000:]
    assert "--train" in proc.stdout and "--annotate" in proc.stdout
