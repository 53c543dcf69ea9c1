"""Every dataset card is complete; the registry as a whole matches the paper's benchmark.

One test parametrised over every `dataset_cards/*.yaml` checks what a card must say (schema, id,
domain, type count or its explanation, licence, citation, the paper's numbers, a source a real
reader can read, how to obtain data that cannot be downloaded, label-name provenance).

The `test_registry_*` tests check the registry totals (49 rows, 43 datasets, the 9 domains' row
counts, the Fig. 9 means). They are ordinary tests, not skipped: they fail until all 49 cards exist,
and must pass once every helper's cards are in.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from unibench.cards import DOMAINS, load_registry, parse_card
from unibench.readers import READERS, get_reader
from unibench.resources import resource_dir

CARDS = sorted(resource_dir("dataset_cards").glob("*.yaml"))
# Rows whose data cannot be downloaded by unibench (LDC, n2c2 DUA, PhysioNet).
NOT_DOWNLOADABLE = {"ace04", "ace05", "ontonotes", "i2b2_2006", "i2b2_2010", "i2b2_2012", "i2b2_2014", "n2c2_2018",
                    "shareclef"}
PUBLISHED_NAMES_ALLOWED = ("crossner_", "mit_")  # the only rows whose label names UniNER released
SPLIT_KEYS = {"train", "dev", "test"}


@pytest.mark.parametrize("path", CARDS, ids=[p.stem for p in CARDS])
def test_card_is_complete(path: Path):
    card = parse_card(path)  # schema-valid (unknown keys forbidden), id == file name
    assert card.id == path.stem
    assert card.domain in DOMAINS
    assert card.display_name.strip() and card.description.strip()

    # type count: equal to the paper's, or explained with both numbers
    if card.n_types != card.paper.n_types:
        notes = card.count_notes or ""
        assert str(card.n_types) in notes and str(card.paper.n_types) in notes, (
            f"{card.id}: {card.n_types} types vs the paper's {card.paper.n_types}; count_notes must explain it")

    # licence and its source, citation
    assert card.license.name.strip() and card.license.source.strip()
    assert "@" in card.citation and "title" in card.citation

    # the paper's numbers: three split sizes and the three Fig. 9 F1 values
    p = card.paper
    assert p.name.strip()
    for n in (p.train, p.dev, p.test):
        assert isinstance(n, int) and n > 0
    for f1 in (p.f1.chatgpt, p.f1.uniner_7b, p.f1.uniner_7b_sup):
        assert 0 <= f1 <= 100

    # at least one source, each readable by real code
    src = card.sources
    assert src.local is not None or src.hf is not None
    if src.local is not None:
        assert src.local.format in READERS
        assert callable(get_reader(src.local.format))  # imports the reader module for real
        allowed = SPLIT_KEYS | ({"all"} if card.split_policy else set())
        assert set(src.local.files) <= allowed and src.local.files
    if src.hf is not None:
        assert src.hf.repo.count("/") == 1 and src.hf.revision.strip()
        assert set(src.hf.splits) <= SPLIT_KEYS and "test" in src.hf.splits
    if card.split_policy is not None:
        assert abs(sum(card.split_policy.ratios) - 1.0) < 1e-3

    # data unibench cannot download: say how to get it and exactly where it goes
    needs_access = card.id in NOT_DOWNLOADABLE or (not card.license.redistributable and src.hf is None)
    if needs_access:
        assert card.access is not None and card.access.how.strip()
        folder = (src.local.layout_dir if src.local and src.local.layout_dir else card.id)
        assert f"<data-dir>/{folder}/" in card.access.where
        assert src.local is not None, "non-downloadable data needs a local layout a reader reads"
    if card.id in NOT_DOWNLOADABLE:
        assert not card.license.redistributable

    # label names: provenance everywhere; `published` only where UniNER released the names
    for raw, entry in card.label_map.items():
        assert entry.provenance in ("published", "reconstruction")
        if entry.provenance == "published":
            assert card.id.startswith(PUBLISHED_NAMES_ALLOWED), f"{card.id}: {raw} cannot be `published`"
    recon = [e for e in card.label_map.values() if e.provenance == "reconstruction"]
    if recon:
        assert any(e.note for e in recon), f"{card.id}: reconstructed names need a note saying so"
    assert not set(card.dropped_types) & set(card.label_map)


def _registry():
    return load_registry(str(resource_dir("dataset_cards")))


def test_registry_has_49_rows_and_43_datasets():
    reg = _registry()
    assert len(reg) == 49, f"{len(reg)} cards: {sorted(reg)}"
    datasets = {c.dataset for c in reg.values()}
    assert len(datasets) == 43, sorted(datasets)


def test_registry_domain_row_counts():
    counts = Counter(c.domain for c in _registry().values())
    assert dict(counts) == {"General": 16, "Biomed": 8, "Clinics": 7, "STEM": 7, "Programming": 1,
                            "Social media": 5, "Law": 3, "Finance": 1, "Transport": 1}


def test_registry_fig9_means():
    cards = list(_registry().values())
    assert len(cards) == 49

    def mean(attr: str) -> float:
        return round(sum(getattr(c.paper.f1, attr) for c in cards) / len(cards), 1)

    assert (mean("chatgpt"), mean("uniner_7b"), mean("uniner_7b_sup")) == (33.9, 40.7, 78.8)
