from __future__ import annotations

import pytest
import torch

from ml_worker.core.device import (
    autocast,
    autocast_dtype,
    inference_autocast,
    inference_dtype,
    make_grad_scaler,
    pick_device,
    use_cpu_threads,
)


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


def test_cpu_threads_go_to_torch_and_numpy_blas_gets_one() -> None:
    """numpy's BLAS threads spin after each call and took the cores from torch's next forward pass."""
    from threadpoolctl import threadpool_info, threadpool_limits

    before = torch.get_num_threads()
    with threadpool_limits():  # restores numpy's BLAS threads for the rest of the test process
        use_cpu_threads(2)
        assert torch.get_num_threads() == 2
        blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas and set(blas) == {1}
    torch.set_num_threads(before)


def test_cpu_inference_is_fp32_unless_bf16_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu = torch.device("cpu")
    monkeypatch.delenv("GAUNTLET_CPU_BF16", raising=False)
    assert inference_dtype(cpu) is None
    with inference_autocast(cpu):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    monkeypatch.setenv("GAUNTLET_CPU_BF16", "1")
    assert inference_dtype(cpu) == torch.bfloat16
    with inference_autocast(cpu):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16
    monkeypatch.setenv("GAUNTLET_CPU_BF16", "0")
    assert inference_dtype(cpu) is None
    # training never follows it: the training loop's autocast stays fp32 on the CPU
    monkeypatch.setenv("GAUNTLET_CPU_BF16", "1")
    assert autocast_dtype(cpu) is None
