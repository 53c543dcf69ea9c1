"""Hugging Face `datasets` reader: tokens + tags (integer ids or strings) -> sentences with raw types.

`datasets` is imported here only, when a card's data is not found locally. Offline mode
(HF_HUB_OFFLINE / HF_DATASETS_OFFLINE) and the HF cache are honoured by `datasets` itself: with
the data in the cache, loading works offline; without it, the error says so. `repo` may also be a
local folder (a snapshot or a folder of parquet/json files), which is how the tests exercise this
code without a network.

Tag names: the ClassLabel names of the tags column if it has them, else the card's `label_names`
(id -> tag), else the column must already hold strings.
"""

from __future__ import annotations

import os
from typing import Any

from ..cards import DatasetCard
from ..errors import DataFormatError, MissingDataError
from ..schema import Sentence, make_sentence
from ..tags import DecodeReport, decode


def _tag_names(ds, column: str, card: DatasetCard) -> list[str] | None:
    feature = ds.features.get(column) if hasattr(ds, "features") else None
    inner = getattr(feature, "feature", None)  # Sequence(ClassLabel) / List(ClassLabel)
    names = getattr(inner, "names", None)
    if names:
        return list(names)
    return list(card.sources.hf.label_names) if card.sources.hf.label_names else None


def load_hf_split(card: DatasetCard, split: str):
    src = card.sources.hf
    if src is None or split not in src.splits:
        raise MissingDataError(f"{card.id!r} has no Hugging Face source for split {split!r}")
    try:
        import datasets
    except ImportError:
        raise MissingDataError(f"loading {card.id!r} from the Hub needs the `datasets` package",
                               hint="pip install 'unibench[hf]'") from None
    kwargs: dict[str, Any] = {"split": src.splits[split]}
    if src.data_files:
        kwargs["data_files"] = src.data_files
    if not os.path.isdir(src.repo):
        kwargs["revision"] = src.revision
    try:
        return datasets.load_dataset(src.repo, src.config, **kwargs)
    except Exception as exc:  # noqa: BLE001 - datasets raises many types; all mean "not loadable here"
        offline = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("HF_DATASETS_OFFLINE")
        raise MissingDataError(
            f"could not load {src.repo} (config {src.config}, split {src.splits[split]}, revision {src.revision}) "
            f"for {card.id!r}: {type(exc).__name__}: {str(exc)[:300]}",
            hint=("offline mode is on and the dataset is not in the HF cache; " if offline else "") +
                 "download it once with network access, or place the raw files under <data-dir>/" + card.id +
                 " (set --data-dir or $UNIBENCH_DATA)") from None


def read_hf(card: DatasetCard, split: str, *, flush_final: bool = True,
            report: DecodeReport | None = None) -> list[Sentence]:
    src = card.sources.hf
    ds = load_hf_split(card, split)
    if src.filter:
        for column, value in src.filter.items():
            ds = ds.filter(lambda row, c=column, v=value: str(row[c]) == v)
    for column in (src.tokens_column, src.tags_column):
        if column not in ds.column_names:
            raise DataFormatError(f"column {column!r} not in {ds.column_names}", path=f"hf://{src.repo}",
                                  hint=f"fix sources.hf.tokens_column / tags_column in dataset_cards/{card.id}.yaml")
    names = _tag_names(ds, src.tags_column, card)
    report = report if report is not None else DecodeReport()
    out: list[Sentence] = []
    for i, row in enumerate(ds):
        tokens = [str(t) for t in row[src.tokens_column]]
        raw = row[src.tags_column]
        try:
            if names and any(isinstance(t, int) and not 0 <= t < len(names) for t in raw):
                raise IndexError  # names[-1] would silently be the last label
            tags = [names[t] if isinstance(t, int) else str(t) for t in raw] if names else [str(t) for t in raw]
        except IndexError:
            raise DataFormatError(f"tag id out of range in row {i}: {raw}", path=f"hf://{src.repo}/{split}",
                                  hint="the card's label_names do not cover the column's ids") from None
        if len(tags) != len(tokens):
            raise DataFormatError(f"row {i}: {len(tokens)} tokens but {len(tags)} tags", path=f"hf://{src.repo}/{split}")
        keep = [j for j, t in enumerate(tokens) if t.strip()]
        if len(keep) != len(tokens):  # whitespace-only tokens cannot be joined back: drop and count them
            report.add(f"hf://{src.repo}/{split} row {i}: dropped {len(tokens) - len(keep)} blank token(s)")
            tokens, tags = [tokens[j].strip() for j in keep], [tags[j] for j in keep]
        if not tokens:
            continue
        tokens = [t.replace(" ", "_") if " " in t else t for t in tokens]
        spans = decode(tags, card.tag_scheme, flush_final=flush_final, on_illegal=card.on_illegal, report=report,
                       path=f"hf://{src.repo}/{split}", lines=None)
        out.append(make_sentence(f"{card.id}/{split}/{i}", tokens, spans))
    return out
