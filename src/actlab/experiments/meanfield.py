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
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from actlab.catalog import Function


@functools.lru_cache(maxsize=4)
def _nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    from numpy.polynomial.hermite_e import hermegauss

    z, w = hermegauss(n)
    return z, w / math.sqrt(2 * math.pi)


def gaussian_mean(
    fn: Callable[[np.ndarray], np.ndarray], q: float, n: int = 200, kinks: Sequence[float] = ()
) -> float:
    """E[fn(sqrt(q) z)] for z ~ N(0, 1), by n-point Gauss-Hermite quadrature.

    n is even so no node sits at 0, where ReLU-like derivatives jump: the symmetric nodes then
    integrate a jump at 0 exactly. Jumps elsewhere (``kinks``, e.g. hardtanh's at +-1) would make
    Gauss-Hermite converge slowly, so then the line is cut at the kinks and each piece integrated
    by Gauss-Legendre against the normal density, which is exact for piecewise-smooth ``fn``.
    """
    sd = math.sqrt(max(q, 0.0))
    inside = sorted({float(k) for k in kinks if k != 0.0 and abs(k) < _TAIL * sd})
    if not inside:
        z, w = _nodes(n)
        values = np.asarray(fn(sd * z), dtype=np.float64)
        return float(np.dot(w, values))
    cuts = [-_TAIL * sd, *inside, _TAIL * sd]
    if 0.0 in [float(k) for k in kinks] and -_TAIL * sd < 0.0 < _TAIL * sd:
        cuts = sorted({*cuts, 0.0})
    t, w = _legendre(64)
    total = 0.0
    for lo, hi in itertools.pairwise(cuts):
        x = (hi - lo) / 2 * t + (hi + lo) / 2
        density = np.exp(-0.5 * (x / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        total += (hi - lo) / 2 * float(np.dot(w, density * np.asarray(fn(x), dtype=np.float64)))
    return total


#: the normal's mass beyond 12 standard deviations is e^-72: nothing at double precision
_TAIL = 12.0


@functools.lru_cache(maxsize=2)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    from numpy.polynomial.legendre import leggauss

    return leggauss(n)


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
    kinks = [k.point(f.params) for k in f.record.kinks]
    q = np.empty(depth)
    slope2 = np.empty(depth)
    q[0] = q1
    for i in range(depth):
        if i > 0:
            q[i] = sigma_w2 * gaussian_mean(lambda x: np.square(f(x)), q[i - 1], kinks=kinks)
            q[i] += sigma_b2
        slope2[i] = gaussian_mean(lambda x: np.square(f.derivative(x)), q[i], kinks=kinks)
    return Propagation(q, sigma_w2 * slope2, slope2)


def predicted_gradient_variance(p: Propagation, top: float) -> np.ndarray:
    """Var(dL/dh^l) for l = 1 .. D given Var(dL/dh^D) = ``top``: top * prod_{m=l}^{D-1} chi^m."""
    # reversed cumulative product of chi^l .. chi^{D-1}; the top layer has an empty product
    factors = np.append(p.chi[:-1], 1.0)
    return top * np.cumprod(factors[::-1])[::-1]
