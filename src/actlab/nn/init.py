"""Weight initialisations: one small record per scheme, in the registry style of the catalog.

Every scheme draws a weight matrix of shape ``(fan_in, fan_out)`` and a bias of shape
``(fan_out,)`` from a :class:`numpy.random.Generator`, so a model's parameters depend only on its
own seed. Variances, with n = fan_in and m = fan_out:

==================  ================================================  =====================
name                weights                                           biases
==================  ================================================  =====================
``torch``           U(-1/sqrt(n), 1/sqrt(n)) (``nn.Linear``'s default) U(-1/sqrt(n), 1/sqrt(n))
``xavier_uniform``  U(-a, a), a = sqrt(6 / (n + m))  (Glorot 2010)    0
``xavier_normal``   N(0, 2 / (n + m))                                 0
``he``              N(0, 2 / n)  (He et al. 2015; alias ``kaiming``)  0
``he_uniform``      U(-a, a), a = sqrt(6 / n)                         0
``lecun``           N(0, 1 / n)  (LeCun et al. 1998)                  0
``orthogonal``      a random orthogonal matrix (Saxe et al. 2014)     0
``gaussian``        N(0, sigma_w2 / n)  (mean-field papers)           N(0, sigma_b2)
==================  ================================================  =====================

>>> import numpy as np
>>> w, b = initialise("he", np.random.default_rng(0), 100, 50)
>>> w.shape, b.shape, bool(abs(w.var() * 100 / 2 - 1) < 0.1)
((100, 50), (50,), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actlab.errors import ActlabError
from actlab.registry import Registry

#: ``draw(rng, fan_in, fan_out, sigma_w2, sigma_b2) -> (weights, biases)`` in float64
Draw = Callable[[np.random.Generator, int, int, float, float], tuple[np.ndarray, np.ndarray]]
Variance = Callable[[int, int, float, float], tuple[float, float]]


@dataclass(frozen=True)
class Init:
    """A weight initialisation scheme."""

    name: str
    #: one line saying what it is and where it comes from
    summary: str
    draw: Draw
    #: ``variance(fan_in, fan_out, sigma_w2, sigma_b2) -> (fan_in * Var W, Var b)``: the
    #: (sigma_w^2, sigma_b^2) that mean-field theory sees
    variance: Variance
    aliases: tuple[str, ...] = ()


def _uniform(rng: np.random.Generator, bound: float, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(-bound, bound, size=shape)


def _torch(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    # kaiming_uniform_(a=sqrt(5)) reduces to U(+-1/sqrt(fan_in)); the bias uses the same bound
    bound = 1.0 / math.sqrt(n)
    return _uniform(rng, bound, (n, m)), _uniform(rng, bound, (m,))


def _xavier_uniform(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    return _uniform(rng, math.sqrt(6.0 / (n + m)), (n, m)), np.zeros(m)


def _xavier_normal(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    return rng.normal(0.0, math.sqrt(2.0 / (n + m)), (n, m)), np.zeros(m)


def _he(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    return rng.normal(0.0, math.sqrt(2.0 / n), (n, m)), np.zeros(m)


def _he_uniform(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    return _uniform(rng, math.sqrt(6.0 / n), (n, m)), np.zeros(m)


def _lecun(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    return rng.normal(0.0, math.sqrt(1.0 / n), (n, m)), np.zeros(m)


def _orthogonal(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    a = rng.normal(size=(max(n, m), min(n, m)))
    q, r = np.linalg.qr(a)
    # the sign fix makes q Haar-distributed (Mezzadri 2007), as torch.nn.init.orthogonal_ does
    q = q * np.sign(np.diag(r))
    return (q if n >= m else q.T), np.zeros(m)


def _gaussian(rng: np.random.Generator, n: int, m: int, sw: float, sb: float) -> tuple:
    w = rng.normal(0.0, math.sqrt(sw / n), (n, m))
    b = rng.normal(0.0, math.sqrt(sb), m) if sb > 0 else np.zeros(m)
    return w, b


INITS = (
    Init(
        "torch",
        "PyTorch nn.Linear's default: U(+-1/sqrt(fan_in)) for weights and bias",
        _torch,
        lambda n, m, sw, sb: (1 / 3, 1 / (3 * n)),
    ),
    Init(
        "xavier_uniform",
        "Glorot & Bengio 2010: U(+-sqrt(6/(fan_in+fan_out)))",
        _xavier_uniform,
        lambda n, m, sw, sb: (2 * n / (n + m), 0.0),
        ("glorot_uniform", "xavier", "glorot"),
    ),
    Init(
        "xavier_normal",
        "Glorot & Bengio 2010: N(0, 2/(fan_in+fan_out))",
        _xavier_normal,
        lambda n, m, sw, sb: (2 * n / (n + m), 0.0),
        ("glorot_normal",),
    ),
    Init(
        "he",
        "He et al. 2015: N(0, 2/fan_in), for ReLU",
        _he,
        lambda n, m, sw, sb: (2.0, 0.0),
        ("kaiming", "kaiming_normal", "he_normal"),
    ),
    Init(
        "he_uniform",
        "He et al. 2015, uniform: U(+-sqrt(6/fan_in))",
        _he_uniform,
        lambda n, m, sw, sb: (2.0, 0.0),
        ("kaiming_uniform",),
    ),
    Init(
        "lecun",
        "LeCun et al. 1998: N(0, 1/fan_in)",
        _lecun,
        lambda n, m, sw, sb: (1.0, 0.0),
        ("lecun_normal",),
    ),
    Init(
        "orthogonal",
        "Saxe et al. 2014: a random orthogonal matrix",
        _orthogonal,
        lambda n, m, sw, sb: (min(n, m) / m, 0.0),
    ),
    Init(
        "gaussian",
        "mean-field: N(0, sigma_w2/fan_in) weights, N(0, sigma_b2) biases",
        _gaussian,
        lambda n, m, sw, sb: (sw, sb),
        ("normal", "mean_field"),
    ),
)

#: every scheme by name and alias
REGISTRY: Registry[Init] = Registry("initialisation", INITS)


def lookup(name: str) -> Init:
    """The scheme called ``name`` (or an alias)."""
    return REGISTRY.lookup(name)


def names() -> list[str]:
    """The canonical names of the schemes."""
    return REGISTRY.names()


def initialise(
    name: str,
    rng: np.random.Generator,
    fan_in: int,
    fan_out: int,
    *,
    sigma_w2: float = 1.0,
    sigma_b2: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``(fan_in, fan_out)`` and biases ``(fan_out,)`` in float64, drawn from ``rng``.

    ``sigma_w2`` and ``sigma_b2`` are used by ``gaussian`` only.
    """
    if not (sigma_w2 >= 0 and sigma_b2 >= 0 and math.isfinite(sigma_w2 + sigma_b2)):
        raise ActlabError(
            f"sigma_w2 and sigma_b2 must be finite and >= 0, got {sigma_w2}, {sigma_b2}"
        )
    return lookup(name).draw(rng, fan_in, fan_out, sigma_w2, sigma_b2)
