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
RESULTS_PATTERNS = ["results/**/*.json", "README.md"]  # what hub_fetch.kind_of accepts


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


def hub_cache_root(cache_dir: Optional[Path] = None) -> Path:
    """Where `--from-hub` snapshots go: --hub-cache, else `unibench-results/` in the HF hub cache folder."""
    if cache_dir:
        return Path(cache_dir)
    hub_cache = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface"), "hub")
    return Path(hub_cache) / "unibench-results"


def download_results(repo: str, revision: Optional[str] = None, cache_dir: Optional[Path] = None) -> Path:
    """Snapshot the results repo (result JSON files and README only) and return the folder that
    holds its `results/` tree. The Hub is not trusted (see `hub_fetch`): the revision is pinned to a
    checked commit id before any download, names and sizes are checked before and after. Offline
    mode reads the local snapshot an earlier online run stored."""
    check_repo_id(repo)
    from .hub_fetch import cached_snapshot, fetch_snapshot

    root_dir = hub_cache_root(cache_dir)
    if offline():
        folder = cached_snapshot(root_dir, repo, revision)
        if folder is None:
            raise UnibenchError(f"no local snapshot of dataset repo {repo} (revision {revision or 'main'}) and the "
                                "Hub is not reachable (HF_HUB_OFFLINE is set)",
                                hint="unset HF_HUB_OFFLINE, or build once online so that the snapshot is cached")
    else:
        try:
            folder = fetch_snapshot(repo, revision, root_dir, endpoint())
        except UnibenchError:
            raise
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
