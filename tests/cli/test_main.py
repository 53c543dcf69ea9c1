"""Usage errors are a message and exit code 2, never a traceback (whichever click typer uses)."""

from __future__ import annotations

import pytest

from unibench.cli.main import main


@pytest.mark.parametrize("argv, says", [
    (["run", "--model", "gazetteer", "--datasets", "a", "b"], "unexpected extra argument"),
    (["data", "shw"], "No such command"),
    (["score"], "Missing option"),
])
def test_usage_errors_exit_2_with_a_message(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_version_exits_0(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("unibench ")


def test_each_command_name_leads_to_the_group_that_registers_it():
    """`unibench COMMAND` imports only COMMANDS[COMMAND]'s group: every command a group registers must be listed
    with that group (a missing name still works, by registering all groups, but pays for all of them)."""
    import importlib

    import typer

    from unibench.cli.main import COMMANDS, GROUPS

    seen = {}
    for group in GROUPS:
        app = typer.Typer()
        importlib.import_module(f"unibench.cli.{group}").register(app)
        names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
        names += [g.name or g.typer_instance.info.name for g in app.registered_groups]
        for name in names:
            seen[name] = group
    assert seen == COMMANDS
