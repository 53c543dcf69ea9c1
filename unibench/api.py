"""The Python API: `evaluate`, `score` and `load_results` (exported lazily by `unibench/__init__.py`).

`unibench run` calls `run_model` (the CLI's former body, moved here unchanged) and only prints what it returns, so a
run from Python and a run from the shell write the same result files and build the same summary. Errors are
`UnibenchError`s, never prints. Heavy imports (torch, transformers, openai, pandas) happen inside the functions.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Union


@dataclass
class RunOutcome:
    """What one `run_model` call produced: per-row (ResultFile, loaded_from_disk), the summary the CLI prints."""
    results: dict
    summary: dict
    folders: list
    title: str


@dataclass
class Results:
    """The results of one evaluation or scoring call.

    `rows` holds the per-row `ResultFile`s (results.py) of a run (empty for `score`, which has no run stamps);
    `datasets` the per-row table `unibench run`/`score` print (F1, CI, counts, ...), `domains` and `overall` the
    plain means with their CIs, as the paper averages."""
    datasets: dict[str, dict]
    domains: dict[str, dict]
    overall: dict
    rows: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    @property
    def f1(self) -> Optional[float]:
        """The overall mean F1 over rows (None when no row was scored)."""
        return self.overall.get("f1") if self.overall else None

    def to_frame(self):
        """One pandas row per evaluation row (needs the `pandas` extra): the result files' columns for a run
        (frame.result_rows), the score table's for `score`."""
        from .frame import records_frame, result_record, score_record

        if self.rows:
            return records_frame([result_record(r) for r in self.rows.values()])
        model = self.summary.get("model")
        return records_frame([score_record(rid, d, model) for rid, d in self.datasets.items()])


def _equivalent_command(model, datasets, benchmark, adapter, limit, version) -> str:
    """The `unibench run` command a Python call is equal to, stamped in its result files (scrubbed there)."""
    parts = ["unibench", "run", "--model", model]
    for d in datasets or []:
        parts += ["--datasets", d]
    parts += ["--benchmark", benchmark] if benchmark else []
    parts += ["--adapter", adapter] if adapter else []
    parts += ["--limit", str(limit)] if limit else []
    parts += ["--version", version] if version != "paper" else []
    return " ".join(shlex.quote(p) for p in parts)


def evaluate(model: str, datasets: Optional[Iterable[str]] = None, benchmark: Optional[str] = None, *,
             adapter: Optional[str] = None, limit: Optional[int] = None, output_dir: Union[str, Path] = "results",
             data_dir: Union[str, Path, None] = None, cache_dir: Union[str, Path, None] = None,
             version: str = "paper", log_samples: bool = False, batch_size: Union[int, str] = 8,
             device: str = "auto", dtype: str = "auto", gguf_file: Optional[str] = None,
             threads: Optional[int] = None, base_url: Optional[str] = None, vllm_opts: Optional[dict] = None,
             skip_missing: bool = False, overwrite: bool = False, progress: bool = False,
             price_in: Optional[float] = None, price_out: Optional[float] = None,
             prices: Union[str, Path, None] = None) -> Results:
    """Evaluate `model` (`gazetteer`, `hf:PATH_OR_ID[@REV]`, `vllm:ID`, `openai:NAME`, ...) on registry rows
    (`datasets`) or a named `benchmark`, exactly as `unibench run` does with the same options: result files in
    `output_dir`, the response cache in `cache_dir`. Returns the results instead of printing them."""
    if isinstance(datasets, str):
        datasets = [datasets]
    out = run_model(model=model, adapter=adapter, datasets=list(datasets) if datasets else None, benchmark=benchmark,
                    limit=limit, output_dir=Path(output_dir), data_dir=Path(data_dir) if data_dir else None,
                    cache_dir=Path(cache_dir) if cache_dir else None, version=version, log_samples=log_samples,
                    batch_size=str(batch_size), gguf_file=gguf_file, base_url=base_url, vllm_opts=vllm_opts,
                    progress=progress, threads=threads, skip_missing=skip_missing, overwrite=overwrite,
                    device=device, dtype=dtype, price_in=price_in, price_out=price_out,
                    prices=Path(prices) if prices else None,
                    command=_equivalent_command(model, datasets, benchmark, adapter, limit, version))
    s = out.summary
    return Results(datasets=s["datasets"], domains=s["domains"], overall=s["overall"],
                   rows={rid: r for rid, (r, _) in out.results.items()}, summary=s)


def score(records: Union[str, Path, Iterable[dict]], *, adapter: Optional[str] = "uniner", n_resamples: int = 1000,
          seed: int = 12345) -> Results:
    """Score recorded outputs as `unibench score` does: a JSONL path, or records
    `{"dataset": ROW, "output": TEXT, "gold": [STR], ...}` (sentence_id, label, text optional)."""
    import json
    import tempfile

    from .cli.score import score_file
    from .errors import UnibenchError

    if isinstance(records, (str, Path)):
        report = score_file(Path(records), n_resamples=n_resamples, seed=seed, adapter=adapter)
    else:  # the same validation and scoring as a file: record N is line N of "<records>"
        with tempfile.TemporaryDirectory(prefix="unibench-score-") as tmp:
            path = Path(tmp) / "records.jsonl"
            try:
                lines = [json.dumps(r, ensure_ascii=False) for r in records]
            except (TypeError, ValueError) as exc:
                raise UnibenchError(f"records must be JSON-serialisable dicts: {exc}") from None
            path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            try:
                report = score_file(path, n_resamples=n_resamples, seed=seed, adapter=adapter)
            except UnibenchError as exc:
                if exc.path == str(path):
                    exc.path = "<records>"
                    exc.args = (exc.render(),)
                raise
    return Results(datasets=report["datasets"], domains=report["domains"], overall=report["overall"],
                   summary=report)


def load_results(source: Union[str, Path], *, cache_dir: Union[str, Path, None] = None):
    """Every result file under a folder (or one file), or in a Hub results repo (`hub:OWNER/NAME[@REVISION]`,
    fetched pinned and size-checked like `leaderboard --from-hub`), as a pandas DataFrame: one row per
    model x evaluation row (frame.py lists the columns)."""
    from .frame import records_frame, result_record
    from .results import iter_result_files, read_result

    text = str(source)
    if text.startswith("hub:"):
        from .leaderboard.hub import check_repo_id, download_results

        repo, _, revision = text[4:].partition("@")
        root = download_results(check_repo_id(repo), revision or None, Path(cache_dir) if cache_dir else None)
    else:
        root = Path(source)
        if not root.exists():
            from .errors import UnibenchError

            raise UnibenchError("results not found", path=root,
                                hint="give a results folder, a result file, or hub:OWNER/NAME")
    paths = [root] if root.is_file() else list(iter_result_files(root))
    return records_frame([result_record(read_result(p, None if root.is_file() else root)) for p in sorted(paths)])


def run_model(*, model, adapter, datasets, benchmark, limit, output_dir, data_dir, cache_dir, version, log_samples,
              batch_size, gguf_file, base_url, vllm_opts, progress=True, threads=None, skip_missing=False,
              overwrite=False, device="auto", dtype="auto", command=None, price_in=None, price_out=None,
              prices=None) -> RunOutcome:
    """`unibench run` without the printing of tables: result files, then the summary (see `summarize`)."""
    import sys

    from .adapter_choice import choose_adapter
    from .adapters import get_adapter
    from .cache import ResponseCache
    from .cards import resolve_ids
    from .cli._common import err_console
    from .cli.run import (_benchmark_rows, _make_backend, _progress_lines, _row_backend, _skip_hint, _skip_missing,
                          _training_types, RowProgress, progress_bar)
    from .errors import MissingDataError, UnibenchError
    from .models import parse_model_ref, training_datasets
    from .resources import default_cache_dir, default_data_dir
    from .run_guard import refuse_clobbering
    from .runner import RowJob, RunConfig, planned_path, run_row, run_spec

    if bool(datasets) == bool(benchmark):
        raise UnibenchError("give exactly one of --datasets or --benchmark")
    ref = parse_model_ref(model)
    adapter_name, why = choose_adapter(ref, adapter, gguf_file)
    spec = get_adapter(adapter_name)
    err_console.print(f"adapter: {spec.name} ({why}; prompts {spec.kind.replace('_', ' ')}, parser {spec.parser})",
                      markup=False)
    row_ids, bench_dir = _benchmark_rows(benchmark) if benchmark else (list(datasets), None)
    cards = resolve_ids(row_ids)
    ddir = bench_dir or default_data_dir(data_dir)
    if not bench_dir:
        from .prepare_inputs import check_data_dir

        check_data_dir(data_dir, ddir, cards)
    cdir = default_cache_dir(cache_dir)
    cov = _skip_missing(benchmark, cards, ddir) if skip_missing else None
    cards = [c for c in cards if cov is None or c.id not in cov["missing"]]
    jobs = [RowJob(c, ddir, "test", "demo-test" if bench_dir else "test") for c in cards]
    if threads and ref.kind != "hf":
        raise UnibenchError("--threads applies to --model hf:... only")
    if ref.kind != "hf" and (device, dtype) != ("auto", "auto"):
        raise UnibenchError("--device and --dtype apply to --model hf:... only",
                            hint="vllm: runs on the GPU; its dtype is --vllm-arg dtype=bfloat16")
    from .devices import parse_batch_size

    batch_size = parse_batch_size(batch_size)
    backend, info = _make_backend(ref, spec, batch_size=batch_size, gguf_file=gguf_file, base_url=base_url,
                                  vllm_opts=vllm_opts, threads=threads, device=device, dtype=dtype)
    ident = info.get("identity") or {}
    revision = "train-dictionary" if ref.kind == "gazetteer" else ref.revision or ident.get("revision") or "unversioned"
    cfg = RunConfig(model_display=ref.display, model_id=ident.get("model_id") or ident.get("model") or ref.name,
                    revision=revision, adapter=spec, version=version, limit=limit, log_samples=log_samples,
                    output_dir=output_dir, cache_dir=cdir / "prepared-cache" if bench_dir else cdir,
                    command=command or "unibench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
                    training_datasets=training_datasets(ref), n_parameters=info.get("n_parameters"),
                    overwrite=overwrite, training_types=_training_types(ref))
    from .cost import choose_price

    cfg.price = choose_price(price_in, price_out, prices, [ref.name, cfg.model_id, ref.display])
    # before anything runs: no row may silently replace another run's result (run_guard.py)
    for path, why in refuse_clobbering([(planned_path(cfg, j), run_spec(cfg, j, info)) for j in jobs], overwrite):
        err_console.print(f"--overwrite: replacing {path} ({why})", markup=False)
    cache = ResponseCache(cdir / "responses.sqlite")
    from .cache import CachedBackend
    from .usage import UsageMeter, UsageTable

    usage = UsageTable(cdir / "responses.sqlite")  # token counts beside the cached outputs (usage.py)
    ns = {"model": cfg.model_id, "revision": revision, "adapter": spec.name, "template": spec.template_hash,
          "decoding": spec.decoding.model_dump(mode="json"), **info.get("run_spec", {})}  # device/dtype off CPU fp32
    results, cache_stats, done_q, hits_q = {}, {}, 0, 0
    try:
        with progress_bar(err_console, disable=not progress) as bar, \
                _progress_lines(bar, err_console, not progress) as lines:  # for logs: stderr not a terminal
            outer = bar.add_task("datasets", total=len(jobs), stats="")
            for k, job in enumerate(jobs, 1):
                bar.update(outer, description=f"datasets {k}/{len(jobs)} {job.card.id}")
                try:
                    row_backend = _row_backend(ref, job, cfg, backend, cache, ns, spec)
                except MissingDataError as exc:  # --skip-missing: e.g. the gazetteer's train split is absent
                    if cov is None:
                        raise _skip_hint(exc, benchmark)
                    from .availability import drop_row

                    drop_row(cov, job.card, exc.message, ddir)
                    err_console.print(f"skipping {job.card.id}: {exc.message}", markup=False)
                    bar.update(outer, advance=1)
                    continue
                if ref.kind == "gazetteer":
                    cfg.revision = revision = "train-dictionary"
                if isinstance(row_backend, CachedBackend):
                    row_backend.usage = UsageMeter(usage)
                inner = RowProgress(bar, "  queries", row_backend)
                try:
                    result, loaded = run_row(cfg, job, row_backend, info, inner, inner.total,
                                             note=lambda t: err_console.print(t, markup=False))
                except MissingDataError as exc:
                    raise _skip_hint(exc, benchmark if cov is None else None)
                inner.close()
                done_q += result.dataset.n_queries or 0
                hits_q += getattr(row_backend, "hits", 0)
                bar.update(outer, advance=1, stats=f"queries {done_q} (cache hits {hits_q})")
                lines.line()
                results[job.card.id] = (result, loaded)
                cache_stats[job.card.id] = (getattr(row_backend, "hits", None), getattr(row_backend, "misses", None),
                                            getattr(row_backend, "waited", None))
    except KeyboardInterrupt:
        err_console.print("interrupted: finished outputs are in the response cache; the same command resumes")
        raise
    finally:
        usage.close()
        cache.close()
        if hasattr(backend, "close"):
            backend.close()
    summary = summarize(results, cache_stats, cfg, spec, version, output_dir,
                        model_loaded=getattr(backend, "loaded", backend is not None), coverage=cov)
    return RunOutcome(results, summary, sorted({str(planned_path(cfg, j).parent) for j in jobs}),
                      title=f"{ref.display} ({spec.name} adapter, dataset version {version})")


def cost_columns(cost) -> dict:
    """A row's cost in the run summary: tokens, seconds, USD (None where not known)."""
    c = cost.model_dump() if cost is not None else {}
    return {k: c.get(k) for k in ("input_tokens", "output_tokens", "wall_seconds", "device_seconds", "usd")}


def summarize(results: dict, cache_stats: dict, cfg, spec, version: str, output_dir: Path, *, model_loaded: bool,
              coverage: Optional[dict] = None) -> dict[str, Any]:
    """The run's summary (what `unibench run --json` prints): per-row table, domain and overall means; with
    --skip-missing also written beside the row results as `<benchmark>.summary.json`."""
    from .aggregate import aggregate
    from .availability import mark_partial

    datasets_tbl = {}
    for rid, (r, loaded) in results.items():
        s = r.scores
        datasets_tbl[rid] = {"domain": r.dataset.domain, "precision": s.precision, "recall": s.recall,
                             "answered_by_other_run": cache_stats[rid][2] if len(cache_stats[rid]) > 2 else None,
                             "f1": s.f1, "ci95": list(s.ci95) if s.ci95 else None, "n_queries": r.dataset.n_queries,
                             "tp": s.tp, "fp": s.fp, "fn": s.fn, "parse_failures": r.diagnostics.parse_failures,
                             "strict_span_f1": r.strict_span.f1 if r.strict_span else None,
                             "loaded_from_disk": loaded, "cache_hits": cache_stats[rid][0],
                             "generated": cache_stats[rid][1], "parse_warning": r.diagnostics.parse_warning}
        datasets_tbl[rid].update(cost_columns(r.cost))
    domains, overall = aggregate({k: v["f1"] for k, v in datasets_tbl.items()},
                                 {k: v["domain"] for k, v in datasets_tbl.items()},
                                 {k: r.scores.f1_replicates or [] for k, (r, _) in results.items()})
    summary = {"model": cfg.model_id, "revision": cfg.revision, "adapter": spec.name, "version": version,
               "output_dir": str(output_dir), "datasets": datasets_tbl,
               "domains": {k: v.to_dict() for k, v in domains.items()}, "overall": overall.to_dict(),
               "model_loaded": model_loaded}
    if coverage is not None:
        mark_partial(summary["domains"], summary["overall"], coverage)
        summary["coverage"] = coverage
        # beside the row results: what the means cover (`*.summary.json` is not a result file)
        from .io import atomic_write_json
        from .results import result_path

        first = next(iter(results.values()))[0]  # the folder the row results went to
        atomic_write_json(result_path(output_dir, first).parent / f"{coverage['benchmark'] or 'datasets'}.summary.json",
                          {k: v for k, v in summary.items() if k != "output_dir"})  # no local paths beside results
    return summary
