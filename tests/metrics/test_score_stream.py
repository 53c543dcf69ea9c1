"""The streaming scorer (parse caches, per-sentence counts only) gives exactly the numbers of the
straightforward computation: `score_query` record by record, summed in Python, bootstrapped one replicate
at a time. Compared float for float, including the CI for a fixed seed."""

from __future__ import annotations

import json
import random

from unibench.metrics import bootstrap
from unibench.metrics.diagnostics import Diagnostics
from unibench.metrics.prf import Counts
from unibench.scorer import score_query, score_records

WORDS = "the Obama visited Paris and met Angela Merkel of Germany at the United Nations [3H]thymidine".split()


def _records(seed: int, n: int) -> list[dict]:
    """Outputs of every kind the scorer meets, repeated strings included (cache hits), some records without
    text / sentence_id / label, span-adapter lists, gold with the ']' quirk, two datasets interleaved."""
    rng = random.Random(seed)
    recs = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(8))
        gold = [] if rng.random() < 0.5 else rng.sample(WORDS, rng.randint(1, 3))
        r = rng.random()
        if r < 0.2:
            out = json.dumps(gold)
        elif r < 0.3:
            out = "[]"
        elif r < 0.35:
            out = ""
        elif r < 0.4:
            out = "no entities here"
        elif r < 0.5:
            out = json.dumps(["The " + g.upper() + "." for g in gold]) + " and more"
        elif r < 0.6:
            out = rng.sample(WORDS, rng.randint(0, 2))  # a span adapter's list
        elif r < 0.65:
            out = '["a", ["b", "c"]]'
        elif r < 0.7:
            out = "[1, 2]"
        else:
            out = json.dumps(rng.sample(WORDS, rng.randint(0, 3)))
        rec = {"dataset": "d1" if rng.random() < 0.7 else "d2", "output": out, "gold": gold}
        if rng.random() < 0.9:
            rec["text"] = text
        if rng.random() < 0.8:
            rec["sentence_id"] = f"s{i // 4}"
        if rng.random() < 0.9:
            rec["label"] = rng.choice(["person", "location", "organisation"])
        recs.append(rec)
    return recs


def _straightforward(records: list[dict], n_resamples: int, seed: int) -> dict[str, dict]:
    per_ds: dict[str, dict] = {}
    for i, rec in enumerate(records):
        d = per_ds.setdefault(rec["dataset"], {"counts": Counts(), "per_type": {}, "diag": Diagnostics(),
                                               "units": {}, "n": 0})
        tp, fp, fn, _pred, _status = score_query(rec["output"], rec["gold"], text=rec.get("text"), diag=d["diag"])
        d["counts"].add(tp, fp, fn)
        d["n"] += 1
        if rec.get("label") is not None:
            d["per_type"].setdefault(rec["label"], Counts()).add(tp, fp, fn)
        u = d["units"].setdefault(rec.get("sentence_id") or rec.get("text") or f"#{i}", [0, 0, 0])
        for k, v in enumerate((tp, fp, fn)):
            u[k] += v
    out = {}
    for ds, d in per_ds.items():
        reps = bootstrap.straightforward_replicates([tuple(u) for u in d["units"].values()], n=n_resamples, seed=seed)
        out[ds] = {"counts": d["counts"], "per_type": d["per_type"], "diag": d["diag"], "n": d["n"],
                   "n_units": len(d["units"]), "reps": reps,
                   "ci": bootstrap.interval(reps) if reps else None}
    return out


def test_streaming_scores_equal_the_straightforward_computation():
    records = _records(1, 3000)
    want = _straightforward(records, 200, 7)
    got = score_records(iter(records), n_resamples=200, seed=7)  # a generator: streamed
    assert list(got) == list(want)
    for ds, w in want.items():
        g = got[ds]
        assert g.counts == w["counts"] and g.n_queries == w["n"] and g.n_units == w["n_units"]
        assert g.per_type == w["per_type"] and list(g.per_type) == list(w["per_type"])
        assert g.diagnostics == w["diag"]
        assert g.replicates == w["reps"] and g.ci == w["ci"]
    assert got["d1"].diagnostics.parse_failures > 0 and got["d1"].diagnostics.hallucinations > 0


def test_caches_do_not_change_numbers_when_they_overflow(monkeypatch):
    import unibench.scorer as scorer

    records = _records(2, 800)
    full = {ds: sc.to_dict() for ds, sc in score_records(records, n_resamples=50, seed=3).items()}
    monkeypatch.setattr(scorer, "_CACHE_CAP", 2)
    tiny = {ds: sc.to_dict() for ds, sc in score_records(records, n_resamples=50, seed=3).items()}
    assert tiny == full


def test_per_record_hook_sees_each_record_with_its_parsed_sets():
    records = _records(3, 400)
    seen = []
    score_records(records, n_resamples=0, on_record=lambda *a: seen.append(a))
    assert len(seen) == len(records)
    for rec, (ds, label, gold, pred, text) in zip(records, seen):
        _tp, _fp, _fn, want_pred, _ = score_query(rec["output"], rec["gold"])
        want_gold = score_query(rec["gold"], [])[3]  # gold goes through the same normalisation
        assert (ds, label, text) == (rec["dataset"], rec.get("label"), rec.get("text"))
        assert list(pred) == want_pred and list(gold) == want_gold
