"""Rendering the site's pages in two processes (the machine's two cores), each writing its share.

Rendering 500 models' pages is CPU-bound Python that one process cannot spread over cores. After
the tables are computed, the build forks once; both processes walk the same page list (the tables
are deterministic) and each renders the pages it claims, into the same private build folder. Pages
are claimed one at a time from a counter both processes share (a file under a POSIX lock), so a
process that had a longer share (the last one writes the downloads first) takes fewer pages: with
a fixed split (page i by process i % 2) the downloads' process finished 0.9 s after the other. The child reports a failure through a file in
that folder and exits; the parent waits for it and raises that error, so a failed build still
fails as a whole (and site.py removes the folder). Where `os.fork` is missing (Windows), on one
core, or with UNIBENCH_BUILD_WORKERS=1, everything runs in the one process.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Callable

from ..errors import UnibenchError

FAILED = ".worker-failed"


def worker_count() -> int:
    wanted = os.environ.get("UNIBENCH_BUILD_WORKERS", "")
    n = int(wanted) if wanted.isdigit() and int(wanted) > 0 else min(2, os.cpu_count() or 1)
    return n if hasattr(os, "fork") else 1


class SharedCounter:
    """0, 1, 2, ... across processes forked after it was made: each number is handed out once."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # no name: nothing is left behind, whatever happens
        os.pwrite(self._file.fileno(), (0).to_bytes(8, "little"), 0)

    def __call__(self) -> int:
        import fcntl  # POSIX only, like fork: lockf locks belong to the process, so a forked child waits

        fd = self._file.fileno()
        fcntl.lockf(fd, fcntl.LOCK_EX)
        try:
            n = int.from_bytes(os.pread(fd, 8, 0), "little")
            os.pwrite(fd, (n + 1).to_bytes(8, "little"), 0)
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)
        return n


def in_workers(folder: Path, render: Callable[[int, int, Callable[[], int]], int]) -> int:
    """`render(me, workers, claim)` in each worker process, `claim()` giving out the page numbers (each
    once, in increasing order); the parent's return value (me = 0)."""
    workers = worker_count()
    if workers == 1:
        return render(0, 1, itertools.count().__next__)
    claim = SharedCounter()
    pids = []
    for me in range(1, workers):
        pid = os.fork()
        if pid == 0:  # the child: render its share, never return into the caller's code
            code = 0
            try:
                render(me, workers, claim)
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
                code = 1
                text = exc.render() if isinstance(exc, UnibenchError) else traceback.format_exc()
                try:
                    (Path(folder) / FAILED).write_text(text, encoding="utf-8")
                except OSError:
                    pass
            finally:
                sys.stdout.flush()
                os._exit(code)
        pids.append(pid)
    try:
        n = render(0, workers, claim)
    except BaseException:
        for pid in pids:  # the build fails anyway: stop the others' work, then reap them
            os.kill(pid, signal.SIGTERM)
        raise
    finally:
        failed = [pid for pid in pids if os.waitpid(pid, 0)[1] != 0]
    if failed:
        note = Path(folder) / FAILED
        why = note.read_text(encoding="utf-8") if note.exists() else "it was killed"
        raise UnibenchError(f"a page-rendering process failed: {why.strip()}",
                            hint="UNIBENCH_BUILD_WORKERS=1 renders every page in one process")
    return n
