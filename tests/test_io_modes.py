"""Files anyone can serve: atomic writes and built sites get the user's umask, not tempfile's private
0600/0700."""

import os
import stat

import pytest

from unibench.io import atomic_write_json, atomic_write_text, make_temp_dir

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture()
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_atomic_write_follows_umask(tmp_path, umask_022):
    atomic_write_text(tmp_path / "a.txt", "x")
    atomic_write_json(tmp_path / "b.json", {"a": 1})
    assert _mode(tmp_path / "a.txt") == 0o644
    assert _mode(tmp_path / "b.json") == 0o644
    os.umask(0o077)
    atomic_write_text(tmp_path / "c.txt", "x")
    assert _mode(tmp_path / "c.txt") == 0o600


def test_temp_dir_follows_umask(tmp_path, umask_022):
    assert _mode(make_temp_dir(tmp_path, ".x-")) == 0o755

