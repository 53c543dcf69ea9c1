"""`leaderboard build --include-partial`: --limit runs on the site, in groups of their own, never ranked with full
runs; without the flag (and in `validate`) they stay refused."""

from __future__ import annotations

import json

from unibench.cards import get_card
from unibench.cli.main import main
from unibench.leaderboard.board import collect, group_of
from unibench.results import read_result
from unibench.validate import validate_dir

from .conftest import make_run, write

ROW = "crossner_ai"


def _partial(root, limit: int = 5):
    """A --limit run as `unibench run` stamps it: the first `limit` sentences, the full split's content hash."""
    n_q = limit * get_card(ROW).n_types
    r = make_run("org/partial-model", "Partial model", ROW, 8, 2, 2)
    r = r.model_copy(update={
        "dataset": r.dataset.model_copy(update={"limit": limit, "n_sentences": limit, "n_queries": n_q}),
        "diagnostics": r.diagnostics.model_copy(update={"n_outputs": n_q, "parse_failure_rate": 3 / n_q,
                                                        "empty_output_rate": 1 / n_q})})
    return write(root, r)


def test_partial_runs_only_with_the_flag_and_in_their_own_group(tmp_path, capsys):
    root = tmp_path / "results"
    write(root, make_run("org/full-model", "Full model", ROW, 80, 20, 20))
    path = _partial(root)
    assert "partial/limit-5" in str(path)
    assert not validate_dir(root).ok  # validate (the results repo's CI) keeps refusing partial runs
    assert validate_dir(root, partial_ok=True).ok

    plain = collect([root])
    assert [e.display for e in plain.entries.values()] == ["Full model"]
    assert any("a partial or demo run" in s for s in plain.skipped)

    board = collect([root], include_partial=True)
    groups = {e.display: e.group for e in board.entries.values()}
    assert groups["Partial model"] == group_of(read_result(path)) and groups["Partial model"].startswith(
        "partial runs (--limit 5)")
    assert groups["Full model"] != groups["Partial model"]  # never in one table, so never ranked together

    out = tmp_path / "site"
    assert main(["leaderboard", "build", "--results", str(root), "--out", str(out), "--include-partial",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert any(g.startswith("partial runs (--limit 5)") for g in summary["groups"])
    page = (out / "datasets" / f"{ROW}.html").read_text(encoding="utf-8")
    assert "Partial model" in page and "partial runs (--limit 5)" in page
    assert main(["leaderboard", "build", "--results", str(root), "--out", str(tmp_path / "site2"), "--json"]) == 0
    assert "Partial model" not in (tmp_path / "site2" / "datasets" / f"{ROW}.html").read_text(encoding="utf-8")
