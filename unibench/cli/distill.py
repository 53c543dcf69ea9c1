"""`unibench distill ...`: the data half of the targeted-distillation recipe (docs/training.md).

annotate          passages -> teacher LLM (OpenAI-compatible API, cached, resumable) -> annotations JSONL
gold-annotations  registry datasets' gold labels -> the same annotations JSONL (a teacher stand-in)
build             annotations (+ supervised splits, + released Pile-NER) -> conversation data JSON
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

distill_app = typer.Typer(help="Targeted distillation data: teacher annotation and conversation data.",
                          no_args_is_help=True)

DataDir = typer.Option(None, "--data-dir", help="Folder with <dataset id>/ raw data (default $UNIBENCH_DATA).")
CacheDir = typer.Option(None, "--cache-dir", help="Prepared data and the response cache (default $UNIBENCH_CACHE).")
Version = typer.Option("corrected", "--version", help="Dataset version for gold labels: corrected (default: keeps "
                                                      "every entity) | paper.")
AsJson = typer.Option(False, "--json", help="Print the summary as JSON.")


def _command() -> str:
    from ..privacy import scrub_command

    return scrub_command(sys.argv[1:])


@distill_app.command("annotate")
def annotate_cmd(
        teacher: str = typer.Option(..., "--teacher", help="openai:NAME (any OpenAI-compatible API; --base-url)."),
        passages: Path = typer.Option(..., "--passages", help="Text file, one passage per line; or .jsonl with "
                                                              "\"text\" (and optional \"id\")."),
        out: Path = typer.Option(..., "--out", help="Annotations JSONL (a <out>.summary.json is written beside)."),
        base_url: Optional[str] = typer.Option(None, "--base-url", help="API base URL, e.g. http://127.0.0.1:8000/v1"),
        cache_dir: Optional[Path] = CacheDir,
        max_tokens: int = typer.Option(256, "--max-tokens", help="Chunk size in tokens (whitespace tokens unless "
                                                                 "--tokenizer)."),
        tokenizer: Optional[str] = typer.Option(None, "--tokenizer", help="HF tokenizer name/path: count subword "
                                                                          "tokens for chunking."),
        concurrency: int = typer.Option(8, "--concurrency", help="Requests in flight."),
        max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", help="Override the prompt file's "
                                                                                    "output budget."),
        prompt: str = typer.Option("pile-ner-type", "--prompt", help="Prompt name or YAML file."),
        keep_unfound: bool = typer.Option(False, "--keep-unfound", help="Keep mentions not found in the passage."),
        find_list: bool = typer.Option(False, "--find-list", help="Accept a list after a preamble (chatty "
                                                                  "teachers); default: the list must come first."),
        as_json: bool = AsJson):
    """Annotate raw passages with a teacher LLM, the paper's prompt, temperature 0 (cached and resumable)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..distill.annotate import AnnotateConfig, annotate, summary_path
    from ..distill.prompt import get_prompt
    from ..errors import UnibenchError
    from ..models import parse_model_ref
    from ..resources import default_cache_dir
    from ._common import err_console, print_json

    ref = parse_model_ref(teacher)
    if ref.kind != "openai":
        raise UnibenchError(f"--teacher {teacher!r}: annotate talks to an OpenAI-compatible API",
                            hint="serve the teacher (e.g. `vllm serve MODEL`) and use --teacher openai:MODEL "
                                 "--base-url http://HOST:PORT/v1")
    spec = get_prompt(prompt)
    cfg = AnnotateConfig(teacher=ref.name, passages=passages, out=out, base_url=base_url,
                         cache_path=default_cache_dir(cache_dir) / "responses.sqlite", max_tokens=max_tokens,
                         tokenizer=tokenizer, concurrency=concurrency, max_new_tokens=max_new_tokens,
                         keep_unfound=keep_unfound, find_list=find_list)
    from ..backends.openai_api import OpenAIBackend

    backend = OpenAIBackend(ref.name, base_url=base_url, concurrency=concurrency)
    from ..progress_log import ProgressLines

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, disable=as_json) as bar, \
            ProgressLines(bar, err_console, "distill annotate", extra=lambda t: t.fields.get("stats", "")) as lines:
        task = bar.add_task("teacher", total=None, stats="")

        def progress(stage: str, done: int, total: int, hits: Optional[int] = None) -> None:
            bar.update(task, completed=done, total=total, description=f"{stage} ({ref.name})",
                       stats=f"cache hits {hits}" if hits is not None else "")

        summary = annotate(cfg, spec, backend, progress)
        lines.line()
    if as_json:
        print_json(summary)
        return
    _print_annotate_summary(summary, summary_path(out))


def _print_annotate_summary(s: dict, path: Path) -> None:
    from rich.table import Table

    from ._common import console

    o, e = s["outputs"], s["entities"]
    console.print(f"{s['passages']['n_passages']} passages -> {s['chunking']['n_chunks']} chunks "
                  f"(<= {s['chunking']['max_tokens']} {s['chunking']['tokens']} tokens); teacher {s['teacher']}; "
                  f"cache hits {s['cache']['hits']}, new requests {s['cache']['misses']}")
    t = Table(title="teacher outputs and entities", title_justify="left")
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_row("outputs parsed", str(o["parsed"]))
    t.add_row("  of which an empty list", str(o["parsed_empty_list"]))
    if s["entities"]["find_list"]:
        t.add_row("  of which after a preamble (--find-list)", str(o["parsed_after_preamble"]))
    for k, v in o["unparseable_by_reason"].items():
        t.add_row(f"outputs dropped: {k}", str(v))
    t.add_row("entities proposed", str(e["proposed"]))
    t.add_row("entities kept", str(e["kept"]))
    for k, v in e["dropped_by_reason"].items():
        t.add_row(f"entities dropped: {k}", str(v))
    for k, v in e["notes"].items():
        t.add_row(f"entities kept, {k}", str(v))
    t.add_row("distinct types kept", str(s["types"]["distinct_kept"]))
    t.add_row("chunks with entities", str(s["chunks_with_entities"]))
    console.print(t)
    console.print(f"annotations: {s['out']['file']}; summary: {path}")


@distill_app.command("gold-annotations")
def gold_cmd(datasets: List[str] = typer.Option(..., "--datasets", help="Row ids (or dataset names)."),
             out: Path = typer.Option(..., "--out", help="Annotations JSONL."),
             split: str = typer.Option("train", "--split"),
             limit: Optional[int] = typer.Option(None, "--limit", help="First N sentences of each row."),
             data_dir: Optional[Path] = DataDir,
             cache_dir: Optional[Path] = CacheDir, version: str = Version, as_json: bool = AsJson):
    """Write annotations from gold labels (card type names): the teacher's stand-in where none is reachable."""
    from ..distill.annotate import summary_path
    from ..distill.annotations import gold_annotations, write_annotations
    from ..io import atomic_write_json, sha256_file
    from ..resources import default_cache_dir, default_data_dir
    from ._common import console, print_json

    records, stats = gold_annotations(list(datasets), split, default_data_dir(data_dir),
                                      default_cache_dir(cache_dir), version, limit)
    write_annotations(out, records)
    summary = {"source": "gold", "command": _command(), "datasets": stats, "records": len(records),
               "entities": sum(len(r.entities) for r in records),
               "records_with_entities": sum(1 for r in records if r.entities),
               "out": {"file": str(out), "sha256": sha256_file(out)}}
    atomic_write_json(summary_path(out), summary)
    if as_json:
        print_json(summary)
        return
    for rid, st in stats.items():
        console.print(f"{rid} ({st['split']}, {st['version']}): {st['n_sentences']} sentences, "
                      f"{st['n_entities']} entities, {len(st['types'])} types")
    console.print(f"wrote {len(records)} records to {out}")


@distill_app.command("build")
def build_cmd(
        annotations: Optional[List[Path]] = typer.Option(None, "--annotations", help="Annotations JSONL (repeat "
                                                                                     "for several)."),
        out: Path = typer.Option(..., "--out", help="Conversation data JSON (a <out>.manifest.json beside)."),
        negatives: str = typer.Option("frequency", "--negatives", help="frequency (paper's best) | uniform | none"),
        n_negatives: Optional[int] = typer.Option(None, "--n-negatives", help="Negative types per passage."),
        negative_ratio: Optional[float] = typer.Option(None, "--negative-ratio", help="Negatives per positive type "
                                                                                      "(default 1.0)."),
        seed: int = typer.Option(0, "--seed"),
        supervised: Optional[List[str]] = typer.Option(None, "--supervised", help="Row ids whose train split is "
                                                                                  "mixed in with the Dataset: field."),
        max_per_dataset: int = typer.Option(10_000, "--max-per-dataset"),
        pile_ner: Optional[str] = typer.Option(None, "--pile-ner", help="Released Pile-NER-type: a local train.json "
                                                                        "or the Hub id Universal-NER/Pile-NER-type."),
        data_dir: Optional[Path] = DataDir, cache_dir: Optional[Path] = CacheDir, version: str = Version,
        as_json: bool = AsJson):
    """Build conversation data (Pile-NER-type layout) with frequency/uniform/no negative sampling."""
    from ..distill.build import BuildConfig, build, manifest_path
    from ..distill.negatives import MODES
    from ..errors import UnibenchError
    from ..resources import default_cache_dir
    from ._common import console, print_json

    if negatives not in MODES:
        raise UnibenchError(f"--negatives {negatives!r}: expected one of {', '.join(MODES)}")
    if n_negatives is not None and negative_ratio is not None:
        raise UnibenchError("give --n-negatives or --negative-ratio, not both")
    if (n_negatives is not None and n_negatives < 0) or (negative_ratio is not None and negative_ratio < 0):
        raise UnibenchError("--n-negatives and --negative-ratio must be non-negative")
    cfg = BuildConfig(out=out, annotations=list(annotations or []), negatives=negatives, n_negatives=n_negatives,
                      negative_ratio=negative_ratio, seed=seed, supervised=list(supervised or []),
                      max_per_dataset=max_per_dataset, data_dir=data_dir, cache_dir=default_cache_dir(cache_dir),
                      version=version, pile_ner=pile_ner, command=_command())
    m = build(cfg)
    if as_json:
        print_json(m)
        return
    o = m["output"]
    if "annotation_records" in m:
        a = m["annotation_records"]
        console.print(f"annotations: {a['passages_used']} of {a['passages_in']} passages used "
                      f"({a['skipped_no_entities']} without entities left out), {a['corpus_types']} types, "
                      f"{a['positive_queries']} positive + {a['negative_queries']} negative queries "
                      f"({negatives} negatives, {a['negatives_per_passage']} per passage)")
    for rid, st in m["inputs"].get("supervised", {}).items():
        console.print(f"supervised {rid}: {st['used']} of {st['train_sentences']} train sentences")
    if "pile_ner" in m["inputs"]:
        p = m["inputs"]["pile_ner"]
        console.print(f"Pile-NER ({p['file']}): {p['passages']} passages, {p['types']} types, "
                      f"{p['positive_queries']} positive + {p['negative_queries']} negative queries")
    console.print(f"wrote {o['passages']} records ({o['queries']} queries: {o['positive_queries']} positive, "
                  f"{o['negative_queries']} negative) to {o['file']}  sha256 {o['sha256'][:16]}")
    console.print(f"manifest: {manifest_path(out)}")


def register(app: typer.Typer) -> None:
    app.add_typer(distill_app, name="distill")
