"""Shared test fixtures.

Tests that need the staged raw data read it from `../shared/data` (or $UNIBENCH_SHARED_DATA);
where it is absent they are skipped with that reason, never silently passed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Nothing may be downloaded in tests: fail fast instead of waiting on network timeouts.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("UNIBENCH_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "INDEX.md").exists():
        pytest.skip(f"staged datasets not found at {SHARED_DATA} (clone with ../shared beside the checkout)")
    return SHARED_DATA


def needs_shared(*names: str):
    """Skip unless these dataset folders are staged."""
    missing = [n for n in names if not (SHARED_DATA / n).is_dir()]
    return pytest.mark.skipif(bool(missing), reason=f"staged data not found: {', '.join(missing)} under {SHARED_DATA}")


@pytest.fixture()
def cache_dir(tmp_path) -> Path:
    return tmp_path / "cache"
