"""Raw data -> normalised JSONL in a cache dir, with a manifest recording content hashes.

`<cache>/prepared/<row>/<version>/<split>.jsonl` plus `manifest.json`. A prepared split is
reused only if the card (hash) and unibench's reader code version are unchanged and the file
still hashes to what the manifest says; otherwise it is rebuilt. The content hash of the test
split is what result files stamp as `dataset.content_hash`.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import __version__
from .cards import DatasetCard
from .io import atomic_write_json, sha256_file
from .loaders import LoadedSplit, available_splits, load_split
from .schema import Sentence, read_sentences, write_sentences

READER_VERSION = "1"  # bump when a reader change alters normalised output


def prepared_dir(cache_dir: Path, card: DatasetCard, version: str) -> Path:
    return Path(cache_dir) / "prepared" / card.id / version


def _manifest_path(cache_dir: Path, card: DatasetCard, version: str) -> Path:
    return prepared_dir(cache_dir, card, version) / "manifest.json"


def read_manifest(cache_dir: Path, card: DatasetCard, version: str) -> dict | None:
    path = _manifest_path(cache_dir, card, version)
    if not path.exists():
        return None
    try:
        m = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    if m.get("card_hash") != card.card_hash() or m.get("reader_version") != READER_VERSION:
        return None
    return m


def prepare(card: DatasetCard, data_dir: Path, cache_dir: Path, version: str = "paper",
            splits: list[str] | None = None) -> dict:
    """Normalise the given splits (default: all the card has) and return the manifest."""
    folder = prepared_dir(cache_dir, card, version)
    manifest = read_manifest(cache_dir, card, version) or {
        "row": card.id, "dataset": card.dataset, "version": version, "card_hash": card.card_hash(),
        "label_map_hash": card.label_map_hash, "reader_version": READER_VERSION,
        "unibench_version": __version__, "splits": {}}
    # every split is read (and refused) before any is written: bad data leaves no partial output
    loaded_splits = [load_split(card, split, data_dir, version)
                     for split in splits or available_splits(card, data_dir)]
    for loaded in loaded_splits:
        split = loaded.split
        path = folder / f"{split}.jsonl"
        write_sentences(path, loaded.sentences)
        manifest["splits"][split] = {
            "file": path.name, "sha256": sha256_file(path), "n_sentences": len(loaded.sentences),
            "n_mentions": sum(len(s.spans) for s in loaded.sentences), "tag_repairs": loaded.repairs,
            "repair_examples": loaded.repair_examples, "dropped_mentions": loaded.dropped_mentions,
            "source": loaded.source}
        atomic_write_json(_manifest_path(cache_dir, card, version), manifest)
    return manifest


def load_sentences(card: DatasetCard, split: str, data_dir: Path, cache_dir: Path | None,
                   version: str = "paper") -> tuple[list[Sentence], dict]:
    """Sentences of one split, from the prepared cache when valid (else prepared now).

    Returns the sentences and that split's manifest entry (sha256 = content hash, source...).
    Without a cache dir, reads the raw data directly and hashes the normalised JSONL text.
    """
    if cache_dir is not None:
        m = read_manifest(cache_dir, card, version)
        entry = (m or {}).get("splits", {}).get(split)
        path = prepared_dir(cache_dir, card, version) / f"{split}.jsonl"
        if entry and path.exists() and sha256_file(path) == entry["sha256"]:
            return list(read_sentences(path)), entry
        m = prepare(card, data_dir, cache_dir, version, [split])
        return list(read_sentences(path)), m["splits"][split]
    loaded: LoadedSplit = load_split(card, split, data_dir, version)
    from .io import sha256_text

    text = "".join(json.dumps(s.to_dict(), ensure_ascii=False) + "\n" for s in loaded.sentences)
    return loaded.sentences, {"sha256": sha256_text(text), "n_sentences": len(loaded.sentences),
                              "source": loaded.source, "tag_repairs": loaded.repairs}
