"""`unibench run` against misbehaving OpenAI-compatible servers on 127.0.0.1: absurd Retry-After
values, a server that never answers, one that trickles bytes forever, and error bodies with escape
sequences. A run either finishes with the same scores as against a clean server, or stops with exit
2 and one paragraph, keeps every finished output in the response cache and writes no result file."""

from __future__ import annotations

import io
import json
import threading
from http.server import ThreadingHTTPServer

import pytest

pytest.importorskip("openai")

from tests.conftest import SHARED_DATA, needs_shared  # noqa: E402
from tests.helpers.openai_server import Handler, base_url, start_server  # noqa: E402
from unibench.backends.base import GenRequest  # noqa: E402
from unibench.backends.openai_api import OpenAIBackend, retry_after_seconds  # noqa: E402
from unibench.cli.main import main  # noqa: E402

from .server_checks import assert_inert, files_under  # noqa: E402

LIMIT = 6


class _Result:
    def __init__(self, rc, out, err):
        self.returncode, self.stdout, self.stderr = rc, out, err


def _run(url, tmp_path, capsys, name="a"):
    rc = main(["run", "--model", "openai:test-model", "--adapter", "uniner", "--base-url", url, "--datasets",
               "crossner_ai", "--data-dir", str(SHARED_DATA), "--limit", str(LIMIT), "--output-dir",
               str(tmp_path / name / "out"), "--cache-dir", str(tmp_path / name / "cache"), "--json",
               "--batch-size", "2"])
    captured = capsys.readouterr()
    return _Result(rc, captured.out, captured.err)


@pytest.fixture()
def fast(monkeypatch):
    """Fast backoff, and a small request budget through the documented environment variable."""
    import unibench.backends.openai_api as api

    orig = api.OpenAIBackend.__init__

    def init(self, model, **kw):
        kw.update(backoff=0.01)
        orig(self, model, **kw)

    monkeypatch.setattr(api.OpenAIBackend, "__init__", init)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("UNIBENCH_REQUEST_BUDGET", "2")


def _retry_after_handler(value: str):
    class RetryAfter(Handler):
        """Every request is first answered 429 with `Retry-After: value`, then normally."""

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with self.server.lock:
                first = body not in self.server.seen
                self.server.seen.add(body)
            if first:
                self.send_response(429)
                self.send_header("Retry-After", value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                return
            self.rfile = io.BytesIO(body)
            super().do_POST()

    return RetryAfter


def _server(handler) -> ThreadingHTTPServer:
    srv = start_server(handler=handler)
    srv.seen = set()
    return srv


@pytest.mark.parametrize(("header", "expected"), [("100000", 60.0), ("61", 60.0), ("0.25", 0.25), ("0", 0.0),
                                                  ("-1", None), ("nan", None), ("inf", None), ("-inf", None),
                                                  ("1e309", None), ("soon", None), ("", None)])
def test_retry_after_is_used_only_when_finite_non_negative_and_capped(header, expected):
    assert retry_after_seconds({"retry-after": header}) == expected


def test_retry_after_ms_and_http_dates():
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after-ms": "nan"}) is None
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None  # in the past
    assert retry_after_seconds({"retry-after": "Fri, 01 Jan 2100 00:00:00 GMT"}) == 60.0
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


@needs_shared("crossner_ai")
@pytest.mark.parametrize("value", ["-1", "nan", "inf", "-inf", "soon"])
def test_unusable_retry_after_falls_back_to_backoff_and_scores_match(tmp_path, capsys, fast, value):
    clean = _run(base_url(start_server()), tmp_path, capsys, "clean")
    assert clean.returncode == 0, clean.stderr
    srv = _server(_retry_after_handler(value))
    res = _run(base_url(srv), tmp_path, capsys, "hostile")
    assert res.returncode == 0, res.stderr
    a, b = (json.loads(r.stdout)["datasets"]["crossner_ai"] for r in (clean, res))
    assert (a["tp"], a["fp"], a["fn"], a["n_queries"]) == (b["tp"], b["fp"], b["fn"], b["n_queries"])
    assert len(srv.seen) == srv.calls == b["n_queries"]  # every request was refused once, then answered


@needs_shared("crossner_ai")
def test_retry_after_beyond_the_budget_stops_the_run_instead_of_sleeping(tmp_path, capsys, fast):
    srv = _server(_retry_after_handler("100000"))
    res = _run(base_url(srv), tmp_path, capsys)
    assert res.returncode == 2 and "time budget of 2 s" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and not list((tmp_path / "a" / "out").rglob("*.json"))


class Hang(Handler):
    """Answers normally, except requests whose prompt mentions the hanging word: those never get a byte."""

    word = None

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.word and self.word.encode() in body:
            self.server.release.wait(60)
            return
        self.rfile = io.BytesIO(body)
        super().do_POST()


def _word_of_last_sentence() -> str:
    """A word of the last sentence the run asks about: its queries hang, the ones before finish."""
    from unibench.cards import get_card
    from unibench.loaders import load_split

    sentences = load_split(get_card("crossner_ai"), "test", SHARED_DATA).sentences[:LIMIT]
    return max(sentences[-1].tokens, key=len)


@needs_shared("crossner_ai")
def test_a_hanging_server_ends_with_a_budget_error_and_keeps_the_cache(tmp_path, capsys, fast):
    word = _word_of_last_sentence()
    handler = type("HangOnWord", (Hang,), {"word": word})
    srv = start_server(handler=handler)
    srv.release = threading.Event()
    try:
        res = _run(base_url(srv), tmp_path, capsys)
    finally:
        srv.release.set()
    assert res.returncode == 2, res.stderr
    assert "got no answer within its time budget of 2 s" in res.stderr and "Traceback" not in res.stderr
    assert "resumes" in res.stderr
    assert not list((tmp_path / "a" / "out").rglob("*.json"))  # no result file, no partial output
    assert all(rel.startswith(("a/out", "a/cache")) for rel in files_under(tmp_path))
    # the same command against a healthy server asks only what the cache does not hold
    healthy = start_server()
    again = _run(base_url(healthy), tmp_path, capsys)
    assert again.returncode == 0, again.stderr
    n_queries = json.loads(again.stdout)["datasets"]["crossner_ai"]["n_queries"]
    assert 0 < healthy.calls < n_queries


class Trickle(Handler):
    """Sends headers, then one byte of an endless body now and then: no read ever times out."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            while not self.server.release.is_set():
                self.wfile.write(b" ")
                self.wfile.flush()
                self.server.release.wait(0.2)
        except OSError:
            pass


def test_a_trickling_server_is_abandoned_by_the_watchdog(monkeypatch):
    from unibench.errors import UnibenchError

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    srv = start_server(handler=Trickle)
    srv.release = threading.Event()
    backend = OpenAIBackend("m", base_url=base_url(srv), request_budget=1.0, backoff=0.01)
    got = []
    try:
        with pytest.raises(UnibenchError) as exc:
            backend.generate([GenRequest("Text: a ASSISTANT:")], on_output=lambda i, t: got.append(i))
    finally:
        srv.release.set()
    assert "time budget of 1 s" in str(exc.value) and not got


class Ansi(Handler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"error": {"message": "\x1b]0;pwned\x07\x1b[2J\r\nerror: forged\x9b31m"}}).encode()
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@needs_shared("crossner_ai")
def test_escape_sequences_in_server_errors_reach_the_console_inert(tmp_path, capsys, fast):
    res = _run(base_url(start_server(handler=Ansi)), tmp_path, capsys)
    assert res.returncode == 2 and "refused the request (403)" in res.stderr
    assert_inert(res.stdout + res.stderr)
    assert "\\x1b]0;pwned\\x07" in res.stderr
    # one error line, the real one (the run's own "adapter: ..." line comes before it)
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "refused the request (403)" in errors[0]


def test_the_budget_setting_is_checked(monkeypatch):
    from unibench.errors import UnibenchError

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for bad in ("0", "-5", "nan", "inf", "soon"):
        monkeypatch.setenv("UNIBENCH_REQUEST_BUDGET", bad)
        with pytest.raises(UnibenchError, match="UNIBENCH_REQUEST_BUDGET"):
            OpenAIBackend("m", base_url="http://127.0.0.1:9/v1")
    monkeypatch.setenv("UNIBENCH_REQUEST_BUDGET", "12.5")
    assert OpenAIBackend("m", base_url="http://127.0.0.1:9/v1").request_budget == 12.5
