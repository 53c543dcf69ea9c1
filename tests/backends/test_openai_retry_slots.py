"""A request waiting to be retried does not hold a concurrency slot: the others go on (real server on 127.0.0.1)."""

import pytest

pytest.importorskip("openai")

from unibench.backends.base import GenRequest  # noqa: E402
from tests.helpers.openai_server import Handler, base_url, start_server  # noqa: E402


class SlowFirst(Handler):
    """Refuses the first request mentioning `slow` with 429 and Retry-After 3 s; answers everything else."""

    def do_POST(self):  # noqa: N802
        import io

        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.order.append("slow" if b"slow" in body else "fast")
            refuse = b"slow" in body and not self.server.refused
            self.server.refused = self.server.refused or refuse
        if refuse:
            self.send_response(429)
            self.send_header("Retry-After", "3")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "later"}}')
            return
        self.rfile = io.BytesIO(body)
        super().do_POST()


def test_the_only_slot_serves_other_requests_while_one_waits_for_its_retry(monkeypatch):
    from unibench.backends.openai_api import OpenAIBackend

    srv = start_server(handler=SlowFirst)
    srv.order, srv.refused = [], False
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
    backend = OpenAIBackend("m", base_url=base_url(srv), concurrency=1)
    reqs = [GenRequest("Text: a slow one ASSISTANT: ok USER: What describes x in the text? ASSISTANT:")]
    reqs += [GenRequest(f"Text: fast {i} ASSISTANT: ok USER: What describes x in the text? ASSISTANT:")
             for i in range(5)]
    finished: list[int] = []
    outs = backend.generate(reqs, on_output=lambda i, text: finished.append(i))
    assert srv.order == ["slow"] + ["fast"] * 5 + ["slow"]  # the retry waited without blocking the slot
    assert finished == [1, 2, 3, 4, 5, 0] and all(o.startswith("[") for o in outs)
    assert backend.retries == 1
