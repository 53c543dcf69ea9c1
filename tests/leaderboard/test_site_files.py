"""A site anyone can serve: world-readable under umask 022, and a killed build leaves nothing behind once a
later build succeeds."""

import os
import stat
import subprocess
import sys

import pytest

from unibench.leaderboard.site import build_site

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_site_is_world_readable_and_leftovers_are_removed(tmp_path, run_results):
    old_mask = os.umask(0o022)
    try:
        out = tmp_path / "site"
        # a build killed mid-way (a process that no longer exists) left its temporary folder behind
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout.strip()
        stale = tmp_path / f".site.building-{dead}-abc123"
        stale.mkdir()
        (stale / "index.html").write_text("half")
        old = tmp_path / f".site.old-{dead}"
        old.mkdir()
        other = tmp_path / ".other.building-1-x"  # another site's folder is not ours to remove
        other.mkdir()
        build_site([run_results], out)
        assert not stale.exists() and not old.exists() and other.exists()
        assert _mode(out) == 0o755
        for p in out.rglob("*"):
            assert _mode(p) == (0o755 if p.is_dir() else 0o644), p
        assert not [p for p in tmp_path.iterdir() if ".site." in p.name]
    finally:
        os.umask(old_mask)
