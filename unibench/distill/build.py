"""`distill build`: annotations (+ supervised splits, + the released Pile-NER) -> conversation data.

Per annotated passage (paper §3.2; original `src/train/train.sh`; docs/training.md):
- positive types = the types annotated in it (types equal up to case are one type, named as
  first written in the passage); each type's mentions deduplicated, ordered by their first
  occurrence in the passage text (mentions not found in it, kept only with
  `annotate --keep-unfound`, come after, in annotation order); types ordered by their first
  mention;
- negative types = `NegativeSampler` draws among the corpus types absent from the passage;
- query order in a record: positives, then negatives in draw order (a documented choice: the
  original trainer shuffles the query pairs per example, so the order only matters to a trainer
  that does not; it keeps the file easy to read);
- a passage with no kept entity is left out (counted): it would carry negative queries only,
  and Pile-NER-type has no such record (45,889 passages, all with entities);
- a passage from `gold-annotations` keeps its row id as `"dataset"` (its prompt stays the zero-shot
  one), so `unibench train` lists that row in the student's `training_datasets`.

Supervised records (`--supervised ID...`): up to `max_per_dataset` train sentences per row
(seeded sample, original order kept; the paper's "up to 10K instances from each dataset"), every
type of the row asked, absent ones answered "[]" as in evaluation, the first turn rendered by
the `uniner-sup` adapter (`Dataset: <paper name>`), and `"dataset": <row id>`.

Output order: annotation records, supervised records, Pile-NER records. The same inputs and seed
give the same bytes. The manifest (`<out>.manifest.json`) records counts and the sha256 of the
output.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .. import __version__
from ..errors import UnibenchError
from ..io import atomic_write_json, atomic_write_text, sha256_file
from .annotations import Annotation, read_annotations
from .conversations import conversation_stats, dumps_records, make_record, validate_records
from .negatives import Mode, NegativeSampler, corpus_frequencies, type_key


@dataclass
class BuildConfig:
    out: Path
    annotations: list[Path] = field(default_factory=list)
    negatives: Mode = "frequency"
    n_negatives: Optional[int] = None
    negative_ratio: Optional[float] = None
    seed: int = 0
    supervised: list[str] = field(default_factory=list)
    max_per_dataset: int = 10_000
    data_dir: Optional[Path] = None
    cache_dir: Optional[Path] = None
    version: str = "corrected"
    pile_ner: Optional[str] = None
    command: Optional[str] = None


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def positive_queries(a: Annotation) -> list[tuple[str, list[str]]]:
    """(type, mentions) of one passage: dedup, text order, case-insensitive type identity."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for mention, typ in a.entities:
        label, mentions = groups.setdefault(type_key(typ), (typ.strip(), []))
        if mention not in mentions:
            mentions.append(mention)
    big = len(a.text) + 1

    def pos(m: str) -> int:
        i = a.text.find(m)
        return i if i >= 0 else big

    out = []
    for label, mentions in groups.values():
        ordered = sorted(mentions, key=pos)  # stable: unfound keep annotation order
        out.append((label, ordered))
    out.sort(key=lambda q: pos(q[1][0]))
    return out


def _annotation_records(annotations: list[Annotation], cfg: BuildConfig) -> tuple[list[dict], dict]:
    positives = [(a, positive_queries(a)) for a in annotations]
    freq = corpus_frequencies([(label, len(m)) for label, m in pq] for _, pq in positives)
    sampler = NegativeSampler(freq, cfg.negatives, n_negatives=cfg.n_negatives, ratio=cfg.negative_ratio,
                              seed=cfg.seed)
    records, skipped, short = [], 0, 0
    n_pos = n_neg = 0
    neg_types: Counter = Counter()
    for a, pq in positives:
        if not pq:
            skipped += 1
            continue
        want = sampler.how_many(len(pq))
        negs = sampler.sample([label for label, _ in pq], want, sampler.rng_for(a.id))
        short += len(negs) < want
        n_pos += len(pq)
        n_neg += len(negs)
        neg_types.update(negs)
        rec = make_record(a.id, a.text, pq + [(t, []) for t in negs])
        if a.extra.get("dataset"):  # gold annotations: the row the passage comes from, so a student
            rec["dataset"] = a.extra["dataset"]  # trained on it declares it (zero-shot prompt, no Dataset:)
        records.append(rec)
    top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    stats = {"passages_in": len(annotations), "passages_used": len(records), "skipped_no_entities": skipped,
             "corpus_types": len(freq), "corpus_mentions": sum(freq.values()), "positive_queries": n_pos,
             "negative_queries": n_neg, "negatives_per_passage": round(n_neg / len(records), 4) if records else 0.0,
             "passages_short_of_negatives": short, "top_types_by_frequency": top,
             "top_negative_types": neg_types.most_common(10)}
    return records, stats


def _dedup(items) -> list[str]:
    return list(dict.fromkeys(items))


def supervised_records(row_ids: list[str], cfg: BuildConfig) -> tuple[list[dict], dict]:
    from ..cards import resolve_ids
    from ..prepare import load_sentences
    from ..queries import sentence_queries
    from ..resources import default_data_dir

    data_dir = default_data_dir(cfg.data_dir)
    records, stats = [], {}
    for card in resolve_ids(row_ids):
        sentences, entry = load_sentences(card, "train", data_dir, cfg.cache_dir, cfg.version)
        n = len(sentences)
        keep = sorted(random.Random(f"{cfg.seed}:{card.id}").sample(range(n), min(n, cfg.max_per_dataset)))
        for i in keep:
            s = sentences[i]
            qs = sentence_queries(card.id, s, card.types)
            records.append(make_record(f"sup:{s.id}", s.text, [(q.label, _dedup(q.gold)) for q in qs],
                                       dataset=card.id, dataset_name=card.paper.name))
        stats[card.id] = {"dataset_name": card.paper.name, "train_sentences": n, "used": len(keep),
                          "types": card.types, "content_sha256": entry.get("sha256"), "version": cfg.version}
    return records, stats


def build(cfg: BuildConfig) -> dict:
    if not (cfg.annotations or cfg.supervised or cfg.pile_ner):
        raise UnibenchError("nothing to build: give --annotations, --supervised and/or --pile-ner")
    if cfg.max_per_dataset < 1:
        raise UnibenchError(f"--max-per-dataset must be at least 1 (got {cfg.max_per_dataset})")
    records: list[dict] = []
    manifest: dict = {"unibench_version": __version__, "command": cfg.command,
                      "settings": {"negatives": cfg.negatives, "n_negatives": cfg.n_negatives,
                                   "negative_ratio": cfg.negative_ratio if cfg.n_negatives is not None
                                   or cfg.negative_ratio is not None else 1.0,
                                   "seed": cfg.seed, "max_per_dataset": cfg.max_per_dataset,
                                   "dataset_version": cfg.version},
                      "inputs": {}}
    if cfg.annotations:
        ann = read_annotations(cfg.annotations)
        recs, stats = _annotation_records(ann, cfg)
        records += recs
        manifest["inputs"]["annotations"] = [{"file": str(p), "sha256": sha256_file(p)} for p in cfg.annotations]
        manifest["annotation_records"] = stats
    if cfg.supervised:
        recs, stats = supervised_records(cfg.supervised, cfg)
        records += recs
        manifest["inputs"]["supervised"] = stats
    if cfg.pile_ner:
        from .pile_ner import load_pile_ner

        recs, stats = load_pile_ner(cfg.pile_ner)
        records += recs
        manifest["inputs"]["pile_ner"] = stats
    seen: dict[str, int] = {}
    for n, rec in enumerate(records, 1):
        if rec["id"] in seen:
            raise UnibenchError(f"two output records have the id {rec['id']!r} (records {seen[rec['id']]} and {n})",
                                hint="an annotation id clashes with another input's; rename one of them")
        seen[rec["id"]] = n
    if not records:
        raise UnibenchError("no records to write: the inputs hold no usable passages",
                            hint="check the --annotations / --supervised / --pile-ner inputs (see the manifest "
                                 "fields passages_in / skipped_no_entities)")
    validate_records(records, cfg.out)
    atomic_write_text(cfg.out, dumps_records(records))
    totals = conversation_stats(records)
    manifest["output"] = {"file": str(cfg.out), "sha256": sha256_file(cfg.out), **totals,
                          "supervised_records": sum(1 for r in records if "dataset" in r)}
    atomic_write_json(manifest_path(cfg.out), manifest)
    return manifest
