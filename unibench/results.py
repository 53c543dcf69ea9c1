"""The results schema: one file per model x evaluation row. The single source for writing,
validating and reading results (run, score, leaderboard, validate and submit all use it).

Every number is stamped with what is needed to trace and reproduce it: unibench and scorer
versions, the dataset row, version, revision and content hash, the label-map hash, the prompt
hash, the model id and revision, decoding settings, backend and library versions, and the date.
Scores are fractions in [0, 1]. A `reported` file carries a number published in a paper (with
its table or figure) instead of a run; those may lack counts, runs may not.

Layout on disk: full runs at `<results>/<model-slug>/<revision>/<row>[@<version>].json` (a `--limit N` run under
`<results>/partial/limit-N/`, another split under `split-<name>/`: never in a full run's place), reported
numbers at `<results>/reported/<model-slug>/<source key>/<row | domain-<name> | overall-<benchmark>>.json`
(the source key, e.g. `fig9` or `table3`, keeps two printings of one number apart: v1/v2 drift).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import __version__
from .errors import DataFormatError
from .io import atomic_write_json
from .metrics.prf import prf

SCHEMA_VERSION = "1"
F1_TOLERANCE = 1e-9


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelInfo(_Strict):
    id: str = Field(min_length=1, description="Hub id, local path or built-in name of the model")
    revision: str = Field(min_length=1, description="commit sha, weights hash, or 'reported'")
    display_name: str
    family: str = Field(description="model family / adapter family, e.g. uniner, vicuna, chatgpt")
    n_parameters: Optional[int] = Field(None, ge=0)
    training_datasets: list[str] = Field(default_factory=list,
                                         description="benchmark rows seen in training (empty = zero-shot on all)")
    url: Optional[str] = None


class DatasetInfo(_Strict):
    row: str
    dataset: str
    domain: str
    version: Literal["paper", "corrected"] = "paper"
    split: str = "test"
    revision: str = Field(description="upstream commit / HF revision of the raw data")
    content_hash: str = Field(description="sha256 of the normalised split JSONL")
    label_map_hash: str
    card_hash: Optional[str] = None
    # Optional only so that a reported (paper) number need not invent them; runs must give both (`_shape`).
    n_sentences: Optional[int] = Field(None, ge=0)
    n_queries: Optional[int] = Field(None, ge=0)
    sampled: Optional[bool] = Field(False, description="None = unknown (a reported number)")
    sample_seed: Optional[int] = None
    limit: Optional[int] = Field(None, description="--limit used (a partial, non-leaderboard run)")


class Scores(_Strict):
    precision: Optional[float] = Field(None, ge=0, le=1, allow_inf_nan=False)
    recall: Optional[float] = Field(None, ge=0, le=1, allow_inf_nan=False)
    f1: float = Field(ge=0, le=1, allow_inf_nan=False)
    tp: Optional[int] = Field(None, ge=0)
    fp: Optional[int] = Field(None, ge=0)
    fn: Optional[int] = Field(None, ge=0)
    ci95: Optional[tuple[float, float]] = None
    n_bootstrap: Optional[int] = None
    bootstrap_seed: Optional[int] = None
    f1_replicates: Optional[list[float]] = Field(None, description="bootstrap replicate F1s (for domain CIs)")

    @model_validator(mode="after")
    def _check(self):
        for name in ("precision", "recall", "f1"):
            v = getattr(self, name)
            if v is not None and (math.isnan(v) or math.isinf(v)):
                raise ValueError(f"{name} is not a finite number")
        if None not in (self.tp, self.fp, self.fn):
            p, r, f = prf(self.tp, self.fp, self.fn)
            for name, want in (("precision", p), ("recall", r), ("f1", f)):
                got = getattr(self, name)
                if got is not None and abs(got - want) > F1_TOLERANCE:
                    raise ValueError(f"{name}={got!r} does not match the counts tp={self.tp} fp={self.fp} "
                                     f"fn={self.fn} (recomputed {want!r})")
        if self.ci95 is not None:
            lo, hi = self.ci95
            if not (0 <= lo <= hi <= 1) or any(math.isnan(x) for x in self.ci95):
                raise ValueError(f"ci95 {self.ci95} is not an interval inside [0, 1]")
        return self


class TypeScore(_Strict):
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    support: int


class Diagnostics(_Strict):
    n_outputs: int
    parse_failures: int
    empty_outputs: int
    n_pred_items: int
    hallucinations: int
    parse_failure_rate: Optional[float] = None
    empty_output_rate: Optional[float] = None
    hallucination_rate: Optional[float] = None
    parse_warning: Optional[str] = Field(None, description="set when >= 50% of the outputs failed to parse: the "
                                                           "share and the adapters to try (unibench/parse_warning.py)")


class TaxonomyCounts(_Strict):
    """Every error of the UniNER metric in one category (unibench/metrics/taxonomy.py; docs/metric.md): the
    predicted-item categories sum to fp, the missed ones to fn; rates per predicted item / per gold item."""
    correct: int = Field(ge=0)
    wrong_type: int = Field(ge=0)
    boundary: int = Field(ge=0)
    spurious: int = Field(ge=0)
    hallucinated: int = Field(ge=0)
    unchecked: int = Field(0, ge=0, description="false positives of records without passage text")
    missed_other_type: int = Field(ge=0)
    missed_not_found: int = Field(ge=0)
    rates: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]] = Field(default_factory=dict)

    def sums(self) -> tuple[int, int, int]:
        """(tp, fp, fn) these categories add up to."""
        return (self.correct, self.wrong_type + self.boundary + self.spurious + self.hallucinated + self.unchecked,
                self.missed_other_type + self.missed_not_found)


class Taxonomy(_Strict):
    total: TaxonomyCounts
    per_type: dict[str, TaxonomyCounts] = Field(default_factory=dict)


class Backend(_Strict):
    name: str
    versions: dict[str, str] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)


class Prompt(_Strict):
    adapter: str
    template_hash: str
    setting: Literal["zero-shot", "supervised"] = "zero-shot"


class Reported(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_-]+$", description="short source key used in the path, e.g. fig9, table3")
    source: str = Field(description="paper, version and table/figure, e.g. 'UniNER arXiv 2308.03279v2, Fig. 9'")
    value_text: str = Field(description="the number exactly as printed")
    note: Optional[str] = None


class Familiarity(_Strict):
    """How familiar the model's training types are with this row's types (Golde et al., NAACL 2025;
    docs/familiarity.md): per type in [0, 1] and their plain mean. Known only for a model whose
    training type counts are known (a `unibench train` student, or `unibench familiarity --annotate`)."""
    mean: float = Field(ge=0, le=1, allow_inf_nan=False)
    per_type: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]] = Field(default_factory=dict)
    embedding_model: str
    k: int = Field(ge=1, description="cut-off: training mentions weighed")
    training_types_sha256: str = Field(description="hash of the training type counts (unibench.familiarity)")
    training_source: Optional[str] = Field(None, description="file name the training type counts came from")


class Cost(_Strict):
    """What the row cost (unibench/cost.py): tokens of the generation that produced its outputs (also when they
    came from the response cache), the seconds this run spent on the row, and money at the given prices."""
    input_tokens: Optional[int] = Field(None, ge=0)
    output_tokens: Optional[int] = Field(None, ge=0)
    tokens_from: Optional[str] = Field(None, description="tokenizer (local models) | api usage (API backends)")
    requests_without_tokens: Optional[int] = Field(None, ge=0, description="requests whose counts are unknown")
    generated: Optional[int] = Field(None, ge=0, description="requests computed in this run")
    cached: Optional[int] = Field(None, ge=0, description="requests served from the response cache")
    wall_seconds: float = Field(ge=0, allow_inf_nan=False)
    device_seconds: float = Field(ge=0, allow_inf_nan=False)
    device_time: str = Field(description="what device_seconds measured, e.g. 'process CPU time'")
    cuda_seconds: Optional[float] = Field(None, ge=0, allow_inf_nan=False)
    price_in: Optional[float] = Field(None, ge=0, description="USD per million input tokens")
    price_out: Optional[float] = Field(None, ge=0, description="USD per million output tokens")
    usd: Optional[float] = Field(None, ge=0, allow_inf_nan=False)


class Stamps(_Strict):
    unibench_version: str = __version__
    scorer_version: str
    schema_version: str = SCHEMA_VERSION
    date: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    command: Optional[str] = None
    rescored_from: Optional[str] = Field(None, description="scorer version of the result this one re-scored "
                                                           "(`unibench rescore`); scorer_version is the new one")


class ResultFile(_Strict):
    kind: Literal["run", "reported"]
    scope: Literal["row", "domain", "overall"] = "row"
    benchmark: Optional[str] = Field(None, description="benchmark the aggregate belongs to (domain/overall scope)")
    domain: Optional[str] = None
    model: ModelInfo
    dataset: Optional[DatasetInfo] = None
    scores: Scores
    strict_span: Optional[Scores] = None
    per_type: dict[str, TypeScore] = Field(default_factory=dict)
    diagnostics: Optional[Diagnostics] = None
    prompt: Optional[Prompt] = None
    decoding: dict[str, Any] = Field(default_factory=dict)
    backend: Optional[Backend] = None
    reported: Optional[Reported] = None
    familiarity: Optional[Familiarity] = None
    taxonomy: Optional[Taxonomy] = None
    cost: Optional[Cost] = None
    stamps: Stamps

    @model_validator(mode="after")
    def _shape(self):
        if self.scope == "row" and self.dataset is None:
            raise ValueError("a row result needs `dataset`")
        if self.scope == "domain" and not self.domain:
            raise ValueError("a domain result needs `domain`")
        if self.kind == "reported" and self.reported is None:
            raise ValueError("a reported result needs `reported` (its source)")
        if self.kind == "run":
            missing = [n for n in ("tp", "fp", "fn", "precision", "recall") if getattr(self.scores, n) is None]
            if missing:
                raise ValueError(f"a run result needs counts and P/R: missing {missing}")
            for name in ("dataset", "diagnostics", "backend", "prompt"):
                if getattr(self, name) is None:
                    raise ValueError(f"a run result needs `{name}`")
            if self.dataset.n_sentences is None or self.dataset.n_queries is None:
                raise ValueError("a run result needs dataset.n_sentences and dataset.n_queries")
            if self.scope != "row":
                raise ValueError("run results are per row; aggregates are computed, not stored")
        if self.taxonomy is not None and self.scores.tp is not None:
            want = (self.scores.tp, self.scores.fp, self.scores.fn)
            if self.taxonomy.total.sums() != want:
                raise ValueError(f"taxonomy.total adds up to tp/fp/fn {self.taxonomy.total.sums()}, the scores "
                                 f"say {want}: its categories must partition the errors")
            for t, c in self.taxonomy.per_type.items():
                ts = self.per_type.get(t)
                if ts is not None and c.sums() != (ts.tp, ts.fp, ts.fn):
                    raise ValueError(f"taxonomy.per_type[{t!r}] adds up to tp/fp/fn {c.sums()}, per_type says "
                                     f"{(ts.tp, ts.fp, ts.fn)}: its categories must partition the errors")
        return self

    # -- convenience ---------------------------------------------------------------------
    @property
    def setting(self) -> str:
        return self.prompt.setting if self.prompt else "zero-shot"


def model_slug(model_id: str) -> str:
    """`org/name` -> `org__name` (MTEB's convention); anything unsafe in a path becomes `_`."""
    slug = model_id.strip().replace("/", "__")
    return re.sub(r"[^A-Za-z0-9._+-]", "_", slug).strip(".") or "model"


def result_path(root: Path, result: ResultFile) -> Path:
    slug = model_slug(result.model.id)
    if result.kind == "reported":
        if result.scope == "row":
            name = result.dataset.row
        elif result.scope == "domain":
            name = "domain-" + re.sub(r"[^a-z0-9]+", "_", result.domain.lower())
        else:
            name = "overall-" + (result.benchmark or "all")
        return Path(root) / "reported" / slug / result.reported.key / f"{name}.json"
    suffix = "" if result.dataset.version == "paper" else f"@{result.dataset.version}"
    return Path(root) / run_folder(result.dataset) / slug / model_slug(result.model.revision) / \
        f"{result.dataset.row}{suffix}.json"


def run_folder(dataset: DatasetInfo) -> Path:
    """Where runs that are not full test-split runs live, apart from full runs (which a partial run must never
    replace): `partial/limit-N/` for `--limit N`, then `split-<name>/` for another split (the demo's
    `demo-test`). A full test-split run: the results folder itself."""
    parts = ["partial", f"limit-{dataset.limit}"] if dataset.limit else []
    if dataset.split != "test":
        parts.append("split-" + model_slug(dataset.split))
    return Path(*parts) if parts else Path()


def write_result(path: Path, result: ResultFile) -> Path:
    atomic_write_json(path, result.model_dump(mode="json", exclude_none=True))
    return path


def read_result(path: Path, root: Path | None = None) -> ResultFile:
    """Read and validate one result file through `unibench.safe_read` (regular file, size cap, UTF-8); `root`
    is the results folder it was found in, which a symlink must not leave."""
    from .safe_read import load_json

    obj = load_json(path, "result", root=root, hint="a result file is one JSON object (unibench/results.py)")
    return result_from_json(obj, path)


def result_from_json(obj: Any, path: Path) -> ResultFile:
    """A parsed result file's JSON value as a `ResultFile` (what read_result does after parsing; for
    callers that parsed the file already, e.g. validate)."""
    try:
        return ResultFile.model_validate(obj)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5])
        raise DataFormatError(f"not a valid unibench result: {problems}", path=path,
                              hint="see unibench/results.py (ResultFile) for the schema") from None


def iter_result_files(root: Path) -> Iterator[Path]:
    """Every `*.json` entry below `root` that is not a folder (symlinks and special files are yielded so that
    reading them refuses them by name)."""
    from .safe_read import iter_files

    for path in iter_files(root, ".json"):
        if path.name in ("run_spec.json", "model_meta.json") or path.name.endswith((".run_spec.json", ".summary.json")) \
                or path.name.startswith(".") or "sources" in path.parts:
            continue
        yield path
