"""End to end on CPU: gold conversations -> `unibench train` -> `unibench run --model hf:DIR` -> F1.

How "evaluate on the examples it trained on" is made honest and registry-native: a data dir is
built in tmp whose `crossner_literature/test.txt` is the first 20 sentences of the staged
CrossNER literature TRAIN file, copied verbatim (the row's own card, reader and loader read it).
The training data comes from that same split through the real data half of the recipe
(`unibench distill gold-annotations --split test` + `unibench distill build` with frequency
negatives, enough per passage that every type is asked), and the evaluation is the real
`unibench run` with the row's 11 types per sentence, `--limit 20`, and no --adapter flag: the
checkpoint's unibench_model.json has to pick the `uniner` adapter. Dataset version `paper` on both
sides (CrossNER's sentence-final-entity quirk), so the gold the student learns is the gold it is
scored against. CrossNER literature because its first 20 training sentences contain all 11 types.

The student is a 2-layer random Llama whose tokenizer is trained on these conversations; it has
to memorise 220 (passage, query) answers and produce them in the evaluation's 4-turn context,
which it only sees when a query was shuffled first: the recipe's `--reshuffle-each-epoch`
option makes that happen often enough in 200 epochs (without it, a tiny model memorises the
training order and scores ~6 F1, which is what this test would catch as a failure).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA, needs_shared
from tests.train.conftest import conll_head
from tests.train.tiny_models import tiny_causal_lm

torch = pytest.importorskip("torch")
ROW = "crossner_literature"
N = 20


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from unibench.cli.main import main
    from unibench.train.conversations import read_conversations
    from unibench.train.template import render

    root = tmp_path_factory.mktemp("memorise")
    data = root / "data" / ROW
    data.mkdir(parents=True)
    head = conll_head(SHARED_DATA / ROW / "train.txt", N)
    for split in ("train", "test"):
        (data / f"{split}.txt").write_text(head, encoding="utf-8")
    common = ["--data-dir", str(root / "data"), "--cache-dir", str(root / "cache")]
    assert main(["distill", "gold-annotations", "--datasets", ROW, "--split", "test", "--version", "paper",
                 "--out", str(root / "gold.jsonl"), *common]) == 0
    assert main(["distill", "build", "--annotations", str(root / "gold.jsonl"), "--negatives", "frequency",
                 "--n-negatives", "20", "--out", str(root / "conv.json")]) == 0
    convs = read_conversations(root / "conv.json").records
    tiny_causal_lm(root / "base", [render(c).text for c in convs] * 2)
    return root, common, convs


@pytest.mark.slow
@needs_shared(ROW)
def test_tiny_student_memorises_and_scores_through_unibench_run(world, cli):
    root, common, convs = world
    assert len(convs) == N and sum(len(c.pairs) for c in convs) == N * 11  # every type asked of every passage
    out = root / "student"
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matmuls: one thread is faster on a shared 2-core machine
    try:
        rc, stdout, err = cli("train", "--data", root / "conv.json", "--base", root / "base", "--out", out,
                              "--epochs", "200", "--lr", "3e-3", "--batch-size", "4", "--grad-accum", "1",
                              "--eval-fraction", "0", "--max-length", "512", "--reshuffle-each-epoch",
                              "--save-steps", "100000", "--training-dataset", ROW, "--json")
        assert rc == 0, err
        summary = json.loads(stdout)
        assert summary["sizes"]["records"] == N and summary["sizes"]["truncated"] == 0
        assert summary["loss"]["last"] < 0.05 < summary["loss"]["first"]
        meta = json.loads((out / "unibench_model.json").read_text())
        assert meta["adapter"] == "uniner" and meta["status"] == "complete" and meta["training_datasets"] == [ROW]
        card = (out / "README.md").read_text()
        assert meta["data_sha256"] in card and str(root / "base") in card and "| epochs | 200 |" in card
        rc, stdout, err = cli("run", "--model", f"hf:{out}", "--datasets", ROW, "--limit", str(N),
                              "--output-dir", root / "results", "--json", *common)
    finally:
        torch.set_num_threads(before)
    assert rc == 0, err
    res = json.loads(stdout)
    assert res["adapter"] == "uniner"  # picked from unibench_model.json, no --adapter flag
    row = res["datasets"][ROW]
    assert row["n_queries"] == N * 11 and row["parse_failures"] == 0
    print(f"memorisation F1 {row['f1']:.3f} (P {row['precision']:.3f}, R {row['recall']:.3f})")
    assert row["f1"] >= 0.9, row
