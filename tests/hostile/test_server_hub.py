"""`validate --from-hub` and `leaderboard build --from-hub` against a hostile Hub on 127.0.0.1: a
revision sha that is a path, oversize files, sizes that lie, hostile file names. Each must end in
exit 2 with one paragraph, before anything is downloaded (or with nothing kept), and nothing may
appear outside the HF cache folder the command was given."""

from __future__ import annotations

import json

import pytest

from tests.leaderboard.conftest import make_run, write
from tests.submit.conftest import REPO_ID, hf_env, hub, run_cli  # noqa: F401 - the fake Hub fixtures
from tests.submit.hub_server import Repo, git_blob_sha

from .server_checks import assert_clean_refusal, assert_inert, files_under

ESC_NAME = "results/org__m/abc123/\x1b]0;pwned\x07\x1b[2J.json"


class ShaRepo(Repo):
    """A repo whose revision resolves to whatever the test says (the Hub sends it as `sha`)."""

    fake_sha = "../../../../escaped"

    @property
    def sha(self) -> str:
        return self.fake_sha


def _files(tmp_path) -> dict[str, bytes]:
    src = tmp_path / "seed"
    write(src, make_run("myorg/ner-7b", "My NER 7B", "crossner_ai", 80, 20, 20))
    files = {f"results/{p.relative_to(src).as_posix()}": p.read_bytes() for p in src.rglob("*.json")}
    files["README.md"] = b"# results\n"
    return files


def _lie_about_sizes(hub, sizes: dict[str, int]) -> None:
    """The tree listing reports `sizes` instead of the real ones (the files served stay the same)."""
    base = hub.server.RequestHandlerClass

    class Lying(base):
        def _tree(self, repo, rev, prefix):
            found = repo.files_at(rev) if repo else None
            if found is None:
                return super()._tree(repo, rev, prefix)
            self._json(200, [{"type": "file", "path": p, "size": sizes.get(p, len(d)), "oid": git_blob_sha(d)}
                             for p, d in sorted(found[1].items()) if p.startswith(prefix)])

    hub.server.RequestHandlerClass = Lying


def _commands(tmp_path):
    out = tmp_path / "work" / "site"
    return [["validate", "--from-hub", REPO_ID], ["leaderboard", "build", "--from-hub", REPO_ID, "--out", str(out)]]


def _assert_nothing_outside(tmp_path, hf_env):
    """Everything on disk is the seed, the HF home, or nothing: no site, no escaped file."""
    hf_home = hf_env["HF_HOME"]
    for rel in files_under(tmp_path):
        assert rel.startswith(("seed/", "hf-home/")), rel
        assert not (tmp_path / rel).resolve().as_posix().startswith(str(tmp_path / "escaped"))
    assert not (tmp_path / "work" / "site").exists()
    assert not any(p.name.startswith(".") and "partial" in p.name for p in (tmp_path / "hf-home").rglob("*"))
    assert hf_home.startswith(str(tmp_path))


@pytest.mark.parametrize("sha", ["../../../../escaped", "main", "ABCDEF" + "0" * 34, "0" * 39, "0" * 40 + "\n"])
def test_a_revision_that_is_not_a_commit_id_is_refused_before_any_download(tmp_path, hub, hf_env, sha):
    repo = ShaRepo(main=_files(tmp_path))
    repo.fake_sha = sha
    hub.repos[REPO_ID] = repo
    for args in _commands(tmp_path):
        res = run_cli(args, hf_env)
        assert_clean_refusal(res, "which is not a commit id", "nothing was downloaded")
        assert not hub.seen("resolve") and not hub.seen("tree")
    _assert_nothing_outside(tmp_path, hf_env)


def test_a_good_commit_id_is_the_one_downloaded(tmp_path, hub, hf_env):
    hub.repos[REPO_ID] = Repo(main=_files(tmp_path))
    sha = hub.repos[REPO_ID].sha
    res = run_cli(["validate", "--from-hub", REPO_ID], hf_env)
    assert res.returncode == 0, res.stderr
    assert {r["path"].split("/")[5] for r in hub.seen("resolve")} == {sha}  # every file fetched at the commit id
    assert hub.seen("tree") and all(r["path"].split("?")[0].split("/")[6] == sha for r in hub.seen("tree"))


def test_an_oversize_result_file_is_refused_before_download(tmp_path, hub, hf_env):
    files = _files(tmp_path)
    files["results/org__big/abc123/crossner_ai.json"] = b" " * (5 * 1024 * 1024 + 1)
    hub.repos[REPO_ID] = Repo(main=files)
    for args in _commands(tmp_path):
        res = run_cli(args, hf_env)
        assert_clean_refusal(res, "results/org__big/abc123/crossner_ai.json", "at most 5 MB")
        assert not hub.seen("resolve")
    _assert_nothing_outside(tmp_path, hf_env)


def test_a_file_larger_than_listed_is_cut_off_and_nothing_is_kept(tmp_path, hub, hf_env):
    files = _files(tmp_path)
    name = next(p for p in files if p.endswith("crossner_ai.json"))
    hub.repos[REPO_ID] = Repo(main=files)
    _lie_about_sizes(hub, {name: 100})
    for args in _commands(tmp_path):
        res = run_cli(args, hf_env)
        assert_clean_refusal(res, "larger than the 100 bytes the Hub listed", "nothing was kept")
    assert not any(p.suffix == ".json" for p in (tmp_path / "hf-home").rglob("*"))  # no partial snapshot
    _assert_nothing_outside(tmp_path, hf_env)


def test_a_listed_size_over_the_cap_is_refused_even_if_the_file_is_small(tmp_path, hub, hf_env):
    files = _files(tmp_path)
    hub.repos[REPO_ID] = Repo(main=files)
    _lie_about_sizes(hub, {"README.md": 300 * 1024 * 1024})
    res = run_cli(["validate", "--from-hub", REPO_ID], hf_env)
    assert_clean_refusal(res, "README.md", "at most 1 MB")
    assert not hub.seen("resolve")


@pytest.mark.parametrize("name", ["results/../../../escaped.json", "results/a/../../escaped.json",
                                  "results//x.json", "results/a\\..\\..\\escaped.json", ESC_NAME,
                                  "results/a/\u202eevil.json"])
def test_hostile_file_names_are_refused_and_shown_inert(tmp_path, hub, hf_env, name):
    files = _files(tmp_path)
    files[name] = files[next(p for p in files if p.endswith(".json"))]
    hub.repos[REPO_ID] = Repo(main=files)
    for args in _commands(tmp_path):
        res = run_cli(args, hf_env)
        assert_clean_refusal(res, "cannot be a plain relative path", "nothing was downloaded")
        assert not hub.seen("resolve")
    if name == ESC_NAME:
        assert "\\x1b]0;pwned\\x07" in res.stderr
    _assert_nothing_outside(tmp_path, hf_env)


def test_offline_refuses_a_ref_that_is_not_a_commit_id(tmp_path, hub, hf_env):
    hub.repos[REPO_ID] = Repo(main=_files(tmp_path))
    assert run_cli(["validate", "--from-hub", REPO_ID], hf_env).returncode == 0
    refs = list((tmp_path / "hf-home").rglob("refs/main"))
    assert len(refs) == 1 and refs[0].read_text() == hub.repos[REPO_ID].sha
    refs[0].write_text("../../../../escaped")  # a tampered cache
    res = run_cli(["validate", "--from-hub", REPO_ID], dict(hf_env, HF_HUB_OFFLINE="1"))
    assert_clean_refusal(res, "no local snapshot")


def test_hub_error_bodies_reach_the_console_inert(tmp_path, hub, hf_env):
    hub.faults["repo_info"] = (500, "\x1b]0;pwned\x07\x1b[2J\rerror: forged line\nsecond line")
    res = run_cli(["validate", "--from-hub", REPO_ID], hf_env)
    assert_clean_refusal(res, "downloading dataset repo unibench/results failed")
    assert "\\x1b]0;pwned" in res.stderr


def test_the_pull_request_checker_survives_a_hostile_pull_request(tmp_path, hub, hf_env):
    """The results-repo template's checker: a pull request with a hostile file name fails with the reason,
    the next one is still validated, and nothing it prints is a raw control character."""
    import subprocess
    import sys

    from tests.submit.conftest import ROOT
    from tests.submit.hub_server import PullRequest

    files = _files(tmp_path)
    meta = {"id": "myorg/ner-7b", "revision": "abc123", "display_name": "My NER 7B", "family": "uniner"}
    files["results/myorg__ner-7b/abc123/model_meta.json"] = json.dumps(meta).encode()
    hub.repos[REPO_ID] = Repo(main={"README.md": b"# results\n"})
    good = {k: v for k, v in files.items() if k.startswith("results/")}
    hostile = {**good, ESC_NAME: b"{}"}
    hub.repos[REPO_ID].prs += [PullRequest(1, hostile, "hostile", "", None, "a" * 40),
                               PullRequest(2, good, "good", "", None, "b" * 40)]
    script = ROOT / "leaderboard" / "results-repo-template" / "scripts" / "validate_pull_requests.py"
    p = subprocess.run([sys.executable, str(script), REPO_ID, "--pr", "1", "--pr", "2"], capture_output=True,
                       text=True, env=hf_env, timeout=300)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stdout + p.stderr
    assert "refs/pr/1: FAILED" in p.stdout and "cannot be a plain relative path" in p.stdout
    assert "refs/pr/2: ok" in p.stdout and "2 pull request(s), 1 failed" in p.stdout
    assert_inert(p.stdout + p.stderr)


def test_a_hub_that_never_finishes_listing_files_is_given_up_on(tmp_path, hub, hf_env):
    """huggingface_hub's tree listing has no timeout: a Hub that accepts the request and never answers must not
    hang `validate --from-hub` / `leaderboard build --from-hub`; after the listing budget it is an error, with
    nothing downloaded and nothing kept."""
    import threading

    hub.repos[REPO_ID] = Repo(main=_files(tmp_path))
    release = threading.Event()
    base = hub.server.RequestHandlerClass

    class Stalling(base):
        def _tree(self, repo, rev, prefix):
            release.wait(30)  # the client gives up first; the test releases the handler at the end
            return super()._tree(repo, rev, prefix)

    hub.server.RequestHandlerClass = Stalling
    env = {**hf_env, "UNIBENCH_HUB_LIST_BUDGET": "1.5"}
    try:
        for args in _commands(tmp_path):
            res = run_cli(args, env, timeout=60)
            assert_clean_refusal(res, "did not finish listing the files", "within 1.5 s", "nothing was downloaded",
                                 "UNIBENCH_HUB_LIST_BUDGET")
            assert not hub.seen("resolve")
        assert_clean_refusal(run_cli(_commands(tmp_path)[0], {**hf_env, "UNIBENCH_HUB_LIST_BUDGET": "soon"}),
                             "UNIBENCH_HUB_LIST_BUDGET=soon is not a number of seconds")
    finally:
        release.set()
    _assert_nothing_outside(tmp_path, hf_env)
