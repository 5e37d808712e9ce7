"""A record with its parameters bound: what ``actlab.get`` returns.

It owns the dtype rules every kernel relies on: float16/32/64 arrays keep their dtype (float16 is
computed in float32); ints, bools, lists and Python scalars become float64; a scalar in gives a
scalar out; ``out=`` is filled in place; no floating-point warning ever reaches the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from actlab.catalog.record import Activation, Kernel
from actlab.errors import ActlabError


class Function:
    """An activation with bound parameters.

    >>> import actlab
    >>> f = actlab.get("leaky_relu(negative_slope=0.2)")
    >>> float(f(-1.0)), float(f.derivative(-1.0))
    (-0.2, 0.2)
    """

    def __init__(self, record: Activation, params: Mapping[str, Any] | None = None) -> None:
        self.record = record
        values: dict[str, Any] = dict(record.defaults)
        for key, value in (params or {}).items():
            p = record.param(key)
            values[key] = value if isinstance(value, np.ndarray) else p.check(value, record.name)
        record.check_ordered(values)
        self.params: dict[str, Any] = values

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def spec(self) -> str:
        """A spec string that ``actlab.get`` turns back into this function."""
        if self.record.formula and self.record.name == self.record.formula:
            # an unnamed formula: every parameter after ';' (see actlab.formula)
            bound = [f"{k}={float(v)!r}" for k, v in self.params.items() if np.ndim(v) == 0]
            return "; ".join([self.record.formula, ", ".join(bound)] if bound else [self.name])
        changed = {
            k: v
            for k, v in self.params.items()
            if not isinstance(v, np.ndarray) and v != self.record.defaults[k]
        }
        if not changed:
            return self.record.name
        return f"{self.record.name}({', '.join(f'{k}={v:g}' for k, v in changed.items())})"

    def __repr__(self) -> str:
        return f"actlab.get({self.spec!r})"

    def __call__(self, x: Any, out: np.ndarray | None = None) -> Any:
        """f(x), element-wise."""
        return self._apply(self.record.forward, x, out)

    def derivative(self, x: Any, out: np.ndarray | None = None) -> Any:
        """df/dx, element-wise, computed from x."""
        return self._apply(self.record.derivative, x, out)

    def param_gradient(self, name: str, x: Any, out: np.ndarray | None = None) -> Any:
        """df/dp for a learnable parameter ``name`` (PReLU's slope), element-wise."""
        kernel = self.record.param_derivatives.get(name)
        if kernel is None:
            raise ActlabError(f"{self.name}: parameter {name!r} is not learnable")
        return self._apply(kernel, x, out)

    def sample(self, x: Any, rng: np.random.Generator) -> tuple[Any, Any]:
        """Training-mode forward: ``(f(x), f'(x))`` at one random draw.

        Deterministic activations return their forward and derivative; RReLU draws its slopes.
        """
        if self.record.sample is None:
            return self(x), self.derivative(x)
        arr, scalar, compute = _prepare(x)
        with np.errstate(all="ignore"):
            y, dy = self.record.sample(arr.astype(compute, copy=False), rng, **self.params)
        return _finish(y, arr.dtype, scalar), _finish(dy, arr.dtype, scalar)

    def _apply(self, kernel: Kernel, x: Any, out: np.ndarray | None) -> Any:
        if out is None and type(x) is np.ndarray and x.dtype in _NATIVE:
            # the hot path (the engine calls this thousands of times a second): nothing to convert
            result = np.empty_like(x)
            with np.errstate(all="ignore"):
                kernel(x, result, **self.params)
            return result
        arr, scalar, compute = _prepare(x)
        if out is not None:
            _check_out(out, arr)
            if compute == out.dtype and not np.shares_memory(out, arr):
                with np.errstate(all="ignore"):
                    kernel(arr, out, **self.params)
                return out
        xc = arr.astype(compute, copy=False)
        result = np.empty_like(xc)
        with np.errstate(all="ignore"):
            kernel(xc, result, **self.params)
        if out is not None:
            out[...] = result
            return out
        return _finish(result, arr.dtype, scalar)


#: dtypes the kernels compute in directly
_NATIVE = (np.dtype(np.float32), np.dtype(np.float64))


def _prepare(x: Any) -> tuple[np.ndarray, bool, np.dtype]:
    """The input as an array, whether it was a scalar, and the dtype kernels compute in."""
    scalar = np.ndim(x) == 0 and not isinstance(x, np.ndarray)
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ActlabError(f"input is not an array of numbers: {exc}") from None
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise ActlabError(f"input must be real numbers, got dtype {arr.dtype}")
    elif arr.dtype.itemsize > 8:
        arr = arr.astype(np.float64)
    compute = np.dtype(np.float32) if arr.dtype == np.float16 else arr.dtype
    return arr, scalar, compute


def _finish(result: np.ndarray, dtype: np.dtype, scalar: bool) -> Any:
    if result.dtype != dtype:
        result = result.astype(dtype)
    return result[()] if scalar else result


def _check_out(out: np.ndarray, arr: np.ndarray) -> None:
    if not isinstance(out, np.ndarray):
        raise ActlabError("out= must be a NumPy array")
    if out.shape != arr.shape:
        raise ActlabError(f"out= has shape {out.shape}, the input has shape {arr.shape}")
    if out.dtype != arr.dtype:
        raise ActlabError(f"out= has dtype {out.dtype}, the input has dtype {arr.dtype}")
