"""Hugging Face `datasets` reader: tokens + tags (integer ids or strings) -> sentences with raw types.

`datasets` is imported here only, when a card's data is not found locally. Where the split is read from
(a pinned download in the data dir, the Hub at a resolved commit, or a local folder named by `repo`, which
is how some tests exercise this code) is decided by `load_hf_split`; see unibench/hub_data.py.

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


def load_hf_split(card: DatasetCard, split: str, data_dir=None):
    """(dataset, source info) for one split: from the row's pinned download in the data dir if there is one
    (unibench.hub_data), else from the Hub at the commit the card's revision resolves to (failing at once
    when the Hub is out of reach), else from a local folder named by `repo` (tests, snapshots)."""
    from .. import hub_data

    src = card.sources.hf
    if src is None or split not in src.splits:
        raise MissingDataError(f"{card.id!r} has no Hugging Face source for split {split!r}")
    kwargs: dict[str, Any] = {"split": src.splits[split]}
    if src.data_files:
        kwargs["data_files"] = src.data_files
    pin = hub_data.read_pin(card, data_dir)
    info = {"kind": "hf", "repo": src.repo, "revision": src.revision, "config": src.config}
    remote = pin is None and not os.path.isdir(src.repo)
    if remote:
        hub_data.require_online(card, split)  # before importing datasets: an offline miss answers at once
    try:
        import datasets
    except ImportError:
        raise MissingDataError(f"loading {card.id!r} from the Hub needs the `datasets` package",
                               hint="pip install 'unibench[hf]'") from None
    if pin is not None:
        path = pin["folder"]
        info |= {"revision": pin["commit"], "pinned": True}
    elif not remote:
        path = src.repo
    else:
        commit = hub_data.resolve_commit(card)
        path, kwargs["revision"] = src.repo, commit
        info |= {"revision": commit, "requested_revision": src.revision}
    try:
        return datasets.load_dataset(path, src.config, **kwargs), info
    except Exception as exc:  # noqa: BLE001 - datasets raises many types; all mean "not loadable here"
        raise MissingDataError(
            f"could not load {src.repo} (config {src.config}, split {src.splits[split]}, revision "
            f"{info['revision']}) for {card.id!r}: {type(exc).__name__}: {str(exc)[:300]}",
            hint=hub_data.how_to_get(card)) from None


def read_hf(card: DatasetCard, split: str, *, flush_final: bool = True,
            report: DecodeReport | None = None, data_dir=None, source: dict | None = None) -> list[Sentence]:
    """Sentences of one split; `source` (if given) receives where they were read from (repo, commit, pinned)."""
    src = card.sources.hf
    ds, info = load_hf_split(card, split, data_dir)
    if source is not None:
        source.update(info)
    if src.filter:
        for column, value in src.filter.items():
            ds = ds.filter(lambda row, c=column, v=value: str(row[c]) == v)
    for column in (src.tokens_column, src.tags_column):
        if column not in ds.column_names:
            raise DataFormatError(f"column {column!r} not in {ds.column_names}", path=f"hf://{src.repo}",
                                  hint=f"fix sources.hf.tokens_column / tags_column in dataset_cards/{card.id}.yaml")
    names = _tag_names(ds, src.tags_column, card)
    # a row whose local files are span-annotated (`spans`) has BIO tags in its Hub copy (tner's layout)
    scheme = "BIO" if card.tag_scheme == "spans" else card.tag_scheme
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
        spans = decode(tags, scheme, flush_final=flush_final, on_illegal=card.on_illegal, report=report,
                       path=f"hf://{src.repo}/{split}", lines=None)
        out.append(make_sentence(f"{card.id}/{split}/{i}", tokens, spans))
    return out
