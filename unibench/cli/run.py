"""`unibench run`: evaluate a model on a benchmark or rows; cached, resumable, with result files and tables."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer


def _benchmark_rows(name: str) -> tuple[list[str], Optional[Path]]:
    import yaml

    from ..errors import UnknownNameError
    from ..resources import package_data

    sets = yaml.safe_load(package_data("benchmark_sets.yaml").read_text())
    if name not in sets:
        raise UnknownNameError("benchmark", name, sets)
    entry = sets[name]
    data_dir = package_data(entry["data_dir"]) if entry.get("data_dir") else None
    return list(entry["rows"]), data_dir


def _make_backend(ref, adapter, jobs, *, batch_size: int, gguf_file: Optional[str], base_url: Optional[str]):
    """Returns (backend, info) for the model reference. Heavy imports happen here, only when needed."""
    from ..backends.dummy import DummyBackend

    if ref.kind == "gazetteer":
        return None, {"name": "gazetteer", "versions": {}, "settings": {}}
    if ref.kind == "dummy":
        b = DummyBackend(delay=float(ref.option or 0))
        return b, {"name": "dummy", "versions": b.versions(), "settings": {"delay": b.delay}, "identity": b.identity()}
    if ref.kind == "hf":
        from ..backends.hf_load import make_hf_backend

        task = "token-classification" if adapter.kind == "spans" else "auto"
        b = make_hf_backend(ref.name, revision=ref.revision, task=task, gguf_file=gguf_file, batch_size=batch_size)
        return b, {"name": f"transformers-{getattr(b, 'name', 'hf')}", "versions": b.versions(),
                   "settings": {"batch_size": batch_size, "gguf_file": gguf_file}, "identity": b.identity()}
    if ref.kind == "openai":
        from ..backends.openai_api import OpenAIBackend

        b = OpenAIBackend(ref.name, base_url=base_url, concurrency=batch_size)
        return b, {"name": "openai", "versions": b.versions(), "settings": {"base_url": base_url},
                   "identity": b.identity()}
    if ref.kind == "vllm":
        from ..errors import UnibenchError

        raise UnibenchError("the in-process vLLM backend is not part of this release",
                            hint="serve the model with `vllm serve MODEL` and use --model openai:MODEL "
                                 "--base-url http://HOST:8000/v1 (several servers: comma-separated URLs)")
    raise AssertionError(ref)


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(model: str = typer.Option(..., "--model", "-m", help="gazetteer | dummy[:DELAY] | hf:PATH_OR_ID[@REV] | "
                                                                 "vllm:ID | openai:NAME"),
            adapter: Optional[str] = typer.Option(None, "--adapter", help="Override the adapter the registry picks."),
            datasets: Optional[List[str]] = typer.Option(None, "--datasets", help="Row ids (or dataset names)."),
            benchmark: Optional[str] = typer.Option(None, "--benchmark", help="uniner-zeroshot | crossner-mit | "
                                                                             "supervised-20 | demo"),
            limit: Optional[int] = typer.Option(None, "--limit", help="First N test sentences per row (partial run)."),
            output_dir: Path = typer.Option(Path("results"), "--output-dir"),
            data_dir: Optional[Path] = typer.Option(None, "--data-dir"),
            cache_dir: Optional[Path] = typer.Option(None, "--cache-dir"),
            version: str = typer.Option("paper", "--version", help="Dataset version: paper (default) | corrected."),
            log_samples: bool = typer.Option(False, "--log-samples", help="Write prompt/output/prediction/gold JSONL."),
            batch_size: int = typer.Option(8, "--batch-size"),
            gguf_file: Optional[str] = typer.Option(None, "--gguf-file", help="GGUF weights inside an hf: folder."),
            base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible API base URL."),
            as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")):
        """Evaluate a model the way the paper did: result files, then per-row, per-domain and overall tables."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from ..adapters import get_adapter
        from ..aggregate import aggregate
        from ..backends.gazetteer import Gazetteer
        from ..cache import CachedBackend, ResponseCache
        from ..cards import resolve_ids
        from ..errors import UnibenchError
        from ..models import parse_model_ref, registry_adapter
        from ..prepare import load_sentences
        from ..resources import default_cache_dir, default_data_dir
        from ..runner import RowJob, RunConfig, run_row
        from ._common import console, err_console, print_json, score_tables

        if bool(datasets) == bool(benchmark):
            raise UnibenchError("give exactly one of --datasets or --benchmark")
        ref = parse_model_ref(model)
        spec = get_adapter(adapter or registry_adapter(ref) or "uniner")
        row_ids, bench_dir = _benchmark_rows(benchmark) if benchmark else (list(datasets), None)
        cards = resolve_ids(row_ids)
        ddir = bench_dir or default_data_dir(data_dir)
        cdir = default_cache_dir(cache_dir)
        jobs = [RowJob(c, ddir, "test", "demo-test" if bench_dir else "test") for c in cards]
        backend, info = _make_backend(ref, spec, jobs, batch_size=batch_size, gguf_file=gguf_file, base_url=base_url)
        ident = info.get("identity") or {}
        revision = ref.revision or ident.get("revision") or "unversioned"
        cfg = RunConfig(model_display=ref.display, model_id=ident.get("model_id", ref.name), revision=revision,
                        adapter=spec, version=version, limit=limit, log_samples=log_samples, output_dir=output_dir,
                        cache_dir=cdir / "prepared-cache" if bench_dir else cdir,
                        command="unibench " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
        cache = ResponseCache(cdir / "responses.sqlite")
        ns = {"model": cfg.model_id, "revision": revision, "adapter": spec.name, "template": spec.template_hash,
              "decoding": spec.decoding.model_dump(mode="json")}
        results, t0, hits0 = {}, time.perf_counter(), 0
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[stats]}"), TimeRemainingColumn(), console=err_console,
                      transient=False, disable=as_json) as bar:
            outer = bar.add_task("datasets", total=len(jobs), stats="")
            for k, job in enumerate(jobs, 1):
                bar.update(outer, description=f"datasets {k}/{len(jobs)} {job.card.id}")
                if ref.kind == "gazetteer":
                    train_split = "train"
                    try:
                        train, _ = load_sentences(job.card, train_split, job.data_dir, cfg.cache_dir, version)
                    except UnibenchError:
                        train, _ = load_sentences(job.card, "dev", job.data_dir, cfg.cache_dir, version)
                    row_backend = Gazetteer(train)
                    cfg.revision = revision = "train-dictionary"
                else:
                    row_backend = CachedBackend(backend, cache, ns) if spec.kind != "spans" else backend
                inner = bar.add_task("  queries", total=None, stats="")
                done = [0]

                def tick(n, inner=inner, done=done, rb=row_backend):
                    done[0] += n
                    rate = done[0] / max(time.perf_counter() - t0, 1e-9)
                    hits = getattr(rb, "hits", 0)
                    bar.update(inner, advance=n, stats=f"cache hits {hits}  {rate:.1f} q/s")

                result, loaded = run_row(cfg, job, row_backend, info, tick)
                bar.remove_task(inner)
                bar.update(outer, advance=1)
                results[job.card.id] = (result, loaded)
        cache.close()
        datasets_tbl = {}
        for rid, (r, loaded) in results.items():
            s = r.scores
            datasets_tbl[rid] = {"domain": r.dataset.domain, "precision": s.precision, "recall": s.recall,
                                 "f1": s.f1, "ci95": list(s.ci95) if s.ci95 else None, "n_queries": r.dataset.n_queries,
                                 "tp": s.tp, "fp": s.fp, "fn": s.fn, "parse_failures": r.diagnostics.parse_failures,
                                 "strict_span_f1": r.strict_span.f1 if r.strict_span else None,
                                 "loaded_from_disk": loaded}
        domains, overall = aggregate({k: v["f1"] for k, v in datasets_tbl.items()},
                                     {k: v["domain"] for k, v in datasets_tbl.items()},
                                     {k: r.scores.f1_replicates or [] for k, (r, _) in results.items()})
        summary = {"model": cfg.model_id, "revision": cfg.revision, "adapter": spec.name, "version": version,
                   "output_dir": str(output_dir), "datasets": datasets_tbl,
                   "domains": {k: v.to_dict() for k, v in domains.items()}, "overall": overall.to_dict()}
        if as_json:
            print_json(summary)
            return
        score_tables(datasets_tbl, summary["domains"], summary["overall"],
                     title=f"{ref.display} ({spec.name} adapter, dataset version {version})")
        reused = [k for k, v in datasets_tbl.items() if v["loaded_from_disk"]]
        if reused:
            console.print(f"loaded finished rows from {output_dir} (same run spec): {', '.join(reused)}")
        console.print(f"results in {output_dir}/")
