"""The site's big tables are written as plain strings (leaderboard/fragments.py) instead of Jinja2 loops
and macros, for speed. Pinned here: on a varied board (reported paper numbers, full and partial runs,
a hostile name, Familiarity, per-type scores, cost, a mostly-unparsed row, sampled data, a supervised
model, several groups, a sample log, an unverified test-set version) every file of the site is byte for
byte what the former templates (kept in reference_templates/, the straightforward rendering) write."""

from __future__ import annotations

from pathlib import Path

import pytest

from unibench.cards import get_card
from unibench.leaderboard import site
from unibench.results import Cost, Diagnostics, Familiarity

from .conftest import HOSTILE, REPO, full_runs, make_run, write, write_samples

REFERENCE = Path(__file__).parent / "reference_templates"


def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def varied(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("varied") / "runs"
    full_runs(root, "org/a", "A & <b>", 0.60, n_parameters=7_000_000_000)
    full_runs(root, "org/b", "B", 0.59, seed=31)
    types = get_card("crossner_ai").types
    fam = make_run("org/student", "Student", "crossner_ai", 80, 20, 20)
    fam.familiarity = Familiarity(mean=0.5, per_type={t: (0.9 if t == "person" else 0.4) for t in types},
                                  embedding_model="sentence-transformers/all-MiniLM-L6-v2", k=1000,
                                  training_types_sha256="f" * 64, training_source=None)
    fam.cost = Cost(input_tokens=123456, output_tokens=789, tokens_from="api usage", generated=10, cached=0,
                    wall_seconds=12.34, device_seconds=1.5, device_time="process CPU time", price_in=2.0,
                    price_out=8.0, usd=0.253224)
    write(root, fam)
    cheap = make_run("org/student", "Student", "mit_movie", 50, 50, 50, seed=4)
    cheap.cost = Cost(tokens_from="none", generated=10, cached=0, wall_seconds=2.0, device_seconds=0.25,
                      device_time="process CPU time")
    write(root, cheap)
    evil = make_run("evil/model", HOSTILE, "crossner_ai", 40, 40, 40, seed=2, training=["crossner_ai"])
    evil.decoding = {"max_new_tokens": 256, "temperature": 0.0, "stop": ["<x>"], "sample": False}
    evil.stamps.command = f"unibench run --model '{HOSTILE}'"
    write_samples(write(root, evil), 3)
    prose = make_run("org/prose", "Prose", "crossner_ai", 0, 0, 100, seed=5)
    n = prose.diagnostics.n_outputs
    prose.diagnostics = Diagnostics(n_outputs=n, parse_failures=n, empty_outputs=0, n_pred_items=0,
                                    hallucinations=0, parse_failure_rate=1.0, empty_output_rate=0.0)
    write(root, prose)
    write(root, make_run("org/one", "One row", "mit_movie", 20, 10, 10, seed=6, scorer="1.1"))  # another group
    return [REPO / "results", root]


def test_fast_rows_write_the_reference_templates_site(varied, tmp_path, monkeypatch):
    monkeypatch.setenv("UNIBENCH_BUILD_WORKERS", "1")
    site.build_site(varied, tmp_path / "fast", include_partial=True)
    monkeypatch.setattr(site, "TEMPLATES", REFERENCE)
    site.build_site(varied, tmp_path / "reference", include_partial=True)
    fast, reference = _files(tmp_path / "fast"), _files(tmp_path / "reference")
    assert list(fast) == list(reference) and len(fast) > 70
    for name in fast:
        assert fast[name] == reference[name], name
    pages = b"".join(text for name, text in fast.items() if name.endswith(".html"))
    for needle in (b"Familiarity per type", b"mostly unparsed", b"123,456 in / 789 out tokens", b"trained on this row",
                   b"supervised</span>", b"reported fig9", b"browse</a>", b"(partial)</span>", b"&lt;script&gt;"):
        assert needle in pages, needle
    assert b"<script>window" not in pages
