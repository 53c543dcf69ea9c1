"""Dataset cards: one validated YAML file per evaluation row, and the registry that reads them.

A card is the single place where a row of the benchmark is described: where its data comes
from, how raw tags become the paper's natural-language type names (and who published each
name), what the paper reported about it, and whether it may be redistributed. The schema
forbids unknown keys, so a typo in a card fails loudly with the card's file and line.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import CardError, UnknownNameError
from .io import sha256_json
from .resources import resource_dir

DOMAINS = ("General", "Biomed", "Clinics", "STEM", "Programming", "Social media", "Law", "Finance", "Transport")
Domain = Literal["General", "Biomed", "Clinics", "STEM", "Programming", "Social media", "Law", "Finance", "Transport"]
SPLITS = ("train", "dev", "test")
Quirk = Literal["drop_sentence_final_entities", "drop_last_sentence"]
DATA_VERSIONS = ("paper", "corrected")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelEntry(_Strict):
    name: str = Field(min_length=1, description="natural-language type name asked in the query")
    provenance: Literal["published", "reconstruction"]
    note: Optional[str] = None


class LocalSource(_Strict):
    """Raw files under `<data-dir>/<layout_dir or id>/`, read by the named reader."""

    format: str = Field(description="reader name, see unibench/readers/__init__.py")
    layout_dir: Optional[str] = Field(None, description="folder name under the data dir; defaults to the card id")
    files: dict[str, str | list[str]] = Field(description="split -> file name(s) relative to the folder")
    options: dict[str, Any] = Field(default_factory=dict)
    upstream_repo: Optional[str] = Field(None, description="where the raw files were published")
    upstream_revision: Optional[str] = Field(None, description="commit of upstream_repo the files match")


class HFSource(_Strict):
    repo: str
    revision: str = Field(min_length=1, description="commit sha or tag the card was written against")
    revision_verified: bool = Field(False, description="true once the sha was checked against the Hub")
    config: Optional[str] = None
    data_files: Optional[dict[str, str]] = None
    splits: dict[str, str] = Field(description="unibench split -> HF split name")
    tokens_column: str = "tokens"
    tags_column: str = "ner_tags"
    label_names: Optional[list[str]] = Field(None, description="int -> tag, when the column is not a ClassLabel")
    filter: Optional[dict[str, str]] = Field(None, description="keep rows whose column equals the value")


class ReleasedSource(_Strict):
    """The original UniNER project's own query file for this row (conversation JSON)."""

    layout_dir: str = "uniner_released"
    file: str
    repo: str = "universal-ner/universal-ner"
    revision: str = "844e0e12262f2606d1d61ed5e9a89ce06ea6b5e3"


class Sources(_Strict):
    local: Optional[LocalSource] = None
    hf: Optional[HFSource] = None
    released: Optional[ReleasedSource] = None

    @model_validator(mode="after")
    def _one(self):
        if not (self.local or self.hf):
            raise ValueError("a card needs at least one of sources.local or sources.hf")
        return self


class License(_Strict):
    name: str
    redistributable: bool
    source: str = Field(description="where the licence statement was read")
    note: Optional[str] = None


class PaperF1(_Strict):
    chatgpt: float
    uniner_7b: float
    uniner_7b_sup: float


class PaperStats(_Strict):
    """What UniNER's Table 6 / Fig. 9 report for this row."""

    name: str = Field(description="the row's name in the paper (Table 6 / Fig. 9)")
    train: Optional[int]
    dev: Optional[int]
    test: int
    n_types: int
    avg_tokens: Optional[float] = None
    avg_entities: Optional[float] = None
    unit: Literal["sentences", "documents", "recipes"] = "sentences"
    f1: PaperF1


class TestSet(_Strict):
    """A test split unibench has measured from the raw files: what a full run must have scored.

    Written by `scripts/record_test_sets.py` (never by hand); `validate` and the leaderboard refuse a
    full-run result whose sentence count or content hash differs."""

    sentences: int = Field(ge=0, description="sentences in the normalised test split")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the normalised test split JSONL "
                                                               "(a result's dataset.content_hash)")


class Access(_Strict):
    """How to obtain data that unibench cannot download for you."""

    how: str
    where: str


class SplitPolicy(_Strict):
    """For data without an official split: how unibench makes one (seeded, published)."""

    method: Literal["random_documents", "random_sentences"]
    seed: int
    ratios: tuple[float, float, float]
    note: Optional[str] = None


class VersionProcessing(_Strict):
    """How one version of a row reads its data beyond what both versions share.

    The `paper` version reproduces the test set UniNER's Table 6 counts (as far as the raw
    files allow); `corrected` is the better reading where the two differ. Declarative, so the
    card alone says what each version does; applied by `unibench.loaders` in the order below.
    """

    options: dict[str, Any] = Field(default_factory=dict,
                                    description="reader options merged over sources.local.options")
    drop_text_matching: Optional[str] = Field(None, description="regex: sentences whose text it matches "
                                                                 "(re.search) are left out")
    min_tokens: Optional[int] = Field(None, ge=1, description="sentences with fewer tokens are left out")
    drop_duplicate_texts: bool = Field(False, description="keep only the first sentence of each text")
    split_method: Optional[Literal["random_documents", "random_sentences"]] = Field(
        None, description="overrides split_policy.method for this version")
    split_sizes: Optional[tuple[int, int, int]] = Field(
        None, description="exact train/dev/test unit counts for the seeded split (instead of its ratios); "
                          "units beyond their sum are left out")
    note: str = Field(min_length=1, description="why this version reads the data this way")

    @field_validator("drop_text_matching")
    @classmethod
    def _regex(cls, v):
        if v is not None:
            import re
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return v


class DatasetCard(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    dataset: str = Field(pattern=r"^[a-z0-9_]+$", description="the dataset this row belongs to (43 in all)")
    display_name: str
    domain: Domain
    description: str
    sources: Sources
    tag_scheme: Literal["BIO", "IOB1", "IOBES", "IO", "spans"]
    on_illegal: Literal["repair", "error"] = "repair"
    label_map: dict[str, LabelEntry] = Field(description="raw tag type -> type name; order = query order")
    dropped_types: list[str] = Field(default_factory=list)
    sentence_split: Optional[str] = Field(None, description="how document-level data becomes sentences")
    split_policy: Optional[SplitPolicy] = None
    paper_quirks: list[Quirk] = Field(default_factory=list)
    processing: dict[Literal["paper", "corrected"], VersionProcessing] = Field(
        default_factory=dict, description="per-version reading (filters, reader options, split sizes)")
    license: License
    citation: str
    paper: PaperStats
    access: Optional[Access] = None
    count_notes: Optional[str] = Field(None, description="why our counts differ from the paper's, if they do")
    test_sets: dict[Literal["paper", "corrected"], TestSet] = Field(
        default_factory=dict, description="per dataset version, the verified test split (absent = not verified)")

    @field_validator("label_map")
    @classmethod
    def _non_empty(cls, v):
        if not v:
            raise ValueError("label_map must map at least one raw type")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        overlap = set(self.dropped_types) & set(self.label_map)
        if overlap:
            raise ValueError(f"types both mapped and dropped: {sorted(overlap)}")
        for version, proc in self.processing.items():
            if (proc.split_sizes or proc.split_method) and self.split_policy is None:
                raise ValueError(f"processing.{version}.split_sizes/split_method need a split_policy")
        if not self.license.redistributable and self.access is None and self.sources.hf is None:
            raise ValueError("data that cannot be downloaded needs an `access` section (how and where)")
        return self

    # -- derived -------------------------------------------------------------------------
    @property
    def types(self) -> list[str]:
        """Type names in query order (several raw tags may share one name)."""
        seen: dict[str, None] = {}
        for entry in self.label_map.values():
            seen.setdefault(entry.name, None)
        return list(seen)

    @property
    def n_types(self) -> int:
        return len(self.types)

    @property
    def label_map_hash(self) -> str:
        return sha256_json({k: v.name for k, v in self.label_map.items()} | {"__dropped__": self.dropped_types})

    def versions(self) -> tuple[str, ...]:
        return DATA_VERSIONS

    def quirks_for(self, version: str) -> list[str]:
        if version not in DATA_VERSIONS:
            raise UnknownNameError("dataset version", version, DATA_VERSIONS)
        return list(self.paper_quirks) if version == "paper" else []

    def processing_for(self, version: str) -> Optional[VersionProcessing]:
        if version not in DATA_VERSIONS:
            raise UnknownNameError("dataset version", version, DATA_VERSIONS)
        return self.processing.get(version)

    def card_hash(self) -> str:
        """Hash of what the card says about the data. The recorded `test_sets` are measured from
        that data, not inputs to it, so they are left out: recording them changes no card hash."""
        return sha256_json(self.model_dump(mode="json", exclude={"test_sets"}))


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers (1-based) of every top-level and nested mapping key, as dotted paths."""
    out: dict[str, int] = {}

    def walk(node, prefix: str):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = f"{prefix}.{k.value}" if prefix else str(k.value)
                out[key] = k.start_mark.line + 1
                walk(v, key)

    try:
        walk(yaml.compose(text, Loader=yaml.SafeLoader), "")
    except yaml.YAMLError:
        pass
    return out


# libyaml's safe loader when PyYAML was built with it (same documents, ~10x faster: the registry's 49 cards
# are read by every command); the pure-Python one otherwise.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_card(path: Path) -> DatasetCard:
    from .safe_read import read_text

    text = read_text(path, "meta")  # regular file, size cap, UTF-8 with the BOM stripped
    try:
        raw = yaml.load(text, Loader=SAFE_LOADER)
    except (RecursionError, ValueError) as exc:
        raise CardError(f"unreadable YAML ({type(exc).__name__})", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CardError(f"invalid YAML: {getattr(exc, 'problem', exc)}", path=path,
                        line=mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict):
        raise CardError("a dataset card must be a YAML mapping", path=path, line=1)
    try:
        card = DatasetCard.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        lines = _key_lines(text)
        line = None
        parts = [str(p) for p in err["loc"]]
        while parts and line is None:
            line = lines.get(".".join(parts))
            parts.pop()
        what = "unknown key (the card schema forbids keys it does not define)" if err["type"] == "extra_forbidden" \
            else err["msg"]
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise CardError(f"{loc + ': ' if loc else ''}{what}{more}", path=path, line=line,
                        hint="see unibench/cards.py (DatasetCard) for the schema") from None
    if card.id != path.stem:
        raise CardError(f"card id {card.id!r} must equal the file name {path.stem!r}", path=path,
                        line=_key_lines(text).get("id"))
    return card


@functools.lru_cache(maxsize=4)
def load_registry(cards_dir: str | None = None) -> dict[str, DatasetCard]:
    folder = Path(cards_dir) if cards_dir else resource_dir("dataset_cards")
    cards = {}
    for path in sorted(folder.glob("*.yaml")):
        card = parse_card(path)
        cards[card.id] = card
    return cards


def get_card(row_id: str, cards_dir: str | None = None) -> DatasetCard:
    reg = load_registry(cards_dir)
    if row_id not in reg:
        raise UnknownNameError("dataset", row_id, reg)
    return reg[row_id]


@functools.lru_cache(maxsize=64)
def _card_file(path: str) -> DatasetCard:
    return parse_card(Path(path))


def resolve_ids(ids: list[str], cards_dir: str | None = None) -> list[DatasetCard]:
    """Resolve row ids, accepting a dataset name (e.g. `crossner`) for all its rows. When every id names a card
    file (`<id>.yaml`), only those cards are read (a run of 3 rows need not parse all 49)."""
    folder = Path(cards_dir) if cards_dir else resource_dir("dataset_cards")
    if ids and all(i and "/" not in i and "\\" not in i and not i.startswith(".") and (folder / f"{i}.yaml").is_file()
                   for i in ids):
        return [_card_file(str(folder / f"{i}.yaml")) for i in ids]
    reg = load_registry(cards_dir)
    out: list[DatasetCard] = []
    for i in ids:
        if i in reg:
            out.append(reg[i])
            continue
        group = [c for c in reg.values() if c.dataset == i]
        if not group:
            raise UnknownNameError("dataset", i, list(reg) + sorted({c.dataset for c in reg.values()}))
        out.extend(group)
    return out
