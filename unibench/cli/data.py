"""`unibench data ...`: the registry (list, show) and the data pipeline (prepare, stats, queries)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

data_app = typer.Typer(help="Dataset registry and data preparation.", no_args_is_help=True)

DataDir = typer.Option(None, "--data-dir", help="Folder with <dataset id>/ raw data (default $UNIBENCH_DATA, "
                                                "else the user cache dir).")
CacheDir = typer.Option(None, "--cache-dir", help="Where normalised JSONL goes (default $UNIBENCH_CACHE, else the "
                                                  "user cache dir).")
Version = typer.Option("paper", "--version", help="Dataset version: 'paper' (reproduces the original release, "
                                                  "default) or 'corrected'.")
AsJson = typer.Option(False, "--json", help="Print JSON.")


def _dirs(data_dir, cache_dir, cards=()):
    from ..prepare_inputs import check_data_dir
    from ..resources import default_cache_dir, default_data_dir

    ddir = default_data_dir(data_dir)
    check_data_dir(data_dir, ddir, cards)
    return ddir, default_cache_dir(cache_dir)


def _row_summary(card) -> dict:
    return {"id": card.id, "dataset": card.dataset, "name": card.display_name, "paper_name": card.paper.name,
            "domain": card.domain, "n_types": card.n_types, "paper_n_types": card.paper.n_types,
            "paper_train": card.paper.train, "paper_dev": card.paper.dev, "paper_test": card.paper.test,
            "unit": card.paper.unit, "license": card.license.name, "redistributable": card.license.redistributable,
            "sources": [k for k in ("local", "hf", "released") if getattr(card.sources, k) is not None],
            "paper_quirks": list(card.paper_quirks)}


@data_app.command("list")
def list_rows(as_json: bool = AsJson, domain: Optional[str] = typer.Option(None, help="Only this domain."),
              data_dir: Optional[Path] = DataDir):
    """The 49 evaluation rows (43 datasets, 9 domains) with the paper's counts and whether each is in the data
    dir, downloadable from the Hub, or needs a licence (and where to apply)."""
    from ..availability import row_availability
    from ..cards import load_registry
    from ._common import console, print_json

    ddir, _ = _dirs(data_dir, None)
    cards = [c for c in load_registry().values() if domain is None or c.domain == domain]
    rows = [_row_summary(c) | {"availability": row_availability(c, ddir).to_dict()} for c in cards]
    if as_json:
        print_json(rows)
        return
    from collections import Counter

    from rich.table import Table

    counts = Counter(r["availability"]["status"] for r in rows)
    t = Table(title=f"{len(rows)} rows, {len({r['dataset'] for r in rows})} datasets, "
                    f"{len({r['domain'] for r in rows})} domains; data dir {ddir}: "
                    + ", ".join(f"{counts[k]} {k}" for k in ("available", "downloadable", "licence", "manual",
                                                            "missing") if counts[k]), title_justify="left")
    for col in ("id", "domain", "types", "paper test", "license", "data", "where / how"):
        t.add_column(col, overflow="fold")
    for r in rows:
        a = r["availability"]
        t.add_row(r["id"], r["domain"], str(r["n_types"]), f"{r['paper_test']} {r['unit']}", r["license"],
                  a["status"], a["where"] if a["status"] in ("available", "licence") else a["how"].split(". ")[0])
    console.print(t)


@data_app.command("show")
def show(row_id: str = typer.Argument(..., metavar="ID"), as_json: bool = AsJson):
    """Everything the card says about one row."""
    from ..cards import get_card
    from ._common import console, print_json

    card = get_card(row_id)
    dump = card.model_dump(mode="json", exclude_none=True)
    dump["types"] = card.types
    dump["label_map_hash"] = card.label_map_hash
    if as_json:
        print_json(dump)
        return
    import yaml

    console.print(yaml.safe_dump(dump, sort_keys=False, allow_unicode=True, width=110), markup=False)


@data_app.command("prepare")
def prepare_cmd(ids: List[str] = typer.Argument(..., metavar="ID..."), data_dir: Optional[Path] = DataDir,
                cache_dir: Optional[Path] = CacheDir, version: str = Version, as_json: bool = AsJson):
    """Read raw data, normalise it to the span format (JSONL) and record content hashes."""
    from ..cards import resolve_ids
    from ..loaders import available_splits
    from ..prepare import ensure_prepared_splits, prepared_dir, read_manifest
    from ._common import console, print_json

    cards = resolve_ids(ids)
    ddir, cdir = _dirs(data_dir, cache_dir, cards)
    out = []
    for card in cards:
        # up-to-date splits are kept, stale ones redone (all read before any is written)
        status = ensure_prepared_splits(card, available_splits(card, ddir), ddir, cdir, version)
        m = read_manifest(cdir, card, version) or {"splits": {}}
        m["splits"] = {s: m["splits"][s] | {"status": status[s]} for s in status}
        m["folder"] = str(prepared_dir(cdir, card, version))
        out.append(m)
        if not as_json:
            parts = ", ".join(f"{s} {v['n_sentences']} sent. sha256 {v['sha256'][:12]}"
                              f"{' (up to date)' if v['status'] == 'cached' else ''}" for s, v in m["splits"].items())
            console.print(f"{card.id} ({version}): {parts} -> {m['folder']}")
    if as_json:
        print_json(out)


def _split_stats(card, sentences) -> dict:
    from collections import Counter

    from ..metrics.uniner import gold_items
    from ..queries import build_queries

    per_type = Counter(sp.type for s in sentences for sp in s.spans)
    queries = build_queries(card, sentences)
    return {"sentences": len(sentences), "mentions": sum(per_type.values()),
            "types": {t: per_type.get(t, 0) for t in card.types},
            "queries": len(queries), "queries_uncapped": len(sentences) * card.n_types,
            "unique_gold": sum(len(gold_items(q.gold)) for q in queries)}


@data_app.command("stats")
def stats(row_id: str = typer.Argument(..., metavar="ID"), data_dir: Optional[Path] = DataDir,
          cache_dir: Optional[Path] = CacheDir, version: str = Version, as_json: bool = AsJson):
    """Per split: sentences, mentions, per-type counts, queries, unique gold strings; the paper's beside."""
    from ..cards import get_card
    from ..loaders import available_splits
    from ..prepare import load_sentences
    from ._common import console, print_json

    card = get_card(row_id)
    _dirs(data_dir, cache_dir, [card])  # a named data dir that does not exist: the error says how to get the row
    ddir, cdir = _dirs(data_dir, cache_dir)
    result = {"id": card.id, "version": version, "n_types": card.n_types, "paper_n_types": card.paper.n_types,
              "unit": card.paper.unit, "count_notes": card.count_notes, "splits": {},
              "processing_note": proc.note if (proc := card.processing_for(version)) else None}
    for split in available_splits(card, ddir):
        sentences, entry = load_sentences(card, split, ddir, cdir, version)
        s = _split_stats(card, sentences)
        s["paper_sentences"] = getattr(card.paper, split)
        s["matches_paper"] = None if s["paper_sentences"] is None else s["sentences"] == s["paper_sentences"]
        s["content_hash"] = entry["sha256"]
        s["tag_repairs"] = entry.get("tag_repairs", 0)
        result["splits"][split] = s
    if "test" in result["splits"]:
        from ..test_sets import compare_text

        result["test_set"] = compare_text(card, version, result["splits"]["test"])
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    t = Table(title=f"{card.id} ({card.display_name}, version {version}): {card.n_types} types "
                    f"(paper {card.paper.n_types})", title_justify="left")
    for col in ("split", "sentences", "paper", "vs paper", "mentions", "queries", "unique gold", "tag repairs"):
        t.add_column(col, justify="left" if col == "split" else "right")
    for split, s in result["splits"].items():
        paper = "-" if s["paper_sentences"] is None else str(s["paper_sentences"])
        diff = "-" if s["paper_sentences"] is None else (
            "same" if s["matches_paper"] else f"{s['sentences'] - s['paper_sentences']:+d}")
        t.add_row(split, str(s["sentences"]), paper, diff, str(s["mentions"]), str(s["queries"]),
                  str(s["unique_gold"]), str(s["tag_repairs"]))
    console.print(t)
    if result["splits"]:
        shown = "test" if "test" in result["splits"] else next(iter(result["splits"]))
        console.print(f"{shown} mentions per type: " + ", ".join(
            f"{k} {v}" for k, v in result["splits"][shown]["types"].items()))
    if result["processing_note"]:
        console.print(f"{version} version: {result['processing_note']}")
    if card.count_notes:
        console.print(f"note: {card.count_notes}")
    if "test_set" in result:
        console.print(result["test_set"], markup=False)


@data_app.command("queries")
def queries_cmd(ids: List[str] = typer.Argument(..., metavar="ID..."), split: str = typer.Option("test", "--split"),
                out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here (default: stdout)."),
                data_dir: Optional[Path] = DataDir, cache_dir: Optional[Path] = CacheDir, version: str = Version,
                adapter: Optional[str] = typer.Option(None, "--adapter", "-a", help="Add this adapter's rendered "
                                                      "prompt (text, or chat messages) and decoding settings.")):
    """Write evaluation queries as JSONL: dataset, sentence_id, text, label, gold.

    With --adapter, each line also carries `prompt` (completion models) or `messages` (chat models), `decoding`
    and `adapter`: generate with any stack, add the raw text as `output` to each line, and score the file with
    `unibench score --predictions FILE --adapter A`.
    """
    import sys

    from ..cards import resolve_ids
    from ..io import atomic_write_text
    from ..prepare import load_sentences
    from ..queries import build_queries

    ddir, cdir = _dirs(data_dir, cache_dir)
    spec = None
    if adapter is not None:
        from ..adapters import get_adapter
        from ..adapters.export import queries_with_prompts

        spec = get_adapter(adapter)
    lines = []
    for card in resolve_ids(ids):
        sentences, _ = load_sentences(card, split, ddir, cdir, version)
        queries = build_queries(card, sentences)
        dicts = queries_with_prompts(spec, card, queries) if spec else (q.to_dict() for q in queries)
        lines.extend(json.dumps(d, ensure_ascii=False) for d in dicts)
    text = "".join(line + "\n" for line in lines)
    if out:
        atomic_write_text(out, text)
        typer.echo(f"wrote {len(lines)} queries to {out}", err=True)
    else:
        sys.stdout.write(text)


@data_app.command("download")
def download_cmd(ids: List[str] = typer.Argument(..., metavar="ID..."), data_dir: Optional[Path] = DataDir,
                 revision: Optional[str] = typer.Option(None, "--revision", help="Branch, tag or commit to fetch "
                                                        "(default: the card's sources.hf.revision)."),
                 update_card: bool = typer.Option(False, "--update-card", help="Also write the commit into the "
                                                  "card's sources.hf.revision (maintainers, in a source checkout)."),
                 as_json: bool = AsJson):
    """Fetch Hub-hosted rows into the data dir and pin the commit they resolve to (needs network access once)."""
    from ..cards import resolve_ids
    from ..hub_data import download, pin_card
    from ._common import console, print_json

    from ..resources import default_data_dir

    ddir = default_data_dir(data_dir)  # the download's destination: created, so need not exist yet
    pins = []
    for card in resolve_ids(ids):
        pin = download(card, ddir, revision)
        if update_card:
            pin["card"] = str(pin_card(card, pin))
        pins.append(pin)
        if not as_json:
            console.print(f"{card.id}: {pin['repo']} {pin['requested_revision']} -> {pin['commit']} "
                          f"({len(pin['files'])} files) pinned in {ddir / card.id / 'unibench_hub.json'}"
                          + (f"; card updated: {pin['card']}" if update_card else ""), markup=False)
    if as_json:
        print_json(pins)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
