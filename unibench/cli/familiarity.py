"""`unibench familiarity`: how close a training set's entity types are to each evaluation row's types.

Familiarity (Golde et al., NAACL 2025; docs/familiarity.md) per row and type, from a training
set's type counts (conversation data, the released Pile-NER-type file, or a student's
training_types.json) and a sentence-embedding model. torch is imported only when something has
to be embedded; a re-run on the same training set and model reads the cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("familiarity")
    def familiarity(train: Path = typer.Option(..., "--train", help="Training data: DATA.json / JSONL (Pile-NER-type "
                                                                    "layout, e.g. the released train.json), a "
                                                                    "training_types.json, or a checkpoint folder."),
                    rows: Optional[List[str]] = typer.Option(None, "--rows", help="Row ids (repeatable; "
                                                                                  "default: all rows)."),
                    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="The rows of a named "
                                                                                      "benchmark, e.g. crossner-mit."),
                    model: Optional[str] = typer.Option(None, "--model", help="Sentence-embedding model: folder or "
                                                                              "Hub id (default sentence-transformers/"
                                                                              "all-MiniLM-L6-v2)."),
                    k: int = typer.Option(1000, "--k", min=1, help="Cut-off: training mentions weighed (paper: "
                                                                   "1000)."),
                    annotate: Optional[Path] = typer.Option(None, "--annotate", help="Also write the values into "
                                                                                     "these result files (a file or "
                                                                                     "a folder)."),
                    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir"),
                    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Drop invalid conversation "
                                                                                    "records instead of failing."),
                    as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
        """Familiarity of the training types with each evaluation row's types (label shift; 1 = seen)."""
        from ..cards import load_registry, resolve_ids
        from ..errors import UnibenchError
        from ..familiarity.compute import compute
        from ..familiarity.training_types import load_training_types, normalise
        from ..resources import default_cache_dir
        from ._common import console, err_console, pct, print_json

        if rows and benchmark:
            raise UnibenchError("give --rows or --benchmark, not both")
        if benchmark:
            from .run import _benchmark_rows

            cards = resolve_ids(_benchmark_rows(benchmark)[0])
        else:
            cards = resolve_ids(list(rows)) if rows else list(load_registry().values())
        cdir = default_cache_dir(cache_dir)
        training = load_training_types(train, skip_invalid=skip_invalid)
        run = compute(training, [t for c in cards for t in c.types], model=model, k=k, cache_dir=cdir)
        out = {"training": {"source": training.source, "types": len(training.counts), "mentions": training.n_mentions,
                            "sha256": training.sha256},
               "embedding_model": run.model, "k": k, "embedded": run.embedded,
               "rows": {c.id: {**run.row(c.types),
                               "nearest": {t: [list(x) for x in run.types[normalise(t)].nearest]
                                           for t in c.types}} for c in cards}}
        if annotate is not None:
            from ..familiarity.attach import annotate as annotate_results

            out["annotated"] = annotate_results(annotate, training, model=model, k=k, cache_dir=cdir)
        if as_json:
            print_json(out)
            return
        from rich.markup import escape
        from rich.table import Table

        t = Table(title=f"Familiarity of {escape(training.source)} ({len(training.counts)} types, {training.n_mentions} "
                        f"mentions) with {escape(run.model)}, k={k}", title_justify="left")
        for col in ("row", "mean", "type", "familiarity", "nearest training types (cosine, mentions)"):
            t.add_column(col, justify="right" if col in ("mean", "familiarity") else "left")
        for c in cards:
            r = out["rows"][c.id]
            for i, ty in enumerate(c.types):
                near = ", ".join(f"{escape(n)} ({s:.2f}, {m})" for n, s, m in r["nearest"][ty])
                t.add_row(c.id if i == 0 else "", pct(r["mean"]) if i == 0 else "", escape(ty),
                          pct(r["per_type"][ty]), near)
        console.print(t)
        err_console.print("cache: " + ("hit (no model loaded)" if run.embedded == 0 else
                                       f"embedded {run.embedded} type names") + f" ({run.cache_dir})", markup=False)
        if annotate is not None:
            err_console.print(f"annotated {len(out['annotated'])} result file(s) under {annotate}", markup=False)
