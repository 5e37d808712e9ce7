"""Declared properties checked against the kernels: does the record say what the code does?

>>> all(c.agrees for c in check_properties("relu"))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import actlab
from actlab.analysis.properties import _fmt
from actlab.catalog.function import Function


@dataclass(frozen=True)
class PropertyCheck:
    """A declared property of a record, and whether the kernels bear it out on a grid."""

    name: str
    declared: str
    agrees: bool
    #: what was measured, in words
    measured: str


def check_properties(spec: str | Function) -> list[PropertyCheck]:
    """Check the record's declared properties against its kernels (at the bound parameters).

    On 801 points log-spaced over [-1e3, 1e3] plus 0: the range contains every f(x); a monotonic
    f never decreases; a zero-centred f has f(0) = 0 and takes both signs; a saturating f has
    |f'| < 1e-6 at x = -1e3 or 1e3; at a kink, f' takes a value between its one-sided limits.
    """
    f = actlab.get(spec)
    props = f.record.properties
    x = np.concatenate([-np.logspace(3, -3, 400), [0.0], np.logspace(-3, 3, 400)])
    y = np.asarray(f(x), np.float64)
    low, high = props.range
    checks = [
        PropertyCheck(
            "range",
            f"[{_fmt(low)}, {_fmt(high)}]",
            bool(np.all((y >= low) & (y <= high))),
            f"f spans [{_fmt(float(y.min()))}, {_fmt(float(y.max()))}] on [-1e3, 1e3]",
        ),
        PropertyCheck(
            "monotonic",
            "yes" if props.monotonic else "no",
            bool(np.all(y[1:] >= y[:-1])) == props.monotonic,  # not diff: inf - inf (exp)
            "non-decreasing" if np.all(y[1:] >= y[:-1]) else "decreases somewhere",
        ),
        PropertyCheck(
            "zero-centred",
            "yes" if props.zero_centred else "no",
            bool(float(f(0.0)) == 0 and y.min() < 0 < y.max()) == props.zero_centred,
            f"f(0) = {_fmt(float(f(0.0)))}, f takes "
            + ("both signs" if y.min() < 0 < y.max() else "one sign"),
        ),
    ]
    tails = np.abs(np.asarray(f.derivative(np.array([-1e3, 1e3])), np.float64))
    saturates = bool(tails.min() < 1e-6)
    checks.append(
        PropertyCheck(
            "saturating",
            "yes" if props.saturating else "no",
            saturates == props.saturating,
            f"|f'(-1e3)| = {_fmt(float(tails[0]))}, |f'(1e3)| = {_fmt(float(tails[1]))}",
        )
    )
    for k in f.record.kinks:
        # a kink is where f stops being smooth; what can be checked is that the derivative's
        # value there lies between its one-sided limits (ReLU'(0) = 0 is in [0, 1])
        at = k.point(f.params)
        step = 1e-7 * max(1.0, abs(at))
        left, right, there = (float(f.derivative(at + s)) for s in (-step, step, 0.0))
        lo, hi = min(left, right), max(left, right)
        slack = 1e-6 * max(1.0, abs(lo), abs(hi))
        checks.append(
            PropertyCheck(
                f"kink at {_fmt(at)}",
                k.convention,
                lo - slack <= there <= hi + slack,
                f"f' -> {_fmt(left)} from the left, {_fmt(right)} from the right; "
                f"f'({_fmt(at)}) = {_fmt(there)}",
            )
        )
    return checks
