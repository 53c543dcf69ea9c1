"""A small, real HTTP server on 127.0.0.1 implementing exactly the Hugging Face Hub endpoints that
huggingface_hub (2.x) calls for `unibench submit` and `--from-hub`, read from its source:

- GET  /api/whoami-v2                                   (HfApi.whoami)
- GET  /api/datasets/{repo}[/revision/{rev}]            (HfApi.repo_info / dataset_info)
- GET  /api/datasets/{repo}/tree/{rev}[/{path}]         (HfApi.list_repo_tree, used by snapshot_download)
- POST /api/datasets/{repo}/preupload/{rev}             (_fetch_upload_modes: every file "regular")
- POST /api/datasets/{repo}/commit/{rev}?create_pr=1    (_send_commit: NDJSON header + base64 files)
- HEAD/GET /datasets/{repo}/resolve/{rev}/{path}        (hf_hub_download: X-Repo-Commit, ETag, size)
- GET  /api/datasets/{repo}/discussions?type=&status=   (HfApi.get_repo_discussions: the pull requests)
- POST /api/datasets/{repo}/discussions/{num}/comment   (HfApi.comment_discussion)
- GET  /api/agent-harnesses                             (user-agent building; an empty registry)

Any other request is recorded as endpoint "unknown" and answered 404, so a test sees it.

Errors use the Hub's shapes (`{"error": ...}` bodies, `X-Error-Code: RepoNotFound`), so
huggingface_hub raises its own exception types. Every request is recorded (method, path, whether
an Authorization header came, and the raw body) for the tests to assert on; pull requests keep
the files they were opened with. Faults are injected per endpoint name ("commit": 500, ...).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from tests.helpers.local_server import LocalHTTPServer, QuietHandler, git_blob_sha


@dataclass
class PullRequest:
    num: int
    files: dict[str, bytes]
    summary: str
    description: str
    parent: str | None
    sha: str
    status: str = "open"
    comments: list[str] = field(default_factory=list)


@dataclass
class Repo:
    main: dict[str, bytes] = field(default_factory=dict)
    prs: list[PullRequest] = field(default_factory=list)

    @property
    def sha(self) -> str:
        h = hashlib.sha1()
        for path in sorted(self.main):
            h.update(path.encode() + b"\0" + git_blob_sha(self.main[path]).encode())
        return h.hexdigest()

    def files_at(self, rev: str) -> tuple[str, dict[str, bytes]] | None:
        if rev in ("main", self.sha):
            return self.sha, self.main
        for pr in self.prs:
            if rev in (f"refs/pr/{pr.num}", pr.sha):
                return pr.sha, {**self.main, **pr.files}
        return None


class FakeHub(LocalHTTPServer):
    """`with FakeHub(token=...) as hub:` serves on hub.url until the block ends."""

    def __init__(self, token: str, user: str = "alice", role: str = "write"):
        self.token, self.user, self.role = token, user, role
        self.repos: dict[str, Repo] = {}
        self.faults: dict[str, tuple[int, str]] = {}
        super().__init__(_handler)

    def calls(self) -> list[str]:
        """Endpoint names in order, without huggingface_hub's user-agent registry look-up."""
        return [r["endpoint"] for r in self.requests if r["endpoint"] != "agent_harnesses"]


def _handler(hub: FakeHub):
    class Handler(QuietHandler):
        # -- plumbing (_send, _json, _body: QuietHandler) ------------------------------------------

        def _error(self, status: int, message: str, code: str | None = None):
            self._json(status, {"error": message}, {"X-Error-Code": code} if code else None)

        def _authorized(self) -> bool:
            return self.headers.get("Authorization") == f"Bearer {hub.token}"

        def _record(self, endpoint: str, body: bytes = b""):
            with hub.lock:
                hub.requests.append({"method": self.command, "path": self.path, "endpoint": endpoint,
                                     "authorized": self._authorized(),
                                     "auth_header": self.headers.get("Authorization"), "body": body})
            fault = hub.faults.get(endpoint)
            if fault:
                self._error(*fault)
                return True
            return False

        def _repo(self, parts: list[str]) -> tuple[str, Repo | None]:
            repo_id = "/".join(parts[:2])
            return repo_id, hub.repos.get(repo_id)

        # -- routes -----------------------------------------------------------------------------
        def do_HEAD(self):  # noqa: N802
            self._resolve(head=True)

        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            parts = [unquote(p) for p in url.path.strip("/").split("/")]
            if parts[:2] == ["api", "whoami-v2"]:
                if self._record("whoami"):
                    return
                if not self._authorized():
                    return self._error(401, "Invalid credentials in Authorization header")
                return self._json(200, {"type": "user", "name": hub.user, "auth": {
                    "type": "access_token", "accessToken": {"displayName": "test", "role": hub.role}}})
            if parts[:2] == ["api", "datasets"] and len(parts) >= 4:
                repo_id, repo = self._repo(parts[2:])
                rest = parts[4:]
                if not rest or rest[0] == "revision":
                    if self._record("repo_info"):
                        return
                    return self._repo_info(repo_id, repo, rest[1] if len(rest) > 1 else "main")
                if rest[0] == "tree":
                    if self._record("tree"):
                        return
                    return self._tree(repo, rest[1], "/".join(rest[2:]))
                if rest == ["discussions"]:
                    if self._record("discussions"):
                        return
                    return self._discussions(repo_id, repo, parse_qs(url.query))
            if parts[:1] == ["datasets"]:
                return self._resolve(head=False)
            if parts == ["api", "agent-harnesses"]:
                self._record("agent_harnesses")
                return self._json(200, {"standardEnvVars": [], "harnesses": {}})
            self._record("unknown")
            self._error(404, f"no such endpoint: GET {url.path}")

        def do_POST(self):  # noqa: N802
            url = urlsplit(self.path)
            parts = [unquote(p) for p in url.path.strip("/").split("/")]
            body = self._body()
            if parts[:2] != ["api", "datasets"] or len(parts) < 6:
                self._record("unknown", body)
                return self._error(404, f"no such endpoint: POST {url.path}")
            repo_id, repo = self._repo(parts[2:])
            what, rev = parts[4], parts[5]
            if self._record(what, body):
                return
            if not self._authorized():
                return self._error(401, "Invalid credentials in Authorization header")
            if repo is None:
                return self._error(404, "Repository not found", "RepoNotFound")
            if what == "discussions" and len(parts) == 7 and parts[6] == "comment":
                hub.requests[-1]["endpoint"] = "comment"
                return self._comment(repo, int(rev), json.loads(body)["comment"])
            if what == "preupload":
                files = json.loads(body)["files"]
                return self._json(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                                   "oid": None} for f in files]})
            if what == "commit":
                return self._commit(repo_id, repo, rev, body, parse_qs(url.query))
            hub.requests[-1]["endpoint"] = "unknown"
            self._error(404, f"no such endpoint: POST {url.path}")

        def _repo_info(self, repo_id: str, repo: Repo | None, rev: str):
            if repo is None:
                return self._error(404, "Repository not found", "RepoNotFound")
            found = repo.files_at(rev)
            if found is None:
                return self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            sha, files = found
            self._json(200, {"id": repo_id, "author": repo_id.split("/")[0], "sha": sha, "private": False,
                             "disabled": False, "gated": False, "downloads": 0, "likes": 0, "tags": [],
                             "lastModified": "2024-01-19T00:00:00.000Z",
                             "siblings": [{"rfilename": p} for p in sorted(files)]})

        def _discussions(self, repo_id: str, repo: Repo | None, query: dict):
            if repo is None:
                return self._error(404, "Repository not found", "RepoNotFound")
            status = (query.get("status") or [None])[0]
            prs = [pr for pr in repo.prs if status in (None, "all", pr.status)]
            self._json(200, {"count": len(prs), "start": 0, "discussions": [
                {"title": pr.summary, "num": pr.num, "author": {"name": hub.user}, "createdAt": "2024-01-19T00:00:00Z",
                 "status": pr.status, "repo": {"name": repo_id, "type": "dataset"}, "isPullRequest": True}
                for pr in prs]})

        def _comment(self, repo: Repo, num: int, text: str):
            pr = next((p for p in repo.prs if p.num == num), None)
            if pr is None:
                return self._error(404, "Discussion not found")
            pr.comments.append(text)
            self._json(200, {"newMessage": {"id": f"c{len(pr.comments)}", "type": "comment",
                                            "createdAt": "2024-01-19T00:00:00Z", "author": {"name": hub.user},
                                            "data": {"edited": False, "hidden": False, "latest": {"raw": text}}}})

        def _tree(self, repo: Repo | None, rev: str, prefix: str):
            if repo is None:
                return self._error(404, "Repository not found", "RepoNotFound")
            found = repo.files_at(rev)
            if found is None:
                return self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            _, files = found
            self._json(200, [{"type": "file", "path": p, "size": len(d), "oid": git_blob_sha(d)}
                             for p, d in sorted(files.items()) if p.startswith(prefix)])

        def _resolve(self, head: bool):
            parts = [unquote(p) for p in urlsplit(self.path).path.strip("/").split("/")]
            if self._record("resolve"):
                return
            if len(parts) < 6 or parts[0] != "datasets" or parts[3] != "resolve":
                return self._error(404, "Entry not found", "EntryNotFound")
            repo = hub.repos.get("/".join(parts[1:3]))
            found = repo.files_at(parts[4]) if repo else None
            if found is None:
                return self._error(404, "Repository not found", "RepoNotFound")
            sha, files = found
            path = "/".join(parts[5:])
            if path not in files:
                return self._error(404, "Entry not found", "EntryNotFound")
            data = files[path]
            self._send(200, data, {"X-Repo-Commit": sha, "ETag": f'"{git_blob_sha(data)}"',
                                   "Content-Type": "application/octet-stream"}, head=head)

        def _commit(self, repo_id: str, repo: Repo, rev: str, body: bytes, query: dict):
            lines = [json.loads(x) for x in body.decode().splitlines() if x.strip()]
            header = next(x["value"] for x in lines if x["key"] == "header")
            files = {x["value"]["path"]: base64.b64decode(x["value"]["content"]) for x in lines if x["key"] == "file"}
            if any(x["key"] not in ("header", "file") for x in lines):
                return self._error(400, "this test server accepts only regular files")
            if rev != "main":
                return self._error(400, f"cannot commit to {rev}")
            if query.get("create_pr") != ["1"]:
                return self._error(403, "this test server only accepts pull requests (create_pr=1)")
            with hub.lock:
                num = len(repo.prs) + 1
                sha = hashlib.sha1(body).hexdigest()
                repo.prs.append(PullRequest(num, files, header["summary"], header.get("description", ""),
                                            header.get("parentCommit"), sha))
            self._json(200, {"commitUrl": f"{hub.url}/datasets/{repo_id}/commit/{sha}", "commitOid": sha,
                             "pullRequestUrl": f"{hub.url}/datasets/{repo_id}/discussions/{num}"})

    return Handler
