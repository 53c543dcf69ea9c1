"""`unibench run`: evaluate a model on a benchmark or rows; cached, resumable, with result files and tables."""

from __future__ import annotations

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


def _training_types(ref) -> Optional[Path]:
    """A local checkpoint's training_types.json (written by `unibench train`): its results get Familiarity."""
    if ref.kind not in ("hf", "vllm"):
        return None
    from ..familiarity.attach import checkpoint_training_types

    return checkpoint_training_types(ref.name)


class LazyHFBackend:
    """A local transformers checkpoint that is loaded on first use, not at start: a re-run whose
    queries are all in the response cache (or whose rows are all finished) never loads the weights.

    Only for local folders, whose identity (weights sha256) and backend kind are known without
    loading; after loading, identity and versions are checked against what was stamped up front."""

    def __init__(self, load, name: str, ident: dict, versions: dict, streams_outputs: bool = False):
        self._load, self.name, self._ident, self._versions = load, name, ident, versions
        self.streams_outputs = streams_outputs  # the loaded class's flag (generate(..., on_output=))
        self._backend = None

    def _get(self):
        if self._backend is None:
            b = self._load()
            if b.identity() != self._ident or b.versions() != self._versions or b.name != self.name:
                raise AssertionError(f"lazy load mismatch: {b.name} {b.identity()} {b.versions()} != "
                                     f"{self.name} {self._ident} {self._versions}")
            self._backend = b
        return self._backend

    @property
    def loaded(self) -> bool:
        return self._backend is not None

    def identity(self) -> dict:
        return dict(self._ident)

    def versions(self) -> dict:
        return dict(self._versions)

    def generate(self, requests, progress=None, **kw):
        return self._get().generate(requests, progress, **kw)

    def predict(self, sentences, progress=None):
        return self._get().predict(sentences, progress)

    def token_usage(self, requests, outputs):  # only called after generate(), i.e. once loaded
        fn = getattr(self._get(), "token_usage", None)
        return fn(requests, outputs) if fn else [None] * len(requests)

    usage_source = "tokenizer"

    @property
    def id2label(self) -> dict:  # a token classifier's labels, for the runner's label mapping
        return getattr(self._get(), "id2label", {})

    def close(self) -> None:
        if self._backend is not None and hasattr(self._backend, "close"):
            self._backend.close()


def _hf_kind(folder: Path, gguf_file: Optional[str]) -> Optional[str]:
    """The backend class make_hf_backend will pick for a local folder (same rule: hf_load.detect_task on the
    folder's config.json), or None if that cannot be known without loading."""
    import json
    from types import SimpleNamespace

    from ..backends.hf_load import detect_task

    cfg = folder / "config.json"
    if gguf_file and not cfg.exists():
        return "causal" if _gguf_is_causal(folder / gguf_file) else None
    try:
        raw = json.loads(cfg.read_text())
    except (OSError, ValueError, RecursionError):
        return None
    return detect_task(SimpleNamespace(**{"model_type": "", "architectures": [], "is_encoder_decoder": False,
                                          **raw}))


_BACKEND_OF_TASK = {"causal": ("hf_causal", "HFCausalBackend"), "seq2seq": ("hf_seq2seq", "HFSeq2SeqBackend"),
                    "token-classification": ("hf_token_cls", "HFTokenClassifier")}


def _check_fits(adapter, task: str, model: str) -> None:
    from ..errors import UnibenchError

    if (adapter.kind == "spans") != (task == "token-classification"):
        need = "a token-classification checkpoint" if adapter.kind == "spans" else "a generative (causal or " \
                                                                                     "seq2seq) checkpoint"
        raise UnibenchError(f"the {adapter.name} adapter needs {need}, but {model} is a {task} model",
                            hint="pick the adapter with --adapter (bert for token classifiers, gazetteer for the "
                                 "dictionary baseline; uniner, chat, vicuna, chatgpt, instructuie for generative "
                                 "models)")


def _gguf_is_causal(path: Path) -> bool:
    """GGUF weights of a decoder-only model (everything but T5-style encoder-decoders)."""
    try:
        from gguf import GGUFReader

        field = GGUFReader(str(path)).fields.get("general.architecture")
        arch = bytes(field.parts[field.data[0]]).decode() if field is not None else ""
    except Exception:  # noqa: BLE001 - unreadable here; make_hf_backend will say why
        return False
    return bool(arch) and not arch.startswith("t5")


def _make_hf(ref, adapter, *, batch_size: Optional[int], gguf_file: Optional[str], device: str = "cpu",
             dtype: str = "float32"):
    import importlib

    from ..backends.hf_load import make_hf_backend

    known: dict = {}  # the identity stamped before a lazy load, reused by it

    def load():
        b = make_hf_backend(ref.name, revision=ref.revision, gguf_file=gguf_file, batch_size=batch_size,
                            identity=known or None, device=device, dtype=dtype)
        task = {v[1]: k for k, v in _BACKEND_OF_TASK.items()}.get(type(b).__name__, "causal")
        _check_fits(adapter, task, ref.name)
        if batch_size is None:
            from ._common import err_console

            err_console.print(f"--batch-size auto: {b.batch_size} on {device}", markup=False)
        return b

    folder = Path(ref.name).expanduser()
    # --batch-size auto needs the loaded model (and its number is stamped), so it loads at once
    task = _hf_kind(folder, gguf_file) if folder.is_dir() and not ref.revision and batch_size else None
    if task is None:
        return load()
    _check_fits(adapter, task, ref.name)
    module, cls = _BACKEND_OF_TASK[task]
    klass = getattr(importlib.import_module(f"unibench.backends.{module}"), cls)
    from ..backends.base import streams_outputs
    from ..backends.hf_common import library_versions
    from ..backends.hf_load import resolve_identity

    _, ident = resolve_identity(str(folder), None, gguf_file)
    known.update(ident)
    return LazyHFBackend(load, klass.name, ident, library_versions(("gguf",) if gguf_file else ()),
                         streams_outputs=streams_outputs(klass))


def _n_parameters(ref, backend, gguf_file: Optional[str]) -> Optional[int]:
    """The model's size for its result files (the leaderboard plots F1 against it): from a local
    folder's weight-file headers (no loading), else from the loaded model."""
    folder = Path(ref.name).expanduser()
    if folder.is_dir():
        from ..backends.hf_common import count_parameters

        return count_parameters(folder, gguf_file)
    model = getattr(backend, "model", None)
    return int(model.num_parameters()) if model is not None and hasattr(model, "num_parameters") else None


def _vllm_extra(pairs: list[str]) -> dict:
    """--vllm-arg KEY=VALUE -> {key: value}; VALUE is read as YAML (numbers, true/false, lists, JSON)."""
    import yaml

    from ..errors import UnibenchError

    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UnibenchError(f"--vllm-arg {pair!r}: expected KEY=VALUE, e.g. --vllm-arg dtype=bfloat16")
        try:
            out[key.strip()] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = value
    return out


def _make_backend(ref, adapter, *, batch_size: Optional[int], gguf_file: Optional[str], base_url: Optional[str],
                  vllm_opts: Optional[dict] = None, threads: Optional[int] = None, device: str = "auto",
                  dtype: str = "auto"):
    """Returns (backend, info) for the model reference. Heavy imports happen here, only when needed."""
    from ..backends.dummy import DummyBackend

    if ref.kind != "hf":  # hf checks its checkpoint's kind itself
        _check_fits(adapter, "token-classification" if ref.kind == "gazetteer" else "text-generation",
                    ref.display)
    if ref.kind == "gazetteer":
        return None, {"name": "gazetteer", "versions": {}, "settings": {}}
    if ref.kind == "dummy":
        b = DummyBackend(delay=float(ref.option or 0))
        return b, {"name": "dummy", "versions": b.versions(), "settings": {"delay": b.delay}, "identity": b.identity()}
    if ref.kind == "hf":
        if threads:
            # torch's intra-op pool spin-waits at every op; on a CPU shared with other jobs fewer
            # threads than cores is much faster (docs/performance.md). Outputs do not depend on it.
            import torch

            torch.set_num_threads(threads)
        from ..devices import cache_fields, resolve_device_dtype

        device, dtype = resolve_device_dtype(device, dtype)
        b = _make_hf(ref, adapter, batch_size=batch_size, gguf_file=gguf_file, device=device, dtype=dtype)
        return b, {"name": f"transformers-{getattr(b, 'name', 'hf')}", "versions": b.versions(),
                   "settings": {"batch_size": getattr(b, "batch_size", batch_size), "gguf_file": gguf_file,
                                "device": device, "dtype": dtype},
                   "identity": b.identity(), "n_parameters": _n_parameters(ref, b, gguf_file),
                   "run_spec": cache_fields(device, dtype)}
    if ref.kind == "openai":
        from ..backends.openai_api import OpenAIBackend

        from ..privacy import scrub_url

        b = OpenAIBackend(ref.name, base_url=base_url, concurrency=batch_size or 8)
        return b, {"name": "openai", "versions": b.versions(),
                   "settings": {"base_url": scrub_url(base_url) if base_url else None},
                   "identity": b.identity()}
    if ref.kind == "vllm":
        from ..backends.vllm_backend import VLLMBackend

        b = VLLMBackend(ref.name, revision=ref.revision, **(vllm_opts or {}))
        return b, {"name": "vllm", "versions": b.versions(), "settings": b.settings(), "identity": b.identity()}
    raise AssertionError(ref)


def _row_backend(ref, job, cfg, backend, cache, ns, spec):
    """The backend one row runs on: the row's train dictionary for the gazetteer, the cached model otherwise
    (span models are not cached: tagging is cheap and deterministic)."""
    from ..backends.gazetteer import Gazetteer
    from ..cache import DEFAULT_CHUNK, CachedBackend
    from ..errors import UnibenchError
    from ..prepare import load_sentences

    if ref.kind == "gazetteer":
        try:
            train, _ = load_sentences(job.card, "train", job.data_dir, cfg.cache_dir, cfg.version)
        except UnibenchError:
            train, _ = load_sentences(job.card, "dev", job.data_dir, cfg.cache_dir, cfg.version)
        return Gazetteer(train)
    if spec.kind == "spans":
        return backend
    return CachedBackend(backend, cache, ns, chunk_size=getattr(backend, "cache_chunk", DEFAULT_CHUNK))


class RowProgress:
    """The inner bar of one row: queries done/total, cache hits, queries/s, ETA (rich's TimeRemainingColumn)."""

    def __init__(self, bar, label: str, row_backend):
        self.bar, self.rb, self.done, self.t0 = bar, row_backend, 0, time.perf_counter()
        self.task = bar.add_task(label, total=None, stats="")

    def total(self, n: int) -> None:
        from ..progress_log import mark_boundary

        self.bar.update(self.task, total=n)
        self.t0 = time.perf_counter()
        mark_boundary(self.bar)  # a row starts: a progress line in logs

    def __call__(self, n: int) -> None:
        self.done += n
        rate = self.done / max(time.perf_counter() - self.t0, 1e-9)
        hits = getattr(self.rb, "hits", 0)
        self.bar.update(self.task, advance=n, stats=f"cache hits {hits}  {rate:.1f} q/s", hits=hits)

    def close(self) -> None:
        self.bar.remove_task(self.task)


def _log_extra(task) -> str:
    """What a progress line adds to a task: cache hits (a row's queries), the totals so far (the datasets)."""
    return f"cache hits {task.fields['hits']}" if "hits" in task.fields else task.fields.get("stats", "")


def _progress_lines(bar, console, as_json: bool):
    """Plain progress lines when stderr is not a terminal (unibench/progress_log.py); none with --json, like the bar."""
    from ..progress_log import ProgressLines

    return ProgressLines(bar, console, "run", extra=_log_extra, enabled=False if as_json else None)


def progress_bar(console, disable: bool = False):
    """One rich display for the run: an outer bar `datasets k/N ROW` and, per row, an inner bar with
    queries done/total, cache hits, queries/s and the ETA."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[stats]}"), TextColumn("ETA"), TimeRemainingColumn(), console=console,
                    transient=False, disable=disable)


def register(app: typer.Typer) -> None:
    from ..devices import device_option, dtype_option

    @app.command("run")
    def run(model: str = typer.Option(..., "--model", "-m", help="gazetteer | dummy[:DELAY] | hf:PATH_OR_ID[@REV] | "
                                                                 "vllm:ID[@REV] | openai:NAME"),
            adapter: Optional[str] = typer.Option(None, "--adapter", help="Override the adapter the registry picks."),
            datasets: Optional[List[str]] = typer.Option(None, "--datasets", help="Row ids (or dataset names)."),
            benchmark: Optional[str] = typer.Option(None, "--benchmark", help="uniner-zeroshot | crossner-mit | "
                                                                             "supervised-20 | demo"),
            limit: Optional[int] = typer.Option(None, "--limit", min=1, help="First N test sentences per row (a "
                                                "partial run: written under OUTPUT_DIR/partial/limit-N/)."),
            overwrite: bool = typer.Option(False, "--overwrite", help="Replace result files of a different run spec "
                                                                      "(refused otherwise)."),
            output_dir: Path = typer.Option(Path("results"), "--output-dir"),
            data_dir: Optional[Path] = typer.Option(None, "--data-dir"),
            cache_dir: Optional[Path] = typer.Option(None, "--cache-dir"),
            version: str = typer.Option("paper", "--version", help="Dataset version: paper (default) | corrected."),
            log_samples: bool = typer.Option(False, "--log-samples", help="Write prompt/output/prediction/gold JSONL."),
            batch_size: str = typer.Option("8", "--batch-size", help="hf: batch size, or auto (the largest that "
                                           "fits the device, halving on out-of-memory; 8 on a CPU); openai: "
                                           "concurrent requests."),
            device: str = device_option(),
            dtype: str = dtype_option(),
            gguf_file: Optional[str] = typer.Option(None, "--gguf-file", help="GGUF weights inside an hf: folder."),
            threads: Optional[int] = typer.Option(None, "--threads", min=1, help="hf: CPU threads for torch "
                                                  "(default: torch's; fewer on a shared machine)."),
            base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible API base URL(s), "
                                                                            "comma-separated for several servers."),
            tensor_parallel_size: int = typer.Option(1, "--tensor-parallel-size", help="vllm: GPUs per model replica."),
            data_parallel_size: int = typer.Option(1, "--data-parallel-size", help="vllm: model replicas, one "
                                                                                  "process each (vLLM's offline DP)."),
            gpu_memory_utilization: Optional[float] = typer.Option(None, "--gpu-memory-utilization",
                                                                   help="vllm: fraction of GPU memory to use."),
            max_model_len: Optional[int] = typer.Option(None, "--max-model-len", help="vllm: context length."),
            vllm_arg: Optional[List[str]] = typer.Option(None, "--vllm-arg", help="vllm: any other LLM(...) engine "
                                                                                 "argument, KEY=VALUE (repeatable)."),
            skip_missing: bool = typer.Option(False, "--skip-missing", help="Run the rows whose data is in the "
                                              "data dir, list the others with the reason; means are then marked "
                                              "partial."),
            price_in: Optional[float] = typer.Option(None, "--price-in", min=0, help="USD per million input "
                                                     "tokens: the result files' cost in money (with --price-out)."),
            price_out: Optional[float] = typer.Option(None, "--price-out", min=0, help="USD per million output "
                                                      "tokens."),
            prices: Optional[Path] = typer.Option(None, "--prices", help="Price table by model name (YAML/JSON: "
                                                  "{models: {NAME: {input: USD, output: USD}}}, per million tokens)."),
            as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")):
        """Evaluate a model the way the paper did: result files, then per-row, per-domain and overall tables."""
        vllm_opts = {"tensor_parallel_size": tensor_parallel_size, "data_parallel_size": data_parallel_size,
                     "gpu_memory_utilization": gpu_memory_utilization, "max_model_len": max_model_len,
                     "extra": _vllm_extra(vllm_arg)}
        if not model.startswith("vllm:") and (vllm_arg or tensor_parallel_size != 1 or data_parallel_size != 1
                                              or gpu_memory_utilization is not None or max_model_len is not None):
            from ..errors import UnibenchError

            raise UnibenchError("--tensor-parallel-size, --data-parallel-size, --gpu-memory-utilization, "
                                "--max-model-len and --vllm-arg apply to --model vllm:ID only")
        _execute(model=model, adapter=adapter, datasets=datasets, benchmark=benchmark, limit=limit,
                 output_dir=output_dir, data_dir=data_dir, cache_dir=cache_dir, version=version,
                 log_samples=log_samples, batch_size=batch_size, gguf_file=gguf_file, base_url=base_url,
                 vllm_opts=vllm_opts, as_json=as_json, threads=threads, skip_missing=skip_missing,
                 overwrite=overwrite, device=device, dtype=dtype, price_in=price_in, price_out=price_out,
                 prices=prices)


def _execute(*, model, adapter, datasets, benchmark, limit, output_dir, data_dir, cache_dir, version, log_samples,
             batch_size, gguf_file, base_url, vllm_opts, as_json, threads=None, skip_missing=False,
             overwrite=False, device="auto", dtype="auto", price_in=None, price_out=None, prices=None) -> None:
    """The run itself is the library's (unibench/api.py: `run_model`, also behind `unibench.evaluate`); here it
    is printed."""
    from ..api import run_model

    out = run_model(model=model, adapter=adapter, datasets=datasets, benchmark=benchmark, limit=limit,
                    output_dir=output_dir, data_dir=data_dir, cache_dir=cache_dir, version=version,
                    log_samples=log_samples, batch_size=batch_size, gguf_file=gguf_file, base_url=base_url,
                    vllm_opts=vllm_opts, progress=not as_json, threads=threads, skip_missing=skip_missing,
                    overwrite=overwrite, device=device, dtype=dtype, price_in=price_in, price_out=price_out,
                    prices=prices)
    _report(out.summary, out.title, output_dir, as_json, folders=out.folders)


def _skip_hint(exc, benchmark):
    """A benchmark run stopped by a missing row: say that --skip-missing runs the others."""
    if benchmark:
        exc.hint = (exc.hint + "; " if exc.hint else "") + \
            "or add --skip-missing to run the rows whose data is there (`unibench data list` shows which)"
    return exc


def _skip_missing(benchmark, cards, ddir) -> dict:
    """--skip-missing: list every row whose test data is not in the data dir (with the reason) and return the
    coverage of what remains."""
    from ..availability import coverage, partial_coverage
    from ..errors import UnibenchError
    from ._common import err_console

    available, missing = coverage(cards, ddir)
    for rid, a in missing.items():
        err_console.print(f"skipping {rid} ({a.status}): {a.how.split('. ')[0]} [{a.where}]", markup=False)
    if not available:
        raise UnibenchError(f"none of the {len(cards)} rows has its test data in {ddir}",
                            hint="see `unibench data list --data-dir DIR` for what is where")
    return partial_coverage(benchmark, cards, available, missing, ddir)


def _cost_table(datasets_tbl: dict) -> None:
    """Tokens, seconds and USD per row (result files' `cost`; unibench/cost.py), when any row has them."""
    from rich.table import Table

    from ._common import console

    if not any(v.get("wall_seconds") is not None for v in datasets_tbl.values()):
        return
    t = Table(title="cost (tokens; seconds of this run)", title_justify="left")
    for col in ("dataset", "input tok", "output tok", "wall s", "device s", "USD"):
        t.add_column(col, justify="left" if col == "dataset" else "right")
    show = lambda v, fmt="{}": "-" if v is None else fmt.format(v)  # noqa: E731
    for rid, v in datasets_tbl.items():
        t.add_row(rid, show(v.get("input_tokens")), show(v.get("output_tokens")), show(v.get("wall_seconds"), "{:.2f}"),
                  show(v.get("device_seconds"), "{:.2f}"), show(v.get("usd"), "{:.4f}"))
    console.print(t)


def _report(summary: dict, title: str, output_dir: Path, as_json: bool, *, folders: Optional[list] = None) -> None:
    from ._common import console, err_console, print_json, score_tables

    datasets_tbl, coverage = summary["datasets"], summary.get("coverage")
    for row in datasets_tbl.values():  # on stderr, also with --json: a wrong prompt format must not pass quietly
        if row["parse_warning"]:
            err_console.print(f"warning: {row['parse_warning']}", markup=False)
    if as_json:
        print_json(summary)
        return
    score_tables(datasets_tbl, summary["domains"], summary["overall"], title=title)
    _cost_table(datasets_tbl)
    reused = [k for k, v in datasets_tbl.items() if v["loaded_from_disk"]]
    if reused:
        console.print(f"loaded finished rows from {output_dir} (same run spec): {', '.join(reused)}")
    if coverage is not None:
        console.print(f"coverage: {coverage['text']}" + (f"; not run: {', '.join(coverage['missing'])}"
                                                         if coverage["missing"] else ""), markup=False)
    console.print(f"results in {', '.join(f + '/' for f in folders or [str(output_dir)])}", markup=False)
