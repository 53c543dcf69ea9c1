"""unibench: the open benchmark and leaderboard harness for open named-entity recognition.

The package is organised as the pipeline it implements; see docs/ARCHITECTURE.md.
Importing it must stay cheap: no torch, no vllm, no datasets at import time. The Python API
(`evaluate`, `score`, `load_results`, `Results`; docs/python.md) is imported on first use.
"""

__version__ = "0.1.0"

_API = ("evaluate", "score", "load_results", "Results")
__all__ = ["__version__", *_API]


def __getattr__(name):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'unibench' has no attribute {name!r}")
