"""Leases in the response cache: concurrent runs on one cache send each request once.

A run that is about to send a request first leases its cache key in the `leases` table of the
same SQLite file (key, owner uuid, host, pid, expiry), atomically (`BEGIN IMMEDIATE`). While the
request is in flight a background thread renews the owner's leases; each output is committed as it
arrives, and when the backend call ends (done, failed or interrupted) all its leases are released
in one transaction (a key with an output is never leased again, so answered keys need no lease). Another run that finds a key leased by a live owner does not send it: it polls the cache
until the output appears (or the lease goes away, and then it leases the key itself).

A lease is taken over when it has expired (its owner stopped renewing: crashed, killed, or a
machine that went away), or at once when its owner ran on this host and that process no longer
exists (a SIGKILLed run resumed by the same command does not wait out the expiry). The host is the
host name plus the pid namespace, so two containers with one host name never judge each other's
pids. Expiry uses wall-clock time: machines sharing a cache over a network file system need
roughly synchronised clocks (SQLite's locking over NFS is its own caveat).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Iterable, Sequence

LEASE_TTL = 60.0  # seconds a lease lives without renewal
BATCH = 500  # keys per IN (...) query

SCHEMA = ("CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, "
          "pid INTEGER NOT NULL, expires REAL NOT NULL)")


def _this_host() -> str:
    try:
        ns = os.readlink("/proc/self/ns/pid")
    except OSError:
        ns = ""
    return f"{socket.gethostname()}|{ns}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host and is not a zombie (a killed child
    whose parent has not reaped it yet still answers kill(pid, 0))."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: exists, owned by someone else
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


@contextmanager
def write_transaction(db: sqlite3.Connection):
    """BEGIN IMMEDIATE ... COMMIT on a connection in autocommit mode, ROLLBACK on any exception (Ctrl-C too). The
    caller holds the connection's lock."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


class Leases:
    """The lease operations of one ResponseCache (one owner); shares its connection and lock."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, ttl: float = LEASE_TTL):
        self.db, self.lock, self.ttl = db, lock, ttl
        self.owner, self.host, self.pid = uuid.uuid4().hex, _this_host(), os.getpid()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # -- reading ------------------------------------------------------------------------------------
    def _rows(self, table_sql: str, keys: Sequence[str]) -> list[tuple]:
        rows: list[tuple] = []
        for i in range(0, len(keys), BATCH):
            chunk = list(keys[i:i + BATCH])
            rows.extend(self.db.execute(table_sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    def _state(self, keys: Sequence[str]) -> tuple[dict[str, str], dict[str, tuple]]:
        found = dict(self._rows("SELECT key, output FROM responses WHERE key IN ({})", keys))
        leased = {r[0]: r[1:] for r in self._rows("SELECT key, owner, host, pid, expires FROM leases "
                                                  "WHERE key IN ({})", keys)}
        return found, leased

    def _held_by_other(self, lease: tuple | None, now: float, alive: dict[int, bool]) -> bool:
        if lease is None:
            return False
        owner, host, pid, expires = lease
        if owner == self.owner or expires <= now:
            return False
        if host != self.host:
            return True
        if pid not in alive:
            alive[pid] = pid_alive(pid)
        return alive[pid]

    # -- writing ------------------------------------------------------------------------------------
    def claim(self, keys: Sequence[str], limit: int) -> tuple[list[str], dict[str, str]]:
        """Lease up to `limit` of `keys` (in order) that have no output and no live lease.
        Returns (the keys now leased to us, outputs found for keys scanned on the way)."""
        found_all: dict[str, str] = {}
        candidates: list[str] = []
        now, alive = time.time(), {}
        with self.lock:
            step = min(BATCH, max(limit, 16))
            for i in range(0, len(keys), step):  # read-only scan first: no write lock while others work
                chunk = keys[i:i + step]
                found, leased = self._state(chunk)
                found_all.update(found)
                candidates += [k for k in chunk if k not in found and not self._held_by_other(leased.get(k), now,
                                                                                               alive)]
                if len(candidates) >= limit:
                    break
            candidates = candidates[:limit]
            if not candidates:
                return [], found_all
            with write_transaction(self.db):
                now = time.time()
                found, leased = self._state(candidates)  # again, under the write lock
                found_all.update(found)
                claimed = [k for k in candidates if k not in found and not self._held_by_other(leased.get(k), now,
                                                                                                alive)]
                # leases left on answered keys by a run that was killed between its output and its release
                self.db.executemany("DELETE FROM leases WHERE key = ?", [(k,) for k in found if k in leased])
                self.db.executemany("INSERT OR REPLACE INTO leases (key, owner, host, pid, expires) "
                                    "VALUES (?, ?, ?, ?, ?)",
                                    [(k, self.owner, self.host, self.pid, now + self.ttl) for k in claimed])
        if claimed:
            self._start_renewing()
        return claimed, found_all

    def complete(self, items: Iterable[tuple[str, str]]) -> None:
        """Write outputs in one transaction. The leases on their keys are dropped later, all at once, by
        `release` (a key with an output is never leased again, so the lease no longer matters): one
        small write per output keeps a commit per output cheap for fast local backends."""
        items = list(items)
        with self.lock:
            with write_transaction(self.db):
                self.db.executemany("INSERT OR REPLACE INTO responses (key, output) VALUES (?, ?)", items)

    def release(self, keys: Iterable[str]) -> None:
        """Drop our leases on these keys: answered ones, and those we will not answer (an error, Ctrl-C),
        which others may then take at once."""
        rows = [(k, self.owner) for k in keys]
        if not rows:
            return
        with self.lock:
            with write_transaction(self.db):
                self.db.executemany("DELETE FROM leases WHERE key = ? AND owner = ?", rows)

    def renew(self) -> None:
        with self.lock:
            with write_transaction(self.db):
                self.db.execute("UPDATE leases SET expires = ? WHERE owner = ?", (time.time() + self.ttl, self.owner))

    def _start_renewing(self) -> None:
        with self.lock:
            if self._renewer is not None:
                return
            self._renewer = threading.Thread(target=self._renew_loop, daemon=True, name="unibench-lease-renewer")
            self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.renew()
            except sqlite3.Error:  # closed, or locked past the busy timeout: the next round tries again
                if self._stop.is_set():
                    return

    def stop(self) -> None:
        """Stop renewing and drop every lease still ours (called when the cache is closed)."""
        self._stop.set()
        try:
            with self.lock:
                self.db.execute("DELETE FROM leases WHERE owner = ?", (self.owner,))
        except sqlite3.Error:
            pass
