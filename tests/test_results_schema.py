"""The ResultFile schema: what it accepts, what it refuses, and that writing then reading changes nothing."""

from __future__ import annotations

import json

import pytest

from unibench.errors import DataFormatError
from unibench.results import (DatasetInfo, ModelInfo, ResultFile, Scores, model_slug, read_result, result_path,
                              write_result)
from unibench.scorer import SCORER_VERSION, score_records


def _run_result() -> ResultFile:
    """A run result built from real scorer output on a few records (as `unibench run` would write it)."""
    recs = [{"dataset": "crossner_ai", "output": o, "gold": g, "sentence_id": s, "label": t, "text": "Hinton at Google"}
            for o, g, s, t in (('["Hinton"]', ["Hinton"], "0", "person"), ('["Google", "x"]', ["Google"], "0",
                                                                           "organization"),
                               ("", ["Toronto"], "1", "location"), ("oops", [], "1", "person"))]
    sc = score_records(recs, n_resamples=20, seed=3)["crossner_ai"].to_dict()
    return ResultFile.model_validate({
        "kind": "run",
        "model": {"id": "Universal-NER/UniNER-7B-type", "revision": "abc123", "display_name": "UniNER-7B-type",
                  "family": "uniner", "n_parameters": 6_738_415_616},
        "dataset": {"row": "crossner_ai", "dataset": "crossner", "domain": "General", "revision": "deadbeef",
                    "content_hash": "0" * 64, "label_map_hash": "1" * 64, "n_sentences": 2, "n_queries": 4},
        "scores": {k: sc[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")} | {"ci95": sc["ci95"],
                                                                                         "n_bootstrap": 20,
                                                                                         "bootstrap_seed": 3},
        "per_type": sc["per_type"],
        "diagnostics": {"n_outputs": 4} | {k: sc[k] for k in ("parse_failures", "empty_outputs", "n_pred_items",
                                                              "hallucinations", "parse_failure_rate",
                                                              "empty_output_rate", "hallucination_rate")},
        "prompt": {"adapter": "uniner", "template_hash": "2" * 64},
        "decoding": {"temperature": 0, "max_new_tokens": 256},
        "backend": {"name": "dummy", "versions": {"python": "3.11"}},
        "stamps": {"scorer_version": SCORER_VERSION, "date": "2024-01-01T00:00:00+00:00"},
    })


def _reported_result() -> ResultFile:
    return ResultFile(
        kind="reported",
        model=ModelInfo(id="paper/UniNER-7B-type", revision="reported", display_name="UniNER-7B", family="uniner"),
        dataset=DatasetInfo(row="ncbi", dataset="ncbi", domain="Biomed", revision="unknown (reported)",
                            content_hash="unknown (reported)", label_map_hash="unknown (reported)"),
        scores=Scores(f1=0.604),
        reported={"key": "fig9", "source": "UniNER arXiv 2308.03279v2, Fig. 9", "value_text": "60.4"},
        stamps={"scorer_version": "reported", "date": "2024-01-19"},
    )


def test_run_round_trip(tmp_path):
    res = _run_result()
    path = result_path(tmp_path, res)
    assert path == tmp_path / "Universal-NER__UniNER-7B-type" / "abc123" / "crossner_ai.json"
    write_result(path, res)
    back = read_result(path)
    assert back == res
    # Writing what was read gives the same bytes.
    write_result(tmp_path / "again.json", back)
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()
    assert back.scores.tp == 2 and back.scores.fn == 1 and back.per_type["person"].fp == 0


def test_reported_round_trip_and_path(tmp_path):
    res = _reported_result()
    path = result_path(tmp_path, res)
    assert path == tmp_path / "reported" / "paper__UniNER-7B-type" / "fig9" / "ncbi.json"
    write_result(path, res)
    assert read_result(path) == res
    assert res.dataset.n_sentences is None  # a paper number does not invent counts it does not have


def _tampered(tmp_path, edit) -> "Path":  # noqa: F821
    res = _run_result()
    obj = res.model_dump(mode="json", exclude_none=True)
    edit(obj)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


@pytest.mark.parametrize("what,edit,message", [
    ("f1 not matching counts", lambda o: o["scores"].update(f1=o["scores"]["f1"] + 0.01), "does not match"),
    ("precision not matching counts", lambda o: o["scores"].update(precision=1.0), "does not match"),
    ("NaN f1", lambda o: o["scores"].update(f1=float("nan")), "scores.f1"),
    ("f1 as a percentage", lambda o: o["scores"].update(f1=57.1), "scores.f1"),
    ("CI outside [0, 1]", lambda o: o["scores"].update(ci95=[0.2, 1.5]), "ci95"),
    ("missing model", lambda o: o.pop("model"), "model"),
    ("missing stamps", lambda o: o.pop("stamps"), "stamps"),
    ("missing scorer version", lambda o: o["stamps"].pop("scorer_version"), "scorer_version"),
    ("missing dataset hash", lambda o: o["dataset"].pop("content_hash"), "content_hash"),
    ("run without counts", lambda o: o["scores"].pop("tp"), "counts"),
    ("run without n_queries", lambda o: o["dataset"].pop("n_queries"), "n_queries"),
    ("run without diagnostics", lambda o: o.pop("diagnostics"), "diagnostics"),
    ("run as an aggregate", lambda o: o.update(scope="domain", domain="General"), "per row"),
    ("unknown field", lambda o: o.update(score=0.5), "score"),
    ("unknown kind", lambda o: o.update(kind="guess"), "kind"),
])
def test_invalid_results_fail(tmp_path, what, edit, message):
    path = _tampered(tmp_path, edit)
    with pytest.raises(DataFormatError) as info:
        read_result(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_reported_needs_its_source(tmp_path):
    obj = _reported_result().model_dump(mode="json", exclude_none=True)
    obj.pop("reported")
    path = tmp_path / "r.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(DataFormatError, match="reported"):
        read_result(path)


def test_aggregate_shapes():
    base = _reported_result().model_dump(exclude_none=True)
    with pytest.raises(ValueError, match="domain"):
        ResultFile.model_validate(base | {"scope": "domain", "dataset": None})
    ok = ResultFile.model_validate({k: v for k, v in base.items() if k != "dataset"} | {
        "scope": "domain", "domain": "Biomed", "benchmark": "uniner-zeroshot"})
    assert ok.domain == "Biomed"
    with pytest.raises(ValueError, match="dataset"):
        ResultFile.model_validate({k: v for k, v in base.items() if k != "dataset"})  # a row needs its dataset


def test_invalid_json_names_file_and_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "kind": "run",\n  oops\n}', encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_result(path)
    assert f"{path}:3" in str(info.value)


def test_model_slug():
    assert model_slug("Universal-NER/UniNER-7B-type") == "Universal-NER__UniNER-7B-type"
    assert model_slug("paper/UniNER-7B w/ sup") == "paper__UniNER-7B_w___sup"  # space, slash, space
