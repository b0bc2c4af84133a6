"""Training checkpoints: one file, written atomically, loadable with `torch.load(weights_only=True)`.

Everything stored is a tensor or a plain Python value (no pickled classes), so loading a checkpoint never
executes code from the file.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

CHECKPOINT_NAME = "checkpoint.pt"


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global RNGs (all devices). Side effect: global RNG state."""
    random.seed(seed)
    np.random.seed(seed)  # third-party code (HF, sklearn) may draw from the legacy global RNG
    torch.manual_seed(seed)


def capture_rng_state() -> dict[str, Any]:
    """Global RNG states as tensors and plain values (NumPy's key array becomes a tensor)."""
    name, key, position, has_gauss, cached_gaussian = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": {
            "name": name,
            "key": torch.from_numpy(np.asarray(key, dtype=np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    """Inverse of `capture_rng_state`. Side effect: global RNG state. CUDA states are restored if present."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    np.random.set_state(
        (
            numpy_state["name"],
            numpy_state["key"].numpy().astype(np.uint32),
            numpy_state["position"],
            numpy_state["has_gauss"],
            numpy_state["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(checkpoint_dir: Path, state: dict[str, Any]) -> Path:
    """Write `state` to `checkpoint_dir/checkpoint.pt` atomically.

    The file is written under a temporary name in the same directory, fsynced, then `os.replace`d over
    the old one: a crash at any moment leaves either the previous or the new checkpoint, never a torn one.
    """
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    target = checkpoint_dir / CHECKPOINT_NAME
    handle, temporary = tempfile.mkstemp(prefix=f".{CHECKPOINT_NAME}.", dir=checkpoint_dir)
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(state, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def load_checkpoint(checkpoint_dir: Path) -> dict[str, Any] | None:
    """The checkpoint in `checkpoint_dir`, or None when there is none. Tensors are loaded onto the CPU."""
    path = checkpoint_dir / CHECKPOINT_NAME
    if not path.is_file():
        return None
    state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    return state
