"""Fixture result files for leaderboard and validation tests (written with the real results schema)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unibench.cards import get_card
from unibench.metrics import bootstrap
from unibench.results import (Backend, DatasetInfo, Diagnostics, ModelInfo, Prompt, ResultFile, Scores, Stamps,
                              result_path, write_result)
from unibench.scorer import SCORER_VERSION

HOSTILE = "<script>window.__pwned=1</script> \"Quote's\" модель ☃"


def make_run(model_id: str, display: str, row: str, tp: int, fp: int, fn: int, seed: int = 1) -> ResultFile:
    card = get_card(row)
    p, r, f = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0), 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    per_sentence = [(tp // 50 + (i < tp % 50), fp // 50 + (i < fp % 50), fn // 50 + (i < fn % 50)) for i in range(50)]
    reps = bootstrap.replicates(per_sentence, n=200, seed=seed)
    return ResultFile(
        kind="run", model=ModelInfo(id=model_id, revision="abc123", display_name=display, family="uniner"),
        dataset=DatasetInfo(row=row, dataset=card.dataset, domain=card.domain, revision="r", content_hash="0" * 64,
                            label_map_hash=card.label_map_hash, n_sentences=50, n_queries=50 * card.n_types),
        scores=Scores(precision=p, recall=r, f1=f, tp=tp, fp=fp, fn=fn, ci95=bootstrap.interval(reps),
                      n_bootstrap=200, bootstrap_seed=seed, f1_replicates=reps),
        diagnostics=Diagnostics(n_outputs=50 * card.n_types, parse_failures=3, empty_outputs=1, n_pred_items=tp + fp,
                                hallucinations=2, hallucination_rate=2 / max(tp + fp, 1)),
        prompt=Prompt(adapter="uniner", template_hash="h" * 64), decoding={"max_new_tokens": 256},
        backend=Backend(name="dummy", versions={"x": "1"}), stamps=Stamps(scorer_version=SCORER_VERSION))


@pytest.fixture()
def run_results(tmp_path) -> Path:
    root = tmp_path / "runs"
    for r in (make_run("org/good-model", "Good model", "crossner_ai", 80, 20, 20),
              make_run("org/good-model", "Good model", "mit_restaurant", 60, 30, 40),
              make_run("evil/model", HOSTILE, "crossner_ai", 40, 40, 40, seed=2)):
        write_result(result_path(root, r), r)
    return root
