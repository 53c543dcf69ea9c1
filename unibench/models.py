"""Model references (`--model REF`) and the model registry that picks an adapter for a checkpoint.

References:
- `gazetteer`: the train-split dictionary baseline (no model, offline);
- `dummy` or `dummy:DELAY`: a deterministic test backend (DELAY seconds per request);
- `hf:PATH_OR_ID[@REVISION]`: a transformers checkpoint (causal, seq2seq or token classification,
  detected from its config); `--gguf-file` for GGUF weights;
- `vllm:ID`: vLLM in-process (GPU);
- `openai:NAME`: any OpenAI-compatible API (`--base-url`; key from $OPENAI_API_KEY).
"""

from __future__ import annotations

import fnmatch
import json
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
        return self.name if self.kind in BUILTINS else f"{self.kind}:{self.name}"


def parse_model_ref(ref: str) -> ModelRef:
    ref = ref.strip()
    head, _, rest = ref.partition(":")
    if head in BUILTINS:
        return ModelRef(head, head, option=rest or None)
    if head in SCHEMES and rest:
        name, _, rev = rest.partition("@") if head == "hf" and not Path(rest).exists() else (rest, "", "")
        return ModelRef(head, name, revision=rev or None)
    raise UnibenchError(f"unknown model reference {ref!r}",
                        hint="use gazetteer, dummy[:DELAY], hf:PATH_OR_ID[@REVISION], vllm:ID or openai:NAME "
                             "(see `unibench run --help`)")


def registry_adapter(ref: ModelRef) -> Optional[str]:
    """The adapter the registry (or a checkpoint's unibench_model.json) names for this model."""
    if ref.kind == "hf" and Path(ref.name).is_dir():
        meta = Path(ref.name) / "unibench_model.json"
        if meta.exists():
            return json.loads(meta.read_text()).get("adapter")
    entries = yaml.safe_load(package_data("model_registry.yaml").read_text())
    for e in entries:
        if fnmatch.fnmatch(ref.name.lower(), e["pattern"].lower()):
            return e["adapter"]
    if ref.kind == "openai":
        return "chatgpt"
    return None
