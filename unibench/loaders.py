"""Card + data dir -> normalised sentences (natural-language types), for one split and version.

This is the only place where raw type names meet the card's label map, where the paper quirks
are applied (for the paper-compatible version of a row), and where a seeded split is made for
data published without one. Everything downstream reads the `Sentence` records it returns, or
the JSONL that `prepare` writes from them.
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from .cards import DatasetCard
from . import hub_data
from .data_checks import check_not_empty, check_tokens, unknown_type_error
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
            return all(os.path.lexists(folder / n) for n in names)  # a dangling symlink is refused when read
        splits = [s for s, names in src.files.items() if present(names)]
        if splits or card.sources.hf is None:  # a folder holding only a Hub pin falls through to the Hub's splits
            return [s for s in ("train", "dev", "test") if s in splits]
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


def _read_raw(card: DatasetCard, split: str, data_dir: Path, flush_final: bool,
              extra_options: dict | None = None) -> tuple[list[Sentence], dict, DecodeReport]:
    report = DecodeReport()
    folder = local_folder(card, data_dir)
    src = card.sources.local
    file_split = "all" if card.split_policy is not None else split
    names = src.files.get(file_split) if src is not None else None
    names = [names] if isinstance(names, str) else list(names or [])
    files = [folder / n for n in names] if folder is not None else []
    missing = [f for f in files if not os.path.lexists(f)]  # a dangling symlink is refused when read
    pinned = card.sources.hf is not None and hub_data.read_pin(card, data_dir) is not None
    if folder is not None and folder.is_dir() and names and not (missing and pinned):
        if missing:
            raise _missing(card, data_dir, split, f"{missing[0]} does not exist")
        options = {**src.options, **(extra_options or {})}
        ctx = ReadContext(row_id=card.id, split=file_split, folder=folder, files=files, options=options,
                          tag_scheme=card.tag_scheme, on_illegal=card.on_illegal, flush_final=flush_final,
                          report=report)
        sentences = _run_reader(src.format, ctx)
        check_not_empty(sentences, card.id, split, files)
        check_tokens(sentences, card.id, files, allow_c1=bool(src.options.get("allow_c1_controls")))
        info = {"kind": "local", "folder": str(folder), "files": [f.name for f in files], "format": src.format,
                "upstream_repo": src.upstream_repo, "revision": src.upstream_revision or "local"}
        return sentences, info, report
    if card.sources.hf is not None and split in card.sources.hf.splits:
        try:
            from .readers.hf import read_hf
        except ImportError:  # pragma: no cover - depends on the environment
            raise _missing(card, data_dir, split, "no local files and the `datasets` package is not installed")
        info: dict = {}
        try:
            sentences = read_hf(card, split, flush_final=flush_final, report=report, data_dir=data_dir, source=info)
        except MissingDataError as exc:  # say where the local files were looked for, too
            if folder is not None and not (folder.is_dir() and names):
                exc.message += f" (no local files: looked in {folder})"
            raise
        hub = f"{card.sources.hf.repo} (Hugging Face Hub, split {split})"
        check_not_empty(sentences, card.id, split, [], source=hub)
        # C1 allowed: a pinned Hub dataset cannot be fixed here, and cp1252 punctuation read as Latin-1 is common
        check_tokens(sentences, card.id, [], allow_c1=True, source=hub)
        return sentences, info, report
    if folder is not None and not folder.is_dir():
        raise _missing(card, data_dir, split, f"folder {folder} does not exist")
    raise _missing(card, data_dir, split, "the card lists no source for this split")


def _run_reader(fmt: str, ctx: ReadContext) -> list[Sentence]:
    """All sentences of a reader; a value of the wrong type that a reader did not anticipate (a number where a
    list belongs...) is still an error naming the data files, never a traceback."""
    try:
        return list(get_reader(fmt)(ctx))
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        raise DataFormatError(f"unexpected value in the data ({type(exc).__name__}: {str(exc)[:160]})",
                              path=", ".join(str(f) for f in ctx.files),
                              hint=f"the {fmt} reader expected other types or fields here; see the reader's "
                                   f"docstring in unibench/readers/{fmt}.py for the format") from None


def _apply_split_policy(card: DatasetCard, sentences: list[Sentence], split: str,
                        proc=None) -> list[Sentence]:
    policy = card.split_policy
    assert policy is not None
    sizes = proc.split_sizes if proc is not None else None
    method = (proc.split_method if proc is not None else None) or policy.method
    if method == "random_documents":
        key = lambda s: s.id.rsplit("/", 1)[0]  # noqa: E731 - sentence ids are <row>/all/<doc>/<k>
    else:
        key = lambda s: s.id  # noqa: E731
    units = list(dict.fromkeys(key(s) for s in sentences))
    rng = random.Random(policy.seed)
    rng.shuffle(units)
    if sizes is not None:
        if sum(sizes) > len(units):
            raise DataFormatError(f"split_sizes {list(sizes)} need {sum(sizes)} units but the data has {len(units)}",
                                  path=f"dataset_cards/{card.id}.yaml")
        n_train, n_dev, n_end = sizes[0], sizes[1], sum(sizes)
    else:
        n_train = round(len(units) * policy.ratios[0])
        n_dev = round(len(units) * policy.ratios[1])
        n_end = len(units)
    chosen = {"train": units[:n_train], "dev": units[n_train:n_train + n_dev],
              "test": units[n_train + n_dev:n_end]}[split]
    keep = set(chosen)
    return [s for s in sentences if key(s) in keep]


def _filter(proc, sentences: list[Sentence]) -> list[Sentence]:
    """The version's sentence filters (card `processing`), in a fixed order: pattern, length, duplicates."""
    if proc.drop_text_matching is not None:
        pattern = re.compile(proc.drop_text_matching)
        sentences = [s for s in sentences if not pattern.search(s.text)]
    if proc.min_tokens is not None:
        sentences = [s for s in sentences if len(s.tokens) >= proc.min_tokens]
    if proc.drop_duplicate_texts:
        seen: set[str] = set()
        kept = []
        for s in sentences:
            if s.text not in seen:
                seen.add(s.text)
                kept.append(s)
        sentences = kept
    return sentences


def load_split(card: DatasetCard, split: str, data_dir: Path, version: str = "paper") -> LoadedSplit:
    quirks = card.quirks_for(version)
    proc = card.processing_for(version)
    sentences, info, report = _read_raw(card, split, Path(data_dir),
                                        flush_final="drop_sentence_final_entities" not in quirks,
                                        extra_options=proc.options if proc else None)
    if proc is not None:
        sentences = _filter(proc, sentences)
    if card.split_policy is not None:
        sentences = _apply_split_policy(card, sentences, split, proc)
        check_not_empty(sentences, card.id, f"{split} (after the card's split_policy)",
                        _split_files(card, Path(data_dir), split))
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
                files = _split_files(card, Path(data_dir), split)
                raise unknown_type_error(sp.type, s.id, card.id, files, card.label_map, card.dropped_types)
        mapped.append(make_sentence(s.id, list(s.tokens), spans))
    return LoadedSplit(card, split, version, mapped, info, report.repairs, report.examples, dropped)


def _split_files(card: DatasetCard, data_dir: Path, split: str) -> list[Path]:
    """The local files a split was read from (empty for Hub rows), for error messages."""
    folder, src = local_folder(card, data_dir), card.sources.local
    file_split = "all" if card.split_policy is not None else split
    if folder is None or src is None or file_split not in src.files:
        return []
    names = src.files[file_split]
    return [folder / n for n in ([names] if isinstance(names, str) else names)]


def mentions(sentence: Sentence) -> list[tuple[Span, str]]:
    return [(sp, sentence.mention(sp)) for sp in sentence.spans]
