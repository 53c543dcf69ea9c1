"""Every check a results repository's CI needs, run over a folder of result files.

Checks per file: the results schema (which also recomputes P/R/F1 from the counts and rejects
NaN); a known row id whose domain and label-map hash match the current card; a known scorer
version; model metadata present; plausible sizes (queries = sentences x types unless sampled);
and no two files for the same model, revision, row and dataset version. Reported (paper)
numbers are checked for schema and row only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cards import load_registry
from .errors import UnibenchError
from .queries import QUERY_CAP
from .results import iter_result_files, read_result

KNOWN_SCORER_VERSIONS = {"1.0", "1.1", "1.2"}


@dataclass
class Report:
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.files > 0


def validate_dir(root: Path) -> Report:
    reg = load_registry()
    rep = Report()
    seen: dict[tuple, Path] = {}
    for path in iter_result_files(Path(root)):
        rep.files += 1
        try:
            r = read_result(path)
        except UnibenchError as exc:
            rep.problems.append(exc.render())
            continue
        if r.kind == "reported":
            if r.scope == "row" and r.dataset.row not in reg:
                rep.problems.append(f"{path}: unknown dataset row {r.dataset.row!r}")
            continue
        d = r.dataset
        card = reg.get(d.row)
        if card is None:
            rep.problems.append(f"{path}: unknown dataset row {d.row!r} (not in dataset_cards/)")
            continue
        if d.domain != card.domain or d.dataset != card.dataset:
            rep.problems.append(f"{path}: dataset/domain {d.dataset}/{d.domain} do not match the card "
                                f"({card.dataset}/{card.domain})")
        if d.label_map_hash != card.label_map_hash:
            rep.problems.append(f"{path}: label_map_hash {d.label_map_hash[:12]} does not match the card's "
                                f"{card.label_map_hash[:12]} (results from another label map or dataset revision)")
        if d.card_hash and d.card_hash != card.card_hash():
            rep.problems.append(f"{path}: card_hash differs from dataset_cards/{d.row}.yaml (dataset revision changed)")
        if r.stamps.scorer_version not in KNOWN_SCORER_VERSIONS:
            rep.problems.append(f"{path}: unknown scorer version {r.stamps.scorer_version!r}")
        if not r.model.display_name.strip() or not r.model.revision.strip():
            rep.problems.append(f"{path}: model metadata missing (display_name, revision)")
        expected = d.n_sentences * card.n_types
        if not d.sampled and d.n_queries != min(expected, QUERY_CAP):
            rep.problems.append(f"{path}: n_queries {d.n_queries} != sentences x types = {expected}")
        s = r.scores
        if s.tp + s.fn == 0 and d.n_queries > 0 and d.n_sentences > 10:
            rep.problems.append(f"{path}: no gold mentions at all: implausible for a benchmark row")
        key = (r.model.id, r.model.revision, d.row, d.version)
        if key in seen:
            rep.problems.append(f"{path}: duplicate of {seen[key]} (same model, revision, row and version)")
        seen[key] = path
    if rep.files == 0:
        rep.problems.append(f"{root}: no result files found")
    return rep
