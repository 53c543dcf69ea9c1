"""The optimisation loop shared by `unibench train` and `unibench train-tagger`.

Why a small custom loop rather than transformers' Trainer: the recipe needs (1) checkpoints that
are written to a temporary folder and renamed, with a model card and `unibench_model.json` in
every one, (2) Ctrl-C that leaves the last complete checkpoint in place, (3) rich progress with
loss, examples/s and ETA, (4) a loss normalised over the target tokens of the whole accumulated
batch, and (5) logits computed only where there is a target (the vocabulary projection is a large
share of a small model's compute on CPU). Each of these is a callback or override in Trainer;
together they are about as much code as the loop itself, and the loop is easy to read.

Semantics (what the paper's Trainer run did, where it matters):
- AdamW (torch), betas (0.9, 0.999), eps 1e-8, weight decay as configured (0 in the recipe);
- gradient accumulation over `grad_accum` micro-batches; a step's loss is the sum of token losses
  over the accumulated batch divided by its number of target tokens (recent transformers does the
  same; older versions averaged per micro-batch means);
- gradient clipping at max-norm 1.0 (Trainer's default);
- schedules: cosine with linear warmup over ceil(warmup_ratio * steps) steps, or linear decay
  (`lr_lambda`, the same formulas as transformers' get_*_schedule_with_warmup);
- a new seeded example order each epoch; the last incomplete accumulation of an epoch is a step;
- with `group_by_length` (default), the shuffled examples are cut into windows of 64 batches,
  each window is sorted by length and cut into batches, and the batches are shuffled: padding
  falls several-fold on CPU, the loss per step is unchanged in kind (like Trainer's
  group_by_length; the original padded every example to max_length instead).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import torch


@dataclass
class LoopConfig:
    epochs: int = 3
    lr: float = 2e-5
    batch_size: int = 4
    grad_accum: int = 64
    warmup_ratio: float = 0.04
    schedule: str = "cosine"  # cosine | linear
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 42
    save_steps: int = 0  # save every N optimiser steps; 0 = at each epoch end (the last step is always saved)
    autocast_dtype: Optional[torch.dtype] = None  # bf16 autocast on an accelerator; None = plain fp32
    group_by_length: bool = True  # batches of similar lengths (less padding), in random order


@dataclass
class History:
    total_steps: int
    steps: list[dict] = field(default_factory=list)  # step, epoch, loss, lr, targets, elapsed
    evals: list[dict] = field(default_factory=list)  # step, eval_loss
    examples_seen: int = 0
    wall_seconds: float = 0.0
    last_saved_step: int = 0
    completed: bool = False

    def loss_summary(self) -> dict:
        losses = [s["loss"] for s in self.steps]
        if not losses:
            return {}
        k = max(1, len(losses) // 10)
        return {k_: round(v, 4) for k_, v in {
            "first": losses[0], "last": losses[-1], "min": min(losses), "mean_first_10pct": sum(losses[:k]) / k,
            "mean_last_10pct": sum(losses[-k:]) / k}.items()}


def pick_device(device: str) -> str:
    """--device auto|cpu|cuda|cuda:N|mps -> the device (auto: cuda when available, else cpu); the same words
    and checks as `unibench run` (unibench/devices.py)."""
    from ..devices import torch_device

    return torch_device(device)


def lr_lambda(schedule: str, warmup: int, total: int) -> Callable[[int], float]:
    def cosine(step: int) -> float:
        if step < warmup:
            return step / max(1, warmup)
        progress = (step - warmup) / max(1, total - warmup)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))

    def linear(step: int) -> float:
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    if schedule not in ("cosine", "linear"):
        raise ValueError(f"unknown schedule {schedule!r}")
    return cosine if schedule == "cosine" else linear


def plan_steps(n_examples: int, cfg: LoopConfig) -> tuple[int, int]:
    """-> (micro-batches per epoch, optimiser steps in all)."""
    micro = math.ceil(n_examples / cfg.batch_size)
    return micro, cfg.epochs * math.ceil(micro / cfg.grad_accum)


def make_batches(examples: Sequence, order: list[int], cfg: LoopConfig, epoch: int,
                 length: Callable[[object], int]) -> list[list]:
    """Micro-batches for one epoch (see the module docstring for group_by_length)."""
    bs = cfg.batch_size
    if not cfg.group_by_length or bs == 1:
        return [[examples[i] for i in order[k:k + bs]] for k in range(0, len(order), bs)]
    window = bs * 64
    batches = []
    for w in range(0, len(order), window):
        chunk = sorted(order[w:w + window], key=lambda i: -length(examples[i]))
        batches += [[examples[i] for i in chunk[k:k + bs]] for k in range(0, len(chunk), bs)]
    random.Random(f"{cfg.seed}/batches/{epoch}").shuffle(batches)
    return batches


def train_loop(model, examples: Sequence | Callable[[int], Sequence], *, make_batch: Callable[[list], dict],
               count: Callable[[list], int],
               loss_sum: Callable[[object, dict], torch.Tensor], cfg: LoopConfig,
               on_save: Callable[[int, History, bool], None], evaluate: Optional[Callable[[object], float]] = None,
               console=None, label: str = "train", device: str = "cpu",
               length: Callable[[object], int] = len) -> History:
    """Run the loop; `on_save(step, history, final)` writes a checkpoint. KeyboardInterrupt and
    any error propagate after the progress display is closed (the caller keeps the last save).
    `examples` is a list, or a function epoch -> list (same length each epoch) for data that is
    re-rendered every epoch."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    for_epoch = examples if callable(examples) else (lambda _epoch: examples)
    current = for_epoch(0)
    micro_per_epoch, total = plan_steps(len(current), cfg)
    warmup = math.ceil(total * cfg.warmup_ratio)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(cfg.schedule, warmup, total))
    hist = History(total_steps=total)
    torch.manual_seed(cfg.seed)
    model.train()
    t0 = time.perf_counter()
    step = 0
    cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("step {task.fields[step]}  loss {task.fields[loss]}  {task.fields[rate]} ex/s"),
            TimeElapsedColumn(), TimeRemainingColumn())
    # rich draws nothing until the end when stderr is a file (nohup, CI logs): plain lines instead, at least every
    # 30 s and at every save (unibench/progress_log.py)
    from ..progress_log import ProgressLines

    plain = console is not None and not console.is_terminal
    with Progress(*cols, console=console, transient=False, disable=plain) as bar, \
            ProgressLines(bar, console, "", enabled=plain,
                          extra=lambda t: f"step {t.fields['step']}, epoch {t.fields['epoch']}, loss "
                                          f"{t.fields['loss']}") as lines:
        task = bar.add_task(label, total=micro_per_epoch * cfg.epochs, step=f"0/{total}", loss="-",
                            rate="-", epoch=f"1/{cfg.epochs}")
        for epoch in range(cfg.epochs):
            if epoch:
                current = for_epoch(epoch)
            examples_now = current
            order = list(range(len(examples_now)))
            random.Random(f"{cfg.seed}/epoch/{epoch}").shuffle(order)
            micro = make_batches(examples_now, order, cfg, epoch, length)
            for g in range(0, len(micro), cfg.grad_accum):
                group = micro[g:g + cfg.grad_accum]
                n_total = sum(count(mb) for mb in group)
                run_loss = 0.0
                for mb in group:
                    batch = {k: v.to(device) for k, v in make_batch(mb).items()}
                    with torch.autocast(device_type=device.split(":")[0], dtype=cfg.autocast_dtype or torch.float32,
                                        enabled=cfg.autocast_dtype is not None):
                        s = loss_sum(model, batch)
                    (s / max(1, n_total)).backward()
                    run_loss += float(s.detach())
                    hist.examples_seen += len(mb)
                    bar.update(task, advance=1,
                               rate=f"{hist.examples_seen / max(time.perf_counter() - t0, 1e-9):.2f}")
                if cfg.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
                lr_now = opt.param_groups[0]["lr"]
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                step += 1
                loss = run_loss / max(1, n_total)
                hist.steps.append({"step": step, "epoch": epoch + 1, "loss": round(loss, 6), "lr": lr_now,
                                   "targets": n_total, "elapsed": round(time.perf_counter() - t0, 2)})
                bar.update(task, step=f"{step}/{total}", loss=f"{loss:.4f}", epoch=f"{epoch + 1}/{cfg.epochs}")
                epoch_end = g + cfg.grad_accum >= len(micro)
                final = step == total
                if final or (step % cfg.save_steps == 0 if cfg.save_steps else epoch_end):
                    if evaluate is not None:
                        hist.evals.append({"step": step, "eval_loss": round(evaluate(model), 6)})
                        model.train()
                    hist.wall_seconds = time.perf_counter() - t0
                    hist.completed = final
                    on_save(step, hist, final)
                    hist.last_saved_step = step
                    lines.line()
    hist.wall_seconds = time.perf_counter() - t0
    return hist
