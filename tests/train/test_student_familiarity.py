"""`unibench train` writes the student's training type counts next to its checkpoint, and
`unibench run --model hf:DIR` stamps each row result with the student's Familiarity."""

from __future__ import annotations

import json

import pytest

from unibench.cards import get_card
from unibench.resources import package_data
from unibench.results import iter_result_files, read_result

torch = pytest.importorskip("torch")


def test_student_carries_its_training_types_and_familiarity(tmp_path, tiny_llama_dir, small_conv_file, minilm_dir,
                                                            cli):
    out = tmp_path / "student"
    rc, _, err = cli("train", "--data", small_conv_file, "--base", tiny_llama_dir, "--out", out, "--epochs", "1",
                     "--batch-size", "2", "--grad-accum", "1", "--eval-fraction", "0", "--json")
    assert rc == 0, err
    types = json.loads((out / "training_types.json").read_text())
    # small_conv_file's answers: person 2 + 2, location 1 + 2, award 1, programming language 2, organization 1,
    # algorithm 2 (the [] answers add nothing)
    assert types["types"] == {"algorithm": 2, "award": 1, "location": 3, "organization": 1, "person": 4,
                              "programming language": 2}
    assert types["source"] == small_conv_file.name and types["records"] == 5
    rc, _, err = cli("run", "--model", f"hf:{out}", "--datasets", "crossner_ai", "--limit", "1",
                     "--data-dir", package_data("demo_data"), "--cache-dir", tmp_path / "cache",
                     "--output-dir", tmp_path / "results", "--json")
    assert rc == 0, err
    (path,) = [p for p in iter_result_files(tmp_path / "results")]
    fam = read_result(path).familiarity
    assert fam is not None and list(fam.per_type) == get_card("crossner_ai").types
    assert fam.training_types_sha256 == types["sha256"] and fam.k == 1000
    assert fam.embedding_model == "sentence-transformers/all-MiniLM-L6-v2"
    # the types the student saw are the most familiar ones of the row
    assert fam.per_type["person"] > fam.per_type["metrics"] and fam.per_type["organization"] > fam.per_type["field"]
    assert fam.mean == pytest.approx(sum(fam.per_type.values()) / len(fam.per_type), abs=1e-6)
