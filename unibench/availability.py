"""Which rows a user can evaluate now, and how to get the others: one status per row for a data dir.

- `available`: the test split is in the data dir (the card's local files, or a pinned Hub download);
- `downloadable`: the row has a Hugging Face source; `unibench data download ID` fetches and pins it;
- `licence`: the data needs a licence or data-use agreement; `where` is where to apply;
- `manual`: public files that are not on the Hub; the card's `access` says where to take them from;
- `missing`: none of the above (a staged-only row whose files are not in this data dir).

Nothing here touches the network or imports `datasets`: it only looks at files and cards, so `data list`
and `run --skip-missing` answer at once. `licence` vs `manual` is read from the card's `access.how`
(an agreement, a licence or a credentialed account named there means a licence).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from . import hub_data
from .cards import DatasetCard
from .loaders import local_folder

STATUSES = ("available", "downloadable", "licence", "manual", "missing")
_LICENCE_WORDS = re.compile(r"\b(licen[cs]e[ds]?|DUA|data use agreement|credentialed|LDC)\b", re.I)
_WHERE = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:org|edu|com|net|gov|io)(?:/[^\s),;]*)?)", re.I)


@dataclass(frozen=True)
class Availability:
    row: str
    status: str  # one of STATUSES
    where: str  # the data's location, or where to get it / apply for it
    how: str  # one sentence: what was found, or what to do

    def to_dict(self) -> dict:
        return asdict(self)


def _local_test_files(card: DatasetCard, data_dir: Path) -> list[Path] | None:
    src = card.sources.local
    folder = local_folder(card, data_dir)
    if src is None or folder is None:
        return None
    names = src.files.get("all" if card.split_policy is not None else "test")
    if names is None:
        return None
    names = [names] if isinstance(names, str) else list(names)
    return [folder / n for n in names]


def row_availability(card: DatasetCard, data_dir: Path) -> Availability:
    data_dir = Path(data_dir)
    files = _local_test_files(card, data_dir)
    if files and all(f.exists() for f in files):
        return Availability(card.id, "available", str(files[0].parent), "test split in the data dir")
    pin = hub_data.read_pin(card, data_dir)
    if pin is not None:
        return Availability(card.id, "available", pin["folder"],
                            f"pinned download of {pin['repo']} at commit {pin['commit']}")
    access = card.access
    if card.sources.hf is not None:
        note = f" ({card.license.name})" if access is not None else ""
        return Availability(card.id, "downloadable", hub_data.repo_url(card),
                            f"run `unibench data download {card.id}` (Hub copy at "
                            f"{card.sources.hf.revision}){note}")
    if access is not None:
        found = _WHERE.search(access.how)
        where = found.group(1).rstrip(".") if found else access.where
        if not card.license.redistributable and _LICENCE_WORDS.search(access.how):
            return Availability(card.id, "licence", where, f"needs {card.license.name}; then put the files in "
                                                           f"{access.where}")
        return Availability(card.id, "manual", where, f"{access.how} Put the files in {access.where}.")
    folder = local_folder(card, data_dir)
    upstream = card.sources.local.upstream_repo if card.sources.local else None
    return Availability(card.id, "missing", f"<data-dir>/{folder.name}" if folder else "<data-dir>",
                        "the card's raw files are not in the data dir" +
                        (f" (published in {upstream})" if upstream else ""))


def coverage(cards: list[DatasetCard], data_dir: Path) -> tuple[list[DatasetCard], dict[str, Availability]]:
    """(the cards whose test split is available, {row: availability} of the others)."""
    ok, missing = [], {}
    for card in cards:
        a = row_availability(card, data_dir)
        if a.status == "available":
            ok.append(card)
        else:
            missing[card.id] = a
    return ok, missing


def _scrub(text: str, data_dir: Path | None) -> str:
    """The data dir is the user's own path: the coverage written beside results says `<data-dir>` instead."""
    return text.replace(str(data_dir), "<data-dir>") if data_dir is not None else text


def partial_coverage(benchmark: str | None, all_cards: list[DatasetCard], run_cards: list[DatasetCard],
                     missing: dict[str, Availability], data_dir: Path | None = None) -> dict:
    """What a `--skip-missing` run covers: rows run of rows asked, per domain, and why each other row is out."""
    from collections import Counter

    asked, ran = Counter(c.domain for c in all_cards), Counter(c.domain for c in run_cards)
    return {"benchmark": benchmark, "rows_run": len(run_cards), "rows_total": len(all_cards),
            "partial": len(run_cards) < len(all_cards),
            "domains": {d: {"rows_run": ran.get(d, 0), "rows_total": n} for d, n in asked.items()},
            "missing": {rid: {k: _scrub(v, data_dir) for k, v in a.to_dict().items()} for rid, a in missing.items()},
            "text": _coverage_text(len(run_cards), len(all_cards))}


def _coverage_text(run: int, total: int) -> str:
    return f"{run}/{total} rows" + ("; domain means over available rows" if run < total else "")


def drop_row(cov: dict, card: DatasetCard, reason: str, data_dir: Path | None = None) -> None:
    """A row that turned out not to be runnable after all (e.g. the gazetteer needs a train split that is not
    in the data dir): count it as missing, with the reason."""
    cov["missing"][card.id] = Availability(card.id, "missing", "", _scrub(reason, data_dir)).to_dict()
    cov["rows_run"] -= 1
    cov["domains"][card.domain]["rows_run"] -= 1
    cov["partial"] = True
    cov["text"] = _coverage_text(cov["rows_run"], cov["rows_total"])


def mark_partial(domains: dict[str, dict], overall: dict, cov: dict | None) -> None:
    """Mark domain and overall means that average fewer rows than the benchmark has (in place): such a mean is
    not the paper's number and must never be compared with it."""
    if not cov:
        return
    from .cards import DOMAINS

    for name, c in cov["domains"].items():  # a domain with no runnable row is shown as such, not left out
        if name not in domains and c["rows_run"] == 0:
            domains[name] = {"f1": None, "n_rows": 0, "rows": [], "ci95": None}
    ordered = {d: domains[d] for d in DOMAINS if d in domains}
    domains.clear()
    domains.update(ordered)
    for name, d in domains.items():
        total = cov["domains"].get(name, {}).get("rows_total", d["n_rows"])
        d["n_rows_expected"] = total
        d["partial"] = d["n_rows"] < total
    overall["n_rows_expected"] = cov["rows_total"]
    overall["partial"] = cov["partial"]
