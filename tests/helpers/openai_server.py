"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests (threaded, stdlib only).

It serves /v1/completions and /v1/chat/completions; answers come from unibench's DummyBackend
(UniNER JSON lists, or the Ye / InstructUIE formats for those prompts), so a run through it must
score exactly like `--model dummy` with the same adapter. Faults can be injected by call number
(`faults={n: "429" | "500" | "garbage" | "timeout"}` every `period` calls) and every
Authorization header seen is kept, so tests can check the key was sent but never written.
`delay` seconds are spent on every request (a slow API), and the prompt of every request received
and of every answer sent is logged (`received`, `answered`), so tests can count what was paid for.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from unibench.backends.dummy import DummyBackend


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv.auth.add(self.headers.get("Authorization", ""))
        prompt = body.get("prompt") or "\n".join(m["content"] for m in body["messages"])
        with srv.lock:
            srv.calls += 1
            n = srv.calls
            srv.received.append(prompt)
        if srv.delay:
            time.sleep(srv.delay)
        fault = srv.faults.get(n % srv.period) if srv.period else None
        if fault == "429":
            self.send_response(429)
            self.send_header("Retry-After", "0.05")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "slow down"}}')
            return
        if fault == "500":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "boom"}}')
            return
        if fault == "garbage":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"<html>not json")
            return
        if fault == "timeout":
            time.sleep(1.5)
        text = DummyBackend().answer(prompt)
        if "messages" in body:
            payload = {"id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": text}}]}
        else:
            payload = {"id": "c", "object": "text_completion", "created": 0, "model": body["model"],
                       "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}]}
        # usage as an API reports it; this server's "tokens" are whitespace-separated words
        payload["usage"] = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split()),
                            "total_tokens": len(prompt.split()) + len(text.split())}
        with srv.lock:  # what the server billed, for tests of the run's token totals
            srv.prompt_tokens += len(prompt.split())
            srv.completion_tokens += len(text.split())
        data = json.dumps(payload).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return
        with srv.lock:
            srv.answered.append(prompt)


def start_server(faults=None, period=0, handler=Handler, delay=0.0) -> ThreadingHTTPServer:
    """Started on a free port in a daemon thread; call .shutdown() when done (tests may leave it to exit)."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.calls, srv.lock, srv.faults, srv.period, srv.auth = 0, threading.Lock(), faults or {}, period, set()
    srv.delay, srv.received, srv.answered = delay, [], []
    srv.prompt_tokens = srv.completion_tokens = 0
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def base_url(srv: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}/v1"
