"""Small synthetic, schema-faithful copies of the Hub dataset repos the dataset cards read, in each repo's
published layout (files, branches, column names, ClassLabel features, split names), for `hub_datasets.DatasetHub`.

The layouts follow docs/datasets-remote.md: repos with a loading script are read from their parquet export
(branch `refs/convert/parquet`, `<config>/<split>/0000.parquet`, features stored in the parquet schema as
`datasets` writes them), script-free repos from their JSONL files (and, for MultiNERD, the README's YAML
`configs`). The `main` branch of a script repo holds the script, so reading `main` fails as it would on the Hub.

Every sentence holds one two-token mention "alpha beta" of a raw type taken in turn from the card's label
map, so a test knows exactly which span and which natural-language type each prepared sentence must have.
"""

from __future__ import annotations

import io
import json

from unibench.cards import DatasetCard, get_card

N_PER_SPLIT = 4  # sentences per split (polyglotner: more, its card cuts dev/test from train)


def _tags(raw_type: str, scheme: str) -> list[str]:
    return {"BIO": [f"B-{raw_type}", f"I-{raw_type}"], "IO": [raw_type, raw_type],
            "IOBES": [f"B-{raw_type}", f"E-{raw_type}"], "IOB1": [f"I-{raw_type}", f"I-{raw_type}"]}[scheme]


def sentences(card: DatasetCard, split: str, n: int, start: int = 0) -> list[dict]:
    """[{tokens, tags (strings), raw_type, name}] with the mention at tokens 2-3."""
    raw_types = list(card.label_map)
    out = []
    for i in range(start, start + n):
        raw = raw_types[i % len(raw_types)]
        out.append({"tokens": ["In", f"{split}{i}", "alpha", "beta", "we", "go"],
                    "tags": ["O", "O", *_tags(raw, card.tag_scheme), "O", "O"],
                    "raw_type": raw, "name": card.label_map[raw].name})
    return out


def _parquet(rows: dict, features) -> bytes:
    import datasets

    buf = io.BytesIO()
    datasets.Dataset.from_dict(rows, features=features).to_parquet(buf)
    return buf.getvalue()


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _seq(inner):
    import datasets

    return datasets.Sequence(inner)


def _script_main(name: str) -> dict[str, bytes]:
    return {f"{name}.py": b"# a loading script: `datasets` >= 4 refuses it\nimport datasets\n",
            "README.md": b"---\nlicense: other\n---\n# " + name.encode() + b"\n"}


def few_nerd() -> dict[str, dict[str, bytes]]:
    import datasets

    coarse, fine = get_card("fewnerd_coarse"), get_card("fewnerd_fine")
    fine_names = ["O"] + sorted(list(fine.label_map) + fine.dropped_types)
    coarse_names = get_card("fewnerd_coarse").sources.hf.label_names
    feats = datasets.Features({"id": datasets.Value("string"), "tokens": _seq(datasets.Value("string")),
                               "ner_tags": _seq(datasets.ClassLabel(names=coarse_names)),
                               "fine_ner_tags": _seq(datasets.ClassLabel(names=fine_names))})
    parquet = {}
    for split in ("train", "validation", "test"):
        rows = sentences(fine, split, N_PER_SPLIT)
        coarse_tags = [[t.split("-")[0] if t != "O" else "O" for t in r["tags"]] for r in rows]
        parquet[f"supervised/{split}/0000.parquet"] = _parquet({
            "id": [str(i) for i in range(len(rows))], "tokens": [r["tokens"] for r in rows],
            "ner_tags": [[coarse_names.index(t) for t in ts] for ts in coarse_tags],
            "fine_ner_tags": [[fine_names.index(t) for t in r["tags"]] for r in rows]}, feats)
    assert coarse.tag_scheme == "IO"
    return {"main": _script_main("few-nerd"), "refs/convert/parquet": parquet}


def multinerd() -> dict[str, dict[str, bytes]]:
    card = get_card("multinerd")
    names = card.sources.hf.label_names
    files = {"README.md": (
        "---\nlicense: cc-by-nc-sa-4.0\nconfigs:\n"
        "- config_name: en\n  data_files:\n  - split: train\n    path: train/train_en.jsonl\n"
        "  - split: validation\n    path: val/val_en.jsonl\n  - split: test\n    path: test/test_en.jsonl\n"
        "- config_name: de\n  data_files:\n  - split: train\n    path: train/train_de.jsonl\n"
        "  - split: validation\n    path: val/val_de.jsonl\n  - split: test\n    path: test/test_de.jsonl\n"
        "---\n# MultiNERD\n").encode()}
    for split, (folder, short) in {"train": ("train", "train"), "validation": ("val", "val"),
                                   "test": ("test", "test")}.items():
        for lang in ("en", "de"):
            rows = sentences(card, split + lang, N_PER_SPLIT)
            files[f"{folder}/{short}_{lang}.jsonl"] = _jsonl(
                [{"tokens": r["tokens"], "ner_tags": [names.index(t) for t in r["tags"]], "lang": lang} for r in rows])
    return {"main": files}


def polyglot_ner() -> dict[str, dict[str, bytes]]:
    import datasets

    card = get_card("polyglotner")
    feats = datasets.Features({"id": datasets.Value("string"), "lang": datasets.Value("string"),
                               "words": _seq(datasets.Value("string")), "ner": _seq(datasets.Value("string"))})
    rows = sentences(card, "train", 60)
    pq = _parquet({"id": [str(i) for i in range(len(rows))], "lang": ["en"] * len(rows),
                   "words": [r["tokens"] for r in rows], "ner": [r["tags"] for r in rows]}, feats)
    return {"main": _script_main("polyglot_ner"), "refs/convert/parquet": {"en/train/0000.parquet": pq}}


def _tner(card_id: str, name: str, split_names: list[str]) -> dict[str, dict[str, bytes]]:
    import datasets

    card = get_card(card_id)
    names = card.sources.hf.label_names
    feats = datasets.Features({"tokens": _seq(datasets.Value("string")), "tags": _seq(datasets.Value("int32")),
                               **({"id": datasets.Value("string"), "date": datasets.Value("string")}
                                  if name == "tweetner7" else {})})
    parquet = {}
    for split in split_names:
        rows = sentences(card, split, N_PER_SPLIT)
        cols = {"tokens": [r["tokens"] for r in rows], "tags": [[names.index(t) for t in r["tags"]] for r in rows]}
        if name == "tweetner7":
            cols |= {"id": [str(i) for i in range(len(rows))], "date": ["2020-09-01"] * len(rows)}
        parquet[f"{name}/{split}/0000.parquet"] = _parquet(cols, feats)
    main = _script_main(name) | {"dataset/label.json": json.dumps({t: i for i, t in enumerate(names)}).encode()}
    return {"main": main, "refs/convert/parquet": parquet}


def fabner() -> dict[str, dict[str, bytes]]:
    import datasets

    card = get_card("fabner")
    names = ["O"] + [f"{p}-{t}" for t in card.label_map for p in "BIES"]
    feats = datasets.Features({"id": datasets.Value("string"), "tokens": _seq(datasets.Value("string")),
                               "ner_tags": _seq(datasets.ClassLabel(names=names))})
    parquet = {}
    for split in ("train", "validation", "test"):
        rows = sentences(card, split, N_PER_SPLIT)
        parquet[f"fabner/{split}/0000.parquet"] = _parquet({
            "id": [str(i) for i in range(len(rows))], "tokens": [r["tokens"] for r in rows],
            "ner_tags": [[names.index(t) for t in r["tags"]] for r in rows]}, feats)
    return {"main": _script_main("fabner"), "refs/convert/parquet": parquet}


def wiesp() -> dict[str, dict[str, bytes]]:
    card = get_card("deal")
    tag_ids = {t: i for i, t in enumerate(["O"] + [f"{p}-{t}" for t in list(card.label_map) + card.dropped_types
                                                   for p in "BI"])}
    files = {"README.md": b"---\nlicense: cc-by-4.0\n---\n# WIESP2022-NER\n",
             "ner_tags.json": json.dumps(tag_ids).encode()}
    for split, fname in card.sources.hf.data_files.items():
        rows = sentences(card, split, N_PER_SPLIT)
        files[fname] = _jsonl([{"unique_id": f"{split}_{i}", "tokens": r["tokens"], "ner_tags": r["tags"],
                                "ner_ids": [tag_ids[t] for t in r["tags"]], "label_studio_id": i,
                                "section": "fulltext", "bibcode": "2019ApJ...000..000X"}
                               for i, r in enumerate(rows)])
    files["WIESP2022-NER-DEV.jsonl"] = files[card.sources.hf.data_files["validation"]]
    return {"main": files}


def mapa() -> dict[str, dict[str, bytes]]:
    coarse, fine = get_card("mapa_coarse"), get_card("mapa_fine")
    files = {"README.md": b"---\nlicense: cc-by-4.0\n---\n# MAPA\n"}
    for split in ("train", "validation", "test"):
        rows = []
        for i, (c, f) in enumerate(zip(sentences(coarse, split, N_PER_SPLIT), sentences(fine, split, N_PER_SPLIT))):
            rows.append({"language": "en", "tokens": c["tokens"], "coarse_grained": c["tags"],
                         "fine_grained": f["tags"]})
            rows.append({"language": "de", "tokens": ["Nicht", "englisch", "alpha", "beta"],
                         "coarse_grained": ["O", "O", *c["tags"][2:4]], "fine_grained": ["O", "O", *f["tags"][2:4]]})
        files[f"{split}.jsonl"] = _jsonl(rows)
    return {"main": files}


def all_repos() -> dict[str, dict[str, dict[str, bytes]]]:
    """repo id -> branch -> files, for the Hub repos of the ten Hub-only rows."""
    return {"DFKI-SLT/few-nerd": few_nerd(), "Babelscape/multinerd": multinerd(),
            "rmyeid/polyglot_ner": polyglot_ner(),
            "tner/tweetner7": _tner("tweetner7", "tweetner7", ["train_all", "validation_2020", "test_2020",
                                                               "test_2021"]),
            "tner/ontonotes5": _tner("ontonotes", "ontonotes5", ["train", "validation", "test"]),
            "DFKI-SLT/fabner": fabner(), "adsabs/WIESP2022-NER": wiesp(), "joelniklaus/mapa": mapa()}
