"""The results-repo template a maintainer copies: its CI command passes on a submitted pull request's
files and fails on tampered ones; its pull-request checker validates the open pull requests of the
(fake) Hub repo and comments each verdict."""

import json
import shutil
import subprocess
import sys

import yaml

from unibench.cli.main import main

from tests.submit.conftest import REPO_ID, TOKEN, hf_env, hub, my_runs, run_cli  # noqa: F401 - fixtures
from tests.submit.hub_server import PullRequest

from .conftest import REPO

TEMPLATE = REPO / "leaderboard" / "results-repo-template"


def _ci_commands() -> list[str]:
    wf = yaml.safe_load((TEMPLATE / ".github" / "workflows" / "validate.yml").read_text())
    return [s["run"] for job in wf["jobs"].values() for s in job["steps"] if "run" in s]


def test_template_files_and_layout_documented():
    readme = (TEMPLATE / "README.md").read_text()
    assert readme.startswith("---\n") and yaml.safe_load(readme.split("---\n")[1])["viewer"] is False
    for needle in ("results/<org>__<model>/<revision>/<row>.json", "model_meta.json", "unibench submit",
                   "--dry-run", "refs/pr/N"):
        assert needle in readme
    assert "unibench validate results --require-model-meta --allow-empty" in _ci_commands()


def test_ci_command_on_a_copied_template(tmp_path, hub, hf_env, my_runs, capsys):
    repo = tmp_path / "repo"
    shutil.copytree(TEMPLATE, repo)
    cmd = next(c for c in _ci_commands() if c.startswith("unibench validate"))
    args = cmd.split()[1:]
    assert main(args[:1] + [str(repo / "results")] + args[2:]) == 0  # a fresh repo: nothing yet, passes
    res = run_cli(["submit", str(my_runs), "--repo", REPO_ID], hf_env)
    assert res.returncode == 0, res.stderr
    for path, data in hub.repos[REPO_ID].prs[0].files.items():  # merge the pull request into the copy
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    capsys.readouterr()
    assert main(args[:1] + [str(repo / "results")] + args[2:]) == 0
    meta = next((repo / "results").rglob("model_meta.json"))
    meta.unlink()
    assert main(args[:1] + [str(repo / "results")] + args[2:]) == 1
    assert "model_meta.json: missing" in capsys.readouterr().err


def test_pull_request_checker_validates_and_comments(tmp_path, hub, hf_env, my_runs):
    assert run_cli(["submit", str(my_runs), "--repo", REPO_ID], hf_env).returncode == 0
    good = hub.repos[REPO_ID].prs[0]
    bad_files = dict(good.files)
    key = next(k for k in bad_files if k.endswith("crossner_ai.json"))
    obj = json.loads(bad_files[key])
    obj["scores"]["f1"] = 0.99  # a hand-edited number
    bad_files[key] = json.dumps(obj).encode()
    hub.repos[REPO_ID].prs.append(PullRequest(2, bad_files, "edited", "", None, "b" * 40))
    script = TEMPLATE / "scripts" / "validate_pull_requests.py"
    p = subprocess.run([sys.executable, str(script), REPO_ID, "--comment"], capture_output=True, text=True,
                       env=hf_env, timeout=120)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "refs/pr/1: ok" in p.stdout and "refs/pr/2: FAILED" in p.stdout
    assert "2 pull request(s), 1 failed" in p.stdout
    assert good.comments == ["unibench validate: 2 result files, all checks pass."]
    bad = hub.repos[REPO_ID].prs[1].comments[0]
    assert "1 problem:" in bad and "results/myorg__ner-7b/abc123/crossner_ai.json" in bad
    assert "does not match the counts" in bad and TOKEN not in p.stdout + p.stderr + bad
