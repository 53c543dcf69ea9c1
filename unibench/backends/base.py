"""The backend interface shared by every text-generation backend.

A backend receives `GenRequest`s and returns one raw output string per request, in the same
order. `prefix` is a hint: all requests with the same non-empty prefix start with that exact
string (for UniNER: the system line and the passage turn), so a backend may compute the prefix
once and reuse it (KV cache, vLLM prefix caching). Results must not depend on whether it does.
For a chat-message prompt `prefix` only groups requests whose leading turns are equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, Sequence, Union

ChatMessages = tuple  # tuple of {"role": str, "content": str} dicts, for chat APIs


@dataclass(frozen=True)
class GenRequest:
    prompt: Union[str, ChatMessages]
    prefix: str = ""
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        if self.prefix and isinstance(self.prompt, str) and not self.prompt.startswith(self.prefix):
            raise ValueError("GenRequest.prefix must be a prefix of the prompt")


ProgressFn = Callable[[int], None]  # called with the number of requests just finished
# Called once per request as soon as its output is final, with the request's index in the list given
# to `generate`. A backend that accepts `on_output=` (see `streams_outputs`) lets the response cache
# commit outputs as they finish while the backend keeps ALL requests in flight; without it the cache
# has to cut the work into chunks, and every chunk boundary drains a continuous batch.
OutputFn = Callable[[int, str], None]


def streams_outputs(backend) -> bool:
    """True when `backend.generate` takes `on_output=` (declared with `streams_outputs = True`)."""
    return bool(getattr(backend, "streams_outputs", False))


class TextBackend(Protocol):
    name: str

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None) -> list[str]:
        ...

    def versions(self) -> dict[str, str]:
        """Library versions that can change outputs (transformers, torch, vllm, openai...)."""
        ...

    def identity(self) -> dict[str, str]:
        """Model id and revision (or weights hash) for cache keys and result stamps."""
        ...
