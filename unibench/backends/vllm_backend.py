"""vLLM in-process (`--model vllm:ID[@REV]`): the engine the original UniNER evaluation used.

Thin on purpose: everything that matters for throughput (continuous batching, paged KV cache,
prefix caching of the shared passage turn) is vLLM's own. This module only builds the engine
with `enable_prefix_caching=True`, turns each request's decoding into `SamplingParams(temperature=0,
max_tokens=..., stop=[...])`, sends string prompts to `LLM.generate` and chat-message prompts to
`LLM.chat` (the checkpoint's own chat template), and returns `RequestOutput.outputs[0].text` in
request order. vLLM excludes the stop string from the text, as the transformers backend does.

Parallelism: `tensor_parallel_size` is passed to `LLM(...)`. Data parallelism is NOT an `LLM(...)`
argument: current vLLM refuses `LLM(data_parallel_size=N)` in one process and documents one
process per rank instead (examples/features/data_parallel/data_parallel_offline.py). For dense
models (all five paper families) the ranks are independent replicas, so `data_parallel_size=N`
here starts N worker processes, each pinned to its own `tensor_parallel_size` GPUs through
CUDA_VISIBLE_DEVICES and holding one `LLM`; every generate() call is split into N contiguous
shards and the outputs are joined back in order. (MoE DP+EP, which needs vLLM's DP coordinator,
is out of scope: use `vllm serve --data-parallel-size N` and `--model openai:...`.)

vllm is an optional extra, imported only here and only when this backend is used.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence

from ..errors import UnibenchError
from .base import GenRequest, ProgressFn

INSTALL_HINT = "pip install 'unibench[vllm]' (needs a CUDA GPU); or serve the model with `vllm serve MODEL` " \
               "and use --model openai:MODEL --base-url http://HOST:8000/v1"
# misses sent to vLLM per call by the response cache: large, because vLLM batches continuously
CACHE_CHUNK = 1024


def _import_vllm():
    # vLLM logs to stdout by default (VLLM_LOGGING_STREAM), which would corrupt `unibench run --json`;
    # stderr, unless the user chose otherwise. Set before the import: vLLM configures logging on import,
    # and its engine processes inherit the environment.
    os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
    try:
        import vllm
    except ImportError as e:
        raise UnibenchError(f"the vllm backend needs the `vllm` package ({e})", hint=INSTALL_HINT) from None
    return vllm


def engine_kwargs(model: str, revision: Optional[str], *, tensor_parallel_size: int = 1,
                  gpu_memory_utilization: Optional[float] = None, max_model_len: Optional[int] = None,
                  extra: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Keyword arguments for `vllm.LLM`: ours first, `extra` (--vllm-arg KEY=VALUE) may add any other
    engine argument but may not turn prefix caching off silently or set data parallelism in-process."""
    kw: dict[str, Any] = {"model": model, "enable_prefix_caching": True, "tensor_parallel_size": tensor_parallel_size}
    if revision:
        kw["revision"] = revision
    if gpu_memory_utilization is not None:
        kw["gpu_memory_utilization"] = gpu_memory_utilization
    if max_model_len is not None:
        kw["max_model_len"] = max_model_len
    for key, value in (extra or {}).items():
        key = key.replace("-", "_")
        if key in ("model", "revision"):
            raise UnibenchError(f"--vllm-arg {key}=... conflicts with --model vllm:ID[@REV]")
        if key == "data_parallel_size":
            raise UnibenchError("use --data-parallel-size, not --vllm-arg data_parallel_size=... "
                                "(vLLM runs data parallelism as one process per rank)")
        kw[key] = value
    return kw


def _sampling_key(r: GenRequest) -> tuple:
    return (r.max_new_tokens, tuple(r.stop), float(r.temperature))


def run_engine(llm, vllm, requests: Sequence[GenRequest]) -> list[str]:
    """Generate with one `LLM`: string prompts via generate(), chat messages via chat(); in order."""
    params: dict[tuple, Any] = {}
    for r in requests:
        key = _sampling_key(r)
        if key not in params:
            params[key] = vllm.SamplingParams(temperature=key[2], max_tokens=key[0], stop=list(key[1]))
    out: list[Optional[str]] = [None] * len(requests)
    text_idx = [i for i, r in enumerate(requests) if isinstance(r.prompt, str)]
    chat_idx = [i for i, r in enumerate(requests) if not isinstance(r.prompt, str)]
    for idx, chat in ((text_idx, False), (chat_idx, True)):
        if not idx:
            continue
        sp = [params[_sampling_key(requests[i])] for i in idx]
        sp_arg = sp[0] if len(set(map(id, sp))) == 1 else sp
        if chat:
            results = llm.chat([list(requests[i].prompt) for i in idx], sampling_params=sp_arg, use_tqdm=False)
        else:
            results = llm.generate([requests[i].prompt for i in idx], sp_arg, use_tqdm=False)
        if len(results) != len(idx):
            raise UnibenchError(f"vLLM returned {len(results)} outputs for {len(idx)} prompts")
        for i, res in zip(idx, results):
            out[i] = res.outputs[0].text
    return [o if o is not None else "" for o in out]


def _worker(conn, kwargs: dict, env: dict) -> None:
    """One data-parallel rank: its own GPUs, its own LLM; serves shards until told to stop."""
    os.environ.update(env)
    try:
        vllm = _import_vllm()
        llm = vllm.LLM(**kwargs)
        conn.send(("ready", getattr(vllm, "__version__", "?")))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises a clear error
        conn.send(("error", f"{type(e).__name__}: {e}"))
        return
    while True:
        job = conn.recv()
        if job is None:
            return
        try:
            conn.send(("ok", run_engine(llm, vllm, job)))
        except BaseException as e:  # noqa: BLE001
            conn.send(("error", f"{type(e).__name__}: {e}"))


def _devices(rank: int, tp: int) -> str:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    pool = [d.strip() for d in visible.split(",") if d.strip()] if visible else None
    ids = list(range(rank * tp, (rank + 1) * tp))
    if pool is not None:
        if len(pool) < ids[-1] + 1:
            raise UnibenchError(f"data parallel rank {rank} needs GPUs {ids} but CUDA_VISIBLE_DEVICES={visible}",
                                hint="data-parallel-size x tensor-parallel-size GPUs are needed")
        return ",".join(pool[i] for i in ids)
    return ",".join(map(str, ids))


class VLLMBackend:
    name = "vllm"
    cache_chunk = CACHE_CHUNK

    def __init__(self, model: str, *, revision: Optional[str] = None, tensor_parallel_size: int = 1,
                 data_parallel_size: int = 1, gpu_memory_utilization: Optional[float] = None,
                 max_model_len: Optional[int] = None, extra: Optional[dict[str, Any]] = None):
        if tensor_parallel_size < 1 or data_parallel_size < 1:
            raise UnibenchError("--tensor-parallel-size and --data-parallel-size must be >= 1")
        self.model, self.revision = model, revision
        self.kwargs = engine_kwargs(model, revision, tensor_parallel_size=tensor_parallel_size,
                                    gpu_memory_utilization=gpu_memory_utilization, max_model_len=max_model_len,
                                    extra=extra)
        self.data_parallel_size = data_parallel_size
        self._workers: list = []
        if data_parallel_size == 1:
            self._vllm = _import_vllm()
            self._llm = self._vllm.LLM(**self.kwargs)
            self._version = getattr(self._vllm, "__version__", "?")
        else:
            self._start_workers(tensor_parallel_size)
        self._ident = self._identity()

    def _start_workers(self, tp: int) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # CUDA cannot be forked
        for rank in range(self.data_parallel_size):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, self.kwargs, {"CUDA_VISIBLE_DEVICES": _devices(rank, tp)}),
                               daemon=True)
            proc.start()
            self._workers.append((proc, parent))
        self._version = [self._reply(rank) for rank in range(self.data_parallel_size)][0]

    def _reply(self, rank: int):
        proc, conn = self._workers[rank]
        try:
            status, payload = conn.recv()
        except EOFError:
            raise UnibenchError(f"vLLM data-parallel rank {rank} died (exit code {proc.exitcode})") from None
        if status == "error":
            self.close()
            raise UnibenchError(f"vLLM data-parallel rank {rank} failed: {payload}", hint=INSTALL_HINT)
        return payload

    def _identity(self) -> dict[str, str]:
        """Model + revision for cache keys and stamps: a local folder's weights hash, else the Hub commit
        the id resolved to in the local HF cache (vLLM downloads through huggingface_hub), else REV or main."""
        from pathlib import Path

        if Path(self.model).is_dir():
            from .hf_common import weights_hash

            return {"model_id": Path(self.model).resolve().name,
                    "revision": "sha256-" + weights_hash(Path(self.model))[:16]}
        commit = None
        try:
            from huggingface_hub import try_to_load_from_cache

            found = try_to_load_from_cache(self.model, "config.json", revision=self.revision)
            if isinstance(found, str) and "snapshots" in Path(found).parts:
                parts = Path(found).parts
                commit = parts[parts.index("snapshots") + 1]
        except Exception:  # noqa: BLE001 - no cache entry: fall back to the given revision
            commit = None
        return {"model_id": self.model, "revision": commit or self.revision or "main"}

    def identity(self) -> dict[str, str]:
        return dict(self._ident)

    usage_source = "tokenizer"

    def token_usage(self, requests, outputs) -> list[tuple[int, int]]:
        """Input and output tokens by the model's tokenizer, as the transformers backends count them
        (unibench/usage.py): vLLM's own tokenizer in one process, the checkpoint's through transformers when
        the ranks run in worker processes."""
        from ..usage import tokenizer_usage

        if getattr(self, "_tokenizer", None) is None:
            if self._workers:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(self.model, revision=self.revision)
            else:
                self._tokenizer = self._llm.get_tokenizer()
        return tokenizer_usage(self._tokenizer, requests, outputs)

    def versions(self) -> dict[str, str]:
        """vLLM's version, plus transformers' (vLLM tokenizes and applies chat templates with it)."""
        from importlib.metadata import PackageNotFoundError, version

        out = {"vllm": str(self._version)}
        try:
            out["transformers"] = version("transformers")
        except PackageNotFoundError:
            pass
        return out

    def settings(self) -> dict[str, Any]:
        """Engine arguments stamped into result files (model/revision are stamped as the model identity)."""
        out = {k: v for k, v in self.kwargs.items() if k not in ("model", "revision")}
        out["data_parallel_size"] = self.data_parallel_size
        return {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)) for k, v in out.items()}

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None) -> list[str]:
        requests = list(requests)
        if not requests:
            return []
        if not self._workers:
            out = run_engine(self._llm, self._vllm, requests)
        else:
            n = len(self._workers)
            bounds = [len(requests) * r // n for r in range(n + 1)]
            busy = [r for r in range(n) if bounds[r + 1] > bounds[r]]
            for r in busy:
                self._workers[r][1].send(requests[bounds[r]:bounds[r + 1]])
            out = [text for r in busy for text in self._reply(r)]
        if progress:
            progress(len(requests))
        return out

    def close(self) -> None:
        for proc, conn in self._workers:
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
        self._workers = []
