"""Device, dtype and batch-size choices (unibench/devices.py) as pure functions, so the GPU paths are tested on a
machine without one; and the CPU path of `run` with the new options."""

import pytest

from unibench.devices import (cache_fields, choose_device, choose_dtype, find_batch_size, is_out_of_memory,
                              parse_batch_size)
from unibench.errors import UnibenchError


@pytest.mark.parametrize("spec, cuda, count, mps, want", [
    ("auto", True, 2, False, "cuda"), ("auto", False, 0, True, "cpu"), ("auto", False, 0, False, "cpu"),
    ("cpu", True, 1, False, "cpu"), ("cuda", True, 1, False, "cuda"), ("cuda:1", True, 2, False, "cuda:1"),
    ("CUDA:0", True, 1, False, "cuda:0"), ("mps", False, 0, True, "mps"),
])
def test_choose_device(spec, cuda, count, mps, want):
    assert choose_device(spec, cuda_available=cuda, cuda_count=count, mps_available=mps) == want


@pytest.mark.parametrize("spec, cuda, count, mps, msg", [
    ("cuda", False, 0, False, "no CUDA device is available"), ("cuda:2", True, 2, False, "no such CUDA device"),
    ("mps", False, 0, False, "MPS is not available"), ("gpu", True, 1, False, "expected auto | cpu"),
])
def test_impossible_devices_are_errors(spec, cuda, count, mps, msg):
    with pytest.raises(UnibenchError, match=msg):
        choose_device(spec, cuda_available=cuda, cuda_count=count, mps_available=mps)


@pytest.mark.parametrize("spec, device, bf16, training, want", [
    ("auto", "cpu", False, False, "float32"), ("auto", "cuda", True, False, "bfloat16"),
    ("auto", "cuda:1", False, False, "float16"), ("auto", "cuda", False, True, "float32"),
    ("auto", "mps", False, False, "float32"), ("bf16", "cpu", False, False, "bfloat16"),
    ("fp32", "cuda", True, True, "float32"), ("float16", "cuda", True, False, "float16"),
])
def test_choose_dtype(spec, device, bf16, training, want):
    assert choose_dtype(spec, device, bf16_supported=bf16, training=training) == want


def test_bad_dtypes():
    with pytest.raises(UnibenchError, match="expected auto, float32"):
        choose_dtype("fp8", "cpu")
    with pytest.raises(UnibenchError, match="loss scaling"):
        choose_dtype("float16", "cuda", training=True)


def test_cache_key_fields_keep_the_cpu_default_stable():
    assert cache_fields("cpu", "float32") == {}
    assert cache_fields("cuda:3", "bfloat16") == {"device": "cuda", "dtype": "bfloat16"}
    assert cache_fields("cpu", "bfloat16") == {"device": "cpu", "dtype": "bfloat16"}


class OutOfMemoryError(RuntimeError):
    """Named like torch.cuda.OutOfMemoryError."""


def test_find_batch_size_halves_on_out_of_memory():
    tried = []

    def fits(b):
        tried.append(b)
        if b > 12:
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    freed = []
    assert find_batch_size(fits, 64, on_oom=lambda: freed.append(1)) == 8
    assert tried == [64, 32, 16, 8] and len(freed) == 3


def test_find_batch_size_other_errors_and_nothing_fits():
    with pytest.raises(ValueError):
        find_batch_size(lambda b: (_ for _ in ()).throw(ValueError("shape")), 8)
    with pytest.raises(UnibenchError, match="even a batch of 1"):
        find_batch_size(lambda b: (_ for _ in ()).throw(RuntimeError("MPS backend out of memory")), 4)
    assert is_out_of_memory(OutOfMemoryError("x")) and not is_out_of_memory(RuntimeError("boom"))


def test_parse_batch_size():
    assert parse_batch_size("auto") is None and parse_batch_size("16") == 16
    for bad in ("0", "-1", "big"):
        with pytest.raises(UnibenchError, match="--batch-size"):
            parse_batch_size(bad)
