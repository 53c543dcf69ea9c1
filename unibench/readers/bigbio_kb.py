"""The bigbio harmonised KB schema (documents, passages, character-offset entities).

bigbio (`bigbio/<name>` on the Hugging Face Hub) wraps the clinical n2c2/i2b2 corpora and
EBM-NLP in one schema: a record per document with
`passages[{id, type, text: [str], offsets: [[start, end]]}]` and
`entities[{id, type, text: [str], offsets: [[start, end], ...], normalized}]`, where all offsets
are character positions in one document coordinate system (end exclusive).

**Layout read by this reader**: one JSONL file per split, one bigbio_kb document per line,
i.e. exactly what `Dataset.to_json()` writes for a `*_bigbio_kb` config. Why a file and not
`datasets.load_dataset("bigbio/n2c2_2010", data_dir=...)` at read time: the bigbio n2c2
loaders are *scripts*, and `datasets` >= 4 refuses to run scripts at all ("Dataset scripts are
no longer supported"), so the load has to happen once, in an environment that still can, and
the result is kept as a plain file. The export is built in:

    python -m unibench.readers.bigbio_kb --repo bigbio/n2c2_2010 --config n2c2_2010_bigbio_kb \
        --archives ~/n2c2/2010 --out <data-dir>/i2b2_2010

(`--archives` is the folder with the archives downloaded from the n2c2 portal, passed to the
loader as `data_dir=`; it needs `datasets<4` and `trust_remote_code`). The JSONL holds
clinical text: it stays on the user's machine and is never committed or redistributed.

Documents become sentences with `unibench.readers._documents` (options `sentence_split`,
`tokenizer`, `discontiguous`, plus `entity_text_mismatch`: `error` (default) or `drop`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import DataFormatError, UnibenchError
from ..io import iter_jsonl
from ..schema import Sentence
from . import ReadContext
from ._documents import DocOptions, Document, Entity, document_sentences

_HINT = ("expected one bigbio_kb document per line: {\"document_id\", \"passages\": [{\"text\": [str], "
         "\"offsets\": [[start, end]]}], \"entities\": [{\"type\", \"text\": [str], \"offsets\": [[s, e], ...]}]}")


def _doc_from_record(rec: Any, where: str, line: int | None, mismatch: str, ctx) -> Document:
    def bad(msg: str) -> DataFormatError:
        return DataFormatError(f"not a bigbio_kb document: {msg}", path=where, line=line, hint=_HINT)

    if not isinstance(rec, dict):
        raise bad("expected a JSON object")
    doc_id = str(rec.get("document_id") or rec.get("id") or "")
    if not doc_id:
        raise bad("'document_id' is missing")
    passages, entities = rec.get("passages"), rec.get("entities", [])
    if not isinstance(passages, list) or not isinstance(entities, list):
        raise bad("'passages' and 'entities' must be lists")
    segments: list[tuple[int, str]] = []
    for p in passages:
        try:
            texts, offs = list(p["text"]), [tuple(map(int, o)) for o in p["offsets"]]
        except (KeyError, TypeError, ValueError):
            raise bad(f"passage {p!r:.80} lacks text/offsets") from None
        if len(texts) != len(offs):
            raise bad(f"passage {p.get('id')!r} has {len(texts)} texts but {len(offs)} offsets")
        for t, (s, e) in zip(texts, offs):
            if e - s != len(t):
                raise bad(f"passage {p.get('id')!r}: offsets [{s}, {e}] do not fit a text of {len(t)} characters")
            segments.append((s, t))
    doc = Document(doc_id, segments, [], where, line)
    full = {s: t for s, t in segments}
    for ent in entities:
        try:
            typ = str(ent["type"])
            frags = [tuple(map(int, o)) for o in ent["offsets"]]
            texts = list(ent.get("text") or [])
        except (KeyError, TypeError, ValueError):
            raise bad(f"entity {ent!r:.80} lacks type/offsets") from None
        if not frags or any(e <= s for s, e in frags):
            raise bad(f"entity {ent.get('id')!r} has empty or reversed offsets {frags}")
        source = _slice(full, frags)
        if texts and source is not None and " ".join(source.split()) != " ".join(" ".join(texts).split()):
            msg = f"document {doc_id!r}: entity text {texts!r} does not match the passage text {source!r} at {frags}"
            if mismatch == "error":
                raise DataFormatError(msg, path=where, line=line,
                                      hint="set options.entity_text_mismatch: drop to count and skip such entities")
            ctx.report.add(f"{where}:{line}: {msg} (dropped)")
            continue
        doc.entities.append(Entity(list(frags), typ, " ".join(texts)))
    return doc


def _slice(segments: dict[int, str], frags) -> str | None:
    out = []
    for s, e in frags:
        for start, text in segments.items():
            if start <= s and e <= start + len(text):
                out.append(text[s - start:e - start])
                break
        else:
            return None
    return " ".join(out)


def iter_records(path: Path) -> Iterator[tuple[int, dict]]:
    return iter_jsonl(path, _HINT)


def read(ctx: ReadContext) -> Iterator[Sentence]:
    opts = DocOptions.from_options(ctx.options, str(ctx.folder))
    mismatch = str(ctx.options.get("entity_text_mismatch", "error"))
    for path in ctx.files:
        for lineno, rec in iter_records(path):
            doc = _doc_from_record(rec, str(path), lineno, mismatch, ctx)
            yield from document_sentences(ctx, doc, opts)


# -- export: bigbio loader (datasets, data_dir=) -> JSONL this reader reads ----------------------

def export_records(records: Iterable[dict], out_path: Path) -> int:
    """Write bigbio_kb records as JSONL (atomically); returns the number of documents."""
    from ..io import atomic_write_text

    lines = [json.dumps(dict(r), ensure_ascii=False) for r in records]
    atomic_write_text(out_path, "".join(line + "\n" for line in lines))
    return len(lines)


def export_dataset_dict(dsd, out_dir: Path, split_files: dict[str, str] | None = None) -> dict[str, int]:
    """Export every split of a `datasets.DatasetDict` (or a plain dict of record lists)."""
    split_files = split_files or {}
    counts = {}
    for split in dsd:
        name = split_files.get(split, f"{split}.jsonl")
        counts[split] = export_records(iter(dsd[split]), Path(out_dir) / name)
    return counts


def load_bigbio(repo: str, config: str, archives: Path):
    """`datasets.load_dataset(repo, name=config, data_dir=archives)`; explains when scripts are refused."""
    try:
        import datasets
    except ImportError:  # pragma: no cover - depends on the environment
        raise UnibenchError("the `datasets` package is needed to run a bigbio loader",
                            hint="pip install 'datasets<4' in a separate environment") from None
    try:
        return datasets.load_dataset(repo, name=config, data_dir=str(archives), trust_remote_code=True)
    except (RuntimeError, TypeError, ValueError) as exc:
        if "no longer supported" in str(exc) or "trust_remote_code" in str(exc):
            raise UnibenchError(
                f"datasets {datasets.__version__} cannot run the loading script of {repo} ({exc})",
                hint="bigbio's n2c2 loaders are scripts; run this export once in an environment with "
                     "`pip install 'datasets<4'`, then copy the JSONL files") from None
        raise
    except OSError as exc:  # ConnectionError (the Hub unreachable, offline mode), missing or unreadable archives
        raise UnibenchError(f"could not load {repo} ({config}) with archives from {archives}: {exc}",
                            hint="the loader script comes from the Hugging Face Hub (network, or a cache made "
                                 "online); the archives folder must hold the files the dataset's site "
                                 "gave you") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m unibench.readers.bigbio_kb",
                                 description="Export a bigbio *_bigbio_kb config to the JSONL files unibench reads.")
    ap.add_argument("--repo", required=True, help="e.g. bigbio/n2c2_2010")
    ap.add_argument("--config", required=True, help="e.g. n2c2_2010_bigbio_kb")
    ap.add_argument("--archives", required=True, type=Path, help="folder with the downloaded archives (data_dir)")
    ap.add_argument("--out", required=True, type=Path, help="<data-dir>/<row id>")
    args = ap.parse_args(argv)
    try:
        counts = export_dataset_dict(load_bigbio(args.repo, args.config, args.archives), args.out)
    except UnibenchError as exc:
        from ..printable import error_text

        print(f"error: {error_text(exc)}", file=sys.stderr)
        return exc.exit_code
    for split, n in counts.items():
        print(f"{split}: {n} documents -> {args.out / (split + '.jsonl')}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
