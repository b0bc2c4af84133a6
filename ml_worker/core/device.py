"""Device selection and mixed precision.

Nothing here allocates memory on a device; only :func:`use_cpu_threads` changes process-wide state (the
CPU thread pools), and only when called.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator

import torch

# "1": read-only forward passes on the CPU run in bf16 (see inference_dtype); unset or "0": fp32.
CPU_BF16_ENV = "GAUNTLET_CPU_BF16"


def pick_device(preferred: str | torch.device | None = None) -> torch.device:
    """The device to run on: `preferred` if given (e.g. "cpu", "cuda:1"), else CUDA when available, else CPU."""
    if preferred is not None:
        return torch.device(preferred)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """Half-precision dtype used under autocast on `device`, or None where autocast stays off.

    bf16 has fp32's exponent range, so it needs no loss scaling; fp16 (older GPUs) does. Training on the CPU
    keeps fp32 (this is the training loop's autocast); inference on the CPU may use bf16, see
    :func:`inference_dtype`.
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


@functools.lru_cache(maxsize=1)
def cpu_has_amx() -> bool:
    """True when this CPU has AMX tiles (Sapphire Rapids and later), where oneDNN runs bf16 matmuls several
    times faster than fp32; without them CPU bf16 is no faster, often slower."""
    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(probe()) if probe is not None else False


def inference_dtype(device: torch.device) -> torch.dtype | None:
    """The dtype forward passes that only read a model (scoring, saliency, sentence similarity, masked-LM
    candidates) run in under autocast on `device`, or None for fp32.

    CUDA: as training (bf16, else fp16). CPU: fp32 unless ``GAUNTLET_CPU_BF16=1``. On CPUs with AMX tiles
    (:func:`cpu_has_amx`) bf16 scores 16 MiniLM pairs about 3x faster and a batch costs far less per pair
    than one pair does, which is what cross-request batching of live requests needs; but a score then moves
    by about 1e-3 with what else is in its batch (its padding), and logits carry bf16's 8-bit mantissa, so
    nearby scores tie. fp32 stays the default: a threshold is calibrated and re-checked on exactly
    reproducible scores. Every inference path of a process follows the same setting, so a live score, its
    saliency and the verification re-score on one kind of worker agree.
    """
    if device.type == "cuda":
        return autocast_dtype(device)
    if device.type == "cpu" and os.environ.get(CPU_BF16_ENV, "0").strip().lower() in (
        "1",
        "true",
        "on",
        "yes",
    ):
        return torch.bfloat16
    return None


@contextlib.contextmanager
def inference_autocast(device: torch.device) -> Iterator[None]:
    """Run the enclosed read-only forward passes in :func:`inference_dtype` (a no-op where that is fp32)."""
    dtype = inference_dtype(device)
    if dtype is None:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield


def use_cpu_threads(threads: int) -> None:
    """Give torch `threads` intra-op threads and numpy's OpenBLAS one.

    The model work is torch's; numpy's BLAS only does small products beside it (thesaurus neighbours,
    similarity dot products). OpenBLAS's threads spin for a while after each call, so with its default of
    one thread per core they took the cores from torch's next forward pass: a substitution request ran at
    about twice its time (its sentence-similarity pass ~110 ms instead of ~40 on two cores).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # numpy's and scipy's (torch's own BLAS is linked in)
    torch.set_num_threads(threads)
