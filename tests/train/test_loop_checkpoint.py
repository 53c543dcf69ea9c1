"""Schedules, batching, atomic checkpoints, Ctrl-C, and the CLI's errors on bad input."""

from __future__ import annotations

import json
import math

import pytest

from unibench.errors import UnibenchError
from unibench.train import checkpoint as ckpt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_lr_lambda_matches_transformers(schedule):
    from transformers import get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

    from unibench.train.loop import lr_lambda

    total, warmup = 50, math.ceil(50 * 0.04)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    make = get_cosine_schedule_with_warmup if schedule == "cosine" else get_linear_schedule_with_warmup
    ref = make(opt, warmup, total)
    ours = lr_lambda(schedule, warmup, total)
    for step in range(total):
        assert ours(step) == pytest.approx(opt.param_groups[0]["lr"], abs=1e-12)
        opt.step()
        ref.step()


def test_batches_cover_every_example_once_and_group_by_length():
    from unibench.train.loop import LoopConfig, make_batches, plan_steps

    exs = [[0] * n for n in [5, 50, 6, 51, 3, 52, 4, 53, 1, 2]]
    cfg = LoopConfig(batch_size=2, grad_accum=3)
    for group in (True, False):
        cfg.group_by_length = group
        batches = make_batches(exs, list(range(len(exs))), cfg, 0, len)
        assert sorted(id(e) for b in batches for e in b) == sorted(id(e) for e in exs)
        assert all(len(b) <= 2 for b in batches)
    cfg.group_by_length = True
    batches = make_batches(exs, list(range(len(exs))), cfg, 0, len)
    assert all(abs(len(b[0]) - len(b[-1])) <= 1 for b in batches)  # short with short, long with long
    assert plan_steps(10, cfg) == (5, 3 * 2)  # 5 micro-batches -> 2 steps per epoch, 3 epochs


def test_checkpoint_is_atomic_and_only_the_last_two_are_kept(tmp_path):
    out = tmp_path / "model"
    work = ckpt.prepare_output(out, overwrite=False)

    def write_ok(folder):
        (folder / "config.json").write_text("{}")

    for step in (1, 2, 3):
        ckpt.save_checkpoint(work, step, write_ok)
    assert sorted(p.name for p in work.iterdir()) == ["step-0000002", "step-0000003"]

    def write_crash(folder):
        (folder / "config.json").write_text("{}")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ckpt.save_checkpoint(work, 4, write_crash)
    assert sorted(p.name for p in work.iterdir()) == ["step-0000002", "step-0000003"]  # no half-written step 4
    ckpt.promote(ckpt.latest_checkpoint(work), out)
    assert (out / "config.json").exists()
    ckpt.finish(work)
    assert not work.exists()
    with pytest.raises(UnibenchError, match="already exists"):
        ckpt.prepare_output(out, overwrite=False)


def test_unfinished_run_is_reported_then_replaced_with_overwrite(tmp_path):
    out = tmp_path / "m"
    (tmp_path / "m.partial" / "step-0000009").mkdir(parents=True)
    with pytest.raises(UnibenchError, match="earlier unfinished run") as e:
        ckpt.prepare_output(out, overwrite=False)
    assert "step-0000009" in e.value.message
    work = ckpt.prepare_output(out, overwrite=True)
    assert work.exists() and not any(work.iterdir())


def _train_args(data, base, out, *extra):
    return ["train", "--data", data, "--base", base, "--out", out, "--epochs", "1", "--batch-size", "1",
            "--grad-accum", "1", "--lr", "1e-3", "--eval-fraction", "0", "--max-length", "256", *extra]


def test_ctrl_c_leaves_the_last_complete_checkpoint(tmp_path, tiny_llama_dir, small_conv_file, cli, monkeypatch):
    import unibench.train.sft as sft

    calls = {"n": 0}
    real = sft.causal_loss_sum

    def interrupt_on_third(model, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(model, batch)

    monkeypatch.setattr(sft, "causal_loss_sum", interrupt_on_third)
    out = tmp_path / "student"
    rc, _, err = cli(*_train_args(small_conv_file, tiny_llama_dir, out, "--save-steps", "1"))
    assert rc == 130
    meta = json.loads((out / "unibench_model.json").read_text())
    assert meta["status"] == "partial" and meta["step"] == 2 and meta["total_steps"] == 5
    assert "partial (step 2 of 5)" in (out / "README.md").read_text()
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    assert not (tmp_path / "student.partial").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_crash_keeps_finished_checkpoints_and_no_partial_write(tmp_path, tiny_llama_dir, small_conv_file, cli,
                                                               monkeypatch):
    import unibench.train.sft as sft

    calls = {"n": 0}
    real = sft.causal_loss_sum

    def crash_on_fourth(model, batch):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("simulated crash")
        return real(model, batch)

    monkeypatch.setattr(sft, "causal_loss_sum", crash_on_fourth)
    out = tmp_path / "student"
    with pytest.raises(RuntimeError, match="simulated crash"):
        cli(*_train_args(small_conv_file, tiny_llama_dir, out, "--save-steps", "1"))
    assert not out.exists()
    work = tmp_path / "student.partial"
    assert sorted(p.name for p in work.iterdir()) == ["step-0000002", "step-0000003"]
    from unibench.backends.hf_load import make_hf_backend

    make_hf_backend(str(work / "step-0000003"))  # a complete, loadable checkpoint
    rc, _, err = cli(*_train_args(small_conv_file, tiny_llama_dir, out))
    assert rc == 2 and "earlier unfinished run" in err and "step-0000003" in err


def test_bad_data_fails_before_any_model_work(tmp_path, cli):
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"id": "a", "conversations": [{"from": "human", "value": "Paris"}, '
                   '{"from": "gpt", "value": "I\'ve read this text."}]}\n]\n')
    out = tmp_path / "out"
    rc, _, err = cli("train", "--data", bad, "--base", tmp_path / "no-such-model", "--out", out)
    assert rc == 2 and f"{bad}:2:" in err.replace("\n", "") and "Text: " in err
    assert not out.exists() and not (tmp_path / "out.partial").exists()
    rc, _, err = cli("train", "--data", bad, "--base", "x", "--out", out, "--epochs", "0")
    assert rc == 2 and "--epochs" in err
    rc, _, err = cli("train", "--data", bad, "--base", "x", "--out", out, "--precision", "fp8")
    assert rc == 2 and "--precision" in err


def test_missing_base_is_a_clear_error_and_leaves_nothing(tmp_path, small_conv_file, cli):
    out = tmp_path / "out"
    rc, _, err = cli("train", "--data", small_conv_file, "--base", tmp_path / "no-such-model", "--out", out)
    assert rc == 2 and "could not load base model" in err
    assert not out.exists() and not (tmp_path / "out.partial").exists()
