"""Backends: turn a list of generation requests into raw outputs, in order. Nothing else.

Parsing never happens in a backend (adapters parse); caching wraps any backend from outside.
Heavy libraries (torch, transformers, vllm, openai) are imported only inside the backend
module that needs them, and backend modules are imported lazily by name.
"""
