"""`unibench submit`: validated result files -> a pull request on the shared Hub results repo.

Order matters, and is the lesson of lm-eval's silent push failures (lm-evaluation-harness swallows Hub push errors in
`evaluation_tracker.py`, issues #1925 and #2263; its samples push failed only after the whole eval, PR #2265):
the token and the repo are checked first (whoami, repo info), then every file passes the same
checks the repo's CI runs (`unibench.validate`) plus the submission rules (no reported paper
numbers, no demo or `--limit` runs, no unversioned weights), and only then is anything sent, as
one commit with `create_pr=True`: the maintainers merge it or not, nothing lands on `main`
directly. Any failure before the commit uploads nothing; a failure of the commit is an error
with the server's message and a non-zero exit, never swallowed.

Layout in the repo (MTEB's): `results/<org>__<model>/<revision>/<row>[@version].json`, the
result files byte for byte, plus `model_meta.json` per model revision (a `ModelInfo`). Sample
logs and run specs stay local: sample logs hold dataset text, which many rows' licences do not
allow to redistribute.

The token comes from `HF_TOKEN` or the HF token file (`huggingface_hub.get_token()`), is passed
only to huggingface_hub, and is never printed, logged or written; error messages are scrubbed
of it in case a server echoes it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import __version__
from .errors import UnibenchError
from .safe_read import read_bytes
from .leaderboard.hub import check_repo_id, endpoint, hub_error, is_hub_error, offline
from .results import ModelInfo, ResultFile, iter_result_files, model_slug, read_result, result_path
from .validate import MODEL_META, read_model_meta, validate_dir

REPO_ROOT = Path("results")


class SubmissionRefused(UnibenchError):
    """The results do not pass the checks: nothing is uploaded."""

    exit_code = 1

    def __init__(self, problems: list[str]):
        from .errors import plural

        self.problems = list(dict.fromkeys(problems))  # each problem once, in order
        super().__init__(f"submission refused, nothing uploaded: {plural(len(self.problems), 'problem')}",
                         hint="fix them and run `unibench validate DIR` until it passes")


@dataclass
class Upload:
    path_in_repo: str
    data: bytes
    source: str  # local file, or "generated"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Plan:
    repo: str
    uploads: list[Upload] = field(default_factory=list)
    models: dict[tuple[str, str], ModelInfo] = field(default_factory=dict)
    rows: dict[tuple[str, str], list[ResultFile]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"repo": self.repo, "files": [{"path_in_repo": u.path_in_repo, "bytes": len(u.data),
                                              "sha256": u.sha256, "source": u.source} for u in self.uploads],
                "models": [m.model_dump(mode="json") for m in self.models.values()],
                "warnings": self.warnings}


def _meta_for(key, results: list[tuple[Path, ResultFile]], override: Optional[ModelInfo]) -> ModelInfo:
    if override is not None and (override.id, override.revision) == key:
        return override
    meta_path = results[0][0].parent / MODEL_META
    if meta_path.exists():
        return read_model_meta(meta_path)  # validated (id, revision, rows) by validate_dir
    return results[0][1].model  # validate_dir checked that every file of the folder agrees


def plan_submission(results_dir: Path, repo: str, model_meta: Optional[Path] = None) -> Plan:
    """Validate `results_dir` and list exactly what would be uploaded; raises SubmissionRefused."""
    check_repo_id(repo)
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise UnibenchError(f"{results_dir} is not a folder", hint="unibench submit RESULTS_DIR --repo OWNER/NAME")
    rep = validate_dir(results_dir)
    problems = list(rep.problems)
    plan = Plan(repo, warnings=list(rep.warnings))
    by_model: dict[tuple[str, str], list[tuple[Path, ResultFile]]] = {}
    for path in iter_result_files(results_dir):
        if str(path) in rep.by_file:
            continue
        r = read_result(path)
        if r.kind == "reported":
            problems.append(f"{path}: a reported (paper) number, not a run: reported rows are never submitted "
                            "(submit the folder of your own runs, e.g. results/<org>__<model>)")
            continue
        by_model.setdefault((r.model.id, r.model.revision), []).append((path, r))
    override = read_model_meta(model_meta) if model_meta else None
    if override is not None and (override.id, override.revision) not in by_model:
        problems.append(f"{model_meta}: describes {override.id}@{override.revision}, but no result file under "
                        f"{results_dir} is from that model revision (found: "
                        f"{', '.join(f'{i}@{v}' for i, v in by_model) or 'none'})")
    if not by_model and not problems:
        problems.append(f"{results_dir}: no run result files to submit")
    if problems:
        raise SubmissionRefused(problems)
    for key, results in sorted(by_model.items()):
        meta = _meta_for(key, results, override)
        if meta.id.startswith(("/", "~", ".")) or "\\" in meta.id:
            plan.warnings.append(f"model id {meta.id!r} looks like a local path: readers cannot find these weights "
                                 "(run with --model hf:ORG/NAME@SHA, or publish the weights and re-run)")
        plan.models[key] = meta
        plan.rows[key] = [r for _, r in results]
        for path, r in sorted(results, key=lambda x: x[0].name):
            plan.uploads.append(Upload(result_path(REPO_ROOT, r).as_posix(), read_bytes(path, "result"), str(path)))
        folder = REPO_ROOT / model_slug(meta.id) / model_slug(meta.revision)
        text = json.dumps(meta.model_dump(mode="json", exclude_none=True), indent=2, ensure_ascii=False) + "\n"
        plan.uploads.append(Upload((folder / MODEL_META).as_posix(), text.encode("utf-8"), "generated"))
    return plan


def find_token() -> str:
    """HF_TOKEN, else the token file of `hf auth login` (huggingface_hub.get_token)."""
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise UnibenchError("no Hugging Face token found: submitting opens a pull request and needs one",
                            hint="set HF_TOKEN (a token with write access) or run `hf auth login`")
    return token


def connect(repo: str, token: str):
    """Check the token (whoami) and the repo before any other work; returns (api, user, repo info)."""
    if offline():
        raise UnibenchError(f"HF_HUB_OFFLINE is set: submitting needs to reach {endpoint()}",
                            hint="unset HF_HUB_OFFLINE (and TRANSFORMERS_OFFLINE) for `unibench submit`")
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint(), token=token)
    try:
        who = api.whoami()
    except Exception as exc:  # noqa: BLE001 - reported with the server's message
        if not is_hub_error(exc):
            raise
        raise hub_error(exc, "checking the token (whoami)", token) from None
    role = ((who.get("auth") or {}).get("accessToken") or {}).get("role")
    if role == "read":
        raise UnibenchError(f"the token of {who.get('name', '?')} is read-only; opening a pull request needs a token "
                            "with write access", hint="create one at <endpoint>/settings/tokens and set HF_TOKEN")
    try:
        info = api.repo_info(repo, repo_type="dataset")
    except Exception as exc:  # noqa: BLE001
        if not is_hub_error(exc):
            raise
        raise hub_error(exc, f"looking up dataset repo {repo}", token) from None
    return api, who, info


def _description(plan: Plan) -> str:
    lines = [f"Submitted with `unibench submit` (unibench {__version__}); every file passed `unibench validate`.", ""]
    for key, rows in plan.rows.items():
        m = plan.models[key]
        lines += [f"### {m.display_name} (`{m.id}` @ `{m.revision}`)", "", "| row | version | F1 | scorer |",
                  "|---|---|---|---|"]
        lines += [f"| {r.dataset.row} | {r.dataset.version} | {100 * r.scores.f1:.2f} | {r.stamps.scorer_version} |"
                  for r in sorted(rows, key=lambda r: r.dataset.row)]
        lines.append("")
    return "\n".join(lines)


def open_pull_request(api, plan: Plan, token: str, parent: Optional[str], message: Optional[str] = None):
    """One commit with every file, as a pull request. Returns huggingface_hub's CommitInfo."""
    from huggingface_hub import CommitOperationAdd

    names = ", ".join(m.display_name for m in plan.models.values())
    n_rows = sum(len(v) for v in plan.rows.values())
    ops = [CommitOperationAdd(path_in_repo=u.path_in_repo, path_or_fileobj=u.data) for u in plan.uploads]
    try:
        return api.create_commit(plan.repo, ops, repo_type="dataset", create_pr=True, parent_commit=parent,
                                 commit_message=message or f"Add unibench results: {names} ({n_rows} rows)",
                                 commit_description=_description(plan))
    except Exception as exc:  # noqa: BLE001 - never swallowed: re-raised as an error with the server's message
        if not is_hub_error(exc):
            raise
        raise hub_error(exc, f"opening the pull request on dataset repo {plan.repo}", token) from None
