"""The Hugging Face reader, run for real with `datasets` on a local dataset folder (no network)."""

import pytest

datasets = pytest.importorskip("datasets")

from unibench.cards import DatasetCard, get_card  # noqa: E402
from unibench.errors import MissingDataError  # noqa: E402
from unibench.loaders import load_split  # noqa: E402


def _card_for(repo_dir, **hf_overrides) -> DatasetCard:
    base = get_card("conllpp").model_dump(mode="json", exclude_none=True)
    base["sources"] = {"hf": {"repo": str(repo_dir), "revision": "main", "splits": {"test": "test"},
                              "tokens_column": "tokens", "tags_column": "ner_tags", **hf_overrides}}
    base["access"] = {"how": "test", "where": "nowhere"}
    return DatasetCard.model_validate(base)


def _write_parquet(folder, rows, features=None):
    folder.mkdir(parents=True, exist_ok=True)
    ds = datasets.Dataset.from_dict(rows, features=features)
    ds.to_parquet(str(folder / "test-00000-of-00001.parquet"))


def test_classlabel_names_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hfcache"))
    names = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    feats = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                               "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names))})
    _write_parquet(tmp_path / "repo" / "data", {"tokens": [["Barack", "Obama", "in", "Paris"], ["EU", "says"]],
                                                "ner_tags": [[1, 2, 0, 5], [3, 0]]}, feats)
    card = _card_for(tmp_path / "repo")
    loaded = load_split(card, "test", tmp_path / "no-local-data")
    assert loaded.source["kind"] == "hf"
    s0, s1 = loaded.sentences
    assert [(s0.mention(sp), sp.type) for sp in s0.spans] == [("Barack Obama", "person"), ("Paris", "location")]
    assert [(s1.mention(sp), sp.type) for sp in s1.spans] == [("EU", "organization")]


def test_string_tags_and_filter(tmp_path):
    _write_parquet(tmp_path / "repo2" / "data", {"tokens": [["Anna", "lives"], ["Hans", "lebt"]],
                                                 "tags": [["B-PER", "O"], ["B-PER", "O"]], "language": ["en", "de"]})
    card = _card_for(tmp_path / "repo2", tags_column="tags", filter={"language": "en"})
    sents = load_split(card, "test", tmp_path / "none").sentences
    assert [s.text for s in sents] == ["Anna lives"]


def test_unloadable_repo_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    card = _card_for(tmp_path / "does-not-exist")
    with pytest.raises(MissingDataError) as exc:
        load_split(card, "test", tmp_path / "none")
    # offline and not pinned in the data dir: fails before any Hub call, saying how to get the data
    assert "offline mode is on" in str(exc.value) and "unibench data download" in str(exc.value)
