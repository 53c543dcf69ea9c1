"""The site shows a row whose outputs mostly failed to parse: on the index's warnings, and on the dataset and
model pages beside the parse-failure share (also for result files written before the field existed)."""

from __future__ import annotations

from unibench.leaderboard.site import build_site, entry_slug
from unibench.leaderboard.board import collect
from unibench.parse_warning import parse_warning
from unibench.results import Diagnostics
from tests.leaderboard.conftest import make_run, write


def _prose_run(model_id: str, *, stamped: bool):
    r = make_run(model_id, "Prose model", "crossner_ai", 0, 0, 100)
    n = r.diagnostics.n_outputs
    warning = parse_warning("crossner_ai", n, n, "uniner") if stamped else None
    r.diagnostics = Diagnostics(n_outputs=n, parse_failures=n, empty_outputs=0, n_pred_items=0, hallucinations=0,
                                parse_failure_rate=1.0, empty_output_rate=0.0, parse_warning=warning)
    return r


def test_site_marks_mostly_unparsed_rows(tmp_path):
    root = tmp_path / "runs"
    write(root, make_run("org/good-model", "Good model", "crossner_ai", 80, 20, 20))
    new = _prose_run("org/prose-new", stamped=True)
    write(root, new)
    write(root, _prose_run("org/prose-old", stamped=False))  # an older file without the field
    board = collect([root])
    marked = [w for w in board.warnings if "did not parse in the uniner adapter's answer format" in w]
    n = new.diagnostics.n_outputs
    assert len(marked) == 2 and all(f"{n}/{n} outputs (100%)" in w for w in marked)
    out = tmp_path / "site"
    build_site([root], out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("did not parse in the uniner adapter") == 2
    dataset = (out / "datasets" / "crossner_ai.html").read_text(encoding="utf-8")
    assert dataset.count("mostly unparsed</span>") == 2  # the two prose models, not the good one
    good = next(e for e in board.entries.values() if e.model_id == "org/good-model")
    prose = next(e for e in board.entries.values() if e.model_id == "org/prose-new")
    assert "mostly unparsed" in (out / "models" / f"{entry_slug(prose)}.html").read_text(encoding="utf-8")
    assert "mostly unparsed" not in (out / "models" / f"{entry_slug(good)}.html").read_text(encoding="utf-8")
