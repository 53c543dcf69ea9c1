"""Any OpenAI-compatible HTTP API (OpenAI, `vllm serve`, TGI, llama.cpp server...) through the `openai` SDK.

Text prompts go to /completions, chat messages to /chat/completions. Requests run with bounded
concurrency; transient failures (429, 5xx, timeouts, connection errors, bodies that are not a
valid completion) are retried with exponential backoff that honours `Retry-After`; client errors
(400/401/403/404) fail at once with the server's message. Several servers (`base_url` with
comma-separated URLs) form one backend: requests are spread round-robin and a retry moves to the
next server. The API key is read from the environment variable named by `api_key_env` and is
never logged, stamped, cached or written anywhere.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

from ..errors import UnibenchError
from .base import GenRequest, ProgressFn

_FATAL = {400, 401, 403, 404, 422}


class OpenAIBackend:
    name = "openai"

    def __init__(self, model: str, *, base_url: Optional[str] = None, api_key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 8, max_retries: int = 6, timeout: float = 60.0, backoff: float = 1.0):
        try:
            import openai
        except ImportError:
            raise UnibenchError("the openai backend needs the `openai` package",
                                hint="pip install 'unibench[openai]'") from None
        self._openai = openai
        self.model = model
        urls = [u.strip() for u in (base_url or "").split(",") if u.strip()] or [None]
        key = os.environ.get(api_key_env) or ("EMPTY" if base_url else None)
        from ..privacy import register_secret

        register_secret(key)  # a server may echo it in an error message: every UnibenchError masks it
        if key is None:
            raise UnibenchError(f"no API key: set ${api_key_env}", hint="the key is read from the environment only")
        self._clients = [openai.OpenAI(base_url=u, api_key=key, max_retries=0, timeout=timeout) for u in urls]
        self.base_urls = [u or "https://api.openai.com/v1" for u in urls]
        self.concurrency = max(1, concurrency)
        self.max_retries = max_retries
        self.backoff = backoff
        self._rr = 0
        self._lock = threading.Lock()
        self.retries = 0

    def identity(self) -> dict[str, str]:
        return {"model_id": self.model, "revision": "api"}

    def versions(self) -> dict[str, str]:
        return {"openai": self._openai.__version__}

    def _call(self, client, req: GenRequest) -> str:
        stop = list(req.stop) or None
        if isinstance(req.prompt, str):
            resp = client.completions.create(model=self.model, prompt=req.prompt, max_tokens=req.max_new_tokens,
                                             temperature=req.temperature, stop=stop)
            text = resp.choices[0].text
        else:
            resp = client.chat.completions.create(model=self.model, messages=list(req.prompt),
                                                  max_tokens=req.max_new_tokens, temperature=req.temperature,
                                                  stop=stop)
            text = resp.choices[0].message.content
        if not isinstance(text, str):
            raise ValueError("response without text")
        return text

    def _retry_after(self, exc) -> Optional[float]:
        response = getattr(exc, "response", None)
        value = response.headers.get("retry-after") if response is not None else None
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def _one(self, req: GenRequest, start: int) -> str:
        last: Optional[BaseException] = None
        for attempt in range(self.max_retries + 1):
            client = self._clients[(start + attempt) % len(self._clients)]
            try:
                return self._call(client, req)
            except self._openai.APIStatusError as exc:
                if exc.status_code in _FATAL:
                    raise UnibenchError(f"the API refused the request ({exc.status_code}): {str(exc)[:200]}") from None
                last, wait = exc, self._retry_after(exc)
            except Exception as exc:  # noqa: BLE001 - timeouts, connection errors, garbage bodies
                last, wait = exc, None
            with self._lock:
                self.retries += 1
            if attempt < self.max_retries:
                time.sleep(wait if wait is not None else self.backoff * (2 ** attempt) * (0.5 + random.random() / 2))
        raise UnibenchError(f"the API failed after {self.max_retries + 1} attempts: {type(last).__name__}: "
                            f"{str(last)[:200]}", hint="check --base-url and the server's logs")

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None) -> list[str]:
        with self._lock:
            base = self._rr
            self._rr += len(requests)

        def work(i: int) -> str:
            out = self._one(requests[i], base + i)
            if progress:
                progress(1)
            return out

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(work, range(len(requests))))
