"""The five model families end to end through the real CLI (`unibench run`), on tiny checkpoints
built offline (tests/backends/conftest.py) and a real local OpenAI-compatible server.

For each: the result file validates, run_spec.json names what is needed to rerun, the
--log-samples JSONL has one line per query, and `unibench score` on that JSONL gives exactly the
run's scores (counts, F1 and bootstrap CI), so the logged outputs ARE what was scored.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unibench.cli.main import main
from unibench.results import iter_result_files, read_result
from tests.conftest import SHARED_DATA, needs_shared

pytest.importorskip("torch")
pytest.importorskip("transformers")


def run_cli(args: list[str], capsys) -> dict:
    rc = main(["run", *args, "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return json.loads(captured.out)


def check_outputs(out_dir: Path, row: str, capsys, *, adapter: str, limit) -> tuple:
    """Result file + run spec + samples, and `unibench score` of the samples == the run's scores."""
    (path,) = [p for p in iter_result_files(out_dir) if p.name == f"{row}.json"]
    r = read_result(path)  # schema-valid, F1 consistent with counts
    spec = json.loads(path.with_name(f"{row}.run_spec.json").read_text())
    assert (spec["model"], spec["revision"], spec["adapter"], spec["row"], spec["limit"]) == \
        (r.model.id, r.model.revision, adapter, row, limit)
    assert spec["template_hash"] == r.prompt.template_hash and spec["card_hash"] == r.dataset.card_hash
    samples = path.with_name(f"{row}.samples.jsonl")
    lines = [json.loads(x) for x in samples.read_text().splitlines()]
    assert len(lines) == r.dataset.n_queries
    assert main(["score", "--predictions", str(samples), "--json"]) == 0
    rescored = json.loads(capsys.readouterr().out)["datasets"][row]
    s = r.scores
    assert (rescored["tp"], rescored["fp"], rescored["fn"]) == (s.tp, s.fp, s.fn)
    assert rescored["f1"] == pytest.approx(s.f1) and rescored["ci95"] == pytest.approx(list(s.ci95))
    return r, spec, lines


@needs_shared("crossner_ai")
def test_uniner_on_tiny_llama_and_cached_rerun(tiny_llama_dir, tmp_path, capsys):
    args = ["--model", f"hf:{tiny_llama_dir}", "--adapter", "uniner", "--datasets", "crossner_ai", "--data-dir",
            str(SHARED_DATA), "--limit", "2", "--batch-size", "4", "--cache-dir", str(tmp_path / "cache"),
            "--log-samples"]
    first = run_cli([*args, "--output-dir", str(tmp_path / "a")], capsys)["datasets"]["crossner_ai"]
    assert (first["cache_hits"], first["generated"]) == (0, 26)
    r, spec, lines = check_outputs(tmp_path / "a", "crossner_ai", capsys, adapter="uniner", limit=2)
    assert r.model.family == "uniner" and r.model.revision.startswith("sha256-")  # weights hash
    assert r.backend.name == "transformers-hf-causal" and r.dataset.n_queries == 2 * 13
    assert all(x["prompt"].startswith("A virtual assistant answers questions") and x["prompt"].endswith(
        f"What describes {x['label']} in the text? ASSISTANT:") for x in lines)
    assert len({x["raw_output"] for x in lines}) > 1  # real, varied generations
    rerun = run_cli([*args, "--output-dir", str(tmp_path / "b")], capsys)  # new output dir, same cache
    again = rerun["datasets"]["crossner_ai"]
    assert (again["cache_hits"], again["generated"]) == (26, 0) and rerun["model_loaded"] is False
    assert {k: again[k] for k in ("tp", "fp", "fn", "f1")} == {k: first[k] for k in ("tp", "fp", "fn", "f1")}


@needs_shared("crossner_ai")
def test_vicuna_on_tiny_llama(tiny_llama_dir, tmp_path, capsys):
    run_cli(["--model", f"hf:{tiny_llama_dir}", "--adapter", "vicuna", "--datasets", "crossner_ai", "--data-dir",
             str(SHARED_DATA), "--limit", "2", "--output-dir", str(tmp_path / "o"), "--cache-dir",
             str(tmp_path / "c"), "--log-samples"], capsys)
    r, _, lines = check_outputs(tmp_path / "o", "crossner_ai", capsys, adapter="vicuna", limit=2)
    assert r.model.family == "vicuna" and r.dataset.n_queries == 26
    assert lines[0]["prompt"].startswith("A chat between a curious user and an artificial intelligence assistant.")
    assert len({x["prompt"] for x in lines}) == 2  # one request per sentence, all types at once
    assert "parser_unknown_type_pieces" in r.backend.settings


@needs_shared("conllpp")
def test_instructuie_on_tiny_t5(tiny_t5_dir, tmp_path, capsys):
    run_cli(["--model", f"hf:{tiny_t5_dir}", "--adapter", "instructuie", "--datasets", "conllpp", "--data-dir",
             str(SHARED_DATA), "--limit", "3", "--output-dir", str(tmp_path / "o"), "--cache-dir",
             str(tmp_path / "c"), "--log-samples"], capsys)
    r, _, lines = check_outputs(tmp_path / "o", "conllpp", capsys, adapter="instructuie", limit=3)
    assert r.backend.name == "transformers-hf-seq2seq" and r.decoding["max_new_tokens"] == 50
    assert lines[0]["prompt"].startswith("Please list all entity words in the text that fit the category.Output")


@needs_shared("crossner_ai")
def test_chatgpt_through_a_local_openai_server_scores_like_dummy(tmp_path, capsys, monkeypatch):
    pytest.importorskip("openai")
    from tests.helpers.openai_server import base_url, start_server

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    srv = start_server()
    try:
        common = ["--datasets", "crossner_ai", "--data-dir", str(SHARED_DATA), "--limit", "4", "--log-samples"]
        api = run_cli(["--model", "openai:gpt-test", "--base-url", base_url(srv), "--output-dir",
                       str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c"), *common], capsys)
    finally:
        srv.shutdown()
    r, _, lines = check_outputs(tmp_path / "o", "crossner_ai", capsys, adapter="chatgpt", limit=4)
    assert r.model.family == "chatgpt" and r.backend.name == "openai" and srv.calls == 4  # one call per sentence
    assert lines[0]["prompt"][0]["role"] == "user" and lines[0]["raw_output"].startswith("Entity: ")
    # the server answers like the dummy backend: the same adapter on `dummy` must give the same counts
    ref = run_cli(["--model", "dummy", "--adapter", "chatgpt", "--output-dir", str(tmp_path / "d"),
                   "--cache-dir", str(tmp_path / "cd"), *common], capsys)
    a, b = api["datasets"]["crossner_ai"], ref["datasets"]["crossner_ai"]
    assert (a["tp"], a["fp"], a["fn"]) == (b["tp"], b["fp"], b["fn"]) and a["tp"] > 0


# --- bert: token classification, labels mapped through the card ------------------------------------------------

# sentence -> gold (start, end, raw CoNLL type); the rigged BERT's predictions are known from its vocabulary
# (tests/backends/conftest.py): Barack/Michelle B-PER, Obama/Hinton/LeCun I-PER, Paris/Vancouver/Canada B-LOC.
CONLL = [
    ("Barack Obama visited Paris with Michelle Obama .", [(0, 2, "PER"), (3, 4, "LOC"), (5, 7, "PER")]),
    ("The conference on neural networks was held in Vancouver , Canada .", [(8, 9, "LOC"), (10, 11, "LOC")]),
    ("Geoffrey Hinton and Yann LeCun received the Turing Award for deep learning .",
     [(0, 2, "PER"), (3, 5, "PER"), (7, 9, "MISC")]),
    ("Hinton and LeCun met in Vancouver .", [(0, 1, "PER"), (2, 3, "PER"), (5, 6, "ORG")]),
]


def conll_dir(tmp_path: Path) -> Path:
    """A data dir in the conllpp card's own layout and format (4 space-separated columns)."""
    folder = tmp_path / "data" / "conllpp"
    folder.mkdir(parents=True)
    out = ["-DOCSTART- -X- -X- O", ""]
    for text, spans in CONLL:
        words = text.split()
        tags = ["O"] * len(words)
        for a, b, t in spans:
            tags[a:b] = [f"B-{t}"] + [f"I-{t}"] * (b - a - 1)
        out += [f"{w} NNP I-NP {t}" for w, t in zip(words, tags)] + [""]
    (folder / "conllpp_test.txt").write_text("\n".join(out) + "\n")
    return folder.parent


def test_bert_conll_labels_map_through_the_card(rigged_bert_dir, tmp_path, capsys):
    """PER/LOC (raw CoNLL tags) -> person/location via the conllpp card; adapter picked from the config."""
    data = conll_dir(tmp_path)
    run_cli(["--model", f"hf:{rigged_bert_dir}", "--datasets", "conllpp", "--data-dir", str(data), "--output-dir",
             str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c"), "--log-samples"], capsys)
    r, _, _ = check_outputs(tmp_path / "o", "conllpp", capsys, adapter="bert", limit=None)
    assert r.model.family == "bert" and r.backend.name == "transformers-hf-token-classification"
    # by hand: S1 3 tp; S2 2 tp; S3 Hinton/LeCun vs Geoffrey Hinton/Yann LeCun 2 fp 2 fn; S4 2 tp, Vancouver LOC
    # predicted vs ORG gold: 1 fp 1 fn. Both metrics agree here.
    assert (r.scores.tp, r.scores.fp, r.scores.fn) == (7, 3, 3)
    assert (r.strict_span.tp, r.strict_span.fp, r.strict_span.fn) == (7, 3, 3)
    st = r.backend.settings
    assert st["label_mapping"] == {"PER": "person", "LOC": "location"}
    assert st["label_mapping_via"] == {"PER": "raw tag", "LOC": "raw tag"}
    assert st["unmapped_labels"] == [] and st["unmapped_spans"] == 0


def _as_tagger(src: Path, dst: Path) -> Path:
    """The rigged BERT saved the way `unibench train-tagger` saves: B-/I-<natural type> labels and a
    unibench_model.json. LOC is renamed `misc`, a type conllpp drops, so its spans must be dropped and counted."""
    shutil.copytree(src, dst)
    cfg = json.loads((dst / "config.json").read_text())
    rename = {"O": "O", "B-PER": "B-person", "I-PER": "I-person", "B-LOC": "B-misc", "I-LOC": "I-misc"}
    cfg["id2label"] = {k: rename[v] for k, v in cfg["id2label"].items()}
    cfg["label2id"] = {rename[k]: v for k, v in cfg["label2id"].items()}
    (dst / "config.json").write_text(json.dumps(cfg))
    (dst / "unibench_model.json").write_text(json.dumps({"adapter": "bert", "training_datasets": ["conllpp"]}))
    return dst


def test_train_tagger_checkpoint_runs_with_no_flags(rigged_bert_dir, tmp_path, capsys):
    model = _as_tagger(rigged_bert_dir, tmp_path / "tagger")
    data = conll_dir(tmp_path)
    run_cli(["--model", f"hf:{model}", "--datasets", "conllpp", "--data-dir", str(data), "--output-dir",
             str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c"), "--log-samples"], capsys)
    r, spec, _ = check_outputs(tmp_path / "o", "conllpp", capsys, adapter="bert", limit=None)
    assert r.model.training_datasets == ["conllpp"] and spec["training_datasets"] == ["conllpp"]
    st = r.backend.settings
    assert st["label_mapping"] == {"person": "person"} and st["label_mapping_via"] == {"person": "type"}
    assert st["unmapped_labels"] == ["misc"] and st["unmapped_spans"] == 4  # Paris, Vancouver, Canada, Vancouver
    # persons only: S1 2 tp + Paris fn; S2 2 fn; S3 2 fp 2 fn; S4 2 tp + Vancouver (ORG) fn
    assert (r.scores.tp, r.scores.fp, r.scores.fn) == (4, 2, 6)
    assert (r.strict_span.tp, r.strict_span.fp, r.strict_span.fn) == (4, 2, 6)


@needs_shared("conllpp")
def test_bert_on_staged_conllpp(rigged_bert_dir, tmp_path, capsys):
    out = run_cli(["--model", f"hf:{rigged_bert_dir}", "--datasets", "conllpp", "--data-dir", str(SHARED_DATA),
                   "--limit", "30", "--output-dir", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c"),
                   "--log-samples"], capsys)
    r, _, _ = check_outputs(tmp_path / "o", "conllpp", capsys, adapter="bert", limit=30)
    assert r.dataset.n_queries == 90 and out["datasets"]["conllpp"]["strict_span_f1"] is not None


def test_adapter_and_checkpoint_kind_must_fit(rigged_bert_dir, tiny_llama_dir, tmp_path, capsys):
    data = conll_dir(tmp_path)
    for model, adapter in ((rigged_bert_dir, "uniner"), (tiny_llama_dir, "bert")):
        rc = main(["run", "--model", f"hf:{model}", "--adapter", adapter, "--datasets", "conllpp", "--data-dir",
                   str(data), "--output-dir", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")])
        err = capsys.readouterr().err
        assert rc == 2 and f"the {adapter} adapter needs" in err, err
    assert not list(iter_result_files(tmp_path / "o"))


def test_span_adapters_need_span_backends(capsys):
    for model, adapter in (("gazetteer", "uniner"), ("dummy", "bert"), ("openai:x", "gazetteer"), ("vllm:x", "bert")):
        assert main(["run", "--model", model, "--adapter", adapter, "--benchmark", "demo"]) == 2
        assert f"the {adapter} adapter needs" in capsys.readouterr().err


def test_local_checkpoint_loads_lazily_and_keeps_streaming(tiny_llama_dir, monkeypatch):
    import unibench.backends.hf_common as hf_common
    from unibench.adapters import get_adapter
    from unibench.backends.base import GenRequest, streams_outputs
    from unibench.cli.run import LazyHFBackend, _make_hf
    from unibench.models import parse_model_ref

    hashes, real_hash = [], hf_common.weights_hash
    monkeypatch.setattr(hf_common, "weights_hash", lambda folder, g=None: hashes.append(folder) or real_hash(folder, g))
    b = _make_hf(parse_model_ref(f"hf:{tiny_llama_dir}"), get_adapter("uniner"), batch_size=4, gguf_file=None)
    assert isinstance(b, LazyHFBackend) and not b.loaded
    assert b.name == "hf-causal" and streams_outputs(b) and b.identity()["revision"].startswith("sha256-")
    seen = {}
    out = b.generate([GenRequest("Text: Paris ASSISTANT:", max_new_tokens=4)] * 2,
                     on_output=lambda i, t: seen.__setitem__(i, t))
    assert b.loaded and seen == dict(enumerate(out))
    assert hashes == [tiny_llama_dir]  # the weights are hashed once, for the stamp, not again on loading
