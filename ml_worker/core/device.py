"""Device selection and mixed precision.

Pure functions: nothing here allocates memory on a device or changes global torch state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


def pick_device(preferred: str | torch.device | None = None) -> torch.device:
    """The device to run on: `preferred` if given (e.g. "cpu", "cuda:1"), else CUDA when available, else CPU."""
    if preferred is not None:
        return torch.device(preferred)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """Half-precision dtype used under autocast on `device`, or None where autocast stays off.

    bf16 has fp32's exponent range, so it needs no loss scaling; fp16 (older GPUs) does. On CPU we keep fp32:
    CPU bf16 matmuls are slower than fp32 on most hosts and the numbers would differ from the GPU path anyway.
    """
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def needs_grad_scaler(device: torch.device) -> bool:
    """True when training on `device` runs in fp16, whose small exponent range makes gradients underflow."""
    return autocast_dtype(device) == torch.float16


def make_grad_scaler(device: torch.device, enabled: bool = True) -> torch.amp.GradScaler:
    """A GradScaler that is active only for fp16 autocast; elsewhere a no-op with the same interface."""
    return torch.amp.GradScaler(device.type, enabled=enabled and needs_grad_scaler(device))


@contextlib.contextmanager
def autocast(device: torch.device, enabled: bool = True) -> Iterator[None]:
    """Run the enclosed forward passes in bf16/fp16 on CUDA; a no-op on CPU or when not `enabled`."""
    dtype = autocast_dtype(device)
    if dtype is None or not enabled:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield
