"""The run's progress display: datasets k/N, queries done/total, cache hits, queries/s, ETA."""

import io

from rich.console import Console

from unibench.cli.run import RowProgress, progress_bar


class _Cached:
    hits = 0


def test_row_progress_shows_totals_hits_rate_and_eta():
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False, color_system=None)
    rb = _Cached()
    with progress_bar(console) as bar:
        outer = bar.add_task("datasets 1/3 crossner_ai", total=3, stats="")
        row = RowProgress(bar, "  queries", rb)
        row.total(26)
        rb.hits = 4
        row(4)
        row(6)
        text = _render(bar)
        assert "datasets 1/3 crossner_ai" in text and "0/3" in text
        assert "10/26" in text and "cache hits 4" in text and "q/s" in text and "ETA" in text
        row.close()
        bar.update(outer, advance=1)
        assert "10/26" not in _render(bar)


def _render(bar) -> str:
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(bar.get_renderable())
    return buf.getvalue()
