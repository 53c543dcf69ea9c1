"""The repository's docs, code and comments stand alone: they cite no reference notes kept outside the
repository (the facts are restated in docs/ with the paper section or the original code file as the source).

A *data location* is not a citation: tests and example commands may read the staged datasets from
`../shared/data` beside the checkout. The installed package and the files it ships (cards, adapters) never
name that folder, since a user's data lives wherever `--data-dir` says."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEXT = {".py", ".md", ".yaml", ".yml", ".j2", ".sh", ".toml", ".txt", ".cfg", ".json", ".html", ".css", ".js", ""}
SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", "node_modules", "results", "demo_data"}
# names of notes outside the repository that earlier comments cited
CITATION = re.compile(r"uniner-eval\.md|adapter-prompts\.md|harness-anchors|hf-sources\.md|layout-sketch|"
                      r"shared/reference|/work/(?:shared|main|wt)\b")
# the one test that cross-checks the reported-numbers transcription against those notes when present (skipped
# on a clean clone); it reads them as test input and cites nothing
READS_REFERENCE = {"tests/test_reported.py"}
SHIPPED = ("unibench/", "adapters/", "dataset_cards/", "leaderboard/")


def _candidates():
    """The repository's own files: what git tracks plus new files not ignored (so a venv, caches or a built site
    inside the working folder, whose shebangs name the checkout's path, are never read as the repo's text).
    Outside a git checkout (an unpacked sdist) every file but the usual build and venv folders."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, check=True).stdout
        return [REPO / r for r in out.decode("utf-8", "replace").split("\0") if r]
    except (OSError, subprocess.CalledProcessError):
        return [p for p in REPO.rglob("*") if not {".venv", "venv", "build", "dist"} & set(p.relative_to(REPO).parts)]


def _files():
    for p in _candidates():
        rel = p.relative_to(REPO)
        if p.is_file() and not SKIP_DIRS & set(rel.parts) and p.suffix in TEXT and rel.name != Path(__file__).name:
            yield rel.as_posix(), p


def test_no_citation_of_reference_notes():
    bad = []
    for rel, p in _files():
        text = p.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            if CITATION.search(line) and not (rel in READS_REFERENCE and "shared" in line and "reference" in line):
                bad.append(f"{rel}:{n}: {line.strip()}")
    assert not bad, "cites notes outside the repository:\n" + "\n".join(bad)


def test_shared_folder_is_only_a_data_location_and_never_in_shipped_files():
    bad = []
    for rel, p in _files():
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for m in re.finditer(r"\.\./shared\b(/\w+)?", line):
                if m.group(1) != "/data" and not (rel == "tests/conftest.py" and m.group(0) == "../shared") \
                        or rel.startswith(SHIPPED):
                    bad.append(f"{rel}:{n}: {line.strip()}")
    assert not bad, "refers to ../shared other than as the staged data folder:\n" + "\n".join(bad)
