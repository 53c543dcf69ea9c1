"""`unibench submit RESULTS_DIR --repo OWNER/NAME [--dry-run]`: a validated pull request to the results repo."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("submit")
    def submit(results_dir: Path = typer.Argument(..., metavar="RESULTS_DIR", help="Folder of your run results."),
               repo: str = typer.Option(..., "--repo", metavar="OWNER/NAME", help="The shared results dataset repo."),
               dry_run: bool = typer.Option(False, "--dry-run", help="Validate and print exactly the files that "
                                                                     "would be uploaded; contact nothing."),
               model_meta: Optional[Path] = typer.Option(None, "--model-meta", metavar="FILE",
                                                         help="model_meta.json to publish instead of the result "
                                                              "files' model block (e.g. to add n_parameters, url)."),
               message: Optional[str] = typer.Option(None, "--message", help="Pull request title."),
               as_json: bool = typer.Option(False, "--json", help="Print a JSON summary.")):
        """Validate RESULTS_DIR with the results repo's checks, then open a pull request on the Hugging Face
        dataset repo (results/<org>__<model>/<revision>/<row>.json + model_meta.json). The token (HF_TOKEN or
        `hf auth login`) is checked first and never printed."""
        from rich.markup import escape

        from ..printable import one_paragraph, printable
        from ..submit import SubmissionRefused, connect, find_token, open_pull_request, plan_submission
        from ._common import console, err_console, print_json
        from ..errors import plural  # noqa: I001 - apart from the imports other branches edit

        api = token = info = None
        if not dry_run:  # token and repo first: nothing else happens with a bad token or a mistyped repo
            token = find_token()
            from ..leaderboard.hub import check_repo_id

            api, who, info = connect(check_repo_id(repo), token)
            if not as_json:
                err_console.print(f"authenticated as {printable(who.get('name', '?'))}; dataset repo {repo} found",
                                  markup=False)
        try:
            plan = plan_submission(results_dir, repo, model_meta)
        except SubmissionRefused as exc:
            if as_json:
                print_json({"ok": False, "uploaded": False, "problems": exc.problems})
            else:
                for p in exc.problems:
                    err_console.print(f"[red]✗[/] {escape(one_paragraph(p))}", markup=True)
                err_console.print(f"submission refused: {plural(len(exc.problems), 'problem')}; nothing was uploaded",
                                  markup=False)
            raise typer.Exit(1)
        summary = plan.summary()
        existing = {s.rfilename for s in (getattr(info, "siblings", None) or [])}
        summary["replaces"] = sorted(u.path_in_repo for u in plan.uploads if u.path_in_repo in existing)
        if dry_run:
            summary.update(ok=True, uploaded=False, dry_run=True)
            if as_json:
                print_json(summary)
                return
            for w in plan.warnings:
                err_console.print(f"warning: {printable(w)}", markup=False, soft_wrap=True)
            console.print(f"dry run: would open a pull request on dataset repo {repo} with {len(plan.uploads)} "
                          "files:", markup=False)
            for u in plan.uploads:
                console.print(f"  {printable(u.path_in_repo)}  ({len(u.data)} bytes, sha256 {u.sha256[:12]}, "
                              f"from {printable(u.source)})",
                              markup=False, soft_wrap=True)
            for u in plan.uploads:
                if u.source == "generated":
                    console.print(f"--- {printable(u.path_in_repo)}\n"
                                  + "\n".join(printable(x) for x in u.data.decode('utf-8').split("\n")),
                                  markup=False, soft_wrap=True)
            return
        commit = open_pull_request(api, plan, token, parent=getattr(info, "sha", None), message=message)
        summary.update(ok=True, uploaded=True, pr_url=commit.pr_url, commit=commit.oid)
        if as_json:
            print_json(summary)
            return
        if summary["replaces"]:
            console.print(f"the pull request replaces {plural(len(summary['replaces']), 'existing file')}",
                          markup=False)
        for w in plan.warnings:
            err_console.print(f"warning: {printable(w)}", markup=False, soft_wrap=True)
        console.print(f"opened pull request {printable(commit.pr_url)} ({len(plan.uploads)} files)", markup=False,
                      soft_wrap=True)
