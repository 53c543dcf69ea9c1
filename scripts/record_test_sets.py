"""Measure the test split of every staged row and record it in its dataset card (`test_sets:`).

    python scripts/record_test_sets.py --data-dir ../shared/data           # (re)write the cards' test_sets
    python scripts/record_test_sets.py --data-dir ../shared/data --check   # exit 1 if a card is out of date
    python scripts/record_test_sets.py --data-dir DIR --rows crossner_ai ncbi

Why: `validate` and the leaderboard refuse a full run whose test set (sentence count, content hash)
differs from the card's record, so the record must be what unibench's own loaders produce from the
published raw files, for both dataset versions (`paper`, `corrected`). Re-run it after changing a
card, a loader, a reader or the staged data; it is idempotent (the same data gives the same cards).
Only rows whose raw test files are under the data dir are measured (never the Hub); the others keep
their block as it is. Only the `test_sets:` block of a card is rewritten (see unibench/test_sets.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from unibench.cards import load_registry, parse_card  # noqa: E402
from unibench.errors import UnibenchError  # noqa: E402
from unibench.io import atomic_write_text  # noqa: E402
from unibench.resources import resource_dir  # noqa: E402
from unibench.test_sets import measure, render_block, replace_block, staged  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True, help="folder with <row>/ raw data (../shared/data)")
    ap.add_argument("--cards-dir", type=Path, default=None, help="dataset cards to update (default: the repo's)")
    ap.add_argument("--rows", nargs="*", default=None, help="only these row ids")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a card differs")
    args = ap.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"data dir {args.data_dir} does not exist", file=sys.stderr)
        return 2
    cards_dir = args.cards_dir or resource_dir("dataset_cards")
    cards = load_registry(str(cards_dir))
    unknown = sorted(set(args.rows or []) - set(cards))
    if unknown:
        print(f"unknown rows: {unknown}", file=sys.stderr)
        return 2
    stale, failed, measured_rows, skipped = [], [], 0, []
    for row, card in cards.items():
        if args.rows and row not in args.rows:
            continue
        if not staged(card, args.data_dir):
            skipped.append(row)
            continue
        try:
            measured = measure(card, args.data_dir)
        except UnibenchError as exc:
            failed.append(f"{row}: {exc.render()}")
            continue
        measured_rows += 1
        path = Path(cards_dir) / f"{row}.yaml"
        text = path.read_text(encoding="utf-8")
        new = replace_block(text, render_block(measured))
        if new == text:
            continue
        stale.append(row)
        if not args.check:
            atomic_write_text(path, new)
            parse_card(path)  # the rewritten card must still be a valid card
        summary = ", ".join(f"{v} {m.sentences} sentences {m.sha256[:12]}" for v, m in measured.items())
        print(f"{'out of date' if args.check else 'recorded'}: {row}: {summary}")
    print(f"{measured_rows} rows measured, {len(stale)} {'out of date' if args.check else 'updated'}, "
          f"{len(skipped)} not staged under {args.data_dir} (left as they are)"
          + (f", {len(failed)} failed" if failed else ""))
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
