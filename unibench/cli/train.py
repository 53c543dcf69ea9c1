"""`unibench train` (the UniNER student) and `unibench train-tagger` (the BERT-style baseline).

Both are registered by `register(app)`; torch, transformers and peft are imported inside the
commands, so `unibench --help` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def _print_summary(summary: dict, title: str) -> None:
    from rich.table import Table

    from ._common import console

    t = Table(title=title, title_justify="left", show_header=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    for k, v in summary.get("sizes", {}).items():
        t.add_row(k.replace("_", " "), str(v))
    for k, v in summary.get("loss", {}).items():
        t.add_row(f"loss {k.replace('_', ' ')}", f"{v:.4f}")
    for e in summary.get("evals", []):
        t.add_row(f"held-out loss at step {e['step']}", f"{e['eval_loss']:.4f}")
    t.add_row("optimiser steps", str(summary.get("steps")))
    t.add_row("wall-clock (s)", str(summary.get("wall_seconds")))
    console.print(t)
    console.print(f"model in {summary['out']}/ (evaluate with: unibench run --model hf:{summary['out']} ...)")


def register(app: typer.Typer) -> None:
    from ..devices import device_option, dtype_option

    @app.command("train")
    def train(data: Path = typer.Option(..., "--data", help="Conversation data (Pile-NER-type layout, JSON list "
                                                            "or JSONL), e.g. from `unibench distill build`."),
              base: str = typer.Option(..., "--base", help="Base causal LM: a folder or a Hub id in the HF cache."),
              out: Path = typer.Option(..., "--out", help="Folder for the trained model (hf:OUT)."),
              epochs: int = typer.Option(3, "--epochs"),
              lr: Optional[float] = typer.Option(None, "--lr", help="Default 2e-5 (paper), 2e-4 with --lora."),
              batch_size: int = typer.Option(4, "--batch-size", help="Records per micro-batch."),
              grad_accum: Optional[int] = typer.Option(None, "--grad-accum",
                                                       help="Micro-batches per step (default: effective 256)."),
              max_length: int = typer.Option(1024, "--max-length", help="Tokens per record (longer: cut)."),
              warmup_ratio: float = typer.Option(0.04, "--warmup-ratio"),
              schedule: str = typer.Option("cosine", "--schedule", help="cosine (paper) | linear"),
              lora: bool = typer.Option(False, "--lora/--full", help="LoRA (merged into the saved weights) or "
                                                                     "full fine-tuning (paper, default)."),
              lora_r: int = typer.Option(16, "--lora-r"),
              lora_alpha: Optional[int] = typer.Option(None, "--lora-alpha", help="Default 2 x r."),
              lora_dropout: float = typer.Option(0.05, "--lora-dropout"),
              seed: int = typer.Option(42, "--seed"),
              gguf_file: Optional[str] = typer.Option(None, "--gguf-file", help="GGUF weights inside the --base "
                                                                                "folder (dequantised)."),
              max_examples: Optional[int] = typer.Option(None, "--max-examples", help="Use the first N records."),
              eval_fraction: float = typer.Option(0.02, "--eval-fraction", help="Held out for eval loss (paper "
                                                                                "0.02, numpy seed 3)."),
              save_steps: int = typer.Option(0, "--save-steps",
                                             help="Checkpoint every N steps (default: each epoch end)."),
              device: str = device_option(),
              dtype: str = dtype_option(training=True),
              precision: Optional[str] = typer.Option(None, "--precision", hidden=True,
                                                      help="The old name of --dtype (auto | fp32 | bf16)."),
              gradient_checkpointing: Optional[bool] = typer.Option(
                  None, "--gradient-checkpointing/--no-gradient-checkpointing", help="Default: on GPU only."),
              reshuffle_each_epoch: bool = typer.Option(
                  False, "--reshuffle-each-epoch", help="New question order every epoch (the original: one "
                                                        "shuffle per example)."),
              training_dataset: Optional[List[str]] = typer.Option(
                  None, "--training-dataset", help="Declare a row whose data the file holds without a "
                                                   "\"dataset\" field (repeatable)."),
              skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Drop and count invalid records "
                                                                              "instead of failing."),
              overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out."),
              as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")):
        """Fine-tune a causal LM on conversation data the UniNER way (loss on assistant turns only)."""
        from ..train.sft import SFTOptions, train_student
        from ._common import err_console, print_json

        opts = SFTOptions(data=data, base=base, out=out, epochs=epochs, lr=lr, batch_size=batch_size,
                          grad_accum=grad_accum, max_length=max_length, warmup_ratio=warmup_ratio, schedule=schedule,
                          lora=lora, lora_r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout, seed=seed,
                          gguf_file=gguf_file, max_examples=max_examples, eval_fraction=eval_fraction,
                          save_steps=save_steps, device=device, gradient_checkpointing=gradient_checkpointing,
                          precision=precision or dtype,
                          overwrite=overwrite, skip_invalid=skip_invalid, reshuffle_each_epoch=reshuffle_each_epoch,
                          declared_datasets=tuple(training_dataset or ()))
        summary = train_student(opts, console=err_console)
        if as_json:
            print_json(summary)
        else:
            _print_summary(summary, f"unibench train: {base} -> {out} ({summary['adapter']} adapter)")

    @app.command("train-tagger")
    def train_tagger_cmd(dataset: str = typer.Option(..., "--dataset", help="Registry row id (its train split)."),
                         base: str = typer.Option(..., "--base", help="Encoder folder or Hub id in the HF cache."),
                         out: Path = typer.Option(..., "--out"),
                         epochs: Optional[int] = typer.Option(None, "--epochs", help="Default 3 (10 under 5K "
                                                                                     "sentences)."),
                         lr: float = typer.Option(5e-5, "--lr"),
                         batch_size: int = typer.Option(32, "--batch-size"),
                         max_length: int = typer.Option(256, "--max-length", help="Sub-tokens per sentence."),
                         seed: int = typer.Option(42, "--seed"),
                         data_dir: Optional[Path] = typer.Option(None, "--data-dir"),
                         cache_dir: Optional[Path] = typer.Option(None, "--cache-dir"),
                         version: str = typer.Option("corrected", "--version", help="Dataset version of the "
                                                                                    "train split."),
                         max_train: Optional[int] = typer.Option(None, "--max-train", help="Seeded sample of N "
                                                                                           "train sentences."),
                         device: str = device_option(),
                         dtype: str = dtype_option(training=True),
                         overwrite: bool = typer.Option(False, "--overwrite"),
                         as_json: bool = typer.Option(False, "--json")):
        """Fine-tune a token-classification encoder on a dataset's train split (the paper's BERT baseline)."""
        from ..train.tagger import TaggerOptions, train_tagger
        from ._common import err_console, print_json

        opts = TaggerOptions(dataset=dataset, base=base, out=out, epochs=epochs, lr=lr, batch_size=batch_size,
                             max_length=max_length, seed=seed, data_dir=data_dir, cache_dir=cache_dir,
                             version=version, max_train=max_train, device=device, overwrite=overwrite, dtype=dtype)
        summary = train_tagger(opts, console=err_console)
        if as_json:
            print_json(summary)
        else:
            _print_summary(summary, f"unibench train-tagger: {dataset} on {base} -> {out}")
