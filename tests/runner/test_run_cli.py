"""`unibench run` end to end: the offline demo, result files, resume after SIGKILL, lazy imports."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unibench.cache import CachedBackend, ResponseCache
from unibench.backends.base import GenRequest
from unibench.backends.dummy import DummyBackend
from unibench.cli.main import main
from unibench.results import iter_result_files, read_result
from tests.conftest import SHARED_DATA, needs_shared


def test_demo_runs_offline_and_rerun_loads_results(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("UNIBENCH_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results"
    assert main(["run", "--model", "gazetteer", "--benchmark", "demo", "--output-dir", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["datasets"]) == {"crossner_ai", "crossner_music", "btc"}
    files = list(iter_result_files(out))
    assert len(files) == 3
    for f in files:
        r = read_result(f)  # schema-valid, F1 consistent with counts
        assert r.dataset.split == "demo-test" and r.strict_span is not None and r.scores.ci95 is not None
        assert r.prompt.setting == "supervised"  # the gazetteer learns each row's train split: never zero-shot
    ai = summary["datasets"]["crossner_ai"]
    assert 0 < ai["f1"] < 1 and ai["n_queries"] == 60 * 13
    assert main(["run", "--model", "gazetteer", "--benchmark", "demo", "--output-dir", str(out), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert all(v["loaded_from_disk"] for v in again["datasets"].values())
    assert again["overall"]["f1"] == summary["overall"]["f1"]


def test_cache_key_separates_models_and_serves_hits(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    req = [GenRequest("Text: Paris is nice ASSISTANT: I've read this text.</s>USER: What describes x in the text? "
                      "ASSISTANT:")]
    a = CachedBackend(DummyBackend(), cache, {"model": "a"})
    assert a.generate(req) == a.generate(req) and a.hits == 1 and a.misses == 1
    b = CachedBackend(DummyBackend(), cache, {"model": "b"})
    b.generate(req)
    assert b.misses == 1 and len(cache) == 2


def _run_cmd(out: Path, cache: Path, delay: str) -> list[str]:
    return [sys.executable, "-m", "unibench", "run", "--model", f"dummy:{delay}", "--datasets", "crossner_ai",
            "--data-dir", str(SHARED_DATA), "--limit", "40", "--output-dir", str(out), "--cache-dir", str(cache),
            "--json"]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> dict:
    """The uninterrupted run both interruption tests compare against."""
    tmp = tmp_path_factory.mktemp("ref")
    ref = subprocess.run(_run_cmd(tmp / "ref", tmp / "ref-cache", "0"), capture_output=True, text=True,
                         env=_env(), timeout=300)
    assert ref.returncode == 0, ref.stderr
    return json.loads(ref.stdout)["datasets"]["crossner_ai"]


def _interrupt_then_resume(tmp_path, sig) -> tuple[dict, int, subprocess.CompletedProcess]:
    proc = subprocess.Popen(_run_cmd(tmp_path / "out", tmp_path / "cache", "0.01"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    db = tmp_path / "cache" / "responses.sqlite"
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until some chunks are committed, then interrupt mid-run
        if db.exists() and ResponseCache(db).__len__() >= 128:
            break
        time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    done = len(ResponseCache(db))
    assert 0 < done < 520, "the interruption must land mid-run"
    assert not (tmp_path / "out" / "partial" / "limit-40" / "dummy" / "v1" / "crossner_ai.json").exists()
    again = subprocess.run(_run_cmd(tmp_path / "out", tmp_path / "cache", "0"), capture_output=True, text=True,
                           env=_env(), timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(ResponseCache(db)) == 520  # every query exactly once, none doubled
    return json.loads(again.stdout)["datasets"]["crossner_ai"], proc.returncode, err


def _same(a: dict, b: dict) -> bool:
    return (a["tp"], a["fp"], a["fn"], a["f1"], a["n_queries"]) == (b["tp"], b["fp"], b["fn"], b["f1"], b["n_queries"])


@needs_shared("crossner_ai")
def test_sigkill_then_resume_gives_identical_scores(tmp_path, reference_run):
    resumed, _, _ = _interrupt_then_resume(tmp_path, signal.SIGKILL)
    assert _same(resumed, reference_run)


@needs_shared("crossner_ai")
def test_ctrl_c_exits_130_keeps_finished_chunks_and_resumes(tmp_path, reference_run):
    resumed, rc, err = _interrupt_then_resume(tmp_path, signal.SIGINT)
    assert rc == 130 and "interrupted" in err and "Traceback" not in err
    assert _same(resumed, reference_run) and resumed["cache_hits"] >= 128


def test_help_and_scoring_never_import_torch():
    code = ("import sys; from unibench.cli.main import main; rc = main(['--help']); "
            "heavy = [m for m in ('torch', 'transformers', 'vllm', 'openai', 'datasets') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_unknown_benchmark_and_model_ref(capsys):
    assert main(["run", "--model", "gazetteer", "--benchmark", "demoo"]) == 2
    assert "did you mean 'demo'" in capsys.readouterr().err
    assert main(["run", "--model", "nosuch:x", "--benchmark", "demo"]) == 2


def test_threads_applies_to_hf_models_only(capsys):
    assert main(["run", "--model", "gazetteer", "--benchmark", "demo", "--threads", "1"]) == 2
    assert "--threads applies to --model hf:" in capsys.readouterr().err
