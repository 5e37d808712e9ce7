"""Pick the torch device a user asked for, or say in one line why it can't be had."""

from __future__ import annotations

import torch

from actlab.errors import ActlabError


def resolve_device(name: str) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when there is one) as a device.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ActlabError(f"unknown device {name!r}; use cpu, cuda, cuda:N or auto") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ActlabError(
                f"--device {name}: CUDA is not available here (torch {torch.__version__}); "
                "use --device cpu"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ActlabError(
                f"--device {name}: there are only {torch.cuda.device_count()} CUDA device(s)"
            )
    elif device.type != "cpu":
        raise ActlabError(f"unsupported device {name!r}; use cpu, cuda, cuda:N or auto")
    return device
