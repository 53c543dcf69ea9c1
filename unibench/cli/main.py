"""Entry point of the `unibench` command.

Each command group lives in its own module exposing `register(app)`; modules import only
light things at top level (heavy backends are imported inside the commands that use them), so
`unibench --help` never imports torch or vllm. Errors a user can fix (`UnibenchError`) become a
short message and exit code 2; Ctrl-C exits 130 without a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from .. import __version__
from ..errors import UnibenchError

GROUPS = ("data", "score", "run", "leaderboard", "validate", "submit", "distill", "train", "familiarity",
          "rescore")

app = typer.Typer(
    name="unibench",
    help="Open benchmark and leaderboard harness for open NER (UniversalNER's 49 rows, 9 domains).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool):
    if value:
        typer.echo(f"unibench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")):
    """unibench: evaluate NER models the way UniversalNER did, and publish comparable numbers."""


# the command names each group module registers; `unibench COMMAND ...` imports and registers only its group
# (a cached re-run's process pays for one group, not ten), everything else (`--help`, no command) all of them
COMMANDS = {"data": "data", "score": "score", "run": "run", "leaderboard": "leaderboard", "validate": "validate",
            "submit": "submit", "distill": "distill", "train": "train", "train-tagger": "train",
            "familiarity": "familiarity", "rescore": "rescore"}
_registered: set[str] = set()


def register_groups(names=GROUPS) -> None:
    for name in names:
        if name in _registered:
            continue
        _registered.add(name)
        try:
            mod = importlib.import_module(f"unibench.cli.{name}")
        except ModuleNotFoundError as exc:  # a group not built yet, or an optional part missing
            if exc.name != f"unibench.cli.{name}":
                raise
            continue
        mod.register(app)


def _groups_for(argv: list[str]) -> tuple[str, ...]:
    """Only the named command's group when the first argument is a known command; else all (help, errors)."""
    first = argv[0] if argv else None
    return (COMMANDS[first],) if first in COMMANDS else GROUPS


def _click_classes(name: str) -> tuple[type, ...]:
    """click's exception class `name` wherever this typer defines it: recent typer vendors click
    (`typer._click`, with Exit/Abort in `typer.exceptions`), older typer uses the click package."""
    found = []
    for module in ("typer.exceptions", "typer._click.exceptions", "click.exceptions"):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)


def main(argv: list[str] | None = None) -> int:
    register_groups(_groups_for(sys.argv[1:] if argv is None else list(argv)))
    try:
        rc = app(args=argv, standalone_mode=False)
        if isinstance(rc, int) and rc:
            return rc
    except UnibenchError as exc:
        from rich.console import Console
        from rich.markup import escape

        from ..printable import error_text

        # the message is user data (paths, JSON snippets such as `list[str]`): never rich markup, and
        # its control characters are escaped (a file or a server may have put ESC sequences in it)
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/] {escape(error_text(exc))}",
                                                                    markup=True)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # typer.Exit inside commands
        return int(exc.code or 0)
    except Exception as exc:  # usage errors come as click exceptions
        if isinstance(exc, _click_classes("Exit")):
            return exc.exit_code
        if isinstance(exc, _click_classes("ClickException")):
            exc.show()
            return exc.exit_code
        if isinstance(exc, _click_classes("Abort")):
            print("aborted", file=sys.stderr)
            return 130
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
