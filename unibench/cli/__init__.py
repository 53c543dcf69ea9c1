"""The `unibench` command line: one small module per command group (see main.py)."""
