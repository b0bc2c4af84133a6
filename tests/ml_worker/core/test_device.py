from __future__ import annotations

import pytest
import torch

from ml_worker.core.device import autocast, autocast_dtype, make_grad_scaler, pick_device


def test_explicit_device_wins_and_default_follows_cuda_availability() -> None:
    assert pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type == expected


def test_cpu_runs_in_full_precision_without_loss_scaling() -> None:
    cpu = torch.device("cpu")
    assert autocast_dtype(cpu) is None
    assert not make_grad_scaler(cpu).is_enabled()
    with autocast(cpu):
        out = torch.ones(2, 2) @ torch.ones(2, 2)
    assert out.dtype == torch.float32


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_autocast_uses_half_precision_and_scales_only_fp16() -> None:
    cuda = torch.device("cuda")
    dtype = autocast_dtype(cuda)
    assert dtype in (torch.bfloat16, torch.float16)
    with autocast(cuda):
        out = torch.ones(2, 2, device=cuda) @ torch.ones(2, 2, device=cuda)
    assert out.dtype == dtype
    assert make_grad_scaler(cuda).is_enabled() == (dtype == torch.float16)
    with autocast(cuda, enabled=False):
        assert (torch.ones(2, 2, device=cuda) @ torch.ones(2, 2, device=cuda)).dtype == torch.float32
