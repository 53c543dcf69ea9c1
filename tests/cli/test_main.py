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
