"""Progress lines for logs: what a rich progress bar shows, as plain lines, when stderr is not a terminal.

rich draws nothing until the end when stderr is a file (nohup, Slurm, CI logs), so a long `run`, `train` or
`distill annotate` would look hung. `ProgressLines` watches the same rich `Progress` the terminal sees and,
only when the console is not a terminal, prints one line from its tasks at least every `interval` seconds
(a background thread, so a batch that takes minutes still gets its lines) and whenever the caller asks
(`line()`, at every row boundary). A line reads, per task with work in it:

    run: datasets 1/3 crossner_ai 0/3 | queries 1200/5603 (21.4%), 35.2/s, ETA 0:02:05, cache hits 400

One helper for the three commands; the terminal display is unchanged.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

INTERVAL = 30.0  # seconds: the longest a log goes without a progress line


def _clock(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-:--:--"
    s = int(max(seconds, 0))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def task_text(task, extra: Optional[Callable[[object], str]] = None) -> str:
    """One task as 'description done/total (pct), rate/s, ETA h:mm:ss[, extra]' (rate and ETA once started)."""
    desc = " ".join(str(task.description).split())
    done, total = task.completed, task.total
    parts = [f"{desc} {done:g}/{total:g}" if total is not None else f"{desc} {done:g}"]
    elapsed = task.elapsed or 0.0
    if total:
        parts[0] += f" ({100 * done / total:.1f}%)"
    if done and elapsed > 0:
        rate = done / elapsed
        parts.append(f"{rate:.2f}/s" if rate < 10 else f"{rate:.1f}/s")
        if total is not None:
            parts.append("ETA " + _clock((total - done) / rate))
    more = extra(task) if extra else ""
    if more:
        parts.append(more)
    return ", ".join(parts)


class ProgressLines:
    """Plain progress lines from a rich Progress `bar` for a console that is not a terminal (else silent)."""

    def __init__(self, bar, console, label: str, *, interval: float = INTERVAL,
                 extra: Optional[Callable[[object], str]] = None, enabled: Optional[bool] = None,
                 clock: Callable[[], float] = time.monotonic):
        self.bar, self.console, self.label, self.interval, self.extra = bar, console, label, interval, extra
        self.enabled = (not console.is_terminal) if enabled is None else enabled
        self.clock = clock
        self.last = clock()
        self.lines = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        bar.progress_lines = self  # so code that holds only the bar can mark a boundary (mark_boundary)

    def text(self) -> str:
        tasks = [t for t in self.bar.tasks if t.visible]
        return (f"{self.label}: " if self.label else "") + " | ".join(task_text(t, self.extra) for t in tasks)

    def line(self) -> None:
        """Print a line now (a row boundary, the end)."""
        if not self.enabled:
            return
        with self._lock:
            self.last = self.clock()
            self.lines += 1
            self.console.print(self.text(), markup=False, highlight=False, soft_wrap=True)

    def tick(self) -> None:
        """Print a line if none was printed for `interval` seconds (the heartbeat calls this)."""
        if self.enabled and self.clock() - self.last >= self.interval:
            self.line()

    def _beat(self) -> None:
        while not self._stop.wait(min(self.interval, 1.0) if self.interval > 0 else 0.01):
            self.tick()

    def __enter__(self) -> "ProgressLines":
        if self.enabled:
            self._thread = threading.Thread(target=self._beat, name="unibench-progress-lines", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def mark_boundary(bar) -> None:
    """A row boundary: print a progress line now if `bar` has a ProgressLines watching it."""
    lines = getattr(bar, "progress_lines", None)
    if lines is not None:
        lines.line()
