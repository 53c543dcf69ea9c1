"""A real HTTP server on 127.0.0.1 for the tests' fake Hubs: a free port, served from a daemon thread inside a
`with` block, with the requests its handler saw (dicts with an "endpoint" name) kept for the assertions."""

from __future__ import annotations

import hashlib
import threading
from http.server import ThreadingHTTPServer


def git_blob_sha(data: bytes) -> str:
    """The id git (and the Hub's tree listing) gives a file's bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class LocalHTTPServer:
    """Subclasses set their own state first, then call `super().__init__(make_handler)`."""

    def __init__(self, make_handler):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def seen(self, endpoint: str) -> list[dict]:
        return [r for r in self.requests if r["endpoint"] == endpoint]
