"""Known test sets: validate and the leaderboard refuse a full run scored on another test set than the
one the card records; partial runs are compared by hash only; rows without a record stay accepted,
marked "test set not verified" (on the site too)."""

import json

from unibench.cards import get_card
from unibench.cli.main import main
from unibench.leaderboard.board import collect
from unibench.leaderboard.site import build_site
from unibench.validate import NOT_VERIFIED, validate_dir

from .conftest import make_run, write


def _partial(r, n: int):
    """A --limit n run as `unibench run` stamps it: n sentences, the full split's content hash."""
    card = get_card(r.dataset.row)
    r.dataset.limit = r.dataset.n_sentences = n
    r.dataset.n_queries = r.diagnostics.n_outputs = n * card.n_types
    r.diagnostics.parse_failure_rate = r.diagnostics.parse_failures / r.dataset.n_queries
    r.diagnostics.empty_output_rate = r.diagnostics.empty_outputs / r.dataset.n_queries
    return r


def test_the_card_records_the_staged_test_set():
    ts = get_card("crossner_ai").test_sets
    assert ts["paper"].sentences == 431 and ts["corrected"].sentences == 431
    assert ts["paper"].sha256 != ts["corrected"].sha256  # the paper version drops sentence-final entities
    assert not get_card("ace04").test_sets  # not staged: nothing recorded


def test_full_run_on_the_recorded_test_set_passes(tmp_path):
    write(tmp_path, make_run("org/m", "M", "crossner_ai", 50, 10, 10))
    rep = validate_dir(tmp_path)
    assert rep.ok and not rep.unverified, rep.problems


def test_truncated_test_set_is_refused_naming_counts_and_hashes(tmp_path, capsys):
    known = get_card("crossner_ai").test_sets["paper"]
    r = make_run("org/m", "M", "crossner_ai", 50, 10, 10, content_hash="ab" * 32)
    r.dataset.n_sentences, r.dataset.n_queries = 100, 1300  # the stale-cache scenario: 100 of 431 sentences
    r.diagnostics.n_outputs = 1300
    r.diagnostics.parse_failure_rate, r.diagnostics.empty_output_rate = 3 / 1300, 1 / 1300
    path = write(tmp_path, r)
    rep = validate_dir(tmp_path)
    assert not rep.ok
    [msg] = [p for p in rep.problems if "different test set" in p]
    assert f"expected {known.sentences} sentences, sha256 {known.sha256}" in msg
    assert "found 100 sentences, sha256 " + "ab" * 32 in msg
    assert main(["validate", str(tmp_path)]) == 1
    assert "different test set" in capsys.readouterr().err
    board = collect([tmp_path])
    assert not board.entries and any(str(path) in s and "different test set" in s for s in board.skipped)


def test_same_count_other_hash_is_refused(tmp_path):
    write(tmp_path, make_run("org/m", "M", "crossner_ai", 50, 10, 10, content_hash="cd" * 32))
    rep = validate_dir(tmp_path)
    assert any("different test set" in p for p in rep.problems), rep.problems


def test_partial_runs_are_compared_by_hash_only(tmp_path):
    write(tmp_path, _partial(make_run("org/m", "M", "crossner_ai", 5, 1, 1), 20))
    rep = validate_dir(tmp_path)
    assert not any("different test set" in p for p in rep.problems), rep.problems
    assert any("partial or demo run" in p for p in rep.problems)  # still not a leaderboard run
    other = tmp_path / "other"
    write(other, _partial(make_run("org/m", "M", "crossner_ai", 5, 1, 1, content_hash="ef" * 32), 20))
    rep = validate_dir(other)
    [msg] = [p for p in rep.problems if "different test set" in p]
    assert "20 sentences (--limit 20)" in msg


def test_corrected_version_is_checked_against_its_own_record(tmp_path):
    card = get_card("crossner_ai")
    r = make_run("org/m", "M", "crossner_ai", 5, 1, 1)  # the paper hash...
    r.dataset.version = "corrected"  # ...stamped on a corrected-version run
    write(tmp_path, r)
    rep = validate_dir(tmp_path)
    assert any(card.test_sets["corrected"].sha256 in p for p in rep.problems), rep.problems


def test_unverified_row_is_accepted_and_marked(tmp_path, capsys):
    root = tmp_path / "runs"
    write(root, make_run("org/m", "M", "ace04", 5, 5, 5))
    write(root, make_run("org/m", "M", "crossner_ai", 5, 5, 5))
    rep = validate_dir(root)
    assert rep.ok and not rep.warnings, rep.problems
    assert [p.rsplit("/", 1)[-1] for p in rep.unverified] == ["ace04.json"]
    assert main(["validate", str(root), "--strict"]) == 0  # a mark, not a warning
    out = capsys.readouterr().out
    assert "test set not verified" in out and "ace04" in out
    assert main(["validate", str(root), "--json"]) == 0
    assert [p.rsplit("/", 1)[-1] for p in json.loads(capsys.readouterr().out)["test_set_not_verified"]] == \
        ["ace04.json"]
    site = tmp_path / "site"
    build_site([root], site)
    assert NOT_VERIFIED in (site / "datasets" / "ace04.html").read_text()
    assert NOT_VERIFIED not in (site / "datasets" / "crossner_ai.html").read_text()
    [model_page] = (site / "models").glob("*.html")
    assert model_page.read_text().count(NOT_VERIFIED) == 1  # the ace04 row only
    listing = (site / "datasets.html").read_text()
    assert "431 sentences, verified" in listing and NOT_VERIFIED in listing
