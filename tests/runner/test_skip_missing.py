"""`unibench run --skip-missing` and `unibench data list`: partial benchmarks run, coverage is visible, and
means over a partial set of rows are marked as such (never passed off as the benchmark's mean)."""

import json
import shutil

from tests.conftest import SHARED_DATA, needs_shared
from unibench.availability import row_availability
from unibench.cards import load_registry
from unibench.cli.main import main
from unibench.resources import package_data


def _bench_rows(name: str) -> list[str]:
    import yaml

    return yaml.safe_load(package_data("benchmark_sets.yaml").read_text())[name]["rows"]


@needs_shared("crossner_ai", "conllpp")
def test_skip_missing_runs_the_staged_rows_of_uniner_zeroshot_and_lists_the_rest(tmp_path, capsys):
    out = tmp_path / "results"
    rc = main(["run", "--model", "gazetteer", "--benchmark", "uniner-zeroshot", "--skip-missing", "--limit", "2",
               "--data-dir", str(SHARED_DATA), "--cache-dir", str(tmp_path / "cache"), "--output-dir", str(out),
               "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err[-2000:]
    summary = json.loads(captured.out)
    cov = summary["coverage"]
    rows = _bench_rows("uniner-zeroshot")
    reg = load_registry()
    staged = {r for r in rows if row_availability(reg[r], SHARED_DATA).status == "available"}
    ran = set(summary["datasets"])
    assert cov["rows_total"] == 49 and cov["rows_run"] == len(ran) and cov["partial"] is True
    assert ran <= staged and len(ran) >= 20  # the gazetteer also needs a train (or dev) split of the row
    assert set(cov["missing"]) == set(rows) - ran  # every other row is listed, with its reason
    for r in set(rows) - staged:
        assert cov["missing"][r]["status"] in ("downloadable", "licence", "manual", "missing")
        assert f"skipping {r} (" in captured.err
    for r in staged - ran:  # staged, but no dictionary to build the gazetteer from
        how = cov["missing"][r]["how"]
        assert cov["missing"][r]["status"] == "missing" and ("train" in how or "dev" in how)
    assert cov["missing"]["ace04"]["status"] == "licence" and "ldc" in cov["missing"]["ace04"]["where"]
    assert cov["missing"]["fewnerd_fine"]["status"] == "downloadable"
    assert "unibench data download fewnerd_fine" in cov["missing"]["fewnerd_fine"]["how"]
    assert cov["text"] == f"{len(ran)}/49 rows; domain means over available rows"
    # means over a partial set are marked; Clinics has no runnable row and is shown as 0 of 7
    assert summary["overall"]["partial"] is True and summary["overall"]["n_rows"] == len(ran)
    assert summary["overall"]["n_rows_expected"] == 49
    assert summary["domains"]["Clinics"] == {"f1": None, "n_rows": 0, "rows": [], "ci95": None,
                                             "n_rows_expected": 7, "partial": True}
    assert summary["domains"]["General"]["partial"] is True
    assert all(d["n_rows"] < d["n_rows_expected"] for d in summary["domains"].values() if d["partial"])
    # the same summary, with its coverage, is written beside the row results (and is not read as a result)
    (written,) = out.rglob("uniner-zeroshot.summary.json")
    assert json.loads(written.read_text())["coverage"] == cov
    assert str(SHARED_DATA) not in written.read_text() and str(tmp_path) not in written.read_text()  # no local paths
    from unibench.results import iter_result_files

    assert written not in set(iter_result_files(out)) and len(list(iter_result_files(out))) == len(ran)


def test_skip_missing_tables_and_a_complete_subset(tmp_path, capsys):
    """Offline with the demo data copied as a data dir: crossner-mit has 2 of its 7 rows; the tables say partial."""
    data = tmp_path / "data"
    shutil.copytree(package_data("demo_data"), data)
    args = ["run", "--model", "gazetteer", "--benchmark", "crossner-mit", "--skip-missing", "--data-dir", str(data),
            "--cache-dir", str(tmp_path / "cache"), "--output-dir", str(tmp_path / "out"), "--limit", "3"]
    assert main(args) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "coverage: 2/7 rows; domain means over available rows" in text
    assert "PARTIAL: mean over 2 of 7 rows" in text and "PARTIAL domain means" in text
    assert "General 2/5" in text and "Social media 0/2" in text
    # without --skip-missing the same command stops at the first missing row, as before
    assert main(args[:5] + args[6:]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "mit_movie" in err and "or add --skip-missing" in err


def test_skip_missing_with_nothing_available_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["run", "--model", "gazetteer", "--benchmark", "crossner-mit", "--skip-missing", "--data-dir",
                 str(tmp_path / "empty"), "--output-dir", str(tmp_path / "out")]) == 2
    assert "none of the 7 rows" in capsys.readouterr().err


def test_data_list_shows_availability(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(package_data("demo_data"), data)
    assert main(["data", "list", "--data-dir", str(data), "--json"]) == 0
    rows = {r["id"]: r["availability"] for r in json.loads(capsys.readouterr().out)}
    assert len(rows) == 49
    assert rows["crossner_ai"]["status"] == "available" and rows["btc"]["status"] == "available"
    assert rows["multinerd"]["status"] == "downloadable" and "Babelscape/multinerd" in rows["multinerd"]["where"]
    assert rows["i2b2_2010"]["status"] == "licence" and "portal.dbmi.hms.harvard.edu" in rows["i2b2_2010"]["where"]
    assert rows["scirex"]["status"] == "manual"
    assert rows["anatem"]["status"] == "missing"
    assert main(["data", "list", "--data-dir", str(data)]) == 0
    table = capsys.readouterr().out
    assert "3 available" in table and "licence" in table and "downloadable" in table
