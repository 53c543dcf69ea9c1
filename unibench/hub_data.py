"""Rows read from the Hugging Face Hub: download and pin a row's files, read the pinned copy, fail fast offline.

A card's `sources.hf.revision` is what the card was written against (a branch such as `main` or
`refs/convert/parquet`, or a commit id). A download resolves it to the commit id the Hub serves now,
fetches only the row's files (`data_files`) into the data dir and writes a pin next to the row:

    <data-dir>/_hub/<org>__<name>@<commit>/...      the files, as laid out in the repo (shared by rows)
    <data-dir>/<row id>/unibench_hub.json           repo, requested revision, commit, sha256 of every file

From then on the row is read from those files (no network), and result files stamp the commit. Without a
pin, the row is read from the Hub at the commit its revision resolves to; offline (`HF_HUB_OFFLINE=1` or
`HF_DATASETS_OFFLINE=1`, or the endpoint not reachable within a few seconds) that fails at once and says
how to get the files, instead of after `datasets`' retries.

huggingface_hub is imported lazily (only to download or to read from the Hub).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from .cards import DatasetCard
from .errors import DataFormatError, MissingDataError, UnibenchError
from .io import atomic_write_json, sha256_file

PIN_FILE = "unibench_hub.json"
HUB_DIR = "_hub"
DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT = 3.0  # seconds to open a TCP connection to the endpoint before calling it unreachable


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def offline_mode() -> bool:
    return any((os.environ.get(k) or "").upper() in ("1", "ON", "YES", "TRUE")
               for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"))


def unreachable_reason(timeout: float = PROBE_TIMEOUT) -> str | None:
    """None if a TCP connection to the endpoint opens within `timeout`, else why not."""
    if offline_mode():
        return "offline mode is on (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE)"
    url = urlsplit(endpoint())
    # behind a proxy the endpoint itself may have no direct route: then the proxy is what must answer
    from urllib.request import getproxies_environment, proxy_bypass_environment

    proxies = getproxies_environment()
    proxy = None if proxy_bypass_environment(url.hostname or "") else (proxies.get(url.scheme) or proxies.get("all"))
    target = urlsplit(proxy if "://" in (proxy or "") else f"http://{proxy}") if proxy else url
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        with socket.create_connection((target.hostname, port), timeout=timeout):
            return None
    except OSError as exc:
        via = f" (via the proxy {target.hostname}:{port})" if proxy else ""
        return f"{endpoint()} is not reachable{via} ({type(exc).__name__}: {exc})"


def repo_url(card: DatasetCard) -> str:
    return f"{endpoint()}/datasets/{card.sources.hf.repo}"


def how_to_get(card: DatasetCard) -> str:
    text = (f"on a machine with network access run `unibench data download {card.id}` (it fetches "
            f"{card.sources.hf.repo} from {repo_url(card)} into the data dir and pins the commit), then use or copy "
            f"that data dir (<data-dir>/{card.id}/ and <data-dir>/{HUB_DIR}/)")
    if card.sources.local is not None:
        text += f"; or place the raw files under <data-dir>/{card.sources.local.layout_dir or card.id}/"
        if card.access is not None:
            text += f" ({card.access.how} Put the files in {card.access.where}.)"
    return text + "; the data dir is --data-dir or $UNIBENCH_DATA"


def pin_path(card: DatasetCard, data_dir: Path) -> Path:
    return Path(data_dir) / card.id / PIN_FILE


def snapshot_dir(data_dir: Path, repo: str, commit: str) -> Path:
    return Path(data_dir) / HUB_DIR / f"{repo.replace('/', '__')}@{commit}"


def read_pin(card: DatasetCard, data_dir: Path | None) -> dict | None:
    """The row's pin, if it was downloaded into this data dir for the card's repo; its files must be there."""
    if data_dir is None or card.sources.hf is None:
        return None
    path = pin_path(card, data_dir)
    if not path.is_file():
        return None
    try:
        pin = json.loads(path.read_text(encoding="utf-8"))
        repo, commit, files = pin["repo"], pin["commit"], pin["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataFormatError(f"not a unibench download pin ({exc})", path=path,
                              hint=f"delete it and run `unibench data download {card.id}` again") from None
    if repo != card.sources.hf.repo:
        raise DataFormatError(f"pinned repo {repo!r} is not the card's {card.sources.hf.repo!r}", path=path,
                              hint=f"run `unibench data download {card.id}` again")
    card_rev = card.sources.hf.revision
    if card.sources.hf.revision_verified and len(card_rev) == 40 and card_rev != commit:
        raise MissingDataError(f"the download of {card.id!r} in the data dir is at commit {commit}, but the card pins "
                               f"{card_rev}", path=path, hint=f"run `unibench data download {card.id}` again")
    folder = snapshot_dir(data_dir, repo, commit)
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise MissingDataError(f"the pinned download of {card.id!r} lacks {folder / missing[0]}", path=path,
                               hint=f"run `unibench data download {card.id} --revision {commit}` again")
    return pin | {"folder": str(folder)}


def require_online(card: DatasetCard, split: str) -> None:
    """Raise at once (no retries) if the Hub cannot be reached and the row has no pinned download."""
    reason = unreachable_reason()
    if reason:
        raise MissingDataError(f"no {split} data for {card.id!r}: it is read from the Hugging Face Hub "
                               f"({card.sources.hf.repo}) and {reason}", hint=how_to_get(card))


def _api():
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint())


def resolve_commit(card: DatasetCard, revision: str | None = None) -> str:
    """The commit id that `revision` (default: the card's) names on the Hub now."""
    src = card.sources.hf
    rev = revision or src.revision
    try:
        return _api().dataset_info(src.repo, revision=rev, timeout=30).sha
    except Exception as exc:  # noqa: BLE001 - huggingface_hub raises many types; all mean "cannot resolve"
        raise MissingDataError(f"cannot resolve revision {rev!r} of {src.repo} for {card.id!r}: "
                               f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}",
                               hint=f"check the repo and revision at {repo_url(card)} (HF_ENDPOINT={endpoint()})") \
            from None


def patterns(card: DatasetCard) -> list[str] | None:
    """The files a row needs (its card's data_files, plus the README that may declare configs); None = all."""
    src = card.sources.hf
    if not src.data_files:
        return None
    return sorted(set(src.data_files.values())) + ["README.md"]


def download(card: DatasetCard, data_dir: Path, revision: str | None = None) -> dict:
    """Fetch the row's files at the commit `revision` (default: the card's) resolves to; write and return the pin."""
    if card.sources.hf is None:
        raise UnibenchError(f"{card.id!r} has no Hugging Face source; nothing to download",
                            hint=(f"{card.access.how} Put the files in {card.access.where}." if card.access else
                                  f"place the raw files under <data-dir>/{card.id}/"))
    reason = unreachable_reason()
    if reason:
        raise MissingDataError(f"cannot download {card.id!r}: {reason}",
                               hint="run `unibench data download` on a machine with network access")
    src = card.sources.hf
    commit = resolve_commit(card, revision)
    folder = snapshot_dir(data_dir, src.repo, commit)
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(src.repo, repo_type="dataset", revision=commit, local_dir=str(folder),
                          allow_patterns=patterns(card), endpoint=endpoint())
    except Exception as exc:  # noqa: BLE001
        raise MissingDataError(f"download of {src.repo}@{commit} for {card.id!r} failed: {type(exc).__name__}: "
                               f"{str(exc)[:300]}", hint=f"see {repo_url(card)}") from None
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if p.is_file() and ".cache" not in p.relative_to(folder).parts)
    if not files:
        raise MissingDataError(f"{src.repo}@{commit} has none of the files the card of {card.id!r} names "
                               f"({', '.join(patterns(card) or ['*'])})",
                               hint=f"fix sources.hf.data_files in dataset_cards/{card.id}.yaml")
    if src.data_files:
        import fnmatch

        for split, pattern in src.data_files.items():
            if not any(fnmatch.fnmatch(f, pattern) for f in files):
                raise MissingDataError(f"{src.repo}@{commit} has no file matching {pattern!r} (split {split}) "
                                       f"for {card.id!r}", hint=f"fix sources.hf.data_files in dataset_cards/"
                                                                f"{card.id}.yaml, or pick another --revision")
    pin = {"row": card.id, "repo": src.repo, "requested_revision": revision or src.revision, "commit": commit,
           "card_revision": src.revision, "endpoint": endpoint(),
           "downloaded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "files": {f: sha256_file(folder / f) for f in files}}
    atomic_write_json(pin_path(card, data_dir), pin)
    return pin


def pin_card(card: DatasetCard, pin: dict, cards_dir: Path | None = None) -> Path:
    """Write the pinned commit into the card's `sources.hf.revision` (and `revision_verified: true`), editing only
    those lines, so that runs read exactly that commit and `validate` accepts only it. For maintainers, in a
    source checkout; the branch it came from is kept as a comment."""
    import re

    from .cards import parse_card
    from .resources import resource_dir

    path = Path(cards_dir or resource_dir("dataset_cards")) / f"{card.id}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    try:
        start = lines.index("  hf:\n")
    except ValueError:
        raise UnibenchError(f"no `  hf:` block in {path}", path=path) from None
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ") and lines[i].strip()),
               len(lines))
    block = lines[start + 1:end]
    rev = next((i for i, x in enumerate(block) if re.match(r"    revision:", x)), None)
    if rev is None:
        raise UnibenchError(f"no sources.hf.revision line in {path}", path=path)
    note = f"  # {pin['requested_revision']}, pinned {pin['downloaded'][:10]}" \
        if pin["requested_revision"] != pin["commit"] else ""
    block[rev] = f"    revision: {pin['commit']}{note}\n"
    verified = next((i for i, x in enumerate(block) if re.match(r"    revision_verified:", x)), None)
    if verified is None:
        block.insert(rev + 1, "    revision_verified: true\n")
    else:
        block[verified] = "    revision_verified: true\n"
    text = "".join(lines[:start + 1] + block + lines[end:])
    from .io import atomic_write_text

    atomic_write_text(path, text)
    parse_card(path)  # still a valid card
    return path
