"""TEST-ONLY stand-in for the `vllm` package (vLLM needs a CUDA GPU; this machine has none).

It implements exactly the documented interface unibench's vLLM backend uses, with vLLM's
signatures (docs.vllm.ai, vllm/entrypoints/llm.py, vllm/sampling_params.py, vllm/outputs.py):

- `LLM(model, *, tokenizer=None, trust_remote_code=False, tensor_parallel_size=1, dtype="auto",
  quantization=None, revision=None, tokenizer_revision=None, seed=None, gpu_memory_utilization=0.9,
  swap_space=4, cpu_offload_gb=0, enforce_eager=False, **kwargs)`, where kwargs are EngineArgs
  (unknown ones raise TypeError, as `EngineArgs(**kwargs)` does; `data_parallel_size > 1` raises
  ValueError, as current vLLM does for single-process use);
- `LLM.generate(prompts, sampling_params=None, *, use_tqdm=True, lora_request=None)` and
  `LLM.chat(messages, sampling_params=None, use_tqdm=True, ..., add_generation_prompt=True)`,
  returning one `RequestOutput` per prompt, in prompt order; a list of SamplingParams pairs one
  with each prompt;
- `SamplingParams(*, n=1, temperature=1.0, top_p=1.0, top_k=0, seed=None, stop=None, max_tokens=16,
  skip_special_tokens=True)` (keyword-only);
- `RequestOutput(request_id, prompt, prompt_token_ids, prompt_logprobs, outputs, finished)` with
  `outputs[0].text` a `CompletionOutput`;
- `LLM.get_tokenizer()`: here a whitespace tokenizer with the transformers calls unibench uses
  (`tokenizer(texts, add_special_tokens=...)["input_ids"]`, `chat_template`, `apply_chat_template`).

"Generation" answers like unibench's DummyBackend (so a run through this stand-in must score
exactly like `--model dummy`), then applies `stop` (stop string excluded, as vLLM does) and
`max_tokens` (whitespace words). Every call is recorded in CALLS and, when $VLLM_STANDIN_LOG is
set, appended to that JSONL file (data-parallel workers are other processes).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Optional

__version__ = "0.0.0+unibench-test-standin"

CALLS: list[tuple[str, Any]] = []

_ENGINE_ARGS = {"enable_prefix_caching", "max_model_len", "max_num_seqs", "max_num_batched_tokens",
                "data_parallel_size", "pipeline_parallel_size", "disable_log_stats", "kv_cache_dtype",
                "enable_chunked_prefill", "block_size", "download_dir", "load_format"}


def _record(kind: str, payload: dict) -> None:
    CALLS.append((kind, payload))
    log = os.environ.get("VLLM_STANDIN_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": kind, "pid": os.getpid(),
                                 "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"), **payload}) + "\n")


class SamplingParams:
    def __init__(self, *, n: int = 1, temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0,
                 seed: Optional[int] = None, stop: Optional[list[str] | str] = None, max_tokens: Optional[int] = 16,
                 skip_special_tokens: bool = True):
        self.n, self.temperature, self.top_p, self.top_k, self.seed = n, temperature, top_p, top_k, seed
        self.stop = [stop] if isinstance(stop, str) else list(stop or [])
        self.max_tokens, self.skip_special_tokens = max_tokens, skip_special_tokens

    def as_dict(self) -> dict:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "stop": self.stop, "n": self.n}


@dataclass
class CompletionOutput:
    index: int
    text: str
    token_ids: list[int] = field(default_factory=list)
    cumulative_logprob: Optional[float] = None
    logprobs: Any = None
    finish_reason: Optional[str] = "stop"


@dataclass
class RequestOutput:
    request_id: str
    prompt: Optional[str]
    prompt_token_ids: Optional[list[int]]
    prompt_logprobs: Any
    outputs: list[CompletionOutput]
    finished: bool


class _WhitespaceTokenizer:
    """One token per whitespace-separated word, plus a begin token unless add_special_tokens=False."""
    chat_template = "{{ messages }}"

    def __call__(self, texts, add_special_tokens: bool = True):
        return {"input_ids": [[0] * add_special_tokens + [1] * len(t.split()) for t in texts]}

    def apply_chat_template(self, messages, tokenize: bool = False, add_generation_prompt: bool = True):
        return "\n".join(m["content"] for m in messages) + ("\nassistant:" if add_generation_prompt else "")


class LLM:
    def get_tokenizer(self):
        return _WhitespaceTokenizer()

    def __init__(self, model: str, *, tokenizer: Optional[str] = None, trust_remote_code: bool = False,
                 tensor_parallel_size: int = 1, dtype: str = "auto", quantization: Optional[str] = None,
                 revision: Optional[str] = None, tokenizer_revision: Optional[str] = None, seed: Optional[int] = None,
                 gpu_memory_utilization: float = 0.9, swap_space: float = 4, cpu_offload_gb: float = 0,
                 enforce_eager: bool = False, **kwargs):
        unknown = set(kwargs) - _ENGINE_ARGS
        if unknown:
            raise TypeError(f"EngineArgs.__init__() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        if int(kwargs.get("data_parallel_size", 1)) > 1:
            raise ValueError("LLM(data_parallel_size=...) is not supported for single-process usage")
        self.kwargs = {"model": model, "tensor_parallel_size": tensor_parallel_size, "dtype": dtype,
                       "revision": revision, "gpu_memory_utilization": gpu_memory_utilization, **kwargs}
        self._counter = 0
        _record("init", {"kwargs": self.kwargs})

    def _complete(self, text: str, sp: SamplingParams) -> RequestOutput:
        from unibench.backends.dummy import DummyBackend

        out = DummyBackend().answer(text)  # then "EOS", which skip_special_tokens leaves out of the text
        cut = min((i for i in (out.find(s) for s in sp.stop if s) if i >= 0), default=-1)
        if cut >= 0:
            out = out[:cut]
        if sp.max_tokens is not None:
            out = " ".join(out.split(" ")[: sp.max_tokens])
        self._counter += 1
        return RequestOutput(str(self._counter), text, None, None, [CompletionOutput(0, out)], True)

    def _pair(self, prompts: list, sampling_params) -> list[SamplingParams]:
        if sampling_params is None:
            return [SamplingParams()] * len(prompts)
        if isinstance(sampling_params, SamplingParams):
            return [sampling_params] * len(prompts)
        if len(sampling_params) != len(prompts):
            raise ValueError("The lengths of prompts and sampling_params must be the same.")
        return list(sampling_params)

    def generate(self, prompts, sampling_params=None, *, use_tqdm: bool = True, lora_request=None):
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        if not all(isinstance(p, str) for p in prompts):
            raise TypeError("this stand-in takes text prompts only")
        params = self._pair(prompts, sampling_params)
        _record("generate", {"prompts": prompts, "params": [p.as_dict() for p in params], "use_tqdm": use_tqdm})
        return [self._complete(p, sp) for p, sp in zip(prompts, params)]

    def chat(self, messages, sampling_params=None, use_tqdm: bool = True, lora_request=None, chat_template=None,
             chat_template_content_format: str = "auto", add_generation_prompt: bool = True,
             continue_final_message: bool = False, tools=None):
        convs = [messages] if messages and isinstance(messages[0], dict) else list(messages)
        for conv in convs:
            if not all(isinstance(m, dict) and {"role", "content"} <= set(m) for m in conv):
                raise TypeError("each conversation must be a list of {'role', 'content'} messages")
        params = self._pair(convs, sampling_params)
        _record("chat", {"messages": convs, "params": [p.as_dict() for p in params], "use_tqdm": use_tqdm,
                         "add_generation_prompt": add_generation_prompt})
        return [self._complete("\n".join(m["content"] for m in conv), sp) for conv, sp in zip(convs, params)]
