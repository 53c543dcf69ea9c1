"""Validate the open pull requests of the unibench results repo on the Hub; optionally comment the verdict.

    python scripts/validate_pull_requests.py ORG/unibench-results [--pr N ...] [--comment]

Each pull request's revision (refs/pr/N) is downloaded (result files only) and checked with exactly what
`unibench validate --require-model-meta` checks. A pull request that cannot be downloaded (a revision that is not a
commit id, oversize files, file names that are not plain paths) fails with the reason, and the others are still
checked. Text from the pull request is printed with control characters escaped. With --comment (needs HF_TOKEN with
write access), the verdict is posted on the pull request. Exit status 1 when any pull request fails, so a CI job
shows it.
"""

from __future__ import annotations

import argparse
import os
import sys

from huggingface_hub import HfApi

from unibench.errors import UnibenchError, plural
from unibench.leaderboard.hub import download_results, endpoint
from unibench.printable import error_text, printable
from unibench.validate import validate_dir

MAX_LISTED = 30


def verdict(repo: str, num: int) -> tuple[bool, str]:
    try:
        folder = download_results(repo, revision=f"refs/pr/{num}")
    except UnibenchError as exc:
        return False, f"unibench validate: the pull request was not downloaded: {error_text(exc)}"
    rep = validate_dir(folder, require_model_meta=True)
    root = str(folder)
    problems = [p.replace(root, "results") for p in rep.problems]
    if rep.ok:
        text = f"unibench validate: {plural(rep.files, 'result file')}, all checks pass."
    else:
        text = (f"unibench validate: {plural(rep.files, 'result file')}, {plural(len(problems), 'problem')}:\n\n"
                + "\n".join(f"- {p}" for p in problems[:MAX_LISTED])
                + ("\n- ..." if len(problems) > MAX_LISTED else ""))
    return rep.ok, text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo")
    ap.add_argument("--pr", type=int, action="append", help="pull request number (default: every open one)")
    ap.add_argument("--comment", action="store_true", help="post the verdict on each pull request (HF_TOKEN)")
    args = ap.parse_args(argv)
    api = HfApi(endpoint=endpoint(), token=os.environ.get("HF_TOKEN") or None)
    nums = args.pr or [d.num for d in api.get_repo_discussions(args.repo, repo_type="dataset",
                                                                 discussion_type="pull_request",
                                                                 discussion_status="open")]
    failed = 0
    for num in nums:
        ok, text = verdict(args.repo, num)
        failed += not ok
        shown = "\n".join(printable(line) for line in text.split("\n"))
        print(f"refs/pr/{num}: {'ok' if ok else 'FAILED'}\n{shown}\n")
        if args.comment:
            api.comment_discussion(args.repo, num, text, repo_type="dataset")
    print(f"{len(nums)} pull request(s), {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
