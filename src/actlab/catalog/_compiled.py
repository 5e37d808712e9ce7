"""The compiled float32 kernels (``_fast.c``), where they were built; the NumPy kernels elsewhere.

A record keeps its kernels: the decorator :func:`compiled` puts the C loop in front of the
record's own NumPy kernel for the one case it covers (float32, contiguous, scalar parameters)
and hands everything else (float64, strided views, the engine's per-row parameter arrays) to
the NumPy kernel. Both compute the same formula; the C loop does it in one pass over memory.

``pip install -e .`` builds ``_fast`` when a C compiler is there (``setup.py``, optional); where
it can't, or with ``ACTLAB_NO_COMPILED=1`` in the environment, :data:`AVAILABLE` is False and
every kernel is the NumPy one. :func:`disabled` switches the compiled path off for a block (the
tests run the catalog's accuracy checks both ways).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from actlab.catalog.record import Kernel

try:
    from actlab.catalog import _fast  # type: ignore[attr-defined]
except ImportError:  # not built (no C compiler at install time)
    _fast = None

#: the forward loops that compute in float32 arithmetic (twice double's SIMD width) instead of
#: rounding a float64 formula once, with the error bound (float32 ulp of the exact value) that
#: each one's comment in _fast.c derives from its roundings; the tests hold each to it
FLOAT32_BOUNDS: dict[str, float] = {
    "sigmoid": 2.25,
    "silu": 3.0,
    "softplus": 2.5,
    "log_sigmoid": 2.5,
    "elu": 2.25,
    "celu": 2.25,
    "selu": 2.25,
    "mish": 3.5,
    "tanhexp": 3.0,
    "gelu_tanh": 3.1,
    "tanhshrink": 2.6,
    "squareplus": 1.0,
    "bent_identity": 1.7,
    "arctan": 1.5,
    "gelu": 3.0,
    "serf": 3.0,
}

#: the derivative loops that compute in float32 arithmetic, with their bounds (the others round
#: a float64 formula once: within 0.501 ulp)
FLOAT32_DERIVATIVE_BOUNDS: dict[str, float] = {
    "sigmoid": 2.5,
    "tanh": 2.5,
    "softplus": 2.25,
    "log_sigmoid": 2.25,
    "silu": 3.55,
    "mish": 3.5,
    "gelu": 3.5,
}

#: the extension was built and not switched off by ACTLAB_NO_COMPILED
AVAILABLE = _fast is not None and not os.environ.get("ACTLAB_NO_COMPILED")
_enabled = AVAILABLE
_FLOAT32 = np.dtype(np.float32)


def enabled() -> bool:
    """Whether float32 kernels take the compiled path now."""
    return _enabled


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Use the NumPy kernels only, for the duration (for tests and benchmarks)."""
    global _enabled
    previous, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = previous


def float32_numbers(*values: float) -> tuple[float, ...] | None:
    """``values`` when each is exactly a float32 number (a kink must not move), else None."""
    with np.errstate(over="ignore"):
        return values if all(float(np.float32(v)) == v for v in values) else None


def compiled(
    name: str, args: Callable[..., tuple[float, ...] | None] | None = None
) -> Callable[[Kernel], Kernel]:
    """Run ``_fast.<name>(x, out, *args(**params))`` for float32 input, else the kernel.

    ``args`` maps the record's parameters to the C function's (default: none); where it
    returns None (parameters the loop does not take), the NumPy kernel runs.
    """
    loop = getattr(_fast, name, None)

    def decorate(kernel: Kernel) -> Kernel:
        if loop is None:
            return kernel

        @functools.wraps(kernel)
        def wrapper(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
            if (
                _enabled
                and x.dtype == _FLOAT32
                and x.flags.c_contiguous
                and out.flags.c_contiguous
                and all(type(v) is float for v in params.values())
            ):
                extra = args(**params) if args is not None else ()
                if extra is not None:
                    loop(x, out, *extra)
                    return out
            return kernel(x, out, **params)

        return wrapper

    return decorate
