"""Leases in the response cache (unibench/leases.py): real SQLite, two cache owners on one file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from unibench.backends.base import GenRequest
from unibench.cache import CachedBackend, ResponseCache, request_key


class Counting:
    """A chunked backend that records every request it is sent; optionally fails."""

    name = "counting"

    def __init__(self, fail: bool = False):
        self.sent: list[str] = []
        self.fail = fail

    def versions(self):
        return {}

    def identity(self):
        return {"model_id": "c", "revision": "1"}

    def generate(self, requests, progress=None):
        self.sent += [r.prompt for r in requests]
        if self.fail:
            raise RuntimeError("server down")
        return [f"out:{r.prompt}" for r in requests]


def _leases(path) -> list[tuple]:
    with sqlite3.connect(str(path)) as db:
        return db.execute("SELECT key, owner FROM leases").fetchall()


def test_old_cache_file_gains_the_lease_table_and_keeps_its_entries(tmp_path):
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(str(path)) as db:  # a cache written before leases existed
        db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, output TEXT NOT NULL)")
        db.execute("INSERT INTO responses VALUES (?, ?)", (request_key({"m": 1}, GenRequest("a")), "old"))
    be = Counting()
    cb = CachedBackend(be, ResponseCache(path), {"m": 1})
    assert cb.generate([GenRequest("a"), GenRequest("b")]) == ["old", "out:b"]
    assert be.sent == ["b"] and _leases(path) == []


def test_a_key_leased_by_a_live_owner_is_not_claimed_until_it_is_answered(tmp_path):
    a, b = ResponseCache(tmp_path / "c.sqlite"), ResponseCache(tmp_path / "c.sqlite")
    claimed, _ = a.leases.claim(["k1", "k2"], limit=10)
    assert claimed == ["k1", "k2"]
    assert b.leases.claim(["k1", "k2", "k3"], limit=10) == (["k3"], {})  # same pid, other owner: alive
    a.put_many([("k1", "one")])
    assert b.leases.claim(["k1", "k2"], limit=10) == ([], {"k1": "one"})
    a.leases.release(["k2"])
    assert b.leases.claim(["k2"], limit=10) == (["k2"], {})
    assert a.leases.claim(["k2"], limit=10) == ([], {})


def test_expired_and_dead_owners_leases_are_taken_over(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    me = cache.leases
    with sqlite3.connect(str(path)) as db:
        db.executemany("INSERT INTO leases VALUES (?, ?, ?, ?, ?)", [
            ("expired", "x", "other-host|ns", 1, time.time() - 1),
            ("dead-pid", "y", me.host, dead.pid, time.time() + 3600),
            ("alive-elsewhere", "z", "other-host|ns", 1, time.time() + 3600),
            ("alive-here", "w", me.host, me.pid, time.time() + 3600)])
    claimed, _ = me.claim(["expired", "dead-pid", "alive-elsewhere", "alive-here"], limit=10)
    assert claimed == ["expired", "dead-pid"]
    assert sorted(_leases(path)) == sorted([("expired", me.owner), ("dead-pid", me.owner),
                                            ("alive-elsewhere", "z"), ("alive-here", "w")])


def test_renew_extends_only_our_leases(tmp_path):
    path = tmp_path / "c.sqlite"
    a, b = ResponseCache(path), ResponseCache(path)
    a.leases.claim(["k1"], limit=1)
    b.leases.claim(["k2"], limit=1)
    with sqlite3.connect(str(path)) as db:
        db.execute("UPDATE leases SET expires = 5")
    a.leases.renew()
    with sqlite3.connect(str(path)) as db:
        rows = dict(db.execute("SELECT key, expires FROM leases"))
    assert rows["k1"] > time.time() and rows["k2"] == 5


def test_a_run_waits_for_the_output_of_a_key_another_owner_is_answering(tmp_path):
    path = tmp_path / "c.sqlite"
    other, mine = ResponseCache(path), ResponseCache(path)
    reqs = [GenRequest("p1"), GenRequest("p2"), GenRequest("p1")]
    k1 = request_key({"m": 1}, reqs[0])
    assert other.leases.claim([k1], limit=1)[0] == [k1]
    be = Counting()
    cb = CachedBackend(be, mine, {"m": 1}, wait_poll=0.02)
    result: list = []
    t = threading.Thread(target=lambda: result.append(cb.generate(reqs)))
    t.start()
    deadline = time.time() + 30
    while len(mine) < 1 and time.time() < deadline:  # p2 is ours and gets answered; p1 must wait
        time.sleep(0.02)
    assert t.is_alive() and be.sent == ["p2"]
    other.put_many([(k1, "from the other run")])
    t.join(timeout=30)
    assert result == [["from the other run", "out:p2", "from the other run"]]
    assert be.sent == ["p2"] and (cb.hits, cb.misses, cb.waited) == (2, 1, 2)


def test_a_failing_backend_releases_its_leases(tmp_path):
    path = tmp_path / "c.sqlite"
    with pytest.raises(RuntimeError):
        CachedBackend(Counting(fail=True), ResponseCache(path), {"m": 1}).generate([GenRequest("a"), GenRequest("b")])
    assert _leases(path) == []
    be = Counting()
    assert CachedBackend(be, ResponseCache(path), {"m": 1}).generate([GenRequest("a")]) == ["out:a"]


def test_a_request_repeated_in_one_call_is_sent_once(tmp_path):
    be = Counting()
    cb = CachedBackend(be, ResponseCache(tmp_path / "c.sqlite"), {"m": 1}, chunk_size=2)
    assert cb.generate([GenRequest(p) for p in "abacab"]) == [f"out:{p}" for p in "abacab"]
    assert be.sent == ["a", "b", "c"] and (cb.hits, cb.misses) == (0, 6)
