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
    names = card.sources.hf.label_names if card.sources.hf else None
    # raw types the Hub copy can express (its int -> tag list, if the card gives one)
    raw_types = [t for t in card.label_map if not names or any(n == t or n[2:] == t for n in names)]
    scheme = "BIO" if card.tag_scheme == "spans" else card.tag_scheme  # span-annotated local files, BIO on the Hub
    out = []
    for i in range(start, start + n):
        raw = raw_types[i % len(raw_types)]
        out.append({"tokens": ["In", f"{split}{i}", "alpha", "beta", "we", "go"],
                    "tags": ["O", "O", *_tags(raw, scheme), "O", "O"],
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


# -- the Hub copies of rows that are normally read from local files (their Hub fallback) ---------------------

CROSS_NER_TYPES = ("academicjournal album algorithm astronomicalobject award band book chemicalcompound "
                   "chemicalelement conference country discipline election enzyme event field literarygenre location "
                   "magazine metrics misc musicalartist musicalinstrument musicgenre organisation person poem "
                   "politicalparty politician product programlang protein researcher scientist song task theory "
                   "university writer").split()
BIO3 = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def _classlabel_export(card_names: dict[str, str], folder_of: dict[str, str], names: list[str],
                       extra_columns: dict | None = None) -> dict[str, bytes]:
    """Parquet export files `<config>/<split>/0000.parquet` with a ClassLabel `ner_tags` column, for the
    given cards (card id -> config folder) and HF split names (unibench split -> HF split)."""
    import datasets

    feats = {"id": datasets.Value("string"), "tokens": _seq(datasets.Value("string")),
             "ner_tags": _seq(datasets.ClassLabel(names=names))}
    for col in extra_columns or {}:
        feats[col] = _seq(datasets.Value("string"))
    out = {}
    for card_id, folder in folder_of.items():
        card = get_card(card_id)
        for hf_split in sorted(set(card.sources.hf.splits.values())):
            rows = sentences(card, hf_split, N_PER_SPLIT)
            cols = {"id": [str(i) for i in range(len(rows))], "tokens": [r["tokens"] for r in rows],
                    "ner_tags": [[names.index(t) for t in r["tags"]] for r in rows]}
            for col, value in (extra_columns or {}).items():
                cols[col] = [[value] * len(r["tokens"]) for r in rows]
            out[f"{folder}/{hf_split}/0000.parquet"] = _parquet(cols, datasets.Features(feats))
    return out


def _int_tags_files(card_id: str, path_of_split, with_id: bool = False) -> dict[str, bytes]:
    """Parquet files with plain int tags (the card's label_names order), one per HF split."""
    import datasets

    card = get_card(card_id)
    names = card.sources.hf.label_names
    col = card.sources.hf.tags_column
    feats = datasets.Features({"tokens": _seq(datasets.Value("string")), col: _seq(datasets.Value("int64"))})
    out = {}
    for hf_split in sorted(set(card.sources.hf.splits.values())):
        rows = sentences(card, hf_split, N_PER_SPLIT)
        out[path_of_split(hf_split)] = _parquet({"tokens": [r["tokens"] for r in rows],
                                                 col: [[names.index(t) for t in r["tags"]] for r in rows]}, feats)
    return out


def fallback_repos() -> dict[str, dict[str, dict[str, bytes]]]:
    """repo id -> branch -> files, for the Hub copies of the locally staged rows that have one."""
    crossner = {f"crossner_{d}": {"ai": "ai"}.get(d, d) for d in ("ai", "literature", "music", "politics", "science")}
    cross_names = ["O"] + [f"{p}-{t}" for t in CROSS_NER_TYPES for p in "BI"]
    jnlpba_names = ["O", "B-DNA", "I-DNA", "B-RNA", "I-RNA", "B-cell_line", "I-cell_line", "B-cell_type",
                    "I-cell_type", "B-protein", "I-protein"]
    conll_names = BIO3 + ["B-MISC", "I-MISC"]
    return {
        "DFKI-SLT/cross_ner": {"main": _script_main("cross_ner"), "refs/convert/parquet": _classlabel_export(
            {}, crossner, cross_names)},
        "ZihanWangKi/conllpp": {"main": _script_main("conllpp"), "refs/convert/parquet": _classlabel_export(
            {}, {"conllpp": "conllpp"}, conll_names, {"pos_tags": "NN", "chunk_tags": "I-NP"})},
        "unimelb-nlp/wikiann": {"main": _script_main("wikiann"), "refs/convert/parquet": _classlabel_export(
            {}, {"wikiann_en": "en"}, BIO3, {"langs": "en"})},
        "ncbi/ncbi_disease": {"main": _script_main("ncbi_disease"), "refs/convert/parquet": _classlabel_export(
            {}, {"ncbi": "ncbi_disease"}, ["O", "B-Disease", "I-Disease"])},
        "spyysalo/bc2gm_corpus": {"main": _script_main("bc2gm_corpus"), "refs/convert/parquet": _classlabel_export(
            {}, {"bc2gm": "bc2gm_corpus"}, ["O", "B-GENE", "I-GENE"])},
        "jnlpba/jnlpba": {"main": _script_main("jnlpba"), "refs/convert/parquet": _classlabel_export(
            {}, {"jnlpba": "jnlpba"}, jnlpba_names)},
        "strombergnlp/broad_twitter_corpus": {"main": _script_main("broad_twitter_corpus"),
                                              "refs/convert/parquet": _classlabel_export(
                                                  {}, {"btc": "broad_twitter_corpus"}, BIO3)},
        "tner/mit_restaurant": {"main": _script_main("mit_restaurant"), "refs/convert/parquet": _int_tags_files(
            "mit_restaurant", lambda s: f"mit_restaurant/{s}/0000.parquet")},
        "Babelscape/wikineural": {"main": {"README.md": b"---\nlicense: cc-by-nc-sa-4.0\n---\n"} | _int_tags_files(
            "wikineural", lambda s: f"data/{s}-00000-of-00001.parquet")},
        "gtfintechlab/finer-ord-bio": {"main": {"README.md": b"---\nlicense: cc-by-nc-4.0\n---\n"} | _int_tags_files(
            "finer_ord", lambda s: f"data/{s}-00000-of-00001.parquet")},
    }
