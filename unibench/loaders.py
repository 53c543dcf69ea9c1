"""Card + data dir -> normalised sentences (natural-language types), for one split and version.

This is the only place where raw type names meet the card's label map, where the paper quirks
are applied (for the paper-compatible version of a row), and where a seeded split is made for
data published without one. Everything downstream reads the `Sentence` records it returns, or
the JSONL that `prepare` writes from them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from .cards import DatasetCard
from .errors import DataFormatError, MissingDataError
from .readers import ReadContext, get_reader
from .schema import Sentence, Span, make_sentence
from .tags import DecodeReport


@dataclass
class LoadedSplit:
    card: DatasetCard
    split: str
    version: str
    sentences: list[Sentence]
    source: dict = field(default_factory=dict)  # kind, files/repo, revision
    repairs: int = 0
    repair_examples: list[str] = field(default_factory=list)
    dropped_mentions: int = 0


def local_folder(card: DatasetCard, data_dir: Path) -> Path | None:
    if card.sources.local is None:
        return None
    return Path(data_dir) / (card.sources.local.layout_dir or card.id)


def available_splits(card: DatasetCard, data_dir: Path | None = None) -> list[str]:
    """Splits the card can provide. With a data dir whose local folder exists, only the splits
    present there (a staged copy may lack some); otherwise every split of any source."""
    if card.split_policy is not None:
        return ["train", "dev", "test"]
    src = card.sources.local
    folder = local_folder(card, data_dir) if data_dir is not None else None
    if src is not None and folder is not None and folder.is_dir():
        def present(names):
            names = [names] if isinstance(names, str) else names
            return all((folder / n).exists() for n in names)
        splits = [s for s, names in src.files.items() if present(names)]
    else:
        splits = list(src.files) if src else []
        if card.sources.hf:
            splits += [s for s in card.sources.hf.splits if s not in splits]
    return [s for s in ("train", "dev", "test") if s in splits]


def _missing(card: DatasetCard, data_dir: Path, split: str, detail: str) -> MissingDataError:
    how = ""
    if card.access:
        how = f" To obtain it: {card.access.how} Put the files in {card.access.where}."
    elif card.sources.hf:
        how = (f" Install the hf extra (pip install 'unibench[hf]') to load {card.sources.hf.repo} from the "
               f"Hugging Face Hub, or place the raw files there.")
    return MissingDataError(f"no {split} data for {card.id!r}: {detail}.{how}", path=data_dir,
                            hint="set --data-dir or $UNIBENCH_DATA to the folder that holds <dataset id>/ "
                                 "subfolders (<data-dir>/<dataset id>/<its files>)")


def _read_raw(card: DatasetCard, split: str, data_dir: Path, flush_final: bool) -> tuple[list[Sentence], dict,
                                                                                          DecodeReport]:
    report = DecodeReport()
    folder = local_folder(card, data_dir)
    src = card.sources.local
    file_split = "all" if card.split_policy is not None else split
    if src is not None and folder is not None and folder.is_dir() and file_split in src.files:
        names = src.files[file_split]
        names = [names] if isinstance(names, str) else list(names)
        files = [folder / n for n in names]
        missing = [f for f in files if not f.exists()]
        if missing:
            raise _missing(card, data_dir, split, f"{missing[0]} does not exist")
        ctx = ReadContext(row_id=card.id, split=file_split, folder=folder, files=files, options=dict(src.options),
                          tag_scheme=card.tag_scheme, on_illegal=card.on_illegal, flush_final=flush_final,
                          report=report)
        sentences = list(get_reader(src.format)(ctx))
        info = {"kind": "local", "folder": str(folder), "files": [f.name for f in files], "format": src.format,
                "upstream_repo": src.upstream_repo, "revision": src.upstream_revision or "local"}
        return sentences, info, report
    if card.sources.hf is not None and split in card.sources.hf.splits:
        try:
            from .readers.hf import read_hf
        except ImportError:  # pragma: no cover - depends on the environment
            raise _missing(card, data_dir, split, "no local files and the `datasets` package is not installed")
        sentences = read_hf(card, split, flush_final=flush_final, report=report)
        return sentences, {"kind": "hf", "repo": card.sources.hf.repo, "revision": card.sources.hf.revision,
                           "config": card.sources.hf.config}, report
    if folder is not None and not folder.is_dir():
        raise _missing(card, data_dir, split, f"folder {folder} does not exist")
    raise _missing(card, data_dir, split, "the card lists no source for this split")


def _apply_split_policy(card: DatasetCard, sentences: list[Sentence], split: str) -> list[Sentence]:
    policy = card.split_policy
    assert policy is not None
    if policy.method == "random_documents":
        key = lambda s: s.id.rsplit("/", 1)[0]  # noqa: E731 - sentence ids are <row>/all/<doc>/<k>
    else:
        key = lambda s: s.id  # noqa: E731
    units = list(dict.fromkeys(key(s) for s in sentences))
    rng = random.Random(policy.seed)
    rng.shuffle(units)
    n_train = round(len(units) * policy.ratios[0])
    n_dev = round(len(units) * policy.ratios[1])
    chosen = {"train": units[:n_train], "dev": units[n_train:n_train + n_dev], "test": units[n_train + n_dev:]}[split]
    keep = set(chosen)
    return [s for s in sentences if key(s) in keep]


def load_split(card: DatasetCard, split: str, data_dir: Path, version: str = "paper") -> LoadedSplit:
    quirks = card.quirks_for(version)
    sentences, info, report = _read_raw(card, split, Path(data_dir),
                                        flush_final="drop_sentence_final_entities" not in quirks)
    if card.split_policy is not None:
        sentences = _apply_split_policy(card, sentences, split)
    if "drop_last_sentence" in quirks and sentences:
        sentences = sentences[:-1]
    mapped, dropped = [], 0
    for s in sentences:
        spans = []
        for sp in s.spans:
            entry = card.label_map.get(sp.type)
            if entry is not None:
                spans.append((sp.start, sp.end, entry.name))
            elif sp.type in card.dropped_types:
                dropped += 1
            else:
                raise DataFormatError(
                    f"raw type {sp.type!r} (sentence {s.id}) is neither in label_map nor in dropped_types",
                    path=f"dataset_cards/{card.id}.yaml",
                    hint=f"raw types mapped: {sorted(card.label_map)}; dropped: {card.dropped_types}")
        mapped.append(make_sentence(s.id, list(s.tokens), spans))
    return LoadedSplit(card, split, version, mapped, info, report.repairs, report.examples, dropped)


def mentions(sentence: Sentence) -> list[tuple[Span, str]]:
    return [(sp, sentence.mention(sp)) for sp in sentence.spans]
