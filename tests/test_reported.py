"""The paper's reported numbers (results/reported/): valid, reproducible from their sources, and consistent with
the averages the papers print (which catches transcription errors: one wrong digit moves a mean).

Checks run on the generated JSON files, i.e. on what the leaderboard publishes, not on the CSVs.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import REPO
from unibench.cards import DOMAINS
from unibench.results import iter_result_files, read_result

REPORTED = REPO / "results" / "reported"
REFERENCE = REPO.parent / "shared" / "reference" / "uniner-eval.md"
ROWS = ("ace04 ace05 conllpp crossner_ai crossner_literature crossner_music crossner_politics crossner_science "
        "fewnerd_coarse fewnerd_fine multinerd ontonotes polyglotner tasteset wikiann_en wikineural anatem biored "
        "genia jnlpba bc2gm bc4chemd bc5cdr ncbi ebmnlp i2b2_2006 i2b2_2010 i2b2_2012 i2b2_2014 n2c2_2018 shareclef "
        "deal fabner sofc scierc scirex somesci wlp stackoverflow_ner harveyner btc tweetner7 mit_movie "
        "mit_restaurant ener mapa_coarse mapa_fine finer_ord findvehicle").split()
DOMAIN_ROWS = {"General": 16, "Biomed": 8, "Clinics": 7, "STEM": 7, "Programming": 1, "Social media": 5, "Law": 3,
               "Finance": 1, "Transport": 1}
OOD = ["mit_movie", "mit_restaurant", "crossner_ai", "crossner_literature", "crossner_music", "crossner_politics",
       "crossner_science"]


def _load_script():
    spec = importlib.util.spec_from_file_location("build_reported", REPO / "scripts" / "build_reported.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_reported"] = mod  # pydantic resolves the script's annotations through sys.modules
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def results():
    out = {}
    for path in iter_result_files(REPORTED):
        if "sources" in path.relative_to(REPORTED).parts:
            continue
        out[path] = read_result(path)  # raises DataFormatError on any invalid file
    assert len(out) > 300
    return out


def _table(results, key: str) -> dict[tuple[str, str], Decimal]:
    """(model id, row / domain / 'avg') -> printed value as a Decimal, for one source key."""
    out = {}
    for res in results.values():
        if res.reported.key != key:
            continue
        entity = {"row": lambda: res.dataset.row, "domain": lambda: res.domain, "overall": lambda: "avg"}[res.scope]()
        out[(res.model.id, entity)] = Decimal(res.reported.value_text)
    return out


def _round1(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _mean(values) -> Decimal:
    values = list(values)
    return sum(values) / len(values)


def test_every_file_is_a_valid_reported_result(results):
    for path, res in results.items():
        assert res.kind == "reported" and res.reported.source and res.model.revision == "reported"
        assert path.parent.name == res.reported.key
        assert res.scores.f1 == float(Decimal(res.reported.value_text) / 100)  # a fraction, from the printed text
        assert res.scores.tp is None and res.stamps.scorer_version == "n/a (reported)"
        if res.scope == "row":
            assert res.dataset.row in ROWS and res.dataset.domain in DOMAINS
            assert res.dataset.content_hash == "unknown (reported)" and res.dataset.n_queries is None
        else:
            assert res.benchmark and res.dataset is None
        if res.scope == "domain":
            assert res.domain in DOMAINS


def test_rebuild_is_byte_identical(tmp_path):
    mod = _load_script()
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in mod.write_all(tmp_path)}
    committed = {p.relative_to(REPO / "results"): p.read_bytes() for p in REPORTED.rglob("*.json")}
    assert set(fresh) == set(committed), "run `python scripts/build_reported.py` and commit the result"
    assert all(fresh[k] == committed[k] for k in fresh)


def test_fig9_rows_and_averages(results):
    t = _table(results, "fig9")
    models = sorted({m for m, _ in t})
    assert models == ["paper/UniNER-7B-type", "paper/UniNER-7B-type-sup", "paper/gpt-3.5-turbo-0301"]
    domains = {}
    for res in results.values():
        if res.reported.key == "fig9" and res.scope == "row" and res.model.id == "paper/UniNER-7B-type":
            domains[res.dataset.row] = res.dataset.domain
    assert sorted(domains) == sorted(ROWS)
    assert {d: list(domains.values()).count(d) for d in DOMAIN_ROWS} == DOMAIN_ROWS
    for model, printed in (("paper/gpt-3.5-turbo-0301", "33.9"), ("paper/UniNER-7B-type", "40.7"),
                           ("paper/UniNER-7B-type-sup", "78.8")):
        mean = _mean(t[(model, r)] for r in ROWS)
        assert _round1(mean) == Decimal(printed) == t[(model, "avg")]


def test_fig5a_is_fig9_domain_means_plus_one(results):
    """The documented +1.0 offset: each Fig. 5a bar of ChatGPT and UniNER-7B = mean of its Fig. 9 rows + 1.0."""
    fig9, fig5a = _table(results, "fig9"), _table(results, "fig5a")
    row_domain = {res.dataset.row: res.dataset.domain for res in results.values() if res.scope == "row"}
    for model in ("paper/gpt-3.5-turbo-0301", "paper/UniNER-7B-type"):
        for domain in list(DOMAIN_ROWS) + ["avg"]:
            rows = [r for r in ROWS if domain == "avg" or row_domain[r] == domain]
            mean = _mean(fig9[(model, r)] for r in rows)
            assert abs(mean - (fig5a[(model, domain)] - 1)) <= Decimal("0.05"), (model, domain, mean)
            assert _round1(mean) + 1 == fig5a[(model, domain)]
    for res in results.values():
        if res.reported.key == "fig5a":
            assert "offset" in res.reported.note  # found (ChatGPT, UniNER-7B) or not checkable (the others)
    assert len([k for k in fig5a if k[1] != "avg"]) == 5 * 9


def test_table3_averages(results):
    t = _table(results, "table3")
    printed = {m: v for (m, e), v in t.items() if e == "avg"}
    assert printed[("paper/UniNER-7B-type")] == Decimal("53.4")
    assert len(printed) == 7  # every model but InstructUIE (AI..Science only)
    for model, avg in printed.items():
        assert abs(_mean(t[(model, r)] for r in OOD) - avg) <= Decimal("0.05"), model
    iuie = [e for (m, e) in t if m == "paper/InstructUIE-11B"]
    assert sorted(iuie) == sorted(r for r in OOD if r.startswith("crossner"))


def test_gliner_table1(results):
    t = _table(results, "gliner-table1")
    assert sorted({m for m, _ in t}) == ["paper/GLiNER-L", "paper/GoLLIE-7B", "paper/InstructUIE-11B"]
    for model in ("paper/GLiNER-L", "paper/InstructUIE-11B"):
        assert abs(_mean(t[(model, r)] for r in OOD) - t[(model, "avg")]) <= Decimal("0.05")
    # GoLLIE's printed average is known not to be the mean of its printed values; the note says so.
    assert _round1(_mean(t[("paper/GoLLIE-7B", r)] for r in OOD)) == Decimal("58.4")
    gollie_avg = next(r for r in results.values() if r.reported.key == "gliner-table1" and r.scope == "overall"
                      and r.model.id == "paper/GoLLIE-7B")
    assert "58.4" in gollie_avg.reported.note
    assert all("other" in r.reported.note or "own" in r.reported.note for r in results.values()
               if r.reported.key == "gliner-table1")
    assert not any("GLiNER-S" in r.model.id or "GLiNER-M" in r.model.id for r in results.values())


def test_table2_averages(results):
    t = _table(results, "table2")
    rows = sorted({e for (_, e) in t if e != "avg"})
    assert len(rows) == 20 and "conllpp" in rows and "ace04" not in rows
    for model, printed in (("paper/BERT-base", "80.09"), ("paper/InstructUIE-11B", "81.16"),
                           ("paper/UniNER-7B-ie-instructions", "84.78")):
        assert t[(model, "avg")] == Decimal(printed)
        assert abs(_mean(t[(model, r)] for r in rows) - Decimal(printed)) <= Decimal("0.005"), model
    conll = next(r for r in results.values() if r.reported.key == "table2" and r.scope == "row"
                 and r.dataset.row == "conllpp")
    assert "CoNLL03" in conll.reported.note


def test_training_datasets_separate_zero_shot_from_supervised(results):
    by_model = {}
    for res in results.values():
        by_model.setdefault(res.model.id, set()).add(tuple(res.model.training_datasets))
    for zero_shot in ("paper/gpt-3.5-turbo-0301", "paper/UniNER-7B-type", "paper/UniNER-13B-type",
                      "paper/vicuna-7b", "paper/vicuna-13b", "paper/GLiNER-L"):
        assert by_model[zero_shot] == {()}
    (sup,) = by_model["paper/UniNER-7B-type-sup"]
    assert len(sup) == 42 and not set(sup) & set(OOD) and set(sup) < set(ROWS)
    (iuie,) = by_model["paper/InstructUIE-11B"]
    assert "mit_movie" in iuie and "crossner_ai" not in iuie
    # BERT-base is one model per dataset: each file names only its own row.
    for res in results.values():
        if res.model.id == "paper/BERT-base" and res.scope == "row":
            assert res.model.training_datasets == [res.dataset.row]


# --- the transcription against the reference notes, where they are present beside the checkout -----------------
def _md_table(text: str, header_start: str) -> list[list[str]]:
    start = text.index(header_start)
    lines = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        lines.append([c.strip().strip("*") for c in line.strip().strip("|").split("|")])
    return lines


@pytest.mark.skipif(not REFERENCE.exists(), reason=f"reference notes not found at {REFERENCE}")
def test_transcription_matches_reference_notes(results):
    md = REFERENCE.read_text(encoding="utf-8")
    fig9 = _table(results, "fig9")
    table = [r for r in _md_table(md, "| Domain | Dataset (Table 6 name)") if r[0]]
    assert len(table) == 49
    for row, cells in zip(ROWS, table):
        got = [fig9[(m, row)] for m in ("paper/gpt-3.5-turbo-0301", "paper/UniNER-7B-type",
                                         "paper/UniNER-7B-type-sup")]
        assert got == [Decimal(c) for c in cells[6:9]], row
    fig5a = _table(results, "fig5a")
    ids = {"Vicuna-7B": "paper/vicuna-7b", "Vicuna-13B": "paper/vicuna-13b", "ChatGPT": "paper/gpt-3.5-turbo-0301",
           "UniNER-7B": "paper/UniNER-7B-type", "UniNER-13B": "paper/UniNER-13B-type"}
    for cells in _md_table(md, "| Model | Avg | General"):
        assert [fig5a[(ids[cells[0]], d)] for d in ["avg", *DOMAIN_ROWS]] == [Decimal(c) for c in cells[1:]]
    t3 = _table(results, "table3")
    names = list(ids.values()) + ["paper/InstructUIE-11B", "paper/UniNER-7B-sup-only", "paper/UniNER-7B-type-sup"]
    md3 = _md_table(md, "| Model | Movie | Restaurant | AI")
    assert len(md3) == len(names)
    for model, cells in zip(names, md3):
        for entity, c in zip(OOD + ["avg"], cells[1:]):
            assert t3.get((model, entity)) == (None if c == "–" else Decimal(c)), (model, entity)
    t2 = _table(results, "table2")
    with open(REPORTED / "sources" / "table2.csv", encoding="utf-8") as fh:
        row_of = {r["paper_name"]: r["row"] for r in csv.DictReader(fh)}
    md2 = _md_table(md, "| Dataset | BERT-base")
    assert len(md2) == 21
    for cells in md2:
        row = row_of[cells[0]]
        assert [t2[(m, row)] for m in ("paper/BERT-base", "paper/InstructUIE-11B",
                                       "paper/UniNER-7B-ie-instructions")] == [Decimal(c) for c in cells[1:]], row


def test_fig9_agrees_with_the_dataset_cards(results):
    """Each card repeats its row's Fig. 9 numbers (`paper.f1`); the two transcriptions must agree. Rows whose card
    does not exist yet are not checked here (test_reported checks all 49 against the reference notes)."""
    from unibench.cards import load_registry

    fig9 = _table(results, "fig9")
    cards = load_registry()
    checked = 0
    for row in ROWS:
        if row in cards:
            f1 = cards[row].paper.f1
            assert [fig9[("paper/gpt-3.5-turbo-0301", row)], fig9[("paper/UniNER-7B-type", row)],
                    fig9[("paper/UniNER-7B-type-sup", row)]] == \
                [Decimal(str(f1.chatgpt)), Decimal(str(f1.uniner_7b)), Decimal(str(f1.uniner_7b_sup))], row
            assert cards[row].domain == next(r.dataset.domain for r in results.values()
                                             if r.scope == "row" and r.dataset.row == row)
            checked += 1
    assert checked >= 1  # crossner_ai's card ships with the foundation
