"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1 with injected faults."""

import json
import threading
from http.server import ThreadingHTTPServer

import pytest

pytest.importorskip("openai")

from unibench.cli.main import main  # noqa: E402
from tests.conftest import SHARED_DATA, needs_shared  # noqa: E402
from tests.helpers.openai_server import Handler, start_server  # noqa: E402

SECRET = "sk-test-SECRET-never-written-0123456789"


def _run(srv, out, cache, capsys):
    url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
    rc = main(["run", "--model", "openai:test-model", "--adapter", "uniner", "--base-url", url, "--datasets",
               "crossner_ai", "--data-dir", str(SHARED_DATA), "--limit", "12", "--output-dir", str(out),
               "--cache-dir", str(cache), "--json", "--batch-size", "4"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return json.loads(captured.out)["datasets"]["crossner_ai"], captured


@needs_shared("crossner_ai")
def test_faults_are_retried_and_scores_match_a_clean_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    import unibench.backends.openai_api as api

    monkeypatch.setattr(api.OpenAIBackend, "__init__", _fast_init(api.OpenAIBackend.__init__))
    clean = start_server()
    a, _ = _run(clean, tmp_path / "a", tmp_path / "ca", capsys)
    faulty = start_server({1: "429", 3: "500", 5: "garbage", 7: "timeout"}, period=18)  # 22 % of calls fail
    b, captured = _run(faulty, tmp_path / "b", tmp_path / "cb", capsys)
    assert (a["tp"], a["fp"], a["fn"], a["n_queries"]) == (b["tp"], b["fp"], b["fn"], b["n_queries"])
    assert faulty.calls > clean.calls  # the faults really happened and were retried
    assert f"Bearer {SECRET}" in faulty.auth  # the key was used...
    text = captured.out + captured.err
    for path in list((tmp_path / "b").rglob("*")) + list((tmp_path / "cb").rglob("*")):
        if path.is_file():
            text += path.read_bytes().decode("utf-8", "replace")
    assert SECRET not in text  # ...and never written anywhere


def _fast_init(orig):
    def init(self, model, **kw):
        kw.update(timeout=0.5, backoff=0.01)
        orig(self, model, **kw)
    return init


def test_fatal_client_error_is_clear(monkeypatch):
    from unibench.backends.base import GenRequest
    from unibench.backends.openai_api import OpenAIBackend
    from unibench.errors import UnibenchError

    class Deny(Handler):
        def do_POST(self):  # noqa: N802
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "bad key"}}')

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Deny)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    b = OpenAIBackend("m", base_url=f"http://127.0.0.1:{srv.server_address[1]}/v1", backoff=0.01)
    with pytest.raises(UnibenchError) as exc:
        b.generate([GenRequest("hi")])
    assert "401" in str(exc.value) and SECRET not in str(exc.value)


def test_several_servers_share_the_load(monkeypatch):
    from unibench.backends.base import GenRequest
    from unibench.backends.openai_api import OpenAIBackend

    s1, s2 = start_server(), start_server()
    urls = ",".join(f"http://127.0.0.1:{s.server_address[1]}/v1" for s in (s1, s2))
    b = OpenAIBackend("m", base_url=urls, backoff=0.01)
    b.generate([GenRequest(f"Text: Alpha{i} ASSISTANT:") for i in range(10)])
    assert s1.calls == 5 and s2.calls == 5
