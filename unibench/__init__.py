"""unibench: the open benchmark and leaderboard harness for open named-entity recognition.

The package is organised as the pipeline it implements; see docs/ARCHITECTURE.md.
Importing it must stay cheap: no torch, no vllm, no datasets at import time.
"""

__version__ = "0.1.0"
