"""Model references (`--model REF`) and the model registry that picks an adapter for a checkpoint.

References:
- `gazetteer`: the train-split dictionary baseline (no model, offline);
- `dummy` or `dummy:DELAY`: a deterministic test backend (DELAY seconds per request);
- `hf:PATH_OR_ID[@REVISION]`: a transformers checkpoint (causal, seq2seq or token classification,
  detected from its config); `--gguf-file` for GGUF weights;
- `vllm:ID[@REVISION]`: vLLM in-process (GPU; optional extra `unibench[vllm]`);
- `openai:NAME`: any OpenAI-compatible API (`--base-url`; key from $OPENAI_API_KEY).
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from .errors import UnibenchError
from .resources import package_data

SCHEMES = ("hf", "vllm", "openai")
BUILTINS = ("gazetteer", "dummy")


@dataclass(frozen=True)
class ModelRef:
    kind: str  # gazetteer | dummy | hf | vllm | openai
    name: str  # model id or path ("gazetteer" / "dummy" for built-ins)
    revision: Optional[str] = None
    option: Optional[str] = None  # dummy delay

    @property
    def display(self) -> str:
        """How the model is shown and stamped: a local checkpoint folder by its name only (its absolute path
        would publish the machine's layout; the weights hash in the revision identifies it)."""
        if self.kind in BUILTINS:
            return self.name
        if self.kind in ("hf", "vllm") and Path(self.name).expanduser().is_dir():
            return f"{self.kind}:{Path(self.name).expanduser().resolve().name}"
        return f"{self.kind}:{self.name}"


def parse_model_ref(ref: str) -> ModelRef:
    ref = ref.strip()
    head, _, rest = ref.partition(":")
    if head in BUILTINS:
        return ModelRef(head, head, option=rest or None)
    if head in SCHEMES and rest:
        versioned = head in ("hf", "vllm") and not Path(rest).exists()
        name, _, rev = rest.partition("@") if versioned else (rest, "", "")
        return ModelRef(head, name, revision=rev or None)
    raise UnibenchError(f"unknown model reference {ref!r}",
                        hint="use gazetteer, dummy[:DELAY], hf:PATH_OR_ID[@REVISION], vllm:ID[@REVISION] or "
                             "openai:NAME (see `unibench run --help`)")


META_FILE = "unibench_model.json"


def checkpoint_meta(ref: ModelRef) -> dict:
    """A local checkpoint's `unibench_model.json` (written by `unibench train` / `train-tagger`), validated:
    {"adapter": NAME, "training_datasets": [ROW_ID, ...]}, both optional. {} when there is none."""
    if ref.kind not in ("hf", "vllm") or not Path(ref.name).is_dir():
        return {}
    path = Path(ref.name) / META_FILE
    if not os.path.lexists(path):
        return {}
    from .safe_read import load_json

    meta = load_json(path, "meta", hint='expected {"adapter": NAME, "training_datasets": [ROW_ID, ...]}')
    if not isinstance(meta, dict):
        raise UnibenchError("expected a JSON object", path=path, line=1,
                            hint='expected {"adapter": NAME, "training_datasets": [ROW_ID, ...]}')
    adapter, train = meta.get("adapter"), meta.get("training_datasets", [])
    if adapter is not None and not (isinstance(adapter, str) and adapter):
        raise UnibenchError("'adapter' must be an adapter name (a non-empty string)", path=path)
    if not isinstance(train, list) or not all(isinstance(x, str) and x for x in train):
        raise UnibenchError("'training_datasets' must be a list of row ids (non-empty strings)", path=path,
                            hint='e.g. "training_datasets": ["conllpp"]')
    return meta


def training_datasets(ref: ModelRef) -> list[str]:
    """Benchmark rows the checkpoint was trained on, as its unibench_model.json declares (result files carry
    them, so the leaderboard can tell supervised from zero-shot rows)."""
    return list(dict.fromkeys(checkpoint_meta(ref).get("training_datasets", [])))


def registry_adapter(ref: ModelRef) -> Optional[str]:
    """The adapter the registry (or a checkpoint's unibench_model.json) names for this model."""
    adapter = checkpoint_meta(ref).get("adapter")
    if adapter:
        return adapter
    entries = yaml.safe_load(package_data("model_registry.yaml").read_text())
    for e in entries:
        if fnmatch.fnmatch(ref.name.lower(), e["pattern"].lower()):
            return e["adapter"]
    if ref.kind == "openai":
        return "chatgpt"
    if ref.kind == "hf" and _is_token_classifier(ref):
        return "bert"
    return None


def _is_token_classifier(ref: ModelRef) -> bool:
    """From the checkpoint's config.json, without importing transformers: a local folder's, or a Hub id's
    copy already in the local HF cache (never downloads)."""
    path = Path(ref.name) / "config.json"
    if not path.is_file():
        try:
            from huggingface_hub import try_to_load_from_cache

            found = try_to_load_from_cache(ref.name, "config.json", revision=ref.revision)
        except Exception:  # noqa: BLE001 - not a repo id, no cache: simply unknown
            found = None
        if not isinstance(found, str):
            return False
        path = Path(found)
    try:
        archs = json.loads(path.read_text(encoding="utf-8")).get("architectures") or []
    except (OSError, ValueError, AttributeError, RecursionError):
        return False
    return any(str(a).endswith("ForTokenClassification") for a in archs)
