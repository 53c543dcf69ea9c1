"""Turn the paper numbers transcribed in results/reported/sources/ into result files under results/reported/.

Why a script and declarative sources: a published number is data, so it is typed in once, as printed, into a CSV
per table or figure (with its provenance in `index.yaml` and the models in `models.yaml`), and every JSON file is
generated from there through the same `ResultFile` schema that runs use. The leaderboard can then show paper
numbers next to re-runs, and tests/test_reported.py checks the transcription against the printed averages.

    python scripts/build_reported.py            # (re)write results/reported/**, remove files no source makes
    python scripts/build_reported.py --check    # exit 1 if the committed files differ from a rebuild

Output is deterministic (fixed dates from `index.yaml`, no clock), so a rebuild is byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from unibench.cards import DOMAINS  # noqa: E402
from unibench.results import (DatasetInfo, ModelInfo, Reported, ResultFile, Scores, Stamps,  # noqa: E402
                              result_path, write_result)

RESULTS = REPO / "results"
SOURCES = RESULTS / "reported" / "sources"
UNKNOWN = "unknown (reported)"  # for provenance fields that a printed number cannot have
MISSING = {"", "–", "-"}
COMMAND = "python scripts/build_reported.py"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSpec(_Strict):
    id: str
    display_name: str
    family: str
    n_parameters: Optional[int] = None
    url: Optional[str] = None
    training: Union[list[str], str] = Field(default_factory=list)
    note: Optional[str] = None


class ModelsFile(_Strict):
    row_sets: dict[str, list[str]]
    models: dict[str, ModelSpec]


class SourceSpec(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_-]+$")
    file: str
    orient: Literal["rows", "models"]
    source: str
    date: str
    benchmark: str
    models: list[str]
    note: Optional[str] = None
    model_notes: dict[str, str] = Field(default_factory=dict)
    cell_notes: dict[str, str] = Field(default_factory=dict)
    recompute_from: Optional[str] = None


class IndexFile(_Strict):
    sources: list[SourceSpec]


def _load_yaml(path: Path, schema):
    try:
        return schema.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        sys.exit(f"{path}: {exc}")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def row_table(sources: Path = SOURCES) -> dict[str, dict[str, str]]:
    """row id -> {dataset, domain, paper_name}, from Fig. 9 (the one source that lists all 49 rows)."""
    return {r["row"]: r for r in _read_csv(sources / "fig9.csv") if r["row"] != "avg"}


def cells(spec: SourceSpec, sources: Path = SOURCES) -> list[tuple[str, str, str]]:
    """(model key, entity, printed value) for every printed value; entity = row id, domain name or 'avg'."""
    out = []
    for line in _read_csv(sources / spec.file):
        if spec.orient == "rows":
            for model in spec.models:
                out.append((model, line["row"], line[model].strip()))
        else:
            model = line["model"]
            for entity, value in line.items():
                if entity != "model":
                    out.append((model, entity, value.strip()))
    return [c for c in out if c[2] not in MISSING]


def _training(spec: ModelSpec, row: Optional[str], models: ModelsFile) -> list[str]:
    if spec.training == "own_row":
        return [row] if row else []
    if isinstance(spec.training, str):
        return list(models.row_sets[spec.training])
    return list(spec.training)


def _sentences(notes: list[Optional[str]]) -> Optional[str]:
    """Join note fragments into sentences (capitalised, full stop)."""
    out = []
    for n in notes:
        n = " ".join((n or "").split())
        if n:
            out.append(n[0].upper() + n[1:] + ("" if n[-1] in ".!?" else "."))
    return " ".join(out) or None


def _fraction(text: str) -> float:
    return float(Decimal(text) / Decimal(100))


def _domain_means(spec: SourceSpec, index: IndexFile, rows: dict,
                  sources: Path) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """(model, domain or 'avg') -> (n rows, plain mean) of that model's rows in the source named in recompute_from."""
    if not spec.recompute_from:
        return {}
    other = next(s for s in index.sources if s.key == spec.recompute_from)
    acc: dict[tuple[str, str], list[Decimal]] = {}
    for model, entity, value in cells(other, sources):
        if entity in rows:
            acc.setdefault((model, rows[entity]["domain"]), []).append(Decimal(value))
            acc.setdefault((model, "avg"), []).append(Decimal(value))
    return {k: (len(v), sum(v) / len(v)) for k, v in acc.items()}


def build(sources: Path = SOURCES) -> list[ResultFile]:
    models = _load_yaml(sources / "models.yaml", ModelsFile)
    index = _load_yaml(sources / "index.yaml", IndexFile)
    rows = row_table(sources)
    results = []
    for spec in index.sources:
        means = _domain_means(spec, index, rows, sources)
        for model_key, entity, value in cells(spec, sources):
            if model_key not in spec.models or model_key not in models.models:
                sys.exit(f"{sources / spec.file}: model {model_key!r} is not listed in index.yaml/models.yaml")
            m = models.models[model_key]
            notes = [spec.note, m.note, spec.model_notes.get(model_key), spec.cell_notes.get(entity),
                     spec.cell_notes.get(f"{model_key}/{entity}")]
            if (model_key, entity) in means:
                count, mean = means[(model_key, entity)]
                where = "" if entity == "avg" else f" in {entity}"
                notes.append(f"The plain mean of this model's {count} {spec.recompute_from} rows{where} is {mean:.2f}.")
            scope, dataset, domain, row = "row", None, None, None
            if entity == "avg":
                scope = "overall"
            elif entity in DOMAINS:
                scope, domain = "domain", entity
            elif entity in rows:
                row = entity
                # sampled=None: the paper sampled up to 200k queries of large rows with an unknown seed.
                dataset = DatasetInfo(row=row, dataset=rows[row]["dataset"], domain=rows[row]["domain"],
                                      revision=UNKNOWN, content_hash=UNKNOWN, label_map_hash=UNKNOWN, sampled=None)
            else:
                sys.exit(f"{sources / spec.file}: {entity!r} is not a row id, a domain or 'avg'")
            results.append(ResultFile(
                kind="reported", scope=scope, benchmark=None if scope == "row" else spec.benchmark, domain=domain,
                model=ModelInfo(id=m.id, revision="reported", display_name=m.display_name, family=m.family,
                                n_parameters=m.n_parameters, training_datasets=_training(m, row, models), url=m.url),
                dataset=dataset,
                scores=Scores(f1=_fraction(value)),
                reported=Reported(key=spec.key, source=spec.source, value_text=value,
                                  note=_sentences(notes)),
                stamps=Stamps(scorer_version="n/a (reported)", date=spec.date, command=COMMAND),
            ))
    return results


def write_all(root: Path, sources: Path = SOURCES) -> list[Path]:
    """Write every result under root/reported/ and delete JSON files there that no source produces any more."""
    paths = []
    for res in build(sources):
        path = result_path(root, res)
        if path in paths:
            sys.exit(f"two reported numbers map to one file: {path}")
        write_result(path, res)
        paths.append(path)
    keep = set(paths)
    for old in (root / "reported").rglob("*.json"):
        if old not in keep and sources not in old.parents:
            old.unlink()
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare a rebuild with the committed files")
    args = ap.parse_args()
    if not args.check:
        paths = write_all(RESULTS)
        print(f"wrote {len(paths)} files under {RESULTS / 'reported'}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = {p.relative_to(tmp): p.read_bytes() for p in write_all(Path(tmp))}
    committed = {p.relative_to(RESULTS): p.read_bytes() for p in (RESULTS / "reported").rglob("*.json")}
    differ = sorted(str(k) for k in set(fresh) | set(committed) if fresh.get(k) != committed.get(k))
    for name in differ:
        print(f"differs: results/{name}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
