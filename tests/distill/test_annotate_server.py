"""`distill annotate` end to end against a real OpenAI-compatible HTTP server on 127.0.0.1.

The server returns canned teacher outputs per passage (good, malformed, empty), answers one
passage first with a 500 and another first with a 429 + Retry-After. Malformed outputs are
counted and dropped, never a crash; a rerun is served from the response cache (the server sees
no new request); a teacher that keeps failing stops the command with a clear error and no
output, and the next run resumes, asking only for what is missing.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("openai")

from unibench.cli.main import main  # noqa: E402
from unibench.distill.annotations import read_annotations  # noqa: E402

SYSTEM = "You are a helpful information extraction system."
LONG = " ".join(f"word{i}" for i in range(25))  # 25 words -> 3 chunks of <= 12
CANNED = {
    "Barack Obama visited Paris .": '[("Barack Obama", "person"), ("Paris", "location")]',
    "Apple hired Tim Cook in Cupertino .":
        '[("Apple", "organization"), ("Tim Cook", "person"), ("Cupertino", "MISC"), ("Steve Jobs", "person")]'
        "\nI hope this helps!",
    "The gene BRCA1 causes cancer .": 'Here are the entities: [("BRCA1", "gene")]',
    "Rome is old .": '[("Rome", "city"), ("Ro',  # truncated
    "Paris Lyon Nice are French cities .":
        '[("Paris", "ville"), ("Lyon", "城市"), ("Nice", "None"), ("entity 1", "type of entity 1"), ("Nice", "city"),'
        ' ("Nice", "city"), "Nice", ("Nice",), (1, 2)]',
    "Nothing here at all .": "",
    "Venice has canals .": '```python\n[("Venice", "city")]\n```',
    "An empty list .": "[]",
    "the eiffel tower is in paris .": '[("Eiffel Tower", "landmark")]',
    "Berlin fails once .": '[("Berlin", "city")]',
    "Madrid is throttled once .": '[("Madrid", "city")]',
}
FAULTS = {"Berlin fails once .": "500", "Madrid is throttled once .": "429"}


class _Teacher(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = body["messages"][-1]["content"]
        passage = user.split("\nPassage: ", 1)[1]
        with srv.lock:
            srv.bodies.append(body)
            fault = srv.faults.pop(passage, None) or ("500" if passage in srv.always_fail else None)
        if fault == "500":
            return self._send(500, {"error": {"message": "boom"}})
        if fault == "429":
            return self._send(429, {"error": {"message": "slow down"}}, {"Retry-After": "0.05"})
        text = CANNED.get(passage, "[]")
        self._send(200, {"id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": text}}]})

    def _send(self, code, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def teacher():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Teacher)
    srv.lock, srv.bodies, srv.faults, srv.always_fail = threading.Lock(), [], dict(FAULTS), set()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    import unibench.backends.openai_api as api

    orig = api.OpenAIBackend.__init__

    def init(self, model, **kw):
        kw.update(timeout=5.0, backoff=0.01, max_retries=3)
        orig(self, model, **kw)

    monkeypatch.setattr(api.OpenAIBackend, "__init__", init)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _args(srv, passages, out, cache, *extra):
    return ["distill", "annotate", "--teacher", "openai:teacher-x", "--passages", str(passages), "--out", str(out),
            "--base-url", f"http://127.0.0.1:{srv.server_address[1]}/v1", "--cache-dir", str(cache),
            "--max-tokens", "12", "--concurrency", "3", *extra]


def _passages(tmp_path):
    path = tmp_path / "passages.txt"
    path.write_text("\n".join(list(CANNED) + [LONG]) + "\n", encoding="utf-8")
    return path


def test_annotate_counts_drops_and_reruns_from_cache(teacher, tmp_path, capsys):
    passages, out, cache = _passages(tmp_path), tmp_path / "ann.jsonl", tmp_path / "cache"
    assert main(_args(teacher, passages, out, cache, "--json")) == 0
    s = json.loads(capsys.readouterr().out)
    n_chunks = len(CANNED) + 3
    assert s["chunking"]["n_chunks"] == n_chunks and s["chunking"]["max_chunk_tokens"] == 12
    assert s["outputs"] == {"total": n_chunks, "parsed": n_chunks - 3, "parsed_empty_list": 1 + 3,
                            "parsed_after_preamble": 0, "unparseable": 3,
                            "unparseable_by_reason": {"empty_output": 1, "no_list_at_start": 1, "syntax_error": 1}}
    e = s["entities"]
    assert e["dropped_by_reason"] == {"else_like_type": 2, "not_in_passage": 1, "non_english_type": 1,
                                      "template_echo": 1, "duplicate": 1, "malformed_item": 3}
    assert e["notes"] == {"case_repaired": 1}
    assert e["kept"] == 2 + 2 + 2 + 1 + 1 + 1 + 1 and e["proposed"] == e["kept"] + e["dropped"]
    # the faults happened and were retried: one extra request each
    assert len(teacher.bodies) == n_chunks + 2
    b = teacher.bodies[0]
    assert b["temperature"] == 0 and b["model"] == "teacher-x" and b["messages"][0] == {"role": "system",
                                                                                          "content": SYSTEM}
    anns = {a.text: a for a in read_annotations([out])}
    assert anns["Barack Obama visited Paris ."].entities == [("Barack Obama", "person"), ("Paris", "location")]
    assert anns["the eiffel tower is in paris ."].entities == [("eiffel tower", "landmark")]
    assert anns["Paris Lyon Nice are French cities ."].entities == [("Paris", "ville"), ("Nice", "city")]
    assert anns["Rome is old ."].status == "syntax_error" and anns["Rome is old ."].extra["raw"].startswith("[(")
    assert [a.id for a in read_annotations([out])][-3:] == [f"passages:{len(CANNED) + 1}#{k}" for k in range(3)]
    summary_file = json.loads((tmp_path / "ann.jsonl.summary.json").read_text())
    assert summary_file["entities"] == e and summary_file["cache"] == {"hits": 0, "misses": n_chunks}
    # rerun: everything from the cache, the server sees nothing, identical output
    before, first = len(teacher.bodies), out.read_bytes()
    assert main(_args(teacher, passages, out, cache)) == 0  # also the human-readable table
    captured = capsys.readouterr()
    text = captured.out.replace("\n", "")  # rich wraps at the terminal width
    assert len(teacher.bodies) == before and out.read_bytes() == first
    # stderr is not a terminal here: the plain progress line a log gets (unibench/progress_log.py)
    assert f"distill annotate: teacher (teacher-x) {n_chunks}/{n_chunks} (100.0%)" in captured.err
    assert f"cache hits {n_chunks}" in captured.err
    assert "entities dropped: malformed_item" in text and f"cache hits {n_chunks}, new requests 0" in text
    # a parse option is not part of the cache key: re-parsing with --find-list asks nothing either
    assert main(_args(teacher, passages, out, cache, "--find-list", "--json")) == 0
    s2 = json.loads(capsys.readouterr().out)
    assert len(teacher.bodies) == before and s2["outputs"]["parsed_after_preamble"] == 1
    assert s2["outputs"]["unparseable_by_reason"] == {"empty_output": 1, "syntax_error": 1}
    brca = {a.text: a for a in read_annotations([out])}["The gene BRCA1 causes cancer ."]
    assert ("BRCA1", "gene") in brca.entities


def test_a_failing_teacher_stops_cleanly_and_the_next_run_resumes(teacher, tmp_path, capsys):
    passages, out, cache = _passages(tmp_path), tmp_path / "ann.jsonl", tmp_path / "cache"
    teacher.faults.clear()
    teacher.always_fail.add("word24")  # the last chunk: every output finished before it is committed
    assert main(_args(teacher, passages, out, cache, "--json", "--concurrency", "1")) == 2
    err = capsys.readouterr().err
    assert "the API failed after 4 attempts" in err and not out.exists()
    teacher.always_fail.clear()
    n_before = len(teacher.bodies)
    assert main(_args(teacher, passages, out, cache, "--json", "--concurrency", "1")) == 0
    s = json.loads(capsys.readouterr().out)
    new = [b["messages"][-1]["content"].split("\nPassage: ", 1)[1] for b in teacher.bodies[n_before:]]
    assert "word24" in new  # the failed one was asked again ...
    assert s["cache"]["hits"] > 0 and s["cache"]["hits"] + s["cache"]["misses"] == s["chunking"]["n_chunks"]
    assert len(new) == s["cache"]["misses"]  # ... and only what the cache did not hold
    chunks = list(CANNED) + [" ".join(f"word{i}" for i in range(a, min(a + 12, 25))) for a in (0, 12, 24)]
    # the backend streams outputs to the cache: all the ones finished before the failure were kept
    assert s["cache"]["hits"] == len(chunks) - 1 and new == chunks[-1:]


def test_teacher_must_be_an_api_and_passages_errors_name_the_line(teacher, tmp_path, capsys):
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"text": "ok ."}\n{"txt": "typo"}\n')
    assert main(_args(teacher, bad, tmp_path / "o.jsonl", tmp_path / "c")) == 2
    assert f"{bad}:2:" in capsys.readouterr().err.replace("\n", "")
    assert main(["distill", "annotate", "--teacher", "hf:some/model", "--passages", str(bad), "--out",
                 str(tmp_path / "o.jsonl")]) == 2
    assert "OpenAI-compatible" in capsys.readouterr().err
    assert not teacher.bodies
