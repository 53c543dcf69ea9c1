"""The error taxonomy: each category on hand-made outputs, and the categories partition the metric's errors
(correct == tp, predicted-item categories sum to fp, missed ones to fn) on random outputs and on a real run."""

import json

import random

import pytest

from unibench.metrics.taxonomy import QueryItems, TaxonomyCounts, classify_sentence, overlaps
from unibench.metrics.uniner import parse
from unibench.scorer import score_records

TEXT = "Barack Obama visited the New York Times in New York with Michelle ."


def _one(text, queries):
    """queries: {type: (gold strings, raw output text)} -> {type: counts}."""
    return classify_sentence(text, [QueryItems(t, g, parse(o)) for t, (g, o) in queries.items()])


def test_each_category_on_hand_made_outputs():
    got = _one(TEXT, {
        "person": (["Barack Obama", "Michelle"], '["Barack Obama", "Obama visited", "New York Times"]'),
        "organisation": (["New York Times"], '["Times"]'),
        "location": (["New York"], '["Chicago", "the visited"]'),
    })
    per = got["person"]
    # "Barack Obama" correct; "New York Times" is gold for organisation -> wrong type; "Obama visited" overlaps
    # the gold "Barack Obama" (suffix/prefix, and "barack obama visited" is in the passage) -> boundary;
    # "Michelle" is never predicted by any query -> missed, not found
    assert (per.correct, per.wrong_type, per.boundary, per.missed_not_found) == (1, 1, 1, 1)
    org = got["organisation"]
    # "Times" is contained in the gold "New York Times" -> boundary; the gold itself was predicted under
    # person -> missed, found by another type's query
    assert (org.boundary, org.missed_other_type, org.missed_not_found) == (1, 1, 0)
    loc = got["location"]
    # "Chicago" is not in the passage -> hallucinated; "visited" (normalised "the visited") is in it -> spurious
    assert (loc.hallucinated, loc.spurious, loc.missed_not_found, loc.correct) == (1, 1, 1, 0)


def test_overlap_needs_the_merged_string_in_the_passage():
    padded = " " + "new york city hall" + " "
    assert overlaps("york city", "new york", padded)
    assert not overlaps("york university", "new york", padded)  # "new york university" is not in the passage
    assert overlaps("york university", "new york", None)  # passage unknown: possible, so counted
    assert overlaps("new york city", "york", padded) and not overlaps("newark", "new york", padded)


def test_without_passage_text_non_gold_strings_are_unchecked():
    got = _one(None, {"person": (["Ann"], '["Bob"]')})["person"]
    assert (got.unchecked, got.spurious, got.hallucinated, got.fp, got.fn) == (1, 0, 0, 1, 1)


def test_rates_are_shares_of_predictions_and_of_gold():
    c = TaxonomyCounts(correct=3, boundary=1, missed_not_found=1, missed_other_type=1)
    r = c.rates()
    assert r["correct"] == 0.75 and r["boundary"] == 0.25 and r["missed_not_found"] == 0.2
    assert r["correct"] + r["boundary"] == 1.0


def _assert_partition(records):
    for ds, sc in score_records(records, n_resamples=0).items():
        total = sc.taxonomy
        assert (total.correct, total.fp, total.fn) == (sc.counts.tp, sc.counts.fp, sc.counts.fn), ds
        for t, c in sc.per_type.items():
            tc = sc.taxonomy_per_type[t]
            assert (tc.correct, tc.fp, tc.fn) == (c.tp, c.fp, c.fn), (ds, t)


WORDS = ["ann", "bob", "new", "york", "the", "Times", "a", "]", "x y", ""]


def _phrase(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))


def _output(rng):
    kind = rng.random()
    items = [_phrase(rng) for _ in range(rng.randint(0, 4))]
    if kind < 0.5:
        return json.dumps(items)
    if kind < 0.85:
        return items  # a span adapter's list
    return rng.choice(["", "oops", '["a", 3]', '[["ann", "bob"]]'])


@pytest.mark.parametrize("seed", range(300))
def test_categories_partition_the_errors_on_random_outputs(seed):
    """A seeded property test: random sentences, types, gold and outputs (text, lists, unparsable, nested)."""
    rng = random.Random(seed)
    with_text = rng.random() < 0.7
    records = []
    for _ in range(rng.randint(1, 12)):
        rec = {"dataset": rng.choice(["d", "e"]), "output": _output(rng),
               "gold": [_phrase(rng) for _ in range(rng.randint(0, 3))]}
        sid = rng.choice(["s1", "s2", None])
        if sid:
            rec["sentence_id"] = sid
            if with_text:
                rec["text"] = f"ann bob new york the Times {sid}"
        label = rng.choice(["per", "org", "loc", None])
        if label:
            rec["label"] = label
        records.append(rec)
    _assert_partition(records)


@pytest.mark.usefixtures("shared_data")
def test_categories_partition_the_errors_on_a_real_gazetteer_run(tmp_path, capsys, monkeypatch):
    """The gazetteer on staged crossner_ai (span adapter) and the dummy backend's per-query text: the stored
    taxonomy adds up to the stored counts, and so does re-scoring the samples log."""
    from unibench.cli.main import main
    from unibench.results import iter_result_files, read_result
    from tests.conftest import SHARED_DATA

    monkeypatch.setenv("UNIBENCH_CACHE", str(tmp_path / "cache"))
    for model, extra in (("gazetteer", []), ("dummy", ["--limit", "40"])):
        out = tmp_path / model
        rc = main(["run", "--model", model, *extra, "--datasets", "crossner_ai", "--data-dir", str(SHARED_DATA),
                   "--output-dir", str(out), "--log-samples", "--json"])
        assert rc == 0, capsys.readouterr().err
        (path,) = list(iter_result_files(out))
        r = read_result(path)
        tax = r.taxonomy.total
        assert tax.sums() == (r.scores.tp, r.scores.fp, r.scores.fn)
        assert r.scores.fp == 0 or tax.sums()[1] > 0
        for t, c in r.taxonomy.per_type.items():
            assert c.sums() == (r.per_type[t].tp, r.per_type[t].fp, r.per_type[t].fn)
        samples = [json.loads(x) for x in path.with_name(path.stem + ".samples.jsonl").read_text().splitlines()]
        _assert_partition(samples)
    capsys.readouterr()


def _taxonomies(scores):
    return {ds: (sc.taxonomy.to_dict(), {t: c.to_dict() for t, c in sc.taxonomy_per_type.items()})
            for ds, sc in scores.items()}


def _random_records(rng, n_sentences=6):
    records = []
    for s in range(n_sentences):
        for label in rng.sample(["per", "org", "loc", "misc"], rng.randint(1, 4)):
            records.append({"dataset": rng.choice(["d", "e"]), "sentence_id": f"s{s}", "label": label,
                            "text": f"ann bob new york the Times s{s}", "output": _output(rng),
                            "gold": [_phrase(rng) for _ in range(rng.randint(0, 3))]})
    return records


@pytest.mark.parametrize("recent", [0, 2, 20_000])
@pytest.mark.parametrize("seed", range(60))
def test_streamed_taxonomy_equals_the_held_one_in_any_record_order(seed, recent, monkeypatch):
    """Sentences classified as their records end give the counts of holding every query (a one-shot iterator,
    no second reading), whether the records come grouped by sentence, sorted by type (sentences come back after
    they were classified: taken back while recent, else the dataset is read again) or shuffled."""
    from unibench.metrics.taxonomy import TaxonomyAccumulator

    monkeypatch.setattr(TaxonomyAccumulator, "RECENT", recent)
    rng = random.Random(seed)
    records = _random_records(rng)
    held = _taxonomies(score_records(iter(records), n_resamples=0))
    assert _taxonomies(score_records(records, n_resamples=0)) == held
    by_type = sorted(records, key=lambda r: r["label"])
    assert _taxonomies(score_records(by_type, n_resamples=0)) == held
    assert _taxonomies(score_records(iter(by_type), n_resamples=0, reread=lambda: by_type)) == held
    shuffled = records[:]
    rng.shuffle(shuffled)
    assert _taxonomies(score_records(shuffled, n_resamples=0)) == held


def test_a_sentence_that_comes_back_is_taken_back_while_recent_else_the_dataset_is_read_again(monkeypatch):
    from unibench.metrics.taxonomy import TaxonomyAccumulator

    monkeypatch.setattr(TaxonomyAccumulator, "RECENT", 2)
    acc = TaxonomyAccumulator()
    for sid in ("a", "a", "b", "b", "c"):
        acc.add("d", sid, "x", "per", ["x"], ["x"])
        assert len(acc._open) == 1 and len(acc._open["d"][2]) <= 2
    assert set(acc._recent) == {("d", "a"), ("d", "b")} and not acc.ungrouped
    acc.add("d", "b", "x", "org", [], ["x"])  # b again, still recent: taken back, classified whole at its end
    assert not acc.ungrouped and acc._open["d"][0] == "b" and len(acc._open["d"][2]) == 3
    total, per_type = acc.result("d")
    assert per_type["org"].wrong_type == 1 and total.correct == 5
    acc = TaxonomyAccumulator()
    for sid in ("a", "b", "c", "a"):  # a was classified and dropped (2 kept): the dataset must be read again
        acc.add("d", sid, "x", "per", ["x"], ["x"])
    assert acc.ungrouped == {"d"}
    reads = []

    def reread():
        reads.append(1)
        return by_type

    by_type = [{"dataset": "d", "sentence_id": s, "label": t, "text": "ann bob", "output": '["ann"]',
                "gold": ["ann"] if t == "per" else []} for t in ("org", "per") for s in ("s1", "s2", "s3")]
    sc = score_records(iter(by_type), n_resamples=0, reread=reread)["d"]
    assert reads == [1]
    assert sc.taxonomy.wrong_type == 3 and sc.taxonomy.correct == 3  # org's "ann" is per's gold in its sentence


def test_records_that_change_between_the_two_readings_are_refused():
    """A row whose sentences are not together is read twice for the taxonomy; if the second reading differs (a
    file rewritten meanwhile), the categories no longer add up to the counts: refused, never a silent number."""
    from unibench.errors import UnibenchError
    from unibench.metrics.taxonomy import TaxonomyAccumulator

    by_type = [{"dataset": "d", "sentence_id": s, "label": t, "text": "ann bob", "output": '["ann"]',
                "gold": ["ann"] if t == "per" else []} for t in ("org", "per") for s in ("s1", "s2", "s3")]
    changed = [dict(r, output='["bob"]') for r in by_type]
    old = TaxonomyAccumulator.RECENT
    TaxonomyAccumulator.RECENT = 0
    try:
        with pytest.raises(UnibenchError, match="does not add up"):
            score_records(iter(by_type), n_resamples=0, reread=lambda: changed)
        assert score_records(iter(by_type), n_resamples=0, reread=lambda: by_type)["d"].taxonomy.correct == 3
    finally:
        TaxonomyAccumulator.RECENT = old
