"""Where unibench finds its declarative files and where it keeps user data.

Declarative files (dataset cards, adapter prompt files, leaderboard templates) live at the top
of the repository so that a newcomer finds them; a wheel carries them under
`unibench/_resources/`. This module hides that difference.

The data dir follows the issue's rule: `--data-dir`, else `$UNIBENCH_DATA`, else a user cache
dir. The layout below it is `<data-dir>/<dataset id>/...`, one folder per dataset id holding
the files of its original release.
"""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent


def resource_dir(name: str) -> Path:
    """Return the folder of a top-level declarative resource (`dataset_cards`, `adapters`, ...)."""
    for candidate in (_PKG / "_resources" / name, _REPO / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"unibench resource folder {name!r} not found (looked in {_PKG / '_resources'} and {_REPO})")


def package_data(name: str) -> Path:
    """A file or folder shipped inside the package itself (demo data, benchmark sets)."""
    return _PKG / name


def default_data_dir(cli_value: str | os.PathLike | None = None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("UNIBENCH_DATA")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("unibench")) / "data"


def default_cache_dir(cli_value: str | os.PathLike | None = None) -> Path:
    """Where prepared (normalised) JSONL and the response cache go."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("UNIBENCH_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("unibench"))
