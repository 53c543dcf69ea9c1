"""The Python API (unibench/api.py): `evaluate` is what `unibench run` runs, `score` what `unibench score` scores,
`load_results` reads folders and Hub results repos into pandas; `import unibench` stays light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import unibench
from unibench.errors import UnibenchError

ROOT = Path(__file__).resolve().parents[1]


def _cli(args, cwd, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "unibench", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def _stable(path: Path) -> dict:
    obj = json.loads(path.read_text())
    if "stamps" in obj:  # result files (run_spec.json files have no date)
        obj["stamps"].pop("date"), obj["stamps"].pop("command", None)
        for timing in ("wall_seconds", "device_seconds"):  # measured: differs between any two runs
            obj["cost"].pop(timing)
    return obj


def _untimed(datasets: dict) -> dict:
    return {k: {c: v for c, v in row.items() if c not in ("wall_seconds", "device_seconds")}
            for k, row in datasets.items()}


def test_evaluate_equals_the_cli_run(tmp_path, monkeypatch):
    res = _cli(["run", "--model", "gazetteer", "--benchmark", "demo", "--output-dir", "cli", "--cache-dir", "c1",
                "--json"], tmp_path)
    assert res.returncode == 0, res.stderr
    cli_summary = json.loads(res.stdout)
    monkeypatch.chdir(tmp_path)
    r = unibench.evaluate(model="gazetteer", benchmark="demo", output_dir="api", cache_dir="c2")
    assert isinstance(r, unibench.Results)
    assert _untimed(r.summary["datasets"]) == _untimed(cli_summary["datasets"])
    for key in ("domains", "overall", "model", "revision", "adapter"):
        assert r.summary[key] == cli_summary[key], key
    assert r.f1 == cli_summary["overall"]["f1"] and set(r.rows) == {"crossner_ai", "crossner_music", "btc"}
    cli_files = sorted(p.relative_to(tmp_path / "cli") for p in (tmp_path / "cli").rglob("*.json"))
    api_files = sorted(p.relative_to(tmp_path / "api") for p in (tmp_path / "api").rglob("*.json"))
    assert cli_files == api_files and cli_files
    for rel in cli_files:
        assert _stable(tmp_path / "cli" / rel) == _stable(tmp_path / "api" / rel)
    result_file = next(p for p in api_files if not p.name.endswith(".run_spec.json"))
    stamped = json.loads((tmp_path / "api" / result_file).read_text())["stamps"]["command"]
    assert stamped == "unibench run --model gazetteer --benchmark demo"
    frame = r.to_frame()
    assert list(frame["row"]) == list(r.rows) and list(frame["f1"]) == [x.scores.f1 for x in r.rows.values()]


def test_evaluate_raises_unibench_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnibenchError, match="exactly one of --datasets or --benchmark"):
        unibench.evaluate(model="gazetteer")
    with pytest.raises(UnibenchError, match="unknown benchmark"):
        unibench.evaluate(model="gazetteer", benchmark="no-such-benchmark")
    assert not (tmp_path / "results").exists()


def _records():
    return [{"dataset": "crossner_ai", "sentence_id": "a", "label": "algorithm", "output": '["SVM", "PCA"]',
             "gold": ["SVM"]},
            {"dataset": "crossner_ai", "sentence_id": "b", "label": "algorithm", "output": "[]",
             "gold": ["k-means"]}]


def test_score_records_equals_score_of_the_file(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records()))
    from_records = unibench.score(_records(), n_resamples=50, seed=3)
    from_file = unibench.score(path, n_resamples=50, seed=3)
    assert from_records.datasets == from_file.datasets and from_records.overall == from_file.overall
    row = from_records.datasets["crossner_ai"]
    assert (row["tp"], row["fp"], row["fn"]) == (1, 1, 1)
    assert from_records.to_frame().loc[0, "f1"] == pytest.approx(0.5)
    bad = _records() + [{"dataset": "crossner_ai", "output": 3, "gold": []}]
    with pytest.raises(UnibenchError) as exc:
        unibench.score(bad)
    assert str(exc.value).startswith("<records>:3: ") and "'output'" in str(exc.value)


def test_load_results_folder_file_and_missing(tmp_path):
    from tests.leaderboard.conftest import make_run, write

    run_a = make_run("org/a", "A", "crossner_ai", 8, 2, 2)
    p1 = write(tmp_path / "res", run_a)
    write(tmp_path / "res", make_run("org/b", "B", "crossner_ai", 5, 5, 5))
    df = unibench.load_results(tmp_path / "res")
    assert sorted(df["model"]) == ["org/a", "org/b"]
    a = df[df["model"] == "org/a"].iloc[0]
    assert (a["tp"], a["fp"], a["fn"], a["row"], a["domain"]) == (8, 2, 2, "crossner_ai", run_a.dataset.domain)
    assert a["f1"] == pytest.approx(0.8)
    assert len(unibench.load_results(p1)) == 1
    with pytest.raises(UnibenchError, match="results not found"):
        unibench.load_results(tmp_path / "nothing")


def test_load_results_from_a_hub_repo(tmp_path):
    from tests.leaderboard.conftest import make_run, write
    from tests.submit.conftest import REPO_ID, TOKEN
    from tests.submit.hub_server import FakeHub, Repo

    src = tmp_path / "seed"
    write(src, make_run("myorg/ner-7b", "My NER 7B", "crossner_ai", 80, 20, 20))
    files = {f"results/{p.relative_to(src).as_posix()}": p.read_bytes() for p in src.rglob("*.json")}
    # in a fresh process: huggingface_hub reads HF_HUB_OFFLINE once, at its first import (by other tests here)
    code = ("import sys, json, unibench; df = unibench.load_results(f'hub:{sys.argv[1]}', cache_dir=sys.argv[2]); "
            "print(json.dumps({'model': list(df['model']), 'f1': list(df['f1'])}))")
    with FakeHub(TOKEN) as hub:
        hub.repos[REPO_ID] = Repo(main=files)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS_"))}
        env.update(HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN, HF_HOME=str(tmp_path / "hf-home"), PYTHONPATH=str(ROOT))
        out = subprocess.run([sys.executable, "-c", code, REPO_ID, str(tmp_path / "hub-cache")], capture_output=True,
                             text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["model"] == ["myorg/ner-7b"] and got["f1"] == [pytest.approx(0.8)]
    with pytest.raises(UnibenchError, match="must be OWNER/NAME"):
        unibench.load_results("hub:not-a-repo")


def test_import_unibench_stays_light():
    code = ("import sys, unibench; unibench.evaluate; unibench.score; unibench.load_results; "
            "print(sorted(m for m in ('torch', 'transformers', 'pandas', 'openai') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    with pytest.raises(AttributeError):
        unibench.no_such_function  # noqa: B018
