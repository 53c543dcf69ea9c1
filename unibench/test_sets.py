"""Known test sets: measure each staged row's test split and record it in its dataset card.

A result file stamps the sentence count and content hash (sha256 of the normalised JSONL) of the
test split it was scored on. On their own those stamps prove nothing: a run on a truncated or
edited copy of the data stamps its own numbers just as confidently. So each card records, per
dataset version, what the test split *is* when unibench reads the published raw files, and
`validate` (hence the leaderboard and `submit`) refuses a full run that scored anything else.

The numbers are measured, never typed: `scripts/record_test_sets.py --data-dir DIR` loads every row
whose raw files are in DIR (never the Hub), for both versions, and rewrites only the `test_sets:`
block of each card, leaving the rest of its text and comments alone. Running it again on the same
data changes nothing, so it can be re-run after any change to a card, a loader or a reader
(`--check` says whether the cards are current). Rows whose data is not staged keep what they have
(usually nothing: "test set not verified").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .cards import DATA_VERSIONS, DatasetCard

BLOCK_KEY = "test_sets:"
BLOCK_COMMENT = "# measured from the raw files by scripts/record_test_sets.py; do not edit by hand"


@dataclass(frozen=True)
class Measured:
    sentences: int
    sha256: str


def staged(card: DatasetCard, data_dir: Path) -> bool:
    """True when the row's test split can be read from local raw files under `data_dir` (not the Hub)."""
    from .loaders import local_folder

    src = card.sources.local
    folder = local_folder(card, data_dir)
    if src is None or folder is None or not folder.is_dir():
        return False
    names = src.files.get("all" if card.split_policy is not None else "test")
    if names is None:
        return False
    names = [names] if isinstance(names, str) else names
    return all((folder / n).exists() for n in names)


def measure(card: DatasetCard, data_dir: Path) -> dict[str, Measured]:
    """Sentence count and content hash of the test split, per dataset version, read from local files."""
    from .prepare import load_sentences

    out = {}
    for version in DATA_VERSIONS:
        sentences, entry = load_sentences(card, "test", data_dir, None, version)
        out[version] = Measured(len(sentences), entry["sha256"])
    return out


def render_block(measured: dict[str, Measured]) -> str:
    lines = [f"{BLOCK_KEY}  {BLOCK_COMMENT}"]
    for version in DATA_VERSIONS:
        if version in measured:
            m = measured[version]
            lines.append(f"  {version}: {{sentences: {m.sentences}, sha256: {m.sha256}}}")
    return "\n".join(lines) + "\n"


_TOP_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*:")


def replace_block(text: str, block: str) -> str:
    """`text` with its top-level `test_sets:` block (key line plus indented lines) replaced by
    `block`; when there is none, `block` goes just before the `paper:` section (the paper's own
    counts), or at the end. Nothing else in the text changes."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(BLOCK_KEY)), None)
    if start is None:
        at = next((i for i, line in enumerate(lines) if line.startswith("paper:")), None)
        if at is not None:
            return "".join(lines[:at]) + block + "".join(lines[at:])
        if text and not text.endswith("\n"):
            text += "\n"
        return text + block
    end = start + 1
    while end < len(lines) and not _TOP_KEY.match(lines[end]) and not lines[end].startswith("#"):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # blank lines before the next key stay
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def compare_text(card: DatasetCard, version: str, test: dict) -> str:
    """One line for `data stats`: does the test split read from this data dir match the card's record?"""
    known = card.test_sets.get(version)
    found = f"{test['sentences']} sentences, sha256 {test['content_hash'][:12]}"
    if known is None:
        return f"test set not verified: dataset_cards/{card.id}.yaml records none for version {version!r} ({found})"
    if (known.sentences, known.sha256) == (test["sentences"], test["content_hash"]):
        return f"test set verified: matches dataset_cards/{card.id}.yaml ({found})"
    return (f"test set DIFFERS from dataset_cards/{card.id}.yaml: expected {known.sentences} sentences, sha256 "
            f"{known.sha256[:12]}; found {found}. Results on it will not validate.")
