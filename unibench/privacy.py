"""Nothing private leaves the machine: scrubbing what is stamped, masking what is printed, finding what slipped.

Result files are published (the leaderboard, `submit` to a shared Hub repo), so what they stamp must not
reveal the machine they were made on or a credential:

- `scrub_url`: a URL without user info, password, query string or fragment (`http://u:pw@h/v1?k=x` ->
  `http://h/v1`); `--base-url` is stamped this way.
- `scrub_path`: an absolute (or `~`) path -> its last component, the folder name (a local checkpoint is
  identified by that name plus its weights hash, never by where it lives).
- `scrub_command`: the stamped command line, each argument scrubbed as a URL or a path (also inside
  `--opt=VALUE` and `hf:PATH`), and known secrets masked.
- `mask_secrets`: the one masking helper for every message shown to a user: the values of secret
  environment variables (OPENAI_API_KEY, HF_TOKEN, any *_API_KEY / *_TOKEN / *_SECRET / *_PASSWORD),
  secrets registered at run time (`register_secret`, e.g. a password in --base-url), passwords in URLs,
  `Bearer` / `Basic` credentials and the usual key shapes (`sk-...`, `hf_...`) become `***`.
- `find_private`: every string of a JSON document that holds an absolute path of a user's machine or a
  URL with credentials (what `validate` rejects).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
SECRET_ENV = ("OPENAI_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_HUB_TOKEN")
_SECRET_ENV_SUFFIX = re.compile(r"(_API_KEY|_TOKEN|_SECRET|_PASSWORD)$")
_MIN_SECRET = 6  # shorter values ("EMPTY"-like placeholders aside) would mask ordinary words
_registered: set[str] = set()

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_URL_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)([^/\s@'\"<>]+)@")
_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,})")
_BEARER = re.compile(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}")
_CRED_QUERY = re.compile(r"(?i)[?&;](api[_-]?key|key|token|access_token|auth|sig|signature|password|pass|secret)=")
# absolute paths of a user's machine; the character before must not be part of a word, a URL or a path
_ABS_PATH = re.compile(r"(?:^|(?<=[\s=:'\"(,\[]))(?:/(?:home|root|Users|tmp|var/folders|private/var|mnt|media|"
                       r"scratch|work)/|~/)|(?<![A-Za-z0-9])[A-Za-z]:[\\/]")
_ANY_ABS = re.compile(r"^(?:/|~|[A-Za-z]:\\)")


def register_secret(value: str | None) -> None:
    """A secret learned at run time (a password in --base-url, a key from a custom env var) to mask from now on."""
    if value and len(value) >= _MIN_SECRET:
        _registered.add(value)


def _env_secrets() -> set[str]:
    out = set()
    for name, value in os.environ.items():
        if (name in SECRET_ENV or _SECRET_ENV_SUFFIX.search(name)) and value and len(value) >= _MIN_SECRET:
            out.add(value)
    return out


def known_secrets() -> list[str]:
    """The secrets to mask now, longest first (so a secret inside another goes too)."""
    return sorted(_registered | _env_secrets(), key=len, reverse=True)


def mask_secrets(text: str, secrets: list[str] | None = None) -> str:
    """`text` with every known secret replaced by *** (`secrets`: `known_secrets()` when the caller masks many
    strings at once; reading the environment per string was most of a leaderboard build)."""
    if not text:
        return text
    for secret in known_secrets() if secrets is None else secrets:
        text = text.replace(secret, MASK)
    text = _URL_USERINFO.sub(lambda m: m.group(1) + _mask_userinfo(m.group(2)) + "@", text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _KEY_SHAPES.sub(MASK, text)


def _mask_userinfo(info: str) -> str:
    user, sep, _ = info.partition(":")
    return f"{user}:{MASK}" if sep else MASK


def scrub_url(url: str) -> str:
    """A URL as it may be published: scheme, host, port and path only (comma-separated lists: each URL)."""
    if "," in url and "://" in url:
        return ",".join(scrub_url(u.strip()) for u in url.split(","))
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return url
    for secret in (parts.password, parts.username if parts.password is None else None):
        register_secret(secret)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def scrub_path(path: str) -> str:
    """An absolute or home-relative path -> its last component; a relative path is left as it is."""
    if not _ANY_ABS.match(path):
        return path
    win = bool(re.match(r"^[A-Za-z]:\\", path))
    name = (PureWindowsPath(path) if win else PurePosixPath(path.rstrip("/"))).name
    return name or "."


def scrub_value(value: str) -> str:
    """One command-line value: URLs (anywhere in it) scrubbed, an absolute path cut to its name."""
    if "://" in value:
        return _URL.sub(lambda m: scrub_url(m.group(0)), value)
    head, sep, rest = value.partition(":")
    if sep and head in ("hf", "vllm") and rest:  # a model reference: hf:/abs/path[@rev]
        return f"{head}:{scrub_path(rest)}"
    key, eq, rest = value.partition("=")
    if eq and key and not _ANY_ABS.match(key):  # KEY=VALUE, e.g. --vllm-arg download_dir=/home/me/models
        return f"{key}={scrub_value(rest)}"
    return scrub_path(value)


def scrub_command(argv: Iterable[str], prog: str = "unibench") -> str:
    """The command line as stamped into result files: every argument scrubbed, secrets masked."""
    out = []
    for arg in argv:
        opt, eq, value = arg.partition("=")
        if arg.startswith("--") and eq:
            out.append(f"{opt}={scrub_value(value)}")
        else:
            out.append(scrub_value(arg))
    return mask_secrets(" ".join([prog, *(shlex.quote(a) for a in out)]))


def scrub_command_line(command: str | None) -> str | None:
    """A command line already joined (as RunConfig.command holds it), scrubbed like scrub_command."""
    if not command:
        return command
    try:
        parts = shlex.split(command)
    except ValueError:  # unbalanced quotes: scrub word by word
        parts = command.split()
    return scrub_command(parts[1:], parts[0]) if parts else command


def _strings(obj: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(obj, str):
        yield where, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(str(k), f"{where}.{k}(key)" if where else f"{k}(key)")
            yield from _strings(v, f"{where}.{k}" if where else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings(v, f"{where}[{i}]")


def private_reason(text: str, secrets: list[str] | None = None) -> str | None:
    """Why this string must not be published (an absolute path, a URL with credentials), or None."""
    for m in _URL.finditer(text):
        url = m.group(0)
        if _URL_USERINFO.match(url):
            return "a URL with user info or a password"
        if _CRED_QUERY.search(url):
            return "a URL with a credential in its query string"
        if url.lower().startswith("file://") and _ABS_PATH.search(" " + urlsplit(url).path):
            return "an absolute path of the machine it was made on (a file:// URL)"
    if _ABS_PATH.search(_URL.sub(" ", text)):
        return "an absolute path of the machine it was made on"
    if mask_secrets(text, secrets) != text:
        return "a secret (an API key or token)"
    return None


def find_private(obj: Any) -> list[str]:
    """'FIELD: why' for every string of a JSON document that must not be published."""
    out = []
    for where, text in _strings(obj):
        reason = private_reason(text)
        if reason:
            shown = re.sub(r"([?&;][^=&#\s]+=)[^&#\s'\"]*", r"\1" + MASK, mask_secrets(text))
            out.append(f"{where}: {reason} ({shown[:100]!r})")
    return out


_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


_PATH_ROOT = re.compile(r"/(?:home|root|Users|tmp|var/folders|private/var|mnt|media|scratch|work)/")
_PATH_LEFT = frozenset(" \t\n\r\f\v=:'\"(,[")  # _ABS_PATH's left edges, a string's start being a quote here
_MAYBE_PRIVATE = re.compile(r"[/\\]|sk-|hf_|(?i:bearer|basic)")  # what any check needs in a string


def _could_hold_private(text: str, secrets: list[str]) -> bool:
    """False only when no string of this JSON text can be private: each check needs something that, in a text
    without backslashes (so every string is there verbatim, after a quote), shows as a plain substring: "://"
    for URLs, a path root after one of the path pattern's left edges, "~/" or ":/", a key prefix, Bearer/Basic,
    a known secret. Plain `in` and one literal-led pattern, over the text without its bootstrap replicates
    when they hold no quote (so no string: numbers only): a result file is scanned in microseconds."""
    i = text.find('"f1_replicates": [')
    j = text.find("]", i) if i >= 0 else -1
    if j > 0 and text.find('"', i + 17, j) < 0:
        text = text[:i + 17] + text[j:]
    if "\\" in text or "://" in text or "~/" in text or ":/" in text or "sk-" in text or "hf_" in text:
        return True
    low = text.lower()
    if "bearer" in low or "basic" in low or any(x in text for x in secrets):
        return True
    return any(m.start() == 0 or text[m.start() - 1] in _PATH_LEFT for m in _PATH_ROOT.finditer(text))


def find_private_in_json_text(text: str, secrets: list[str] | None = None) -> list[str]:
    """`find_private` of a JSON document given as text, fast for the common case. First one look at the whole
    text (`_could_hold_private`); then every JSON string literal (keys included) is found with one
    regular-expression scan and only a string holding a character or word one of the checks needs is
    checked; only when one is private is the document parsed and walked, so the report names the field.
    Result files are mostly numbers (1,000 bootstrap replicates each), which a walk of the parsed value would
    visit one by one. `secrets`: `known_secrets()` when the caller scans many documents (a leaderboard: reading
    the environment once per string was 327 of a 500-model build's 377 profiled seconds)."""
    secrets = known_secrets() if secrets is None else secrets
    if not _could_hold_private(text, secrets):
        return []
    for m in _JSON_STRING.finditer(text):
        s = m.group(1)
        if not _MAYBE_PRIVATE.search(s) and not (secrets and any(x in s for x in secrets)):
            continue
        if "\\" in s:  # escapes (\/, \u002f...) must not hide a path or a credential
            try:
                s = json.loads(f'"{s}"')
            except ValueError:
                pass
        if private_reason(s, secrets):
            return find_private(json.loads(text))
    return []
