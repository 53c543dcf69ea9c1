"""What a row cost: tokens (unibench/usage.py), wall and device seconds, and money from per-million-token prices.

Seconds are measured around the row's evaluation in this process, so a cached re-run reports only the time it
took to read the cache and score (its tokens are the original generation's). Device seconds are the process's
CPU time (`time.process_time`: all threads of this process) on CPU; with a CUDA device in use, the CUDA time of
the row measured with CUDA events is added as `cuda_seconds`. Prices: `--price-in/--price-out` (USD per million
input/output tokens) or `--prices FILE`, a YAML/JSON table `{models: {NAME: {input: USD, output: USD}}}`
(`PriceTable`), looked up by the model's name as given (`openai:NAME` -> NAME) or its id.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import DataFormatError, UnibenchError


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0, allow_inf_nan=False, description="USD per million input (prompt) tokens")
    output: float = Field(ge=0, allow_inf_nan=False, description="USD per million output (completion) tokens")


class PriceTable(BaseModel):
    """The one schema of a `--prices` file."""
    model_config = ConfigDict(extra="forbid")
    currency: str = "USD"
    models: dict[str, Price]


def load_prices(path: Path) -> PriceTable:
    from .safe_read import load_json, load_yaml

    if path.suffix.lower() in (".yaml", ".yml"):
        obj = load_yaml(path, "meta")  # a small config file: the "meta" size cap
    else:
        obj = load_json(path, "meta", hint='a price table: {"models": {NAME: {"input": USD, "output": USD}}}')
    try:
        table = PriceTable.model_validate(obj)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5])
        raise DataFormatError(f"not a valid price table: {problems}", path=path,
                              hint="{models: {NAME: {input: USD, output: USD}}}, USD per million tokens") from None
    if table.currency != "USD":
        raise DataFormatError(f"currency {table.currency!r}: prices are in USD", path=path)
    return table


def choose_price(price_in: Optional[float], price_out: Optional[float], prices: Optional[Path],
                 names: list[str]) -> Optional[Price]:
    """The price of this run's model: the flags, else the table's entry for one of `names`, else None."""
    if (price_in is None) != (price_out is None):
        raise UnibenchError("give both --price-in and --price-out (USD per million input and output tokens)")
    if price_in is not None:
        if prices is not None:
            raise UnibenchError("give either --price-in/--price-out or --prices FILE, not both")
        return Price(input=price_in, output=price_out)
    if prices is None:
        return None
    table = load_prices(Path(prices))
    for name in names:
        if name in table.models:
            return table.models[name]
    raise UnibenchError(f"no price for {' or '.join(repr(n) for n in dict.fromkeys(names))} in the price table",
                        path=prices, hint="add the model under `models:`, or drop --prices")


def usd(input_tokens: int, output_tokens: int, price: Price) -> float:
    """Money for the tokens at `price` (USD per million tokens)."""
    return (input_tokens * price.input + output_tokens * price.output) / 1_000_000


class RowClock:
    """Wall and device seconds of one row's evaluation."""

    def __init__(self):
        self._cuda = _cuda_events()
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def stop(self) -> dict:
        out = {"wall_seconds": round(time.perf_counter() - self.wall0, 3),
               "device_seconds": round(time.process_time() - self.cpu0, 3), "device_time": "process CPU time"}
        if self._cuda is not None:
            import torch

            start, end = self._cuda
            end.record()
            torch.cuda.synchronize()
            out["cuda_seconds"] = round(start.elapsed_time(end) / 1000, 3)
            out["device_time"] = "process CPU time; CUDA events"
        return out


def _cuda_events():
    """CUDA events around the row when torch is already loaded and a GPU is in use (never imports torch)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return None
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    return start, end


def row_cost(clock: RowClock, backend, price: Optional[Price]):
    """The `cost` block of a row's result file (results.Cost)."""
    from .results import Cost

    fields = clock.stop()
    meter = getattr(backend, "usage", None)
    if meter is not None and meter.counted:
        fields.update(input_tokens=meter.input_tokens, output_tokens=meter.output_tokens,
                      tokens_from=meter.source or "unknown", requests_without_tokens=meter.unknown)
    fields.update(generated=getattr(backend, "misses", None), cached=getattr(backend, "hits", None))
    if price is not None and "input_tokens" in fields:
        fields.update(price_in=price.input, price_out=price.output,
                      usd=round(usd(fields["input_tokens"], fields["output_tokens"], price), 6))
    return Cost(**fields)
