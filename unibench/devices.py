"""Device, dtype and batch size: one set of words for `run`, `train` and `train-tagger`.

`--device auto|cpu|cuda|cuda:N|mps` (auto: CUDA when available, else CPU; MPS only when asked for, its op
coverage varies) and `--dtype auto|float32|bfloat16|float16` (auto: bfloat16 on a CUDA device that supports
it, float16 on one that does not, float32 on CPU and MPS). For evaluation the dtype is the weights' dtype;
for training it is the autocast dtype over float32 master weights (float16 training would need loss
scaling, so training refuses it). `--batch-size auto` (run, hf:) starts at `AUTO_BATCH_START` and halves on
out-of-memory until a probe batch fits, as lm-eval's `auto` does; on a CPU it is `CPU_AUTO_BATCH` (memory
is not probed there: RAM swaps rather than failing).

The choices are pure functions of what the machine has (`choose_device`, `choose_dtype`,
`find_batch_size`), so they are tested where no GPU exists; `resolve_device_dtype` asks torch.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

import typer

from .errors import UnibenchError

DEVICES = "auto | cpu | cuda | cuda:N | mps"
DTYPES = ("auto", "float32", "bfloat16", "float16")
DTYPE_ALIASES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "half": "float16"}
AUTO_BATCH_START = 64
CPU_AUTO_BATCH = 8


def device_option(default: str = "auto") -> typer.models.OptionInfo:
    """The one --device option definition (run, train, train-tagger)."""
    return typer.Option(default, "--device", help=f"{DEVICES} (auto: CUDA when available, else CPU).")


def dtype_option(default: str = "auto", training: bool = False) -> typer.models.OptionInfo:
    """The one --dtype option definition (run, train, train-tagger)."""
    what = ("autocast dtype over float32 weights; float16 is refused; auto: bfloat16 on a CUDA GPU that supports "
            "it, else float32" if training else "weights dtype; auto: bfloat16 on a CUDA GPU that supports it, "
            "float16 on one that does not, float32 on CPU and MPS")
    return typer.Option(default, "--dtype", help=f"{' | '.join(DTYPES)} ({what}).")


def choose_device(spec: str, *, cuda_available: bool, cuda_count: int = 0, mps_available: bool = False) -> str:
    """--device SPEC -> a torch device string, or an error naming what this machine has."""
    spec = (spec or "auto").strip().lower()
    has = f"this machine has {cuda_count} CUDA device(s)" + (" and MPS" if mps_available else "")
    if spec == "auto":
        return "cuda" if cuda_available else "cpu"
    if spec == "cpu":
        return "cpu"
    if spec == "mps":
        if not mps_available:
            raise UnibenchError(f"--device mps but MPS is not available ({has})", hint="use --device auto or cpu")
        return "mps"
    m = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if m:
        if not cuda_available:
            raise UnibenchError(f"--device {spec} but no CUDA device is available ({has})",
                                hint="use --device auto (CUDA when available, else CPU) or --device cpu")
        if m.group(1) is not None and int(m.group(1)) >= cuda_count:
            raise UnibenchError(f"--device {spec}: no such CUDA device ({has}: cuda:0 to cuda:{cuda_count - 1})")
        return spec
    raise UnibenchError(f"--device {spec!r}: expected {DEVICES}")


def choose_dtype(spec: str, device: str, *, bf16_supported: bool = False, training: bool = False) -> str:
    """--dtype SPEC on DEVICE -> float32 | bfloat16 | float16."""
    name = DTYPE_ALIASES.get((spec or "auto").strip().lower(), (spec or "auto").strip().lower())
    if name not in DTYPES:
        raise UnibenchError(f"--dtype {spec!r}: expected {', '.join(DTYPES)}")
    if name == "auto":
        if device.startswith("cuda"):  # a GPU without bf16 trains in float32 (float16 would need loss scaling)
            return "bfloat16" if bf16_supported else ("float32" if training else "float16")
        return "float32"
    if training and name == "float16":
        raise UnibenchError("--dtype float16 for training needs loss scaling, which unibench does not do",
                            hint="use --dtype bfloat16 (a GPU with bf16) or float32")
    return name


def resolve_device_dtype(device: str, dtype: str, *, training: bool = False) -> tuple[str, str]:
    """Both choices for this machine (imports torch)."""
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    dev = choose_device(device, cuda_available=cuda, cuda_count=torch.cuda.device_count() if cuda else 0,
                        mps_available=mps)
    bf16 = dev.startswith("cuda") and torch.cuda.is_bf16_supported()
    return dev, choose_dtype(dtype, dev, bf16_supported=bf16, training=training)


def torch_device(spec: str) -> str:
    """--device SPEC -> the device on this machine (imports torch); the training commands' device choice."""
    return resolve_device_dtype(spec, "float32")[0]


def training_bf16(dtype: str, device: str) -> bool:
    """--dtype for training -> bf16 autocast (True) or plain float32 (False); the old --precision words (auto, fp32,
    bf16) mean the same. bf16 on a CPU is an explicit choice (fast on CPUs with AVX512-BF16/AMX)."""
    import torch

    ok = device.startswith("cuda") and torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return choose_dtype(dtype, device, bf16_supported=ok, training=True) == "bfloat16"


def cache_fields(device: str, dtype: str) -> dict:
    """What joins the response-cache key and the run spec: nothing for the CPU/float32 default (older caches
    stay valid), else the device type and dtype (kernels and precision change greedy outputs; the device
    index does not)."""
    kind = device.split(":")[0]
    return {} if (kind, dtype) == ("cpu", "float32") else {"device": kind, "dtype": dtype}


def parse_batch_size(value: str) -> Optional[int]:
    """--batch-size N|auto -> N, or None for auto."""
    v = str(value).strip().lower()
    if v == "auto":
        return None
    if v.isdigit() and int(v) >= 1:
        return int(v)
    raise UnibenchError(f"--batch-size {value!r}: expected a positive integer or auto")


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA/MPS out-of-memory, whatever torch version raised it."""
    name = type(exc).__name__
    return name == "OutOfMemoryError" or "out of memory" in str(exc).lower()


def find_batch_size(fits: Callable[[int], None], start: int = AUTO_BATCH_START,
                    on_oom: Optional[Callable[[], None]] = None) -> int:
    """The largest of start, start/2, ..., 1 for which `fits(batch)` returns without running out of memory
    (`on_oom()` frees what the failed try left, e.g. torch.cuda.empty_cache). Other errors propagate."""
    batch = max(1, int(start))
    while True:
        try:
            fits(batch)
            return batch
        except Exception as exc:  # noqa: BLE001 - only out-of-memory is caught
            if not is_out_of_memory(exc):
                raise
            if on_oom:
                on_oom()
            if batch == 1:
                raise UnibenchError("even a batch of 1 does not fit in the device's memory",
                                    hint="use a smaller --dtype (bfloat16/float16), a smaller model, or --device "
                                         "cpu") from None
            batch //= 2


PROBE_TOKENS = 1024  # a long UniNER prompt plus its 256-token answer, with room to spare


def auto_batch_size(model, device: str, start: int = AUTO_BATCH_START) -> int:
    """`--batch-size auto` for a loaded model: CPU_AUTO_BATCH on a CPU, else the largest batch whose forward pass
    over PROBE_TOKENS-token inputs (with the KV cache a generation keeps) fits, halving on out-of-memory."""
    if device.split(":")[0] == "cpu":
        return CPU_AUTO_BATCH
    import torch

    cfg = getattr(model, "config", None)
    length = min(PROBE_TOKENS, getattr(cfg, "max_position_embeddings", None) or PROBE_TOKENS)
    vocab = max(2, getattr(cfg, "vocab_size", 2) or 2)

    def fits(batch: int) -> None:
        ids = torch.randint(1, vocab, (batch, length), device=model.device)
        with torch.inference_mode():
            if getattr(cfg, "is_encoder_decoder", False):
                model(input_ids=ids, decoder_input_ids=ids[:, :1])
            else:
                model(input_ids=ids)
        del ids

    def free() -> None:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    return find_batch_size(fits, start, on_oom=free)
