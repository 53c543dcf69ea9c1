"""The tiny-model fixtures of tests/backends/conftest.py, shared with the end-to-end run tests here.

Re-exported, not copied or moved: the same fixture functions with the same behaviour (their
session-scoped folders are built once per directory that uses them). Only when torch and
transformers are installed, like the backends' own tests.
"""

import importlib.util

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.backends.conftest import (  # noqa: F401 - pytest finds fixtures by name
        _one_torch_thread, rigged_bert_dir, smollm2_gguf, tiny_llama_dir, tiny_t5_dir)
