"""`unibench submit` against a real HTTP server on 127.0.0.1 implementing the Hub endpoints
huggingface_hub calls: a valid submission arrives as a pull request with the right files; every kind
of tampering is refused with nothing uploaded; the token is checked first and never shown or saved;
server errors fail loudly."""

import json

import pytest

from unibench.results import ModelInfo

from tests.leaderboard.conftest import make_run, write, write_samples

from .conftest import REPO_ID, ROOT, TOKEN, run_cli

SLUG = "results/myorg__ner-7b/abc123"


def _all_bytes_under(*folders) -> list:
    """(path, bytes) of every file under the folders, for the never-saved check."""
    return [(p, p.read_bytes()) for f in folders for p in f.rglob("*") if p.is_file()]


def _uploads(hub) -> list:
    return [r for r in hub.requests if r["endpoint"] in ("preupload", "commit")]


def test_valid_submission_arrives_as_a_pull_request(tmp_path, hub, hf_env, my_runs):
    folder = my_runs / "myorg__ner-7b" / "abc123"
    write_samples(folder / "crossner_ai.json", 3)  # dataset text: stays local
    (folder / "crossner_ai.run_spec.json").write_text("{}")
    env = dict(hf_env, HF_DEBUG="1", HF_HUB_VERBOSITY="debug")  # even debug logging must not show the token
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID], env)
    assert res.returncode == 0, res.stderr
    assert f"opened pull request {hub.url}/datasets/{REPO_ID}/discussions/1" in res.stdout
    assert hub.calls() == ["whoami", "repo_info", "preupload", "commit"]
    assert all(r["authorized"] for r in hub.requests if r["endpoint"] != "agent_harnesses")
    assert "authorization: <TOKEN>" in res.stderr  # debug logging was on, and redacted the header
    assert "create_pr=1" in hub.seen("commit")[0]["path"]
    repo = hub.repos[REPO_ID]
    assert not repo.main and len(repo.prs) == 1  # nothing landed on main: a pull request only
    pr = repo.prs[0]
    assert sorted(pr.files) == [f"{SLUG}/crossner_ai.json", f"{SLUG}/mit_movie.json", f"{SLUG}/model_meta.json"]
    for row in ("crossner_ai", "mit_movie"):  # the result files byte for byte
        assert pr.files[f"{SLUG}/{row}.json"] == (my_runs / "myorg__ner-7b" / "abc123" / f"{row}.json").read_bytes()
    meta = ModelInfo.model_validate_json(pr.files[f"{SLUG}/model_meta.json"])
    assert (meta.id, meta.revision, meta.display_name, meta.family) == ("myorg/ner-7b", "abc123", "My NER 7B",
                                                                        "uniner")
    assert pr.parent == repo.sha and "My NER 7B" in pr.summary and "| crossner_ai | paper | 80.00 |" in pr.description
    # the token: sent to the Hub as a bearer token, and nowhere else
    assert TOKEN not in res.stdout + res.stderr
    assert not any(TOKEN.encode() in b for _, b in _all_bytes_under(tmp_path))
    assert not any(TOKEN.encode() in r["body"] for r in hub.requests)
    assert not any(TOKEN.encode() in b for b in pr.files.values())
    # the repo's CI check on the pull request's tree passes
    ci = run_cli(["validate", "--from-hub", REPO_ID, "--revision", "refs/pr/1", "--require-model-meta"], hf_env)
    assert ci.returncode == 0 and "2 result files, 0 problems" in ci.stdout, ci.stdout + ci.stderr


def test_dry_run_prints_exactly_the_files_and_contacts_nothing(hub, hf_env, my_runs):
    env = {k: v for k, v in hf_env.items() if k != "HF_TOKEN"}  # no token needed to look
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID, "--dry-run", "--json"], env)
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    assert [f["path_in_repo"] for f in plan["files"]] == [f"{SLUG}/crossner_ai.json", f"{SLUG}/mit_movie.json",
                                                          f"{SLUG}/model_meta.json"]
    assert plan["uploaded"] is False and hub.calls() == []
    text = run_cli(["submit", str(my_runs), "--repo", REPO_ID, "--dry-run"], env)
    assert text.returncode == 0 and text.stdout.count(f"  {SLUG}/") == 3
    assert '"display_name": "My NER 7B"' in text.stdout and hub.calls() == []


def _tamper(path, fn):
    obj = json.loads(path.read_text())
    fn(obj)
    path.write_text(json.dumps(obj))


def _dup(root):
    p = next(root.rglob("crossner_ai.json"))
    (p.parent / "again").mkdir()
    (p.parent / "again" / p.name).write_bytes(p.read_bytes())


TAMPERING = {
    "changed f1": (lambda o: o["scores"].update(f1=0.95), "does not match the counts"),
    "wrong dataset revision": (lambda o: o["dataset"].update(revision="f" * 40), "not the source revision pinned"),
    "missing field": (lambda o: o["dataset"].pop("content_hash"), "dataset.content_hash: Field required"),
    "NaN": (lambda o: o["scores"].update(recall=float("nan")), "NaN or infinity at scores.recall"),
    "unknown dataset": (lambda o: o["dataset"].update(row="conll2099"), "unknown dataset row 'conll2099'"),
    "duplicate row": (None, "duplicate of"),
    "demo run": (lambda o: o["dataset"].update(split="demo-test"), "a partial or demo run"),
    "limit run": (lambda o: o["dataset"].update(limit=20), "a partial or demo run"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_refused_and_nothing_is_uploaded(hub, hf_env, my_runs, case):
    fn, message = TAMPERING[case]
    if fn is None:
        _dup(my_runs)
    else:
        _tamper(next(my_runs.rglob("crossner_ai.json")), fn)
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID], hf_env)
    assert res.returncode == 1, (case, res.stdout, res.stderr)
    assert message in res.stderr and "nothing was uploaded" in res.stderr, res.stderr
    assert "crossner_ai.json" in res.stderr  # the message names the file
    assert _uploads(hub) == [] and hub.repos[REPO_ID].prs == []  # the server saw no commit
    assert TOKEN not in res.stdout + res.stderr


def test_reported_paper_numbers_are_never_submitted(hub, hf_env):
    res = run_cli(["submit", str(ROOT / "results" / "reported" / "paper__UniNER-7B-type"), "--repo", REPO_ID], hf_env)
    assert res.returncode == 1 and "reported rows are never submitted" in res.stderr
    assert _uploads(hub) == []


def test_bad_or_missing_token_is_caught_before_any_work(tmp_path, hub, hf_env, my_runs):
    _tamper(next(my_runs.rglob("crossner_ai.json")), lambda o: o["scores"].update(f1=0.95))  # invalid too
    bad = run_cli(["submit", str(my_runs), "--repo", REPO_ID], dict(hf_env, HF_TOKEN="hf_wrong0token0value"))
    assert bad.returncode == 2 and "checking the token (whoami) failed (HTTP 401)" in bad.stderr, bad.stderr
    assert "does not match the counts" not in bad.stderr  # the token is checked before the files
    assert hub.calls() == ["whoami"] and "hf_wrong0token0value" not in bad.stderr
    none = run_cli(["submit", str(my_runs), "--repo", REPO_ID], {k: v for k, v in hf_env.items() if k != "HF_TOKEN"})
    assert none.returncode == 2 and "no Hugging Face token found" in none.stderr
    hub.role = "read"
    ro = run_cli(["submit", str(my_runs), "--repo", REPO_ID], hf_env)
    assert ro.returncode == 2 and "read-only" in ro.stderr
    assert _uploads(hub) == []


def test_token_from_the_token_file_and_model_meta_override(tmp_path, hub, hf_env, my_runs):
    home = tmp_path / "hf-home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "token").write_text(TOKEN)  # what `hf auth login` leaves behind
    env = {k: v for k, v in hf_env.items() if k != "HF_TOKEN"}
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"id": "myorg/ner-7b", "revision": "abc123", "display_name": "My NER 7B",
                                "family": "uniner", "n_parameters": 6_738_415_616,
                                "url": "https://huggingface.co/myorg/ner-7b"}))
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID, "--model-meta", str(meta), "--json"], env)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["uploaded"] and out["pr_url"].endswith("/discussions/1")
    pub = json.loads(hub.repos[REPO_ID].prs[0].files[f"{SLUG}/model_meta.json"])
    assert pub["n_parameters"] == 6_738_415_616 and pub["url"] == "https://huggingface.co/myorg/ner-7b"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"id": "other/model", "revision": "abc123", "display_name": "X", "family": "x"}))
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID, "--model-meta", str(wrong)], env)
    assert res.returncode == 1 and "no result file under" in res.stderr


def test_server_errors_fail_loudly(hub, hf_env, my_runs):
    hub.faults["commit"] = (500, "Internal Error - the disk is full")
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID], hf_env)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "opening the pull request on dataset repo unibench/results failed (HTTP 500)" in res.stderr
    assert "Internal Error - the disk is full" in res.stderr and "opened pull request" not in res.stdout
    assert hub.repos[REPO_ID].prs == [] and TOKEN not in res.stderr
    missing = run_cli(["submit", str(my_runs), "--repo", "unibench/nope"], hf_env)
    assert missing.returncode == 2 and "looking up dataset repo unibench/nope failed (HTTP 404)" in missing.stderr


def test_several_models_in_one_pull_request(hub, hf_env, my_runs):
    write(my_runs, make_run("other/tagger", "Tagger", "crossner_ai", 70, 30, 30, revision="r1"))
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID, "--dry-run", "--json"], hf_env)
    paths = [f["path_in_repo"] for f in json.loads(res.stdout)["files"]]
    assert "results/other__tagger/r1/model_meta.json" in paths and f"{SLUG}/model_meta.json" in paths
    assert len(paths) == 5
