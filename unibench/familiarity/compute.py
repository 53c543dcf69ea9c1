"""Familiarity per evaluation row and type, cached per (training set, embedding model).

The cache lives under `<cache-dir>/familiarity/<model>/<training-types sha256[:16]>/`:
`training_types.json` (the counts), `train_embeddings.npy` (one row per training type, in the
counts' order) and `scores.json` (per cut-off k, per evaluation type: the value and the nearest
training types). A re-run with types already scored loads no model at all; a new evaluation type
only embeds that type. The training set is identified by the hash of its type counts, so a
DATA.json and the training_types.json a student made from it share one cache entry.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..io import atomic_write_json
from .embed import TypeEmbedder
from .metric import DEFAULT_K, clipped_cosine, familiarity_from_similarities, rank_order
from .training_types import TrainingTypes, normalise

N_NEAREST = 3  # training types shown beside each value, so a number can be read and checked


@dataclass
class TypeFamiliarity:
    familiarity: float
    nearest: list[tuple[str, float, int]]  # (training type, clipped cosine, mentions), most similar first


@dataclass
class FamiliarityRun:
    model: str
    k: int
    training: TrainingTypes
    types: dict[str, TypeFamiliarity] = field(default_factory=dict)  # normalised eval type -> value
    embedded: int = 0  # type names embedded in this call (0 = everything came from the cache)
    cache_dir: Optional[Path] = None

    def row(self, types: list[str]) -> dict:
        """{"mean", "per_type"} for a row whose types are `types` (the card's names, as shown)."""
        per = {t: round(self.types[normalise(t)].familiarity, 6) for t in types}
        return {"mean": round(sum(per.values()) / len(per), 6) if per else 0.0, "per_type": per}


_EMBEDDERS: dict[Optional[str], TypeEmbedder] = {}


def _embedder(model: Optional[str]) -> TypeEmbedder:
    """One embedder per model per process: a 49-row run loads the model at most once, and not at all when
    every row's types are in the cache (the embedder loads its weights on first use)."""
    if model not in _EMBEDDERS:
        _EMBEDDERS[model] = TypeEmbedder(model)
    return _EMBEDDERS[model]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")[:80] or "model"


def _save_npy(path: Path, array) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".npy", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> dict:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
        return obj if isinstance(obj, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}  # a damaged cache entry is recomputed, never trusted


def compute(training: TrainingTypes, eval_types: list[str], *, model: Optional[str] = None, k: int = DEFAULT_K,
            cache_dir: Optional[Path] = None, embedder: Optional[TypeEmbedder] = None) -> FamiliarityRun:
    """Familiarity of each evaluation type against `training`. `cache_dir` None: no cache."""
    import numpy as np

    embedder = embedder or _embedder(model)
    run = FamiliarityRun(embedder.name, k, training)
    wanted = list(dict.fromkeys(normalise(t) for t in eval_types))
    folder = (Path(cache_dir) / "familiarity" / _slug(embedder.name) / training.sha256[:16]) if cache_dir else None
    run.cache_dir = folder
    scores = _read_json(folder / "scores.json") if folder else {}
    if scores.get("training_sha256") != training.sha256 or scores.get("model") != embedder.name:
        scores = {"training_sha256": training.sha256, "model": embedder.name, "by_k": {}}
    known = scores["by_k"].setdefault(str(k), {})
    missing = [t for t in wanted if t not in known]
    if missing:
        names = sorted(training.counts)  # name order: ties by position below are ties by name
        counts = np.array([training.counts[t] for t in names], dtype=np.int64)
        train_emb = None
        if folder and (folder / "train_embeddings.npy").is_file():
            try:
                train_emb = np.load(folder / "train_embeddings.npy")
                if train_emb.shape[0] != len(names):
                    train_emb = None
            except (OSError, ValueError):
                train_emb = None
        if train_emb is None:
            train_emb = embedder.embed(names)
            run.embedded += len(names)
            if folder:
                atomic_write_json(folder / "training_types.json", training.to_json())
                _save_npy(folder / "train_embeddings.npy", train_emb)
        eval_emb = embedder.embed(missing)
        run.embedded += len(missing)
        for t, sims in zip(missing, clipped_cosine(eval_emb, train_emb)):
            value = familiarity_from_similarities(sims, counts, k)
            top = rank_order(sims)[:N_NEAREST]
            known[t] = {"familiarity": value,
                        "nearest": [[names[i], round(float(sims[i]), 6), int(counts[i])] for i in top]}
        if folder:
            atomic_write_json(folder / "scores.json", scores)
    for t in wanted:
        v = known[t]
        run.types[t] = TypeFamiliarity(float(v["familiarity"]), [tuple(x) for x in v["nearest"]])
    return run
