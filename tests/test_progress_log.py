"""Progress lines for logs (unibench/progress_log.py): silent on a terminal; otherwise a line at every boundary
the caller marks and whenever `interval` seconds passed without one, with done/total, rate, ETA and extras."""

import io
import re
import sys
import subprocess
import threading

from rich.console import Console
from rich.progress import Progress

from unibench.progress_log import ProgressLines


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def _console(terminal: bool):
    out = io.StringIO()
    return Console(file=out, width=300, force_terminal=terminal, color_system=None), out


def test_lines_only_when_not_a_terminal_and_at_least_every_interval():
    console, out = _console(False)
    clock = FakeClock()
    with Progress(console=console, disable=True, get_time=clock) as bar:
        lines = ProgressLines(bar, console, "run", interval=30, clock=clock,
                              extra=lambda t: f"cache hits {t.fields['hits']}" if "hits" in t.fields else "")
        task = bar.add_task("queries", total=200, hits=0)
        clock.t = 10
        bar.update(task, advance=50, hits=20)
        lines.tick()
        assert out.getvalue() == ""  # 10 s: not yet
        clock.t = 30
        lines.tick()
        assert out.getvalue().splitlines() == ["run: queries 50/200 (25.0%), 1.67/s, ETA 0:01:30, cache hits 20"]
        clock.t = 40
        lines.tick()
        assert len(out.getvalue().splitlines()) == 1  # 10 s after the last line
        lines.line()  # a row boundary: at once
        assert len(out.getvalue().splitlines()) == 2


def test_silent_on_a_terminal():
    console, out = _console(True)
    with Progress(console=console, disable=True) as bar:
        lines = ProgressLines(bar, console, "run", interval=0)
        bar.add_task("queries", total=3)
        lines.line()
        lines.tick()
    assert out.getvalue() == "" and lines.lines == 0


def test_heartbeat_thread_prints_while_the_caller_is_busy():
    console, out = _console(False)
    printed = threading.Event()
    with Progress(console=console, disable=True) as bar:
        bar.add_task("queries", total=10)
        with ProgressLines(bar, console, "run", interval=0.01) as lines:
            original = lines.line

            def line():
                original()
                printed.set()

            lines.line = line
            assert printed.wait(timeout=60)  # no call from the caller: the thread printed
    assert out.getvalue().startswith("run: queries 0/10 (0.0%)")


def test_run_prints_lines_at_row_boundaries_when_stderr_is_a_file(tmp_path):
    """`unibench run` with stderr redirected to a file (as under nohup or Slurm)."""
    p = subprocess.run([sys.executable, "-m", "unibench", "run", "--model", "gazetteer", "--benchmark", "demo",
                        "--output-dir", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    lines = [x for x in p.stderr.splitlines() if x.startswith("run: ")]
    assert len(lines) == 6, p.stderr  # a start and an end line per row, 3 rows
    assert re.match(r"run: datasets 3/3 btc 3/3 \(100\.0%\), [\d.]+/s, ETA 0:00:00, queries \d+ \(cache hits 0\)$",
                    lines[-1]), lines[-1]
