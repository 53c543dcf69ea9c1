"""`unibench leaderboard build --from-hub` against the fake Hub on 127.0.0.1 (snapshot_download with
repo_type="dataset"), offline mode from the local snapshot cache, and clear errors."""

import json

from tests.submit.conftest import REPO_ID, hf_env, hub, run_cli  # noqa: F401 - the fake Hub fixtures
from tests.submit.hub_server import Repo

from .conftest import make_run, write


def _seed(hub, tmp_path):
    """The shared repo's main branch: one model revision with model_meta.json, as `submit` lays it out."""
    src = tmp_path / "seed"
    write(src, make_run("myorg/ner-7b", "My NER 7B", "crossner_ai", 80, 20, 20))
    files = {f"results/{p.relative_to(src).as_posix()}": p.read_bytes() for p in src.rglob("*.json")}
    files["results/myorg__ner-7b/abc123/model_meta.json"] = json.dumps({
        "id": "myorg/ner-7b", "revision": "abc123", "display_name": "My NER 7B (meta)", "family": "uniner",
        "n_parameters": 7_000_000_000}).encode()
    files["README.md"] = b"# results\n"
    files["other/big.bin"] = b"\0" * 1000  # not a result file: never downloaded
    hub.repos[REPO_ID] = Repo(main=files)


def test_build_from_hub_then_offline_from_the_cache(tmp_path, hub, hf_env):
    _seed(hub, tmp_path)
    out = tmp_path / "site"
    res = run_cli(["leaderboard", "build", "--from-hub", REPO_ID, "--out", str(out), "--json"], hf_env)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["entries"] == 1 and not summary["skipped"]
    data = json.loads((out / "leaderboard.json").read_text())
    assert data["rows"][0]["display"] == "My NER 7B (meta)" and data["rows"][0]["n_parameters"] == 7_000_000_000
    got = [r["path"] for r in hub.seen("resolve")]
    assert not any("other/big.bin" in p for p in got) and any("model_meta.json" in p for p in got)
    n = len(hub.requests)
    offline = dict(hf_env, HF_HUB_OFFLINE="1")
    res = run_cli(["leaderboard", "build", "--from-hub", REPO_ID, "--out", str(out)], offline)
    assert res.returncode == 0, res.stderr
    assert len(hub.requests) == n  # offline: the cached snapshot, no request
    res = run_cli(["leaderboard", "build", "--from-hub", "unibench/never-downloaded", "--out", str(out)], offline)
    assert res.returncode == 2 and "no local snapshot of dataset repo unibench/never-downloaded" in res.stderr
    assert "HF_HUB_OFFLINE is set" in res.stderr


def test_from_hub_errors_are_clear(tmp_path, hub, hf_env):
    res = run_cli(["leaderboard", "build", "--from-hub", "unibench/missing", "--out", str(tmp_path / "s")], hf_env)
    assert res.returncode == 2 and "downloading dataset repo unibench/missing failed" in res.stderr, res.stderr
    res = run_cli(["leaderboard", "build", "--from-hub", "not-a-repo-id", "--out", str(tmp_path / "s")], hf_env)
    assert res.returncode == 2 and "must be OWNER/NAME" in res.stderr
    hub.repos[REPO_ID] = Repo(main={"README.md": b"# empty\n"})
    res = run_cli(["leaderboard", "build", "--from-hub", REPO_ID, "--out", str(tmp_path / "s")], hf_env)
    assert res.returncode == 2 and "has no results/ folder" in res.stderr
