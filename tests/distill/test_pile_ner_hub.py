"""`--pile-ner Universal-NER/Pile-NER-type` through huggingface_hub, against a real Hub-compatible
HTTP server on 127.0.0.1 (nothing leaves the machine): download into a fresh HF cache, then read
it again in offline mode from that cache, and fail clearly offline without it."""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from unibench.distill.pile_ner import load_pile_ner
from unibench.errors import UnibenchError

COMMIT = "0123456789abcdef0123456789abcdef01234567"
RECORDS = [{"id": str(i), "conversations": [
    {"from": "human", "value": f"Text: Passage {i} mentions Paris ."}, {"from": "gpt", "value": "I've read this text."},
    {"from": "human", "value": "What describes city in the text?"}, {"from": "gpt", "value": '["Paris"]'},
    {"from": "human", "value": "What describes person in the text?"}, {"from": "gpt", "value": "[]"}]}
    for i in range(3)]
BODY = json.dumps(RECORDS).encode()


class _Hub(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _head(self) -> bool:
        self.server.requests.append((self.command, self.path))
        if self.path.split("?")[0] != "/datasets/Universal-NER/Pile-NER-type/resolve/main/train.json":
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        self.send_response(200)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", '"' + hashlib.sha256(BODY).hexdigest() + '"')
        self.send_header("Content-Length", str(len(BODY)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        return True

    def do_HEAD(self):  # noqa: N802
        self._head()

    def do_GET(self):  # noqa: N802
        if self._head():
            self.wfile.write(BODY)


@pytest.fixture()
def hub():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    srv.requests = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()


def test_hub_download_then_offline_from_cache(hub, tmp_path, monkeypatch):
    from huggingface_hub import constants

    url = f"http://127.0.0.1:{hub.server_address[1]}"
    cache = str(tmp_path / "hf-cache")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    records, stats = load_pile_ner("Universal-NER/Pile-NER-type", endpoint=url, cache_dir=cache)
    assert records == RECORDS and hub.requests
    assert (stats["passages"], stats["types"], stats["positive_queries"], stats["negative_queries"]) == (3, 2, 3, 3)
    assert stats["file"].startswith(cache)
    n = len(hub.requests)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    again, _ = load_pile_ner("Universal-NER/Pile-NER-type", endpoint=url, cache_dir=cache)
    assert again == RECORDS and len(hub.requests) == n  # served from the HF cache, no request
    with pytest.raises(UnibenchError) as exc:
        load_pile_ner("Universal-NER/Pile-NER-type", endpoint=url, cache_dir=str(tmp_path / "empty-cache"))
    assert "offline mode is on" in str(exc.value) and len(hub.requests) == n
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(UnibenchError, match="could not get train.json of the Hub dataset someone/missing"):
        load_pile_ner("someone/missing", endpoint=url, cache_dir=cache)
