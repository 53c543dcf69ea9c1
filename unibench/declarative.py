"""One loader for the named declarative YAML files: adapters (`adapters/*.yaml`), the teacher's
annotation prompts (`unibench/distill/prompts/*.yaml`) and training templates
(`unibench/train/templates/*.yaml`).

Each file is validated by its own pydantic schema (unknown keys forbidden there) and must be named
after its `name` field, so a file can be found by name and a copy cannot silently shadow another.
Errors are `CardError`s naming the file, the YAML line where the parser stopped, or the first field
that failed the schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import CardError

M = TypeVar("M", bound=BaseModel)


def load_named_yaml(path: Path | str, model: type[M], kind: str) -> M:
    path = Path(path)
    from .safe_read import read_text

    try:
        # libyaml's safe loader where PyYAML has it (as cards.py: the same documents, ~10x faster; every run reads
        # the adapters)
        raw = yaml.load(read_text(path, "meta"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (RecursionError, ValueError) as exc:
        raise CardError(f"unreadable YAML ({type(exc).__name__})", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CardError(f"invalid YAML: {getattr(exc, 'problem', exc)}", path=path,
                        line=mark.line + 1 if mark else None) from None
    try:
        spec = model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise CardError(f"invalid {kind} file: {loc + ': ' if loc else ''}{err['msg']}", path=path,
                        hint=f"see {model.__module__}.{model.__name__} for the schema") from None
    name = getattr(spec, "name", None)
    if name != path.stem:
        raise CardError(f"{kind} name {name!r} must equal the file name {path.stem!r}", path=path)
    return spec
