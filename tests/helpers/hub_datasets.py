"""A read-only Hugging Face Hub for dataset repos on 127.0.0.1, enough for the real `datasets.load_dataset`
and `huggingface_hub.snapshot_download` calls (huggingface_hub 1.x/2.x, datasets 4.x/5.x) to work through it:

- GET  /api/datasets/{repo}[/revision/{rev}]          repo info: sha of the revision, siblings
- GET  /api/datasets/{repo}/tree/{rev}[/{path}]        one folder (or, with ?recursive=true, all below it)
- POST /api/datasets/{repo}/paths-info/{rev}           info of named paths (HfFileSystem.info)
- HEAD/GET /datasets/{repo}/resolve/{rev}/{path}       file bytes, X-Repo-Commit, ETag, Range requests

A repo has branches (`main`, `refs/convert/parquet`, ...), each a dict path -> bytes; a branch's
commit id is the sha1 of its content, so a test knows the sha a download must resolve to, and any
revision is accepted as a branch name or as that sha. Everything else is answered 404 and recorded
as "unknown", so a test sees what it does not serve. Every request is recorded (method, path).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from .local_server import LocalHTTPServer, QuietHandler, git_blob_sha


def tree_sha(files: dict[str, bytes]) -> str:
    h = hashlib.sha1()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + git_blob_sha(files[path]).encode())
    return h.hexdigest()


@dataclass
class DatasetRepo:
    branches: dict[str, dict[str, bytes]] = field(default_factory=dict)

    def at(self, rev: str) -> tuple[str, dict[str, bytes]] | None:
        if rev in self.branches:
            files = self.branches[rev]
            return tree_sha(files), files
        for files in self.branches.values():
            if tree_sha(files) == rev:
                return rev, files
        return None

    def sha(self, branch: str = "main") -> str:
        return tree_sha(self.branches[branch])


class DatasetHub(LocalHTTPServer):
    """`with DatasetHub() as hub: hub.repos["org/name"] = DatasetRepo({...})`; serves on hub.url."""

    def __init__(self):
        self.repos: dict[str, DatasetRepo] = {}
        super().__init__(_handler)


def _entries(files: dict[str, bytes], prefix: str, recursive: bool) -> list[dict]:
    prefix = prefix.strip("/")
    base = prefix + "/" if prefix else ""
    out, dirs = [], set()
    for path in sorted(files):
        if not path.startswith(base):
            continue
        rest = path[len(base):]
        if "/" in rest:
            parts = rest.split("/")
            for k in range(1, len(parts) if recursive else 2):
                dirs.add(base + "/".join(parts[:k]))
            if not recursive:
                continue
        out.append({"type": "file", "path": path, "size": len(files[path]), "oid": git_blob_sha(files[path])})
    out += [{"type": "directory", "path": d, "size": 0, "oid": hashlib.sha1(d.encode()).hexdigest()}
            for d in sorted(dirs)]
    return out


def _handler(hub: DatasetHub):
    class Handler(QuietHandler):

        def _error(self, status: int, message: str, code: str | None = None, head: bool = False):
            body = json.dumps({"error": message}).encode()
            self._send(status, body, {"Content-Type": "application/json", **({"X-Error-Code": code} if code else {}),
                                      "X-Error-Message": message}, head=head)

        def _record(self, endpoint: str):
            with hub.lock:
                hub.requests.append({"method": self.command, "path": self.path, "endpoint": endpoint})

        def _parts(self) -> list[str]:
            return [unquote(p) for p in urlsplit(self.path).path.strip("/").split("/")]

        def _found(self, repo_id: str, rev: str, head: bool = False):
            repo = hub.repos.get(repo_id)
            if repo is None:
                self._error(404, "Repository not found", "RepoNotFound", head=head)
                return None
            found = repo.at(rev)
            if found is None:
                self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound", head=head)
            return found

        def do_HEAD(self):  # noqa: N802
            self._resolve(head=True)

        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            parts = self._parts()
            if parts[:2] == ["api", "datasets"] and len(parts) >= 4:
                repo_id, rest = "/".join(parts[2:4]), parts[4:]
                if not rest or rest[0] == "revision":
                    self._record("repo_info")
                    rev = rest[1] if len(rest) > 1 else "main"
                    found = self._found(repo_id, rev)
                    if found:
                        sha, files = found
                        self._json(200, {"id": repo_id, "author": repo_id.split("/")[0], "sha": sha,
                                         "private": False, "disabled": False, "gated": False, "downloads": 0,
                                         "likes": 0, "tags": [], "lastModified": "2024-01-19T00:00:00.000Z",
                                         "siblings": [{"rfilename": p} for p in sorted(files)]})
                    return
                if rest[0] == "tree" and len(rest) >= 2:
                    self._record("tree")
                    found = self._found(repo_id, rest[1])
                    if found:
                        recursive = parse_qs(url.query).get("recursive") == ["true"]
                        self._json(200, _entries(found[1], "/".join(rest[2:]), recursive))
                    return
            if parts[:1] == ["datasets"]:
                return self._resolve(head=False)
            if parts == ["api", "agent-harnesses"]:
                self._record("agent_harnesses")
                return self._json(200, {"standardEnvVars": [], "harnesses": {}})
            self._record("unknown")
            self._error(404, f"no such endpoint: GET {url.path}")

        def do_POST(self):  # noqa: N802
            parts = self._parts()
            body = self._body()
            if parts[:2] == ["api", "datasets"] and len(parts) >= 6 and parts[4] == "paths-info":
                self._record("paths_info")
                found = self._found("/".join(parts[2:4]), parts[5])
                if not found:
                    return
                files = found[1]
                try:
                    wanted = json.loads(body)["paths"]
                except ValueError:
                    wanted = parse_qs(body.decode()).get("paths", [])
                wanted = [wanted] if isinstance(wanted, str) else wanted
                out = []
                for p in wanted:
                    p = p.strip("/")
                    if p in files:
                        out.append({"type": "file", "path": p, "size": len(files[p]), "oid": git_blob_sha(files[p])})
                    elif any(f.startswith(p + "/") for f in files):
                        out.append({"type": "directory", "path": p, "size": 0,
                                    "oid": hashlib.sha1(p.encode()).hexdigest()})
                return self._json(200, out)
            self._record("unknown")
            self._error(404, f"no such endpoint: POST {self.path}")

        def _resolve(self, head: bool):
            parts = self._parts()
            self._record("resolve")
            if len(parts) < 6 or parts[0] != "datasets" or parts[3] != "resolve":
                return self._error(404, "Entry not found", "EntryNotFound", head=head)
            found = self._found("/".join(parts[1:3]), parts[4], head=head)
            if not found:
                return
            sha, files = found
            path = "/".join(parts[5:])
            if path not in files:
                return self._error(404, "Entry not found", "EntryNotFound", head=head)
            data = files[path]
            headers = {"X-Repo-Commit": sha, "ETag": f'"{git_blob_sha(data)}"', "Accept-Ranges": "bytes",
                       "Content-Type": "application/octet-stream"}
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes=") and not head:
                start_s, _, end_s = rng[6:].partition("-")
                if start_s == "":
                    start, end = max(len(data) - int(end_s), 0), len(data) - 1
                else:
                    start, end = int(start_s), min(int(end_s) if end_s else len(data) - 1, len(data) - 1)
                chunk = data[start:end + 1]
                headers["Content-Range"] = f"bytes {start}-{start + len(chunk) - 1}/{len(data)}"
                return self._send(206, chunk, headers)
            self._send(200, data, headers, head=head)

    return Handler
