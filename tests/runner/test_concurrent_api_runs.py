"""Paid answers are never lost or duplicated: real `unibench run` processes, one real SQLite cache, a real
OpenAI-compatible server on 127.0.0.1 that logs every request it receives."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("openai")

from tests.helpers.openai_server import Handler, base_url, start_server  # noqa: E402

CONCURRENCY = 4


def _cmd(srv, out: Path, cache: Path, limit: int) -> list[str]:
    return [sys.executable, "-m", "unibench", "run", "--model", "openai:paid-model", "--adapter", "uniner",
            "--base-url", base_url(srv), "--benchmark", "demo", "--limit", str(limit), "--output-dir", str(out),
            "--cache-dir", str(cache), "--batch-size", str(CONCURRENCY), "--json"]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), OPENAI_API_KEY="sk-local")


def _scores(stdout: str) -> dict:
    rows = json.loads(stdout)["datasets"]
    return {r: (v["tp"], v["fp"], v["fn"], v["f1"], v["n_queries"]) for r, v in rows.items()}


def _cached(cache: Path) -> int:
    db = cache / "responses.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(str(db), timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


class Gated(Handler):
    """Holds every request until the test opens the gate, counting arrivals."""

    def do_POST(self):  # noqa: N802
        with self.server.lock:
            self.server.arrived += 1
        self.server.gate.wait(timeout=300)
        super().do_POST()


def test_two_concurrent_runs_on_one_cache_send_each_request_once(tmp_path):
    srv = start_server(handler=Gated, delay=0.01)
    srv.arrived, srv.gate = 0, threading.Event()
    procs = [subprocess.Popen(_cmd(srv, tmp_path / "out1", tmp_path / "cache", 3), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env())]
    deadline = time.time() + 300
    while srv.arrived < CONCURRENCY and time.time() < deadline:  # run 1 is in flight on its first row...
        time.sleep(0.05)
    assert srv.arrived == CONCURRENCY
    procs.append(subprocess.Popen(_cmd(srv, tmp_path / "out2", tmp_path / "cache", 3), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=_env()))
    started = time.time()  # ...while run 2 starts on the same rows (if it sent anything, it would arrive here)
    while srv.arrived == CONCURRENCY and time.time() - started < 10 and procs[1].poll() is None:
        time.sleep(0.05)
    srv.gate.set()
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    a, b = (_scores(o) for o, _ in outs)
    assert a == b
    sent = Counter(srv.received)
    assert max(sent.values()) == 1, [p for p, n in sent.items() if n > 1][:3]  # nothing sent twice...
    assert len(sent) == _cached(tmp_path / "cache")  # ...and every distinct request once
    rows = [json.loads(o)["datasets"] for o, _ in outs]
    assert sum(v["generated"] for r in rows for v in r.values()) == len(sent)  # no repeated prompts in these rows
    assert sum(v["answered_by_other_run"] for v in rows[1].values()) > 0  # run 2 really waited for run 1


def test_sigkill_of_an_api_run_loses_only_the_requests_in_flight(tmp_path):
    srv = start_server(delay=0.02)
    cache = tmp_path / "cache"
    reference = subprocess.run(_cmd(start_server(), tmp_path / "ref", tmp_path / "ref-cache", 6),
                               capture_output=True, text=True, env=_env(), timeout=600)
    assert reference.returncode == 0, reference.stderr
    unique = _cached(tmp_path / "ref-cache")
    proc = subprocess.Popen(_cmd(srv, tmp_path / "out", cache, 6), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())
    deadline = time.time() + 300
    while time.time() < deadline and _cached(cache) < unique // 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    time.sleep(4 * srv.delay + 0.5)  # requests the server was still answering finish now
    sent_before_kill, kept = len(srv.received), _cached(cache)
    assert 0 < kept < unique, "the kill must land mid-run"
    in_flight = sent_before_kill - kept
    assert 0 <= in_flight <= CONCURRENCY  # every answer that reached the run was kept
    again = subprocess.run(_cmd(srv, tmp_path / "out", cache, 6), capture_output=True, text=True, env=_env(),
                           timeout=600)
    assert again.returncode == 0, again.stderr
    assert _scores(again.stdout) == _scores(reference.stdout)
    assert len(srv.received) == unique + in_flight  # paid for: each request once, plus those lost in flight
    assert len(set(srv.received)) == unique
