"""Raw data -> normalised JSONL in a cache dir, with a manifest recording content hashes.

`<cache>/prepared/<row>/<version>/<split>.jsonl` plus `manifest.json`. A prepared split is
reused only if the card (hash) and unibench's reader code version are unchanged, the file still
hashes to what the manifest says, and the raw inputs it was made from (data dir, raw files with
size, mtime and sha256, or the Hub source; see prepare_inputs.py) are still what the loader would
read; otherwise it is rebuilt, and `notice` says why in one line. The content hash of the test
split is what result files stamp as `dataset.content_hash`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

from . import __version__
from .cards import DatasetCard
from .io import atomic_write_json, sha256_file
from .prepare_inputs import NOT_FOUND, changed_inputs, current_inputs, with_hashes
from .schema import Sentence, read_sentences, write_sentences

READER_VERSION = "2"  # bump when a reader change alters normalised output
# 2: IE_INSTRUCTIONS entities that cut a word move to the whole word (MIT movie passages change)


def _stderr_notice(message: str) -> None:
    print(message, file=sys.stderr)  # looked up at call time: a live progress display redirects it


# where the one-line "re-preparing ... because ..." notices go (the CLI's stderr by default)
notice: Callable[[str], None] = _stderr_notice


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
    from .loaders import available_splits, load_split  # the readers: imported only when something is prepared

    # every split is read (and refused) before any is written: bad data leaves no partial output; the raw
    # inputs are hashed before reading, so the recorded hashes are never newer than what was read
    loaded_splits = []
    for split in splits or available_splits(card, data_dir):
        inputs = with_hashes(current_inputs(card, split, data_dir))
        loaded_splits.append((split, inputs, load_split(card, split, data_dir, version)))
    for split, inputs, loaded in loaded_splits:
        path = folder / f"{split}.jsonl"
        write_sentences(path, loaded.sentences)
        manifest["splits"][split] = {
            "file": path.name, "sha256": sha256_file(path), "n_sentences": len(loaded.sentences),
            "n_mentions": sum(len(s.spans) for s in loaded.sentences), "tag_repairs": loaded.repairs,
            "repair_examples": loaded.repair_examples, "dropped_mentions": loaded.dropped_mentions,
            "source": loaded.source, "inputs": inputs}
        atomic_write_json(_manifest_path(cache_dir, card, version), manifest)
    return manifest


def _stale_reason(cache_dir: Path, card: DatasetCard, version: str, split: str,
                  data_dir: Path) -> tuple[str | None, dict | None]:
    """(None, entry) when the prepared split can be used as it is; else (why not, None). The reason is
    None too when nothing was ever prepared (a first preparation needs no explanation)."""
    path = _manifest_path(cache_dir, card, version)
    try:
        m = json.loads(path.read_text()) if path.exists() else None
    except (json.JSONDecodeError, UnicodeDecodeError, OSError):
        return "its manifest is unreadable", None
    entry = (m or {}).get("splits", {}).get(split) if isinstance(m, dict) else None
    if not entry:
        return None, None
    if m.get("card_hash") != card.card_hash():
        return f"dataset_cards/{card.id}.yaml changed since it was prepared", None
    if m.get("reader_version") != READER_VERSION:
        return f"unibench's reader version changed ({m.get('reader_version')} -> {READER_VERSION})", None
    jsonl = prepared_dir(cache_dir, card, version) / f"{split}.jsonl"
    if not jsonl.exists() or sha256_file(jsonl) != entry.get("sha256"):
        return "the prepared file was modified or removed", None
    reason, inputs = changed_inputs(entry.get("inputs"), current_inputs(card, split, data_dir))
    if reason:
        return reason, None
    if inputs != entry.get("inputs"):  # only mtimes of unchanged files: record them, so they are not re-hashed
        m["splits"][split] = entry = entry | {"inputs": inputs}
        atomic_write_json(path, m)
    return None, entry


def ensure_prepared(card: DatasetCard, split: str, data_dir: Path, cache_dir: Path,
                    version: str = "paper") -> tuple[dict, str]:
    """The manifest entry of a prepared split that matches its current inputs, preparing it when
    needed; and what happened: "cached", "prepared" (first time) or "re-prepared: <why>"."""
    reason, entry = _stale_reason(cache_dir, card, version, split, data_dir)
    if entry is not None:
        return entry, "cached"
    if reason and reason != NOT_FOUND:
        notice(f"re-preparing {card.id} {split} (version {version}): {reason}")
    m = prepare(card, data_dir, cache_dir, version, [split])
    return m["splits"][split], f"re-prepared: {reason}" if reason else "prepared"


def ensure_prepared_splits(card: DatasetCard, splits: list[str], data_dir: Path, cache_dir: Path,
                           version: str = "paper") -> dict[str, str]:
    """`ensure_prepared` for several splits at once (`data prepare`): the stale ones are prepared in ONE
    `prepare` call, which reads every split before writing any, so a bad split leaves no partial output.
    Returns what happened per split."""
    status, stale = {}, []
    for split in splits:
        reason, entry = _stale_reason(cache_dir, card, version, split, data_dir)
        if entry is not None:
            status[split] = "cached"
            continue
        if reason and reason != NOT_FOUND:
            notice(f"re-preparing {card.id} {split} (version {version}): {reason}")
        status[split] = f"re-prepared: {reason}" if reason else "prepared"
        stale.append(split)
    if stale:
        prepare(card, data_dir, cache_dir, version, stale)
    return status


def load_sentences(card: DatasetCard, split: str, data_dir: Path, cache_dir: Path | None,
                   version: str = "paper") -> tuple[list[Sentence], dict]:
    """Sentences of one split, from the prepared cache when valid (else prepared now).

    Returns the sentences and that split's manifest entry (sha256 = content hash, source...).
    Without a cache dir, reads the raw data directly and hashes the normalised JSONL text.
    """
    if cache_dir is not None:
        entry, _ = ensure_prepared(card, split, data_dir, cache_dir, version)
        return list(read_sentences(prepared_dir(cache_dir, card, version) / f"{split}.jsonl")), entry
    from .loaders import load_split

    loaded = load_split(card, split, data_dir, version)
    from .io import sha256_text

    text = "".join(json.dumps(s.to_dict(), ensure_ascii=False) + "\n" for s in loaded.sentences)
    return loaded.sentences, {"sha256": sha256_text(text), "n_sentences": len(loaded.sentences),
                              "source": loaded.source, "tag_repairs": loaded.repairs}
