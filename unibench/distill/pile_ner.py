"""The released Pile-NER-type data (`Universal-NER/Pile-NER-type`, `train.json`), read directly.

`ref` is a local file, or a Hub dataset id fetched with `huggingface_hub.hf_hub_download`
(repo_type="dataset", filename="train.json"), which honours HF_HUB_OFFLINE and the HF cache:
offline with the file cached works; offline without it fails with a clear error. The records
are validated (file:record errors) and passed through unchanged except that a missing or
integer `id` becomes the string `pile-ner-type:<index>` / str(id), so ids are uniformly strings.
Its negatives are already in the file (the paper, §3.2; docs/training.md): no resampling is done on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..errors import UnibenchError
from .conversations import conversation_stats, read_conversations

HUB_ID = "Universal-NER/Pile-NER-type"
FILENAME = "train.json"


def locate(ref: str, *, revision: Optional[str] = None, endpoint: Optional[str] = None,
           cache_dir: Optional[str] = None) -> Path:
    path = Path(ref).expanduser()
    if path.exists():
        if path.is_dir():
            path = path / FILENAME
            if not path.is_file():
                raise UnibenchError(f"{ref} is a folder without {FILENAME}")
        return path
    if ref.count("/") != 1 or ref.startswith((".", "/")):
        raise UnibenchError(f"--pile-ner {ref!r}: no such file, and not a Hub dataset id (owner/name)")
    try:
        from huggingface_hub import constants, hf_hub_download
    except ImportError:  # pragma: no cover - huggingface_hub is a core dependency
        raise UnibenchError("reading Pile-NER from the Hub needs huggingface_hub") from None
    try:
        return Path(hf_hub_download(ref, FILENAME, repo_type="dataset", revision=revision, endpoint=endpoint,
                                    cache_dir=cache_dir))
    except Exception as exc:  # noqa: BLE001 - offline, missing, network, auth: all mean "not readable here"
        offline = constants.is_offline_mode()
        raise UnibenchError(
            f"could not get {FILENAME} of the Hub dataset {ref}: {type(exc).__name__}: {str(exc)[:200]}",
            hint=("offline mode is on (HF_HUB_OFFLINE) and the file is not in the HF cache; " if offline else "")
            + "download it once with network access (it is 128 MB, CC BY-NC 4.0), or pass a local path") from None


def load_pile_ner(ref: str, **kw) -> tuple[list[dict], dict]:
    path = locate(ref, **kw)
    records = read_conversations(path)
    for i, rec in enumerate(records):
        rid = rec.get("id")
        rec["id"] = f"pile-ner-type:{i}" if rid is None else str(rid)
    stats = conversation_stats(records)
    stats["file"] = str(path)
    return records, stats
