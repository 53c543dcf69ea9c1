"""Every check a results repository's CI needs, run over a folder of result files.

The same function runs in three places: `unibench validate DIR` (a user, before submitting),
`unibench submit` (nothing is uploaded unless it passes) and the shared results repo's CI (the
template in `leaderboard/results-repo-template/`). The leaderboard build leaves out any file it
flags. Each message names the file and what was expected, so a contributor can fix it alone.

Per file: the results schema (P/R/F1 recomputed from the counts, ranges); no NaN or infinity
anywhere in the JSON; a known row whose dataset, domain, label-map hash and source revision
match the current card (the card hash too, as a warning: a card's prose may change without
changing its data); a known scorer and schema version; model metadata present and consistent
with `model_meta.json` when that file is there; per-type counts and diagnostics that add up to
the totals; a CI that is the percentile interval of the stored replicates; plausible sizes
(queries = sentences x types, or the 200k cap with the published seed); the test set (sentence
count and content hash) the card records for the dataset version, where it records one; the file
where its contents say it belongs. Across files: one model metadata per model revision, one normalised
test set (content hash) per row, version and revision, and no duplicate rows.
Reported (paper) numbers are checked for schema, finiteness and a known row only.

Every file, run or reported, must hold nothing private: no absolute path of the machine it was made on,
no URL with credentials, no secret (`unibench.privacy.find_private`).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from .cards import DatasetCard, load_registry
from .errors import UnibenchError
from .metrics.prf import prf
from .privacy import find_private_in_json_text, known_secrets
from .queries import QUERY_CAP, SAMPLE_SEED
from .results import SCHEMA_VERSION, ModelInfo, ResultFile, iter_result_files, result_from_json, result_path
from .safe_read import parse_json, read_text

KNOWN_SCORER_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")
MODEL_META = "model_meta.json"
TOL = 1e-9  # the schema's tolerance for P/R/F1 recomputed from counts
CI_TOL = 1e-5  # replicates are stored rounded to 6 decimals; the CI was taken before rounding
UNTRACEABLE_REVISIONS = ("unversioned", "unknown", "")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
NOT_VERIFIED = "test set not verified"


@dataclass
class Report:
    files: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    by_file: dict = field(default_factory=dict)  # path (str) -> its problems (the leaderboard leaves these out)
    across_files: list[str] = field(default_factory=list)  # problems of a set of files (the leaderboard warns)
    allow_empty: bool = False
    # runs on rows whose card records no test set: accepted, marked "test set not verified" (not a warning,
    # so --strict still accepts them); path (str) -> why
    unverified: dict = field(default_factory=dict)
    paths: list = field(default_factory=list)  # every file checked, in reading order

    @property
    def ok(self) -> bool:
        return not self.problems and (self.files > 0 or self.allow_empty)

    @property
    def bad_files(self) -> set:
        return set(self.by_file)

    def problem(self, path, message: str) -> None:
        self.problems.append(f"{path}: {message}")
        self.by_file.setdefault(str(path), []).append(message)

    def error(self, path, exc: UnibenchError) -> None:
        self.problems.append(exc.render())
        self.by_file.setdefault(str(path), []).append(exc.message)


def pinned_revisions(card: DatasetCard) -> set[str]:
    """The source revisions a run of this card can legitimately stamp (what the loaders write)."""
    out = set()
    if card.sources.local is not None:
        out.add(card.sources.local.upstream_revision or "local")
    if card.sources.hf is not None:
        out.add(card.sources.hf.revision)
    return out


def non_finite(obj, where: str = "") -> list[str]:
    """Dotted paths of every NaN / infinity in a parsed JSON value (json.loads accepts them)."""
    if isinstance(obj, float):
        return [] if math.isfinite(obj) else [where or "<root>"]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in non_finite(v, f"{where}.{k}" if where else str(k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in non_finite(v, f"{where}[{i}]")]
    return []


def read_model_meta(path: Path, root: Path | None = None) -> ModelInfo:
    from .safe_read import load_json

    raw = load_json(path, "meta", root=root, hint="model_meta.json is one JSON object with the fields of ModelInfo "
                                                  "(unibench/results.py): id, revision, display_name, family, ...")
    try:
        return ModelInfo.model_validate(raw)
    except ValidationError as exc:
        what = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5])
        raise UnibenchError(f"not valid model metadata: {what}", path=path,
                            hint="expected the fields of ModelInfo (unibench/results.py)") from None


def _check_layout(rep: Report, path: Path, r: ResultFile) -> None:
    want = result_path(Path("."), r)
    if tuple(path.parts[-len(want.parts):]) != want.parts:
        rep.problem(path, f"the file's contents (model {r.model.id!r} revision {r.model.revision!r}, row "
                          f"{r.dataset.row if r.dataset else r.scope!r}) say it belongs at .../{want.as_posix()}; "
                          "a renamed or moved result file is not accepted")


def _check_counts(rep: Report, path: Path, r: ResultFile, card: DatasetCard):
    """Counts, diagnostics and replicates add up; returns the replicates as a numpy array (or None)."""
    s, d, diag = r.scores, r.dataset, r.diagnostics
    if r.per_type:
        extra = sorted(set(r.per_type) - set(_card_hash(card, "types")))
        if extra:
            rep.problem(path, f"per-type scores for types the card does not ask: {extra} (expected a subset of "
                              f"{card.types})")
        for name in ("tp", "fp", "fn"):
            total = sum(getattr(t, name) for t in r.per_type.values())
            if total != getattr(s, name):
                rep.problem(path, f"per-type {name} add up to {total}, but scores.{name} is {getattr(s, name)}")
        for t, ts in r.per_type.items():
            want = prf(ts.tp, ts.fp, ts.fn)
            got = (ts.precision, ts.recall, ts.f1)
            if any(abs(a - b) > TOL for a, b in zip(got, want)) or ts.support != ts.tp + ts.fn:
                rep.problem(path, f"per_type[{t!r}]: P/R/F1/support {got + (ts.support,)} do not match its counts "
                                  f"tp={ts.tp} fp={ts.fp} fn={ts.fn} (expected {want + (ts.tp + ts.fn,)})")
    if diag.n_outputs != d.n_queries:
        rep.problem(path, f"diagnostics.n_outputs {diag.n_outputs} != dataset.n_queries {d.n_queries} "
                          "(one output per query)")
    if diag.n_pred_items != s.tp + s.fp:
        rep.problem(path, f"diagnostics.n_pred_items {diag.n_pred_items} != tp + fp = {s.tp + s.fp} "
                          "(every predicted item is a tp or an fp)")
    if max(diag.parse_failures, diag.empty_outputs) > diag.n_outputs or diag.hallucinations > diag.n_pred_items:
        rep.problem(path, "diagnostics: more parse failures / empty outputs than outputs, or more hallucinations "
                          "than predicted items")
    for name, num in (("parse_failure_rate", diag.parse_failures), ("empty_output_rate", diag.empty_outputs)):
        rate = getattr(diag, name)
        if rate is not None and diag.n_outputs and abs(rate - num / diag.n_outputs) > TOL:
            rep.problem(path, f"diagnostics.{name} {rate} != {num}/{diag.n_outputs}")
    if diag.hallucination_rate is not None and not 0 <= diag.hallucination_rate <= 1:
        rep.problem(path, f"diagnostics.hallucination_rate {diag.hallucination_rate} is not in [0, 1]")
    reps, arr = s.f1_replicates, None
    if reps:
        import numpy as np  # lazy: only result files with replicates need it

        from .leaderboard.replicates import interval  # bootstrap.interval's numbers, with a numpy sort

        arr = np.asarray(reps, dtype=np.float64)
        if not (arr.min() >= 0 and arr.max() <= 1):
            rep.problem(path, "scores.f1_replicates: every bootstrap replicate F1 must be in [0, 1]")
        elif s.n_bootstrap is not None and s.n_bootstrap != len(reps):
            rep.problem(path, f"scores.n_bootstrap {s.n_bootstrap} != {len(reps)} stored replicates")
        elif s.ci95 is not None:
            lo, hi = interval(arr)
            if abs(lo - s.ci95[0]) > CI_TOL or abs(hi - s.ci95[1]) > CI_TOL:
                rep.problem(path, f"scores.ci95 {list(s.ci95)} is not the 95% percentile interval of the stored "
                                  f"replicates ({lo:.6f}, {hi:.6f})")
    return arr


def _check_test_set(rep: Report, path: Path, r: ResultFile, card: DatasetCard) -> None:
    """The test split a run scored must be the one the card records for its dataset version (a
    truncated, edited or stale copy of the data is refused). A partial (--limit) run stamps the full
    split's hash but fewer sentences, so only its hash is compared. Without a record: accepted, noted."""
    d = r.dataset
    if d.split != "test":
        return
    known = card.test_sets.get(d.version)
    if known is None:
        rep.unverified[str(path)] = (f"{NOT_VERIFIED}: dataset_cards/{card.id}.yaml records no test set for "
                                     f"version {d.version!r}, so its {d.n_sentences} sentences "
                                     f"({d.content_hash[:12]}...) are not checked")
        return
    partial = bool(d.limit)
    if d.content_hash != known.sha256 or (not partial and d.n_sentences != known.sentences):
        found = f"{d.n_sentences} sentences{' (--limit %d)' % d.limit if partial else ''}, sha256 {d.content_hash}"
        rep.problem(path, f"scored on a different test set than dataset_cards/{card.id}.yaml records for version "
                          f"{d.version!r}: expected {known.sentences} sentences, sha256 {known.sha256}; found "
                          f"{found} (re-run on the published data: `unibench data stats {card.id}` shows what "
                          "your data dir holds)")


def _check_run(rep: Report, path: Path, r: ResultFile, card: DatasetCard, strict: bool,
               partial_ok: bool = False) -> None:
    d = r.dataset
    if d.dataset != card.dataset or d.domain != card.domain:
        rep.problem(path, f"dataset/domain {d.dataset}/{d.domain} do not match dataset_cards/{card.id}.yaml "
                          f"({card.dataset}/{card.domain})")
    if d.label_map_hash != _card_hash(card, "label_map_hash"):
        rep.problem(path, f"dataset.label_map_hash {d.label_map_hash[:12]}... does not match the card's "
                          f"{card.label_map_hash[:12]}... (scored with another label map: other type names)")
    pinned = pinned_revisions(card)
    if d.revision not in pinned:
        unpinned = card.sources.hf is not None and not card.sources.hf.revision_verified
        rep.problem(path, f"dataset.revision {d.revision!r} is not the source revision pinned in "
                          f"dataset_cards/{card.id}.yaml (expected one of {sorted(pinned)})" +
                    (f"; the card's Hub revision is not pinned to a commit yet (`unibench data download {card.id} "
                     "--update-card` pins it)" if unpinned else ""))
    if not HEX64.match(d.content_hash):
        rep.problem(path, "dataset.content_hash must be the sha256 (64 hex digits) of the normalised test split")
    if d.card_hash and d.card_hash != _card_hash(card):
        msg = (f"dataset.card_hash differs from dataset_cards/{card.id}.yaml: the card changed after this run "
               "(label map and source revision still match; compare the content hash with other runs)")
        rep.problem(path, msg) if strict else rep.warnings.append(f"{path}: {msg}")
    if d.split != "test" or (d.limit and not partial_ok):
        rep.problem(path, f"a partial or demo run (split {d.split!r}, --limit {d.limit}): the leaderboard takes "
                          "full test-split runs only (`leaderboard build --include-partial` shows --limit runs "
                          "in groups of their own)")
    _check_test_set(rep, path, r, card)
    expected = d.n_sentences * len(_card_hash(card, "types"))
    if d.n_queries != min(expected, QUERY_CAP) or bool(d.sampled) != (expected > QUERY_CAP):
        rep.problem(path, f"dataset.n_queries {d.n_queries} (sampled={d.sampled}) is implausible: "
                          f"{d.n_sentences} sentences x {card.n_types} types = {expected}, capped at {QUERY_CAP}")
    if d.sampled and d.sample_seed != SAMPLE_SEED:
        rep.problem(path, f"dataset.sample_seed {d.sample_seed} is not the published seed {SAMPLE_SEED}")
    if r.scores.tp + r.scores.fn == 0 and d.n_sentences > 10:
        rep.problem(path, "no gold mentions at all (tp + fn = 0): implausible for a benchmark test split")
    if r.stamps.scorer_version not in KNOWN_SCORER_VERSIONS:
        rep.problem(path, f"unknown scorer version {r.stamps.scorer_version!r} (known: {list(KNOWN_SCORER_VERSIONS)})")
    if r.stamps.rescored_from is not None and r.stamps.rescored_from not in KNOWN_SCORER_VERSIONS:
        rep.problem(path, f"rescored_from names an unknown scorer version {r.stamps.rescored_from!r}")
    m = r.model
    if not m.display_name.strip() or not m.family.strip():
        rep.problem(path, "model metadata missing: model.display_name and model.family must not be empty")
    if m.revision.strip().lower() in UNTRACEABLE_REVISIONS:
        rep.problem(path, f"model.revision {m.revision!r} does not identify the weights (give a commit sha or a "
                          "weights hash, e.g. --model hf:ORG/NAME@SHA)")
    return _check_counts(rep, path, r, card)


_CARD_HASHES: dict[tuple[int, str], tuple[DatasetCard, str]] = {}


def _card_hash(card: DatasetCard, which: str = "card_hash") -> str:
    """card.card_hash(), card.label_map_hash or card.types, once per card object (hashing a card is far
    dearer than checking a file; its types are derived from the label map on each access)."""
    known = _CARD_HASHES.get((id(card), which))
    if known is None or known[0] is not card:
        value = getattr(card, which)
        known = _CARD_HASHES[(id(card), which)] = (card, value() if callable(value) else value)
    return known[1]


_BIG_EXPONENT = re.compile(r"[eE][+0-9][0-9][0-9]")  # e400, E+999 (and a harmless e+12: only slower)
_NUMBER_CHARS = frozenset("0123456789.+-")
_LIST = '_replicates": ['


def _suspect(text: str) -> bool:
    if "NaN" in text or "Infinity" in text:
        return True
    for m in _BIG_EXPONENT.finditer(text):
        i = m.start() - 1
        while i >= 0 and text[i] in _NUMBER_CHARS:
            i -= 1
        if i < m.start() - 1 and (i < 0 or text[i] in ":[, \t\r\n"):
            return True
    return False


def _may_be_non_finite(text: str) -> bool:
    """Could json read a NaN or an infinity from `text`: the words, or a number token with a three-digit
    exponent (1e400 overflows)? An exponent inside a string (a hex digest's `5e123`) does not count: the
    character before the number must be JSON punctuation or white space, not a letter or a quote.
    Speed: the replicate lists are most of a file; one is searched only when it holds an N, I, e or E."""
    start = 0
    while True:
        i = text.find(_LIST, start)
        j = text.find("]", i) if i >= 0 else -1
        if j < 0:
            return _suspect(text[start:])
        numbers = text[i + len(_LIST):j]
        if _suspect(text[start:i]) or (any(c in numbers for c in "NIeE") and _suspect(numbers)):
            return True
        start = j


def _parse_result(path: Path, text: str) -> tuple[ResultFile | None, list[str]]:
    """Parse and validate a result file's text (read once through `safe_read`): (the result, []) or (None,
    the dotted paths of its NaN / infinity values). A file that is not valid JSON or not a valid result raises
    the project's error naming the line. The common case (no `NaN`, `Infinity` or three-digit exponent
    anywhere in the text) is parsed and validated in one step by pydantic's JSON parser; any doubt (such a
    word, or pydantic refusing the text) takes the `json` route with the walk for NaN and infinity, and
    `result_from_json` has the last word on errors."""
    if not _may_be_non_finite(text):
        try:
            return ResultFile.model_validate_json(text), []
        except ValidationError:
            pass  # the json route below decides, and words the error as everywhere else
    obj = parse_json(text, path, hint="a result file is one JSON object (unibench/results.py)")
    bad = non_finite(obj)
    return (None, bad) if bad else (result_from_json(obj, path), [])


def _check_model_meta(rep: Report, folder: Path, results: list[tuple[Path, ResultFile]], require: bool,
                      root: Path | None = None) -> None:
    meta_path = folder / MODEL_META
    if not os.path.lexists(meta_path):  # a dangling symlink is refused by the read below, not taken as absent
        if require:
            rep.problem(meta_path, "missing: every model revision folder of a results repo needs model_meta.json "
                                   "(written by `unibench submit`)")
        infos = {p: r.model.model_dump(exclude={"training_datasets"}) | {"training": sorted(r.model.training_datasets)}
                 for p, r in results}
        first_path, first = next(iter(infos.items()))
        for p, info in infos.items():
            diff = sorted(k for k in info if info[k] != first[k])
            if diff:
                rep.problem(p, f"model metadata {diff} differ from {first_path.name} of the same model revision "
                               "(write one model_meta.json for the folder)")
        return
    try:
        meta = read_model_meta(meta_path, root)
    except UnibenchError as exc:
        for p, _ in results:
            rep.by_file.setdefault(str(p), []).append(f"its {MODEL_META} is not valid")
        rep.problems.append(exc.render())
        return
    for p, r in results:
        if (r.model.id, r.model.revision) != (meta.id, meta.revision):
            rep.problem(p, f"model {r.model.id}@{r.model.revision} does not match {meta_path} "
                           f"({meta.id}@{meta.revision})")
    unknown = sorted(set(meta.training_datasets) - set(load_registry()))
    if unknown:
        rep.problem(meta_path, f"training_datasets must be benchmark row ids (rows seen in training); unknown: "
                               f"{unknown}")


def validate_dir(root: Path, *, require_model_meta: bool = False, strict: bool = False,
                 allow_empty: bool = False, on_result: Callable[..., None] | None = None,
                 partial_ok: bool = False) -> Report:
    """Check every result file under `root`. `on_result(path, result, replicates)` receives each file
    that parsed, after its own checks, with its bootstrap replicates as the numpy array the checks
    made (or None): the leaderboard keeps these instead of reading the files again. The files
    `Report.by_file` names at the end failed. `partial_ok` accepts `--limit` runs (every other check still
    applies): the leaderboard's `--include-partial` shows them in groups of their own, never ranked with full runs."""
    reg = load_registry()
    rep = Report(allow_empty=allow_empty)
    seen: dict[tuple, Path] = {}
    folders: dict[Path, list[tuple[Path, ResultFile]]] = {}
    test_sets: dict[tuple, dict[str, list[Path]]] = {}
    secrets = known_secrets()  # the environment read once, not once per file
    for path in iter_result_files(Path(root)):
        rep.files += 1
        rep.paths.append(path)
        try:
            text = read_text(path, "result", root=root)  # regular file inside root, size cap, UTF-8
            r, bad = _parse_result(path, text)
        except UnibenchError as exc:  # not a regular file, over the cap, not UTF-8, not JSON, not a result
            rep.error(path, exc)
            continue
        if bad:
            rep.problem(path, f"NaN or infinity at {', '.join(bad[:5])}: every number must be finite")
            continue
        private = find_private_in_json_text(text, secrets)
        if private:
            rep.problem(path, f"private details must not be published: {'; '.join(private[:5])} (re-run with this "
                              "unibench, which stamps a checkpoint's folder name and URLs without credentials)")
        if r.stamps.schema_version != SCHEMA_VERSION:
            rep.problem(path, f"schema_version {r.stamps.schema_version!r}; this unibench reads {SCHEMA_VERSION!r}")
        row = r.dataset.row if r.dataset else None
        if row is not None and row not in reg:
            rep.problem(path, f"unknown dataset row {row!r} (not in dataset_cards/; known rows are the 49 of "
                              "`unibench data list`)")
            continue
        _check_layout(rep, path, r)
        if r.kind == "reported":
            if on_result is not None:
                on_result(path, r, None)
            continue
        arr = _check_run(rep, path, r, reg[row], strict, partial_ok)
        if on_result is not None:
            on_result(path, r, arr)
        key = (r.model.id, r.model.revision, row, r.dataset.version)
        if r.dataset.split != "test" or r.dataset.limit:
            continue  # a partial/demo run (a problem of its own above) lives apart and duplicates no full run
        if key in seen:
            rep.problem(path, f"duplicate of {seen[key]} (same model, revision, row and dataset version)")
            rep.by_file.setdefault(str(seen[key]), []).append(f"duplicated by {path}")
        seen.setdefault(key, path)
        folders.setdefault(path.parent, []).append((path, r))
        test_sets.setdefault((row, r.dataset.version, r.dataset.revision), {}).setdefault(
            r.dataset.content_hash, []).append(path)
    for folder, results in folders.items():
        _check_model_meta(rep, folder, results, require_model_meta, Path(root))
    for (row, version, revision), hashes in test_sets.items():
        if len(hashes) > 1:
            listing = "; ".join(f"{h[:12]}... in {len(ps)} file(s), e.g. {ps[0]}" for h, ps in hashes.items())
            msg = (f"{root}: {row} (version {version}, revision {revision}) was scored on "
                                f"{len(hashes)} different normalised test sets: {listing}")
            rep.problems.append(msg)
            rep.across_files.append(msg)
    if rep.files == 0 and not allow_empty:
        rep.problems.append(f"{root}: no result files found (expected <model>/<revision>/<row>.json files)")
    return rep
