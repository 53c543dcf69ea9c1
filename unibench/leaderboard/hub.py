"""Talking to the shared results repository on the Hugging Face Hub (a dataset repo).

huggingface_hub reads `HF_ENDPOINT` and `HF_HUB_OFFLINE` once, when it is first imported; we
read them from the environment each time and pass the endpoint explicitly, so the repo a command
talks to is always the one the environment names (a mirror, or a test server on 127.0.0.1).
huggingface_hub is imported inside the functions: `unibench --help` and the leaderboard's other
paths never load it. Hub errors become `UnibenchError`s that carry the server's own message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ..errors import UnibenchError

DEFAULT_ENDPOINT = "https://huggingface.co"
RESULTS_PATTERNS = ["results/**/*.json", "README.md"]


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def check_repo_id(repo: str) -> str:
    parts = repo.split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") for p in parts):
        raise UnibenchError(f"--repo / --from-hub must be OWNER/NAME (a Hugging Face dataset repo), not {repo!r}")
    return repo


def is_hub_error(exc: BaseException) -> bool:
    """An error of the Hub call itself (HTTP status, connection, bad response), not a bug of ours."""
    module = exc.__class__.__module__
    return module.startswith(("huggingface_hub", "httpx", "httpcore", "h11")) or isinstance(exc, (OSError, ValueError))


def hub_error(exc: Exception, what: str, secret: Optional[str] = None) -> UnibenchError:
    """A Hub failure as a one-paragraph error with the server's message (never the token)."""
    from ..privacy import mask_secrets, register_secret

    register_secret(secret)
    msg = mask_secrets(str(exc).strip() or exc.__class__.__name__)
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return UnibenchError(f"{what} failed{f' (HTTP {status})' if status else ''}: {msg}",
                         hint=f"endpoint {endpoint()} (set HF_ENDPOINT to use another Hub)")


def download_results(repo: str, revision: Optional[str] = None, cache_dir: Optional[Path] = None) -> Path:
    """Snapshot the results repo (result JSON files and README only) and return the folder that
    holds its `results/` tree. Offline mode reads the local snapshot cache only."""
    check_repo_id(repo)
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = snapshot_download(repo, repo_type="dataset", revision=revision, endpoint=endpoint(),
                                   cache_dir=str(cache_dir) if cache_dir else None,
                                   allow_patterns=RESULTS_PATTERNS, local_files_only=offline())
    except LocalEntryNotFoundError as exc:
        raise UnibenchError(f"no local snapshot of dataset repo {repo} (revision {revision or 'main'}) and the Hub "
                            f"is not reachable{' (HF_HUB_OFFLINE is set)' if offline() else ''}: {exc}",
                            hint="unset HF_HUB_OFFLINE, or build once online so that the snapshot is cached") from None
    except Exception as exc:  # noqa: BLE001 - every Hub failure is reported with its message
        if is_hub_error(exc):
            raise hub_error(exc, f"downloading dataset repo {repo}") from None
        raise
    root = Path(folder)
    results = root / "results"
    if not results.is_dir():
        raise UnibenchError(f"dataset repo {repo} has no results/ folder", path=root,
                            hint="a unibench results repo holds results/<org>__<model>/<revision>/<row>.json "
                                 "(see leaderboard/results-repo-template/)")
    return results
