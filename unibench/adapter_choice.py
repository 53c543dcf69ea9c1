"""Which adapter asks a model, chosen on evidence and said out loud.

In order: `--adapter`; the checkpoint's `unibench_model.json`; the model registry (fnmatch on the id)
or the checkpoint's config (a token classifier -> `bert`; an `openai:` model -> `chatgpt`); then, for an
`hf:`/`vllm:` checkpoint nobody registered, its tokenizer: with a chat template it gets the `chat`
adapter (the UniNER conversation through the model's own template), without one the run stops and
asks for `--adapter`, listing the choices. Guessing the UniNER string prompt for an unknown model made
prose answers, 100% parse failures and an F1 of 0.0 that looked measured.

The chat template is looked up without loading weights: a folder's `tokenizer_config.json` or
`chat_template.jinja`/`.json`, a GGUF file's `tokenizer.chat_template`, a Hub id's copies of those in
the local HF cache; only a Hub id with none of them cached loads its tokenizer (small; the run would
download it anyway).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from .errors import UnibenchError
from .models import ModelRef, checkpoint_meta, registry_adapter

CHAT_ADAPTER = "chat"
TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")


def _config_template(path: Path) -> bool:
    try:
        tpl = json.loads(path.read_text(encoding="utf-8")).get("chat_template")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(tpl)


def _gguf_template(path: Path) -> bool:
    try:
        from gguf import GGUFReader

        field = GGUFReader(str(path)).fields.get("tokenizer.chat_template")
    except Exception:  # noqa: BLE001 - unreadable here; loading the model will say why
        return False
    return field is not None and bool(bytes(field.parts[field.data[0]]).strip())


def _folder_template(folder: Path) -> bool:
    return any((folder / f).is_file() for f in TEMPLATE_FILES) or _config_template(folder / "tokenizer_config.json")


def _hub_template(ref: ModelRef) -> bool:
    from huggingface_hub import try_to_load_from_cache

    seen = False
    for name in ("tokenizer_config.json",) + TEMPLATE_FILES:
        try:
            found = try_to_load_from_cache(ref.name, name, revision=ref.revision)
        except Exception:  # noqa: BLE001 - not a repo id: no cache entry
            found = None
        if isinstance(found, str):
            seen = True
            if name != "tokenizer_config.json" or _config_template(Path(found)):
                return True
    if seen:  # tokenizer_config.json is cached and names no template
        return False
    try:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(ref.name, revision=ref.revision)
    except Exception as e:  # noqa: BLE001 - any loading problem: the user can name the adapter
        raise UnibenchError(f"{ref.display} has no model-registry entry, and its tokenizer could not be read to look "
                            f"for a chat template ({str(e).splitlines()[0] if str(e) else type(e).__name__})",
                            hint=_choices_hint()) from None
    return bool(getattr(tok, "chat_template", None))


def has_chat_template(ref: ModelRef, gguf_file: Optional[str] = None) -> bool:
    """Whether the checkpoint's tokenizer carries a chat template (the one transformers/vLLM would apply)."""
    folder = Path(ref.name).expanduser()
    if folder.is_dir():
        if gguf_file and (folder / gguf_file).is_file():
            return _gguf_template(folder / gguf_file)  # transformers reads the tokenizer from the GGUF file
        return _folder_template(folder)
    return _hub_template(ref)


def _choices_hint() -> str:
    from .adapters import load_adapters

    names = [n for n in load_adapters() if n != "dummy"]
    return (f"choose the prompt format with --adapter: {', '.join(names)} (docs/running.md says which model "
            "families each one fits)")


def choose_adapter(ref: ModelRef, explicit: Optional[str], gguf_file: Optional[str] = None) -> tuple[str, str]:
    """-> (adapter name, why it was chosen: one phrase for the line printed at the start of a run)."""
    if explicit:
        return explicit, "--adapter"
    named = registry_adapter(ref)
    if named:
        if checkpoint_meta(ref).get("adapter"):
            return named, "the checkpoint's unibench_model.json"
        if ref.kind == "hf" and named == "bert":
            return named, "a token-classification checkpoint"
        return named, "the model registry"
    if ref.kind in ("hf", "vllm"):
        if has_chat_template(ref, gguf_file):
            return CHAT_ADAPTER, "not in the model registry; its tokenizer has a chat template"
        raise UnibenchError(f"{ref.display} is not in the model registry, has no unibench_model.json and its "
                            "tokenizer has no chat template, so unibench cannot tell how to prompt it",
                            hint=_choices_hint())
    raise UnibenchError(f"no adapter is known for {ref.display}", hint=_choices_hint())
