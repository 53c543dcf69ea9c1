"""Fixture result files for leaderboard, validation and submission tests, written with the real
results schema and shaped like `unibench run`'s output (pinned data revision, per-type counts
that add up, a CI that is the percentile interval of the stored replicates)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unibench.cards import get_card
from unibench.metrics import bootstrap
from unibench.metrics.prf import prf
from unibench.results import (Backend, DatasetInfo, Diagnostics, ModelInfo, Prompt, ResultFile, Scores, Stamps,
                              TypeScore, result_path, write_result)
from unibench.scorer import SCORER_VERSION
from unibench.validate import pinned_revisions

HOSTILE = "<script>window.__pwned=1</script> \"Quote's\" модель ☃ <img src=x onerror=window.__pwned=2>"
REPO = Path(__file__).resolve().parents[2]
N_SENT = 50


def _split(total: int, k: int) -> list[int]:
    return [total // k + (i < total % k) for i in range(k)]


def make_run(model_id: str, display: str, row: str, tp: int, fp: int, fn: int, seed: int = 1, *,
             revision: str = "abc123", scorer: str = SCORER_VERSION, content_hash: str | None = None,
             n_parameters: int | None = None, training: list[str] | None = None) -> ResultFile:
    card = get_card(row)
    # the test set the card records (what validate expects of a full run), else a stand-in for an unverified row
    known = card.test_sets.get("paper")
    n_sent = known.sentences if known else N_SENT
    content_hash = content_hash or (known.sha256 if known else "0" * 64)
    p, r, f = prf(tp, fp, fn)
    per_sentence = list(zip(_split(tp, N_SENT), _split(fp, N_SENT), _split(fn, N_SENT)))
    reps = bootstrap.replicates(per_sentence, n=200, seed=seed)
    k = min(2, card.n_types)  # counts split over the first two types (one, for single-type rows)
    per_type = {}
    for t, ttp, tfp, tfn in zip(card.types[:k], _split(tp, k), _split(fp, k), _split(fn, k)):
        tp_, tr_, tf_ = prf(ttp, tfp, tfn)
        per_type[t] = TypeScore(precision=tp_, recall=tr_, f1=tf_, tp=ttp, fp=tfp, fn=tfn, support=ttp + tfn)
    n_q = n_sent * card.n_types
    return ResultFile(
        kind="run", model=ModelInfo(id=model_id, revision=revision, display_name=display, family="uniner",
                                    n_parameters=n_parameters, training_datasets=training or []),
        dataset=DatasetInfo(row=row, dataset=card.dataset, domain=card.domain,
                            revision=sorted(pinned_revisions(card))[0],
                            content_hash=content_hash, label_map_hash=card.label_map_hash, card_hash=card.card_hash(),
                            n_sentences=n_sent, n_queries=n_q),
        scores=Scores(precision=p, recall=r, f1=f, tp=tp, fp=fp, fn=fn, ci95=bootstrap.interval(reps),
                      n_bootstrap=200, bootstrap_seed=seed, f1_replicates=reps),
        per_type=per_type,
        diagnostics=Diagnostics(n_outputs=n_q, parse_failures=3, empty_outputs=1, n_pred_items=tp + fp,
                                hallucinations=min(2, tp + fp), parse_failure_rate=3 / n_q, empty_output_rate=1 / n_q,
                                hallucination_rate=min(2, tp + fp) / max(tp + fp, 1)),
        prompt=Prompt(adapter="uniner", template_hash="h" * 64), decoding={"max_new_tokens": 256},
        backend=Backend(name="dummy", versions={"x": "1"}), stamps=Stamps(scorer_version=scorer))


def write(root: Path, r: ResultFile) -> Path:
    path = result_path(root, r)
    write_result(path, r)
    return path


def write_samples(result_path_: Path, n_sentences: int, hostile: str = HOSTILE) -> Path:
    """A sample log like `unibench run --log-samples` writes, with one hostile gold string."""
    lines = []
    for i in range(n_sentences):
        sid = f"crossner_ai/test/{i}"
        lines.append({"sentence_id": sid, "label": "person", "prompt": f"Text: sentence {i} with {hostile}",
                      "raw_output": '["Ada Lovelace", "nobody"]', "prediction": None,
                      "gold": ["Ada Lovelace", hostile if i == 0 else "Alan Turing"]})
        lines.append({"sentence_id": sid, "label": "location", "prompt": None, "raw_output": "[]",
                      "prediction": None, "gold": []})
    out = result_path_.with_name(result_path_.stem + ".samples.jsonl")
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return out


@pytest.fixture()
def run_results(tmp_path) -> Path:
    root = tmp_path / "runs"
    for r in (make_run("org/good-model", "Good model", "crossner_ai", 80, 20, 20),
              make_run("org/good-model", "Good model", "mit_restaurant", 60, 30, 40),
              make_run("evil/model", HOSTILE, "crossner_ai", 40, 40, 40, seed=2)):
        write(root, r)
    return root


def full_runs(root: Path, model_id: str, display: str, quality: float, *, seed: int = 7, n_parameters=None,
              content_hash: str | None = None, revision: str = "abc123") -> list[Path]:
    """One run per benchmark row (all 49), F1 about `quality`, same sentences and seed per row.
    `content_hash` applies to the rows whose card records no test set (validate refuses a full run on
    any other test set than the recorded one)."""
    from unibench.cards import load_registry

    paths = []
    for i, (row, card) in enumerate(load_registry().items()):
        tp = int(100 * quality) + i % 3
        paths.append(write(root, make_run(model_id, display, row, tp, 100 - tp, 100 - tp, seed=seed + i,
                                          n_parameters=n_parameters,
                                          content_hash=None if card.test_sets.get("paper") else content_hash,
                                          revision=revision)))
    return paths
