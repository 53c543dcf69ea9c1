"""`unibench run --device/--dtype/--batch-size auto` on the CPU path (no GPU here; the GPU choices are tested as
pure functions in tests/test_devices.py): stamped, part of the cache key only off the CPU/float32 default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unibench.cli.main import main
from unibench.results import iter_result_files, read_result

pytest.importorskip("torch")

DEMO = Path(__file__).resolve().parents[2] / "unibench" / "demo_data"


def _run(tiny_llama_dir, tmp_path, out: str, capsys, *extra) -> tuple[dict, object, dict]:
    rc = main(["run", "--model", f"hf:{tiny_llama_dir}", "--adapter", "uniner", "--datasets", "crossner_ai", "--data-dir", str(DEMO),
               "--limit", "1", "--output-dir", str(tmp_path / out), "--cache-dir", str(tmp_path / "cache"),
               "--json", *extra])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    (path,) = iter_result_files(tmp_path / out)
    spec = json.loads(path.with_name("crossner_ai.run_spec.json").read_text())
    return json.loads(captured.out)["datasets"]["crossner_ai"], read_result(path), spec | {"err": captured.err}


def test_cpu_float32_default_keeps_cache_keys_and_bf16_is_its_own(tiny_llama_dir, tmp_path, capsys):
    first, r, spec = _run(tiny_llama_dir, tmp_path, "a", capsys, "--batch-size", "4")
    assert r.backend.settings["device"] == "cpu" and r.backend.settings["dtype"] == "float32"
    assert "device" not in spec and "dtype" not in spec  # the default adds nothing to the run spec
    n = first["generated"]
    assert n > 0
    # the same run spelled out, with --batch-size auto: the cache serves everything
    again, r2, spec2 = _run(tiny_llama_dir, tmp_path, "b", capsys, "--device", "cpu", "--dtype", "float32",
                        "--batch-size", "auto")
    assert (again["cache_hits"], again["generated"]) == (n, 0)
    assert r2.backend.settings["batch_size"] == 8  # auto on a CPU
    assert "--batch-size auto: 8 on cpu" in spec2["err"]
    # bfloat16 can change greedy outputs: its own cache entries and run spec
    bf, r3, spec3 = _run(tiny_llama_dir, tmp_path, "d", capsys, "--dtype", "bfloat16", "--batch-size", "4")
    assert (bf["cache_hits"], bf["generated"]) == (0, n)
    assert r3.backend.settings["dtype"] == "bfloat16" and spec3["dtype"] == "bfloat16" and spec3["device"] == "cpu"


def test_impossible_device_and_non_hf_models(tmp_path, capsys):
    import torch

    assert main(["run", "--model", "gazetteer", "--benchmark", "demo", "--device", "cpu", "--output-dir",
                 str(tmp_path)]) == 2
    assert "--device and --dtype apply to --model hf:" in capsys.readouterr().err
    assert main(["run", "--model", "hf:/no/such/folder", "--adapter", "uniner", "--benchmark", "demo",
                 "--batch-size", "0"]) == 2
    assert "--batch-size '0'" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert main(["run", "--model", "hf:/no/such/folder", "--adapter", "uniner", "--benchmark", "demo",
                     "--device", "cuda"]) == 2
        assert "no CUDA device is available" in capsys.readouterr().err
