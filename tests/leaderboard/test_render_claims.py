"""Pages are handed out to the rendering processes one number at a time (workers.SharedCounter): across
real forked processes each number goes to exactly one of them, in increasing order within each."""

from __future__ import annotations

import os

import pytest

from unibench.leaderboard.workers import SharedCounter


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the counter serves forked processes")
def test_each_number_is_claimed_once_across_processes(tmp_path):
    claim = SharedCounter()
    pid = os.fork()
    if pid == 0:  # the child claims as fast as it can, as the parent does
        code = 1
        try:
            (tmp_path / "child.txt").write_text(" ".join(str(claim()) for _ in range(3000)), encoding="utf-8")
            code = 0
        finally:
            os._exit(code)
    mine = [claim() for _ in range(3000)]
    assert os.waitpid(pid, 0)[1] == 0
    theirs = [int(x) for x in (tmp_path / "child.txt").read_text(encoding="utf-8").split()]
    assert mine == sorted(mine) and theirs == sorted(theirs)
    assert sorted(mine + theirs) == list(range(6000))
    assert claim() == 6000
