"""`make_hf_backend`: one entry point that turns a local folder or a Hub id into the right backend.

The task is read from the checkpoint's config (task="auto"): encoder-decoder -> seq2seq
(Flan-T5 / InstructUIE); an architecture ending in ForTokenClassification, or a bare encoder
(BERT-like model types, which cannot generate) -> token classification; anything else -> causal.

Identity (for cache keys and result stamps): a Hub id is stamped with the commit it resolved to
in the local HF cache; a local folder has no revision, so it is stamped with a sha256 of its
weight files. Loading never needs the network when the files are local (a folder, or the HF
cache with HF_HUB_OFFLINE=1); `gguf_file=` loads GGUF weights through transformers (dequantised,
needs the `gguf` package).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from ..errors import UnibenchError

TASKS = ("auto", "causal", "seq2seq", "token-classification")
# model types that are encoders only: they cannot generate, so "auto" means token classification
ENCODER_TYPES = {"bert", "roberta", "xlm-roberta", "deberta", "deberta-v2", "electra", "distilbert", "albert",
                 "camembert", "mpnet", "modernbert", "xlm", "luke"}


def detect_task(config) -> str:
    if getattr(config, "is_encoder_decoder", False):
        return "seq2seq"
    archs = getattr(config, "architectures", None) or []
    if any(a.endswith("ForTokenClassification") for a in archs) or config.model_type in ENCODER_TYPES:
        return "token-classification"
    return "causal"


def _torch_dtype(dtype: Optional[str], device: str):
    """None -> float32 on CPU (bf16/fp16 matmuls are slow or missing there), the checkpoint's
    own dtype ("auto") on an accelerator."""
    import torch

    if dtype is None:
        return torch.float32 if device == "cpu" else "auto"
    if dtype == "auto":
        return "auto"
    aliases = {"fp32": "float32", "fp16": "float16", "half": "float16", "bf16": "bfloat16"}
    name = aliases.get(dtype, dtype)
    if not isinstance(getattr(torch, name, None), torch.dtype):
        raise UnibenchError(f"unknown dtype {dtype!r}", hint="use float32, bfloat16, float16 or auto")
    return getattr(torch, name)


def looks_like_path(name: str) -> bool:
    """A reference that can only be a folder (a Hub id is NAME or OWNER/NAME, never ./x, /x, ~/x or a/b/c)."""
    return (name in (".", "..") or name.startswith(("/", "./", "../", "~", ".\\", "..\\")) or "\\" in name
            or name.count("/") >= 2 or bool(re.match(r"^[A-Za-z]:[\\/]", name)))


def _gguf_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.gguf") if p.is_file())


def check_local_folder(folder: Path, gguf_file: Optional[str]) -> None:
    """Errors a user can act on before anything is loaded: a --gguf-file that is not in the folder, a folder of
    GGUF weights only and no --gguf-file (both list the folder's GGUF files)."""
    ggufs = _gguf_files(folder)
    listing = ", ".join(ggufs) if ggufs else "none"
    if gguf_file and not (folder / gguf_file).is_file():
        raise UnibenchError(f"no GGUF file {gguf_file!r} in folder {folder}; its GGUF files: {listing}",
                            hint="--gguf-file takes a file name inside the hf: folder"
                                 + (f", e.g. --gguf-file {ggufs[0]}" if ggufs else ""))
    if not gguf_file and ggufs and not (folder / "config.json").exists():
        raise UnibenchError(f"folder {folder} holds GGUF weights only (no config.json); say which with "
                            f"--gguf-file. Its GGUF files: {listing}", hint=f"e.g. --gguf-file {ggufs[0]}")


def resolve_identity(path_or_id: str, revision: Optional[str], gguf_file: Optional[str]) -> tuple[str, dict]:
    """-> (what to pass to from_pretrained, identity dict)."""
    from .hf_common import weights_hash

    p = Path(path_or_id).expanduser()
    if not p.exists() and looks_like_path(path_or_id):
        raise UnibenchError(f"no such folder: {path_or_id}",
                            hint="hf: takes a local checkpoint folder or a Hub id (OWNER/NAME); check the path")
    if p.exists():
        if not p.is_dir():
            raise UnibenchError("expected a model folder (config.json + weights, or a .gguf with gguf_file=)",
                                path=p, hint="for a single GGUF file pass its folder and gguf_file=NAME")
        if revision:
            raise UnibenchError("revision= applies to Hub ids, not to a local folder", path=p)
        check_local_folder(p, gguf_file)
        h = weights_hash(p, gguf_file)
        name = p.resolve().name + (f"/{gguf_file}" if gguf_file else "")
        return str(p), {"model": name, "revision": "sha256-" + h[:16], "weights_sha256": h}
    return path_or_id, {"model": path_or_id, "revision": revision or "main"}


def _hub_commit(repo_id: str, revision: Optional[str]) -> Optional[str]:
    """The commit a Hub id resolved to, read from the local HF cache after loading."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    if isinstance(found, str):
        parts = Path(found).parts
        if "snapshots" in parts:
            return parts[parts.index("snapshots") + 1]
    return None


def make_hf_backend(path_or_id: str, *, revision: str | None = None, task: str = "auto",
                    gguf_file: str | None = None, batch_size: int | None = 8, device: str = "cpu",
                    dtype: str | None = None, identity: dict | None = None):
    """Load a transformers checkpoint and wrap it in the backend its task needs.

    causal / seq2seq -> a TextBackend (`generate(requests) -> list[str]`); token-classification
    -> an object with `predict(list[list[str]]) -> list[list[(start, end, label)]]`. `batch_size=None` picks
    the largest batch that fits the device (devices.auto_batch_size); `dtype` is float32 | bfloat16 | float16 |
    auto (the checkpoint's own), None meaning float32 on a CPU.
    """
    if task not in TASKS:
        raise UnibenchError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    try:
        import torch  # noqa: F401
        from transformers import (AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM,
                                  AutoModelForTokenClassification, AutoTokenizer)
    except ImportError as e:  # pragma: no cover - the dependency is declared
        raise UnibenchError(f"the hf backend needs torch and transformers ({e})",
                            hint="pip install 'unibench[transformers]'") from e
    if gguf_file:
        try:
            import gguf  # noqa: F401
        except ImportError as e:
            raise UnibenchError("gguf_file= needs the `gguf` package", hint="pip install gguf") from e
    # `identity`: what resolve_identity already returned for this folder (a caller that stamped the
    # run before loading), so 7B of weights are not hashed a second time
    source, ident = (str(Path(path_or_id).expanduser()), dict(identity)) if identity else \
        resolve_identity(path_or_id, revision, gguf_file)
    kw = {"revision": revision} if revision else {}
    if gguf_file:
        kw["gguf_file"] = gguf_file
    try:
        config = AutoConfig.from_pretrained(source, **kw)
        chosen = detect_task(config) if task == "auto" else task
        tokenizer = AutoTokenizer.from_pretrained(source, **kw)
        cls = {"causal": AutoModelForCausalLM, "seq2seq": AutoModelForSeq2SeqLM,
               "token-classification": AutoModelForTokenClassification}[chosen]
        model = cls.from_pretrained(source, dtype=_torch_dtype(dtype, device), **kw)
    except (OSError, ValueError) as e:
        raise UnibenchError(f"could not load model {path_or_id!r}: {str(e).splitlines()[0]}",
                            path=source if Path(source).exists() else None,
                            hint="a Hub id needs network access or HF_HUB_OFFLINE=1 with the files already in "
                                 "the HF cache; a folder needs config.json, tokenizer files and weights") from e
    model.to(device).eval()
    if batch_size is None:  # --batch-size auto
        from ..devices import auto_batch_size

        batch_size = auto_batch_size(model, device)
    if "weights_sha256" not in ident:
        ident["revision"] = _hub_commit(path_or_id, revision) or ident["revision"]
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token  # Llama-style tokenizers ship without one
    extra = ("gguf",) if gguf_file else ()
    if chosen == "causal":
        from .hf_causal import HFCausalBackend

        return HFCausalBackend(model, tokenizer, ident=ident, batch_size=batch_size, extra_versions=extra)
    if chosen == "seq2seq":
        from .hf_seq2seq import HFSeq2SeqBackend

        return HFSeq2SeqBackend(model, tokenizer, ident=ident, batch_size=batch_size, extra_versions=extra)
    from .hf_token_cls import HFTokenClassifier

    return HFTokenClassifier(model, tokenizer, ident=ident, batch_size=batch_size, extra_versions=extra)
