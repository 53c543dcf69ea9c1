"""Any OpenAI-compatible HTTP API (OpenAI, `vllm serve`, TGI, llama.cpp server...) through the `openai` SDK.

Text prompts go to /completions, chat messages to /chat/completions. Requests run with bounded
concurrency; transient failures (429, 5xx, timeouts, connection errors, bodies that are not a
valid completion) are retried with exponential backoff that honours `Retry-After`; client errors
(400/401/403/404) fail at once with the server's message. A request waiting for its retry does
not hold one of the `concurrency` slots: the slot sends the next request meanwhile, so one slow
retry never stalls the others (a server's Retry-After is waited out plus up to a fifth more, so
requests told the same wait do not come back in step). Several servers (`base_url` with
comma-separated URLs) form one backend: requests are spread round-robin and a retry moves to the
next server. The API key is read from the environment variable named by `api_key_env` and is
never logged, stamped, cached or written anywhere.

The server is not trusted. `Retry-After` (or `retry-after-ms`) is honoured only when it is a
finite, non-negative number of seconds (or an HTTP date), and never beyond 60 s (the openai SDK's
own cap): `100000` would otherwise sleep 28 hours, and `nan`, `inf` or `-1` used to crash the run.
Every request has a total time budget (`request_budget`, default 300 s, or the environment
variable UNIBENCH_REQUEST_BUDGET) covering all its attempts and waits; each attempt's timeout is
cut to what is left of it, and a watchdog also catches a server that trickles bytes forever.
When a request runs out of budget the run stops with an error naming the server, after every
output already finished has been handed to the response cache (`on_output`), so the same command
resumes from them. Server text in error messages is shown with control characters escaped.
"""

from __future__ import annotations

import email.utils
import heapq
import math
import os
import queue
import random
import re
import threading
import time
from typing import Optional, Sequence

from ..errors import UnibenchError
from ..printable import printable
from .base import GenRequest, OutputFn, ProgressFn

_FATAL = {400, 401, 403, 404, 422}
RETRY_AFTER_CAP = 60.0  # seconds; the openai SDK ignores longer server hints as well
DEFAULT_REQUEST_BUDGET = 300.0  # seconds for one request, all attempts and waits included
WATCHDOG_GRACE = 2.0  # seconds past the budget before an attempt that ignores its timeout is abandoned


def retry_after_seconds(headers) -> Optional[float]:
    """The wait a 429/503 response asks for, if it is a usable one: `retry-after-ms`, or
    `retry-after` as seconds or an HTTP date; None (use our own backoff) when it is missing,
    unparsable, negative, NaN or infinite; at most RETRY_AFTER_CAP."""
    if headers is None:
        return None
    value = None
    raw_ms = headers.get("retry-after-ms")
    raw = headers.get("retry-after")
    try:
        if raw_ms is not None:
            value = float(raw_ms) / 1000.0
        elif raw is not None:
            try:
                value = float(raw)
            except ValueError:
                when = email.utils.parsedate_to_datetime(raw)
                value = when.timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return min(value, RETRY_AFTER_CAP)


def _budget_from_env() -> float:
    raw = os.environ.get("UNIBENCH_REQUEST_BUDGET")
    if raw is None or not raw.strip():
        return DEFAULT_REQUEST_BUDGET
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise UnibenchError(f"UNIBENCH_REQUEST_BUDGET must be a positive number of seconds, not '{printable(raw)}'")
    return value


class _OutOfBudget(Exception):
    pass


class OpenAIBackend:
    name = "openai"
    streams_outputs = True  # finished outputs reach the response cache even when a later request fails

    def __init__(self, model: str, *, base_url: Optional[str] = None, api_key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 8, max_retries: int = 6, timeout: float = 60.0, backoff: float = 1.0,
                 request_budget: Optional[float] = None):
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
        self.timeout = timeout
        self.request_budget = float(request_budget) if request_budget is not None else _budget_from_env()
        self._rr = 0
        self._lock = threading.Lock()
        self.retries = 0
        self._usage: dict[int, tuple[int, int]] = {}  # id(request) -> the API's (prompt, completion) tokens

    def identity(self) -> dict[str, str]:
        return {"model_id": self.model, "revision": "api"}

    def versions(self) -> dict[str, str]:
        return {"openai": self._openai.__version__}

    def _call(self, client, req: GenRequest, timeout: float) -> str:
        stop = list(req.stop) or None
        if isinstance(req.prompt, str):
            resp = client.completions.create(model=self.model, prompt=req.prompt, max_tokens=req.max_new_tokens,
                                             temperature=req.temperature, stop=stop, timeout=timeout)
            text = resp.choices[0].text
        else:
            resp = client.chat.completions.create(model=self.model, messages=list(req.prompt),
                                                  max_tokens=req.max_new_tokens, temperature=req.temperature,
                                                  stop=stop, timeout=timeout)
            text = resp.choices[0].message.content
        if not isinstance(text, str):
            raise ValueError("response without text")
        usage = getattr(resp, "usage", None)
        if usage is not None and isinstance(getattr(usage, "prompt_tokens", None), int):
            self._usage[id(req)] = (usage.prompt_tokens, int(getattr(usage, "completion_tokens", None) or 0))
        return text

    usage_source = "api usage"

    def token_usage(self, requests, outputs) -> list:
        """The `usage` the API returned for each request (None where the server sent none)."""
        return [self._usage.pop(id(r), None) for r in requests]

    def _budget_error(self, url: str, attempts: int, last: Optional[BaseException]) -> UnibenchError:
        url = re.sub(r"//[^/@]*@", "//", url)  # never show credentials written into a URL
        why = f"; last error: {type(last).__name__}: {printable(str(last)[:200])}" if last is not None else ""
        return UnibenchError(f"a request to {printable(url)} got no answer within its time budget of "
                             f"{self.request_budget:g} s ({attempts} attempt(s){why}); the run stopped",
                             hint="every output finished before is in the response cache and the same command "
                                  "resumes from it; check the server, or allow more time per request with "
                                  "UNIBENCH_REQUEST_BUDGET=SECONDS")

    def _attempt(self, req: GenRequest, start: int, attempt: int, deadline: float,
                 last: Optional[BaseException]) -> tuple[Optional[str], float, Optional[BaseException]]:
        """One attempt: (text, 0, None) on success, (None, wait, error) when it should be retried after
        `wait` seconds; raises UnibenchError when the request must stop (refused, out of attempts or budget)."""
        index = (start + attempt) % len(self._clients)
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._budget_error(self.base_urls[index], attempt, last)
        wait: Optional[float] = None
        try:
            return self._call(self._clients[index], req, min(self.timeout, left)), 0.0, None
        except self._openai.APIStatusError as exc:
            if exc.status_code in _FATAL:
                raise UnibenchError(f"the API refused the request ({exc.status_code}): "
                                    f"{printable(str(exc)[:200])}") from None
            last, wait = exc, retry_after_seconds(getattr(exc.response, "headers", None))
        except Exception as exc:  # noqa: BLE001 - timeouts, connection errors, garbage bodies
            last = exc
        with self._lock:
            self.retries += 1
        if attempt >= self.max_retries:
            raise UnibenchError(f"the API failed after {self.max_retries + 1} attempts: {type(last).__name__}: "
                                f"{printable(str(last)[:200])}", hint="check --base-url and the server's logs")
        if wait is None:
            wait = self.backoff * (2 ** attempt) * (0.5 + random.random() / 2)
        else:  # the server's wait, and up to a fifth more: retries told the same wait do not return in step
            wait = min(wait * (1 + random.random() / 5), RETRY_AFTER_CAP)
        if time.monotonic() + wait >= deadline:
            raise self._budget_error(self.base_urls[index], attempt + 1, last)
        return None, wait, last

    def _one(self, req: GenRequest, start: int) -> str:
        """One request, all its attempts in this thread (waits included)."""
        deadline = time.monotonic() + self.request_budget
        last: Optional[BaseException] = None
        for attempt in range(self.max_retries + 1):
            text, wait, last = self._attempt(req, start, attempt, deadline, last)
            if text is not None:
                return text
            time.sleep(wait)
        raise AssertionError("unreachable: _attempt raises after the last attempt")

    def generate(self, requests: Sequence[GenRequest], progress: Optional[ProgressFn] = None,
                 on_output: Optional[OutputFn] = None) -> list[str]:
        """Up to `concurrency` requests in flight on daemon threads; outputs are reported as they finish.
        A failed attempt does not hold its slot while it waits to be retried: the retry is scheduled
        and the thread sends the next request (a retry whose time has come goes first), so one slow
        retry never stalls the others. On the first failure no new request starts, the ones in flight
        are waited for (each within its budget) and reported, then the error is raised. Daemon
        threads, not a pool: a worker stuck in a server that never answers must not keep the process
        from exiting with the error."""
        n = len(requests)
        self._usage.clear()  # counts live for one call: the caller reads them right after (usage.UsageMeter)
        with self._lock:
            base = self._rr
            self._rr += n
        out: list[Optional[str]] = [None] * n
        if not n:
            return []
        done: queue.Queue = queue.Queue()
        started: dict[int, float] = {}
        stop = threading.Event()
        lock = threading.Condition()
        retries: list[tuple[float, int, int, Optional[BaseException]]] = []  # heap: (due, i, attempt, last error)
        fresh = [0]  # next request never sent

        def take() -> Optional[tuple[int, int, Optional[BaseException]]]:
            with lock:
                while not stop.is_set():
                    now = time.monotonic()
                    if retries and retries[0][0] <= now:
                        _, i, attempt, last = heapq.heappop(retries)
                        return i, attempt, last
                    if fresh[0] < n:
                        i = fresh[0]
                        fresh[0] += 1
                        started[i] = now
                        return i, 0, None
                    if not retries:
                        return None
                    lock.wait(timeout=retries[0][0] - now)
                return None

        def worker() -> None:
            while True:
                job = take()
                if job is None:
                    return
                i, attempt, last = job
                try:
                    text, wait, last = self._attempt(requests[i], base + i, attempt, started[i] + self.request_budget,
                                                     last)
                except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
                    done.put((i, None, exc))
                    continue
                if text is not None:
                    done.put((i, text, None))
                    continue
                with lock:
                    heapq.heappush(retries, (time.monotonic() + wait, i, attempt + 1, last))
                    lock.notify()

        for _ in range(min(self.concurrency, n)):
            threading.Thread(target=worker, daemon=True, name="unibench-openai").start()
        error: Optional[BaseException] = None
        reported: set[int] = set()
        while True:
            with lock:  # after an error, a request waiting for its retry will not be sent again
                parked = {entry[1] for entry in retries} if error is not None else set()
                waiting = [i for i in started if i not in reported and i not in parked]
                finished = len(reported) == n
            if finished or (error is not None and not waiting):
                break
            try:
                i, text, exc = done.get(timeout=0.2)
            except queue.Empty:
                now = time.monotonic()
                overdue = [i for i in waiting if now - started[i] > self.request_budget + WATCHDOG_GRACE]
                if overdue:  # an attempt that ignores its timeout (bytes trickling in): give up on it
                    stop.set()
                    error = error or self._budget_error(self.base_urls[(base + overdue[0]) % len(self._clients)],
                                                        1, None)
                    break
                continue
            reported.add(i)
            if exc is not None:
                stop.set()
                with lock:
                    lock.notify_all()
                error = error or exc
                continue
            out[i] = text
            if on_output:
                on_output(i, text)
            if progress:
                progress(1)
        if error is not None:
            raise error
        return [o if o is not None else "" for o in out]
