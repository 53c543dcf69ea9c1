"""The model page's cost column: tokens, seconds and USD of each row when its result file carries `cost`, a dash
for files without it (reported numbers, results written before the field existed)."""

from __future__ import annotations

from unibench.leaderboard.board import collect
from unibench.leaderboard.site import build_site, entry_slug
from unibench.results import Cost
from tests.leaderboard.conftest import make_run, write


def test_model_page_shows_cost(tmp_path):
    root = tmp_path / "runs"
    priced = make_run("org/api-model", "API model", "crossner_ai", 80, 20, 20)
    priced.cost = Cost(input_tokens=123456, output_tokens=789, tokens_from="api usage", generated=10, cached=0,
                       wall_seconds=12.34, device_seconds=1.5, device_time="process CPU time", price_in=2.0,
                       price_out=8.0, usd=0.253224)
    write(root, priced)
    write(root, make_run("org/old-model", "Old model", "crossner_ai", 70, 30, 30))
    out = tmp_path / "site"
    build_site([root], out)
    board = collect([root])
    page = {e.model_id: (out / "models" / f"{entry_slug(e)}.html").read_text(encoding="utf-8")
            for e in board.entries.values()}
    assert ">cost</th>" in page["org/api-model"] and ">cost</th>" in page["org/old-model"]
    assert "123,456 in / 789 out tokens; 12.3 s wall, 1.5 s CPU; $0.2532" in page["org/api-model"]
    assert 'data-v="0.253224"' in page["org/api-model"]
    assert "out tokens" not in page["org/old-model"]
