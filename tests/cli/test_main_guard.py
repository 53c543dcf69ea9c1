"""`python -m unibench` runs the CLI only as the main module: vLLM's engine process (spawn) re-imports the
parent's main module as `__mp_main__`, and an unguarded `sys.exit(main())` there would run the CLI again."""

import runpy


def test_main_module_does_nothing_when_reimported(monkeypatch):
    import unibench.cli.main as cli

    called = []
    monkeypatch.setattr(cli, "main", lambda *a, **k: called.append(1) or 0)
    runpy.run_module("unibench.__main__", run_name="__mp_main__")
    assert called == []
    try:
        runpy.run_module("unibench.__main__", run_name="__main__")
    except SystemExit as e:
        assert e.code == 0
    assert called == [1]
