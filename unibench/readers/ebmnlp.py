"""EBM-NLP 2.0 (PICO spans in PubMed abstracts), read from the public release as distributed.

Layout (the unpacked `ebm_nlp_2_00.tar.gz` of GitHub `bepnye/EBM-NLP`, one folder per row):

    ebm_nlp_2_00/documents/<pmid>.tokens                     one token per line
    ebm_nlp_2_00/annotations/aggregated/starting_spans/<element>/<split folder>/<pmid>.AGGREGATED.ann
                                                             one 0/1 label per token line

with `<element>` in participants / interventions / outcomes and `<split folder>` = `train` or
`test/gold` (the expert-annotated test set). The card's `files` name a split folder of any one
element (e.g. `.../starting_spans/participants/test/gold`); the reader reads the same split
folder of all three elements, so the raw types are `participants`, `interventions`, `outcomes`
(a run of consecutive 1s is one mention; elements may overlap).

Why not bigbio's `ebm_pico`: its KB schema places every span at the *first* occurrence of its
text in the abstract (`str.find`) and uses the fine-grained hierarchical labels, so it neither
keeps positions nor gives the three PICO elements UniNER scores.

Sentences: the abstract's tokens are cut after `.`, `?` or `!` tokens (option
`sentence_end_tokens`), never inside a mention; abstracts without any label file for an element
simply have no mentions of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import DataFormatError
from ..safe_read import iter_files, read_text
from ..schema import Sentence, make_sentence
from . import ReadContext

ELEMENTS = ("participants", "interventions", "outcomes")


def _runs(labels: list[str]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, lab in enumerate(labels + ["0"]):
        if lab != "0" and start is None:
            start = i
        elif lab == "0" and start is not None:
            out.append((start, i))
            start = None
    return out


def read(ctx: ReadContext) -> Iterator[Sentence]:
    enders = set(ctx.options.get("sentence_end_tokens", [".", "?", "!"]))
    for split_dir in ctx.files:
        spans_dir = next((p for p in split_dir.parents if p.name == "starting_spans"), None)
        if spans_dir is None or split_dir.relative_to(spans_dir).parts[0] not in ELEMENTS:
            raise DataFormatError("not a split folder of annotations/aggregated/starting_spans/<element>/",
                                  path=split_dir, hint="e.g. ebm_nlp_2_00/annotations/aggregated/starting_spans/"
                                                       "participants/train")
        rel = Path(*split_dir.relative_to(spans_dir).parts[1:])
        root = spans_dir.parent.parent.parent
        docs_dir = root / "documents"
        if not docs_dir.is_dir():
            raise DataFormatError("documents/ folder of the EBM-NLP release not found", path=docs_dir,
                                  hint="unpack ebm_nlp_2_00.tar.gz into the row's data folder")
        per_doc: dict[str, dict[str, Path]] = {}
        for element in ELEMENTS:
            ann_dir = spans_dir / element / rel
            if not ann_dir.is_dir():
                raise DataFormatError(f"annotation folder for {element} not found", path=ann_dir,
                                      hint="expected annotations/aggregated/starting_spans/<element>/<split folder>")
            for f in (p for p in iter_files(ann_dir, ".ann") if p.parent == ann_dir):
                per_doc.setdefault(f.name.split(".")[0], {})[element] = f
        for pmid in sorted(per_doc):
            tok_path = docs_dir / f"{pmid}.tokens"
            if not tok_path.exists():
                raise DataFormatError(f"tokens of abstract {pmid} not found", path=tok_path)
            tokens = [t for t in read_text(tok_path, "data", root=root).splitlines()]
            spans = []
            for element, f in per_doc[pmid].items():
                labels = [x.strip() for x in read_text(f, "data", root=root).split()]
                if len(labels) != len(tokens):
                    raise DataFormatError(f"{len(labels)} labels for {len(tokens)} tokens of {pmid}", path=f,
                                          hint="one 0/1 label per token line of the .tokens file")
                spans += [(s, e, element) for s, e in _runs(labels)]
            yield from _sentences(ctx, pmid, tokens, spans, enders)


def _sentences(ctx, pmid, tokens, spans, enders) -> Iterator[Sentence]:
    inside = set()
    for s, e, _ in spans:
        inside.update(range(s + 1, e))  # a cut before token i is forbidden when i continues a mention
    cuts = [i + 1 for i, t in enumerate(tokens) if t in enders and i + 1 not in inside and i + 1 < len(tokens)]
    bounds = [0] + cuts + [len(tokens)]
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        keep = [i for i in range(a, b) if tokens[i].strip()]
        if not keep:
            continue
        index = {old: new for new, old in enumerate(keep)}
        local = []
        for s, e, typ in spans:
            if a <= s and e <= b:
                inner = [index[i] for i in range(s, e) if i in index]
                if inner:
                    local.append((inner[0], inner[-1] + 1, typ))
        yield make_sentence(f"{ctx.row_id}/{ctx.split}/{pmid}/{k}", [tokens[i].strip() for i in keep], local)
