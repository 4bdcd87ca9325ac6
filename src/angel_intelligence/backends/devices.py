"""Which accelerators this process can use (for `angel doctor`); torch is imported lazily."""

from __future__ import annotations


def cuda_devices() -> list[str]:
    """The names of the CUDA GPUs PyTorch sees (empty without CUDA)."""
    import torch

    if not torch.cuda.is_available():
        return []
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
