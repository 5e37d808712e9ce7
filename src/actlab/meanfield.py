"""Mean-field signal propagation: how variance flows forward and gradients flow backward through a
deep random network (Poole et al. 2016, Schoenholz et al. 2017).

With weights W ~ N(0, sigma_w^2 / fan_in), biases b ~ N(0, sigma_b^2) and a wide network, each
pre-activation h^l is Gaussian with variance q^l, and

.. math::

    q^l = \\sigma_w^2\\, E_z[\\phi(\\sqrt{q^{l-1}} z)^2] + \\sigma_b^2, \\qquad
    \\chi^l = \\sigma_w^2\\, E_z[\\phi'(\\sqrt{q^l} z)^2],

with z standard normal (expectations by Gauss-Hermite quadrature). The back-propagated gradient
dL/dh^l has variance E[(dL/dh^{l+1})^2] chi^l, so its variance at layer l is the top's times the
product of chi^l ... chi^{D-1}: it vanishes when chi < 1 and explodes when chi > 1.

>>> import actlab
>>> p = propagate(actlab.get("relu"), depth=3, q1=1.0, sigma_w2=2.0, sigma_b2=0.0)
>>> p.q.round(12).tolist(), p.chi.tolist()          # He init: ReLU keeps q, and chi = 1
([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actlab.catalog import Function


@functools.lru_cache(maxsize=4)
def _nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    from numpy.polynomial.hermite_e import hermegauss

    z, w = hermegauss(n)
    return z, w / math.sqrt(2 * math.pi)


def gaussian_mean(fn: Callable[[np.ndarray], np.ndarray], q: float, n: int = 200) -> float:
    """E[fn(sqrt(q) z)] for z ~ N(0, 1), by n-point Gauss-Hermite quadrature.

    n is even so no node sits at 0, where ReLU-like derivatives jump: the symmetric nodes then
    integrate a jump at 0 exactly.
    """
    z, w = _nodes(n)
    values = np.asarray(fn(math.sqrt(max(q, 0.0)) * z), dtype=np.float64)
    return float(np.dot(w, values))


@dataclass(frozen=True)
class Propagation:
    """The mean-field quantities of a depth-D network, per layer l = 1 .. D."""

    #: q^l: the variance of the pre-activations h^l
    q: np.ndarray
    #: chi^l = sigma_w^2 E[phi'(h^l)^2]: the factor by which gradient variance grows from l+1 to l
    chi: np.ndarray
    #: E[phi'(h^l)^2]
    slope2: np.ndarray


def propagate(f: Function, depth: int, q1: float, sigma_w2: float, sigma_b2: float) -> Propagation:
    """q^l and chi^l for l = 1 .. depth, from q^1 (the first pre-activation variance)."""
    q = np.empty(depth)
    slope2 = np.empty(depth)
    q[0] = q1
    for i in range(depth):
        if i > 0:
            q[i] = sigma_w2 * gaussian_mean(lambda x: np.square(f(x)), q[i - 1]) + sigma_b2
        slope2[i] = gaussian_mean(lambda x: np.square(f.derivative(x)), q[i])
    return Propagation(q, sigma_w2 * slope2, slope2)


def predicted_gradient_variance(p: Propagation, top: float) -> np.ndarray:
    """Var(dL/dh^l) for l = 1 .. D given Var(dL/dh^D) = ``top``: top * prod_{m=l}^{D-1} chi^m."""
    # reversed cumulative product of chi^l .. chi^{D-1}; the top layer has an empty product
    factors = np.append(p.chi[:-1], 1.0)
    return top * np.cumprod(factors[::-1])[::-1]
