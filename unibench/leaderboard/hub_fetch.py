"""Fetching a results repository's files from a Hub that is not trusted.

`validate --from-hub` runs in the CI of a repository that takes pull requests from strangers, and
`leaderboard build --from-hub` reads what was merged; the server (or a mirror, or anything
HF_ENDPOINT names) decides every name, size and id we see. huggingface_hub's snapshot cache
builds paths from server-sent values (the revision sha of `repo_info`, the ETag of each file), so
a hostile server could make it write outside its cache. This module therefore downloads on its own,
in this order, and stops at the first thing it does not accept:

1. the revision (branch, tag, `refs/pr/N` or sha) is resolved to a commit id, which must be 40
   lowercase hex digits; nothing else is ever used as a path or passed on;
2. the file list at that commit is read once; every wanted file (`results/**.json`, `README.md`)
   must have a plain relative name (no `..`, no backslash, no control character) and a listed
   size within its cap (`MAX_BYTES`), and all of them together within `MAX_TOTAL_BYTES`;
3. each file is streamed from `resolve/<commit id>/<name>` and cut off as soon as it exceeds its
   listed size or its time budget; its real size and git blob id must match the listing;
4. the files land in a temporary folder that is renamed to `snapshots/<commit id>` only when all
   are there, so a failure leaves no partial snapshot; `refs/<revision>` then records the id so
   that offline runs (HF_HUB_OFFLINE) find it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from ..errors import UnibenchError
from ..printable import printable

COMMIT_ID = re.compile(r"[0-9a-f]{40}")
from ..safe_read import CAPS, MB  # every size cap is stated once, in safe_read.CAPS
MAX_BYTES = {"result": CAPS["result"], "readme": CAPS["meta"]}  # per file, by kind: the caps of safe_read.CAPS
MAX_TOTAL_BYTES = 512 * MB  # all wanted files of one revision together
MAX_FILES = 50_000
READ_TIMEOUT = 30.0  # seconds without a byte from the Hub
FILE_BUDGET = 120.0  # seconds for one file in all (a server trickling bytes never trips the read timeout)
# seconds for listing a revision's files in all: huggingface_hub's tree listing has no timeout of its own (its
# HTTP client waits forever), so a Hub that stops answering would hang the command; a slow mirror may raise it
LIST_BUDGET_ENV = "UNIBENCH_HUB_LIST_BUDGET"
LIST_BUDGET = 120.0
_SEGMENT = re.compile(r"[^\x00-\x1f\x7f-\x9f\\/:*?\"<>|]+")


def kind_of(path: str) -> Optional[str]:
    """Which of the wanted files `path` is ("result", "readme"), or None for a file we never fetch."""
    if path == "README.md":
        return "readme"
    if path.startswith("results/") and path.endswith(".json"):
        return "result"
    return None


def check_name(path: str, repo: str) -> str:
    """A listed file name that is safe as a relative path below our snapshot folder."""
    parts = path.split("/")
    ok = (len(path) <= 1024 and printable(path) == path and all(
        p not in (".", "..") and len(p) <= 255 and _SEGMENT.fullmatch(p) for p in parts))
    if not ok:
        raise UnibenchError(f"dataset repo {repo} lists a file with a name that cannot be a plain relative path: "
                            f"'{printable(path)}'; nothing was downloaded",
                            hint="file names in a results repo are results/<org>__<model>/<revision>/<row>.json")
    return path


def resolve_commit(api, repo: str, revision: Optional[str]) -> str:
    info = api.dataset_info(repo, revision=revision or "main", timeout=READ_TIMEOUT)
    sha = getattr(info, "sha", None)
    if not isinstance(sha, str) or not COMMIT_ID.fullmatch(sha):
        raise UnibenchError(f"the Hub answered revision '{printable(revision or 'main')}' of dataset repo {repo} "
                            f"with '{printable(sha)}', which is not a commit id (40 hex digits); nothing was "
                            "downloaded", hint=f"is HF_ENDPOINT ({printable(api.endpoint)}) a Hugging Face Hub?")
    return sha


def list_budget() -> float:
    raw = os.environ.get(LIST_BUDGET_ENV)
    if raw is None:
        return LIST_BUDGET
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UnibenchError(f"{LIST_BUDGET_ENV}={printable(raw)} is not a number of seconds above 0")
    return value


def list_wanted(api, repo: str, sha: str) -> list[tuple[str, int, Optional[str]]]:
    """`_list_wanted` within `list_budget()` seconds: the listing runs in a daemon thread that is abandoned (the
    process exits with the error) when the Hub has not finished answering by then."""
    budget = list_budget()
    done: dict = {}

    def work():
        try:
            done["value"] = _list_wanted(api, repo, sha)
        except BaseException as exc:  # handed to the caller's thread
            done["error"] = exc

    worker = threading.Thread(target=work, name="hub-tree-listing", daemon=True)
    worker.start()
    worker.join(budget)
    if worker.is_alive():
        raise UnibenchError(f"dataset repo {repo}: the Hub did not finish listing the files of {sha} within "
                            f"{budget:g} s; nothing was downloaded",
                            hint=f"try again later, or set {LIST_BUDGET_ENV} to more seconds for a slow mirror")
    if "error" in done:
        raise done["error"]
    return done["value"]


def _list_wanted(api, repo: str, sha: str) -> list[tuple[str, int, Optional[str]]]:
    """(name, listed size, git blob id) of every wanted file at commit `sha`, all checked."""
    from huggingface_hub.hf_api import RepoFile

    wanted, total, seen = [], 0, 0
    for entry in api.list_repo_tree(repo, repo_type="dataset", revision=sha, recursive=True):
        seen += 1
        if seen > MAX_FILES:
            raise UnibenchError(f"dataset repo {repo} lists more than {MAX_FILES} files at {sha}; nothing was "
                                "downloaded")
        if not isinstance(entry, RepoFile):
            continue
        kind = kind_of(entry.path)
        if kind is None:
            continue
        check_name(entry.path, repo)
        size = entry.size
        if not isinstance(size, int) or size < 0 or size > MAX_BYTES[kind]:
            raise UnibenchError(f"dataset repo {repo} lists {printable(entry.path)} with size {printable(size)}: a "
                                f"{kind} file may have at most {MAX_BYTES[kind] // MB} MB; nothing was downloaded",
                                hint="a result file is a few kilobytes; per-sentence predictions belong in sample "
                                     "logs, which a results repo does not hold")
        total += size
        if total > MAX_TOTAL_BYTES:
            raise UnibenchError(f"dataset repo {repo} lists more than {MAX_TOTAL_BYTES // MB} MB of result files at "
                                f"{sha}; nothing was downloaded")
        wanted.append((entry.path, size, getattr(entry, "blob_id", None)))
    return wanted


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _fetch(session, url: str, headers: dict, name: str, size: int, blob_id: Optional[str], repo: str) -> bytes:
    from huggingface_hub.utils import hf_raise_for_status

    chunks, got = [], 0
    deadline = time.monotonic() + FILE_BUDGET
    with session.stream("GET", url, headers=headers, follow_redirects=True, timeout=READ_TIMEOUT) as resp:
        if resp.status_code >= 400:
            resp.read()
            hf_raise_for_status(resp)
        for chunk in resp.iter_bytes():
            if time.monotonic() > deadline:
                raise UnibenchError(f"dataset repo {repo}: {printable(name)} took more than {FILE_BUDGET:g} s to "
                                    "download; stopped, nothing was kept", hint="try again, or check HF_ENDPOINT")
            got += len(chunk)
            if got > size:
                raise UnibenchError(f"dataset repo {repo}: {printable(name)} is larger than the {size} bytes the "
                                    "Hub listed for it; download stopped, nothing was kept")
            chunks.append(chunk)
    data = b"".join(chunks)
    if len(data) != size:
        raise UnibenchError(f"dataset repo {repo}: {printable(name)} has {len(data)} bytes, the Hub listed {size}; "
                            "nothing was kept")
    if blob_id and _git_blob_id(data) != blob_id:
        raise UnibenchError(f"dataset repo {repo}: {printable(name)} does not match the git blob id the Hub listed "
                            f"({printable(blob_id)}); nothing was kept")
    return data


def storage(cache_root: Path, repo: str) -> Path:
    return cache_root / ("datasets--" + repo.replace("/", "--"))


def _ref_path(cache_root: Path, repo: str, revision: str) -> Path:
    """`refs/<revision>` with the revision as one file name (`refs/pr/3` -> `refs%2Fpr%2F3`, dots escaped)."""
    return storage(cache_root, repo) / "refs" / quote(revision, safe="").replace(".", "%2E")


def cached_snapshot(cache_root: Path, repo: str, revision: Optional[str]) -> Optional[Path]:
    """The complete snapshot an earlier online run stored for `revision`, if any (offline mode)."""
    rev = revision or "main"
    sha = rev if COMMIT_ID.fullmatch(rev) else None
    ref = _ref_path(cache_root, repo, rev)
    if sha is None and ref.is_file():
        text = ref.read_text(encoding="ascii", errors="replace").strip()
        sha = text if COMMIT_ID.fullmatch(text) else None
    folder = storage(cache_root, repo) / "snapshots" / sha if sha else None
    return folder if folder is not None and folder.is_dir() else None


def fetch_snapshot(repo: str, revision: Optional[str], cache_root: Path, endpoint: str) -> Path:
    """Resolve, check, download (see the module docstring); return the snapshot folder."""
    from huggingface_hub import HfApi
    from huggingface_hub.utils import build_hf_headers, get_session

    api = HfApi(endpoint=endpoint)
    sha = resolve_commit(api, repo, revision)
    base = storage(cache_root, repo)
    final = base / "snapshots" / sha
    if not final.is_dir():  # a commit never changes: a complete snapshot is reused as is
        wanted = list_wanted(api, repo, sha)
        (base / "snapshots").mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{sha}.partial-", dir=base / "snapshots"))
        try:
            session, headers = get_session(), build_hf_headers()
            for name, size, blob_id in wanted:
                url = f"{endpoint}/datasets/{repo}/resolve/{sha}/{quote(name)}"
                data = _fetch(session, url, headers, name, size, blob_id, repo)
                dest = tmp.joinpath(*name.split("/"))
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
            try:
                os.replace(tmp, final)
            except OSError:
                if not final.is_dir():
                    raise
                shutil.rmtree(tmp, ignore_errors=True)  # another process stored the same commit first
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    ref = _ref_path(cache_root, repo, revision or "main")
    ref.parent.mkdir(parents=True, exist_ok=True)
    part = ref.with_name(ref.name + f".{os.getpid()}.tmp")
    part.write_text(sha, encoding="ascii")
    os.replace(part, ref)
    return final
