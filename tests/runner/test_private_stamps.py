"""Nothing private in a result file, end to end through `unibench run`: a local checkpoint is stamped by its
folder name and weights hash, a credentialled --base-url and the command line are scrubbed, a secret a server
echoes is masked in the error, and `validate` rejects a file that still holds an absolute path or credentials."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unibench.cli.main import main
from unibench.results import iter_result_files, read_result
from unibench.validate import validate_dir
from tests.helpers.openai_server import Handler, start_server

DEMO = Path(__file__).resolve().parents[2] / "unibench" / "demo_data"
KEY = "sk-private-key-never-shown-0123456789"
PASSWORD = "hunter2-never-stamped"


def _main(args: list[str], monkeypatch) -> int:
    """The CLI as a user runs it: the stamped command line is sys.argv."""
    monkeypatch.setattr("sys.argv", ["unibench", *args])
    return main(args)


def _all_text(*folders: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for f in folders for p in f.rglob("*")
                   if p.is_file() and p.suffix in (".json", ".jsonl"))


def test_credentialled_base_url_is_stamped_without_credentials(tmp_path, monkeypatch, capsys):
    pytest.importorskip("openai")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    srv = start_server()
    url = f"http://alice:{PASSWORD}@127.0.0.1:{srv.server_address[1]}/v1?token=abc"
    out = tmp_path / "out"
    rc = _main(["run", "--model", "openai:test-model", "--adapter", "uniner", "--base-url", url, "--datasets",
                "crossner_ai", "--data-dir", str(DEMO), "--limit", "2", "--output-dir", str(out), "--cache-dir",
                str(tmp_path / "cache"), "--log-samples", "--json"], monkeypatch)
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    (path,) = iter_result_files(out)
    r = read_result(path)
    assert r.backend.settings["base_url"] == f"http://127.0.0.1:{srv.server_address[1]}/v1"
    assert "--base-url http://127.0.0.1:" in r.stamps.command and str(out) not in r.stamps.command
    files, shown = _all_text(out), captured.out + captured.err
    for secret in (PASSWORD, "alice", "token=abc", KEY, str(tmp_path)):
        assert secret not in files  # the console may show the local output folder, the files never
    assert PASSWORD not in shown and KEY not in shown
    rep = validate_dir(out)
    assert not [p for p in rep.problems if "private" in p], rep.problems


class EchoKey(Handler):
    """A server that refuses and echoes the request's credentials in its error message (some proxies do)."""

    def do_POST(self):  # noqa: N802
        body = json.dumps({"error": {"message": f"invalid key: {self.headers.get('Authorization')}; url "
                                                f"{self.path}"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


def test_a_key_echoed_by_the_server_is_masked(tmp_path, monkeypatch, capsys):
    pytest.importorskip("openai")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    srv = start_server(handler=EchoKey)
    url = f"http://bob:{PASSWORD}@127.0.0.1:{srv.server_address[1]}/v1"
    rc = main(["run", "--model", "openai:test-model", "--adapter", "uniner", "--base-url", url, "--datasets",
               "crossner_ai", "--data-dir", str(DEMO), "--limit", "1", "--output-dir", str(tmp_path / "o"),
               "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert rc == 2 and "401" in err and "invalid key" in err
    assert KEY not in err and PASSWORD not in err and "***" in err


def test_local_checkpoint_is_stamped_by_folder_name(tiny_llama_dir, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    rc = _main(["run", "--model", f"hf:{tiny_llama_dir}", "--adapter", "uniner", "--datasets", "crossner_ai", "--data-dir", str(DEMO),
                "--limit", "1", "--batch-size", "4", "--output-dir", str(out), "--cache-dir", str(tmp_path / "c"),
                "--json"], monkeypatch)
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    (path,) = iter_result_files(out)
    r = read_result(path)
    name = Path(tiny_llama_dir).name
    assert r.model.display_name == f"hf:{name}" and r.model.id == name
    assert r.model.revision.startswith("sha256-")
    assert str(tiny_llama_dir) not in path.read_text() and str(tmp_path) not in path.read_text()
    assert f"--model hf:{name}" in r.stamps.command
    assert not [p for p in validate_dir(out).problems if "private" in p]


def test_validate_rejects_absolute_paths_and_credentials(tmp_path, capsys):
    from tests.leaderboard.conftest import make_run, write

    r = make_run("my-student", "hf:/home/alice/ckpts/my-student", "crossner_ai", 10, 5, 5)
    r.backend.settings["base_url"] = "http://alice:s3cret-pass@gpu-box:8000/v1"
    r.stamps.command = "unibench run --model hf:/home/alice/ckpts/my-student --output-dir /tmp/x"
    write(tmp_path / "bad", r)
    clean = make_run("my-student", "hf:my-student", "crossner_ai", 10, 5, 5)
    write(tmp_path / "good", clean)
    bad = validate_dir(tmp_path / "bad")
    (msg,) = [p for p in bad.problems if "private" in p]
    assert "model.display_name" in msg and "backend.settings.base_url" in msg and "stamps.command" in msg
    assert "s3cret-pass" not in msg
    assert not [p for p in validate_dir(tmp_path / "good").problems if "private" in p]
    assert main(["validate", str(tmp_path / "bad")]) != 0
    assert "s3cret-pass" not in capsys.readouterr().out
