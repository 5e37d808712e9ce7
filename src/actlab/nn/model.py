"""The stacked model: K independent multilayer perceptrons of one shape, held as arrays.

Layer ``l`` (0-based) of all K models is one weight array ``(K, n_l, n_{l+1})`` and one bias array
``(K, n_{l+1})``, so a forward pass is one batched matmul per layer whatever K is. Each model keeps
its own activation per layer, its own initialisation and its own random generator (its seed alone
decides its weights and its random draws), so model k of a stack is bit-for-bit the model that
``mlp(..., seed=k)`` builds on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import actlab
from actlab.catalog import Function
from actlab.errors import ActlabError
from actlab.nn.init import initialise

Spec = str | Function


@dataclass
class Model:
    """K stacked MLPs with layer sizes ``sizes`` (input first, output last).

    Fields are plain arrays you may read and write (the optimisers update them in place).
    """

    #: (n_0, n_1, ..., n_L): input width, hidden widths, output width
    sizes: tuple[int, ...]
    #: activations[l][k]: the activation after layer l of model k (the last is the output's)
    activations: tuple[tuple[Function, ...], ...]
    #: weights[l]: (K, n_l, n_{l+1}); h^{l+1} = a^l @ weights[l] + biases[l]
    weights: list[np.ndarray]
    #: biases[l]: (K, n_{l+1})
    biases: list[np.ndarray]
    #: act_params[l][name]: (K,) values of a learnable activation parameter (PReLU's slope) after
    #: layer l; models whose activation there lacks the parameter ignore their entry
    act_params: list[dict[str, np.ndarray]]
    #: one generator per model: its random activations (RReLU) and anything else random it does
    rngs: list[np.random.Generator]
    #: what each model was built from (init scheme, seed, ...), kept for checkpoints and reports
    meta: list[dict[str, Any]] = field(default_factory=list)
    _groups: dict[int, list[Group]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def k(self) -> int:
        """How many models are stacked."""
        return int(self.weights[0].shape[0])

    @property
    def depth(self) -> int:
        """Number of weight layers (hidden layers + the output layer)."""
        return len(self.weights)

    @property
    def dtype(self) -> np.dtype:
        return self.weights[0].dtype

    def groups(self, layer: int) -> list[Group]:
        """The models after ``layer`` that share one activation, evaluated in one call."""
        if layer not in self._groups:
            self._groups[layer] = _group(self.activations[layer])
        return self._groups[layer]


@dataclass(frozen=True)
class Group:
    """Models whose activation after one layer is the same function (up to learnable params)."""

    #: which models: a slice when they are contiguous (a view, no copy), else an index array
    index: slice | np.ndarray
    #: the activation with its fixed parameters bound
    function: Function
    #: names of its learnable parameters (their values live in ``Model.act_params``)
    learnable: tuple[str, ...]


def _group(functions: Sequence[Function]) -> list[Group]:
    keys: dict[tuple, list[int]] = {}
    for k, f in enumerate(functions):
        fixed = tuple((p.name, float(f.params[p.name])) for p in f.record.params if not p.learnable)
        keys.setdefault((id(f.record), fixed), []).append(k)
    groups = []
    for members in keys.values():
        f = functions[members[0]]
        contiguous = members == list(range(members[0], members[-1] + 1))
        index: slice | np.ndarray = (
            slice(members[0], members[-1] + 1) if contiguous else np.array(members)
        )
        learnable = tuple(p.name for p in f.record.params if p.learnable)
        groups.append(Group(index, f, learnable))
    return groups


def mlp(
    sizes: Sequence[int],
    activation: Spec | Sequence[Spec] = "relu",
    *,
    output: Spec = "identity",
    init: str = "torch",
    seed: int = 0,
    dtype: str | np.dtype | type = np.float32,
    sigma_w2: float = 1.0,
    sigma_b2: float = 0.0,
) -> Model:
    """One MLP (a stack of K = 1), seeded.

    ``activation`` is one spec for every hidden layer or a list with one per hidden layer (any spec
    ``actlab.get`` accepts, formulas included); ``output`` is the output layer's activation.
    ``init`` names a scheme of :mod:`actlab.nn.init`; ``sigma_w2``/``sigma_b2`` go to ``gaussian``.

    >>> m = mlp([2, 8, 1], "tanh", seed=1)
    >>> m.k, [w.shape for w in m.weights]
    (1, [(1, 2, 8), (1, 8, 1)])
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ActlabError(f"an MLP needs at least an input and an output size >= 1, got {sizes}")
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ActlabError(f"dtype must be float32 or float64, got {dt}")
    hidden = len(sizes) - 2
    specs = [activation] * hidden if isinstance(activation, (str, Function)) else list(activation)
    if len(specs) != hidden:
        raise ActlabError(f"{len(specs)} activations given for {hidden} hidden layers")
    functions = [actlab.get(s) for s in specs] + [actlab.get(output)]
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in itertools.pairwise(sizes):
        w, b = initialise(init, rng, fan_in, fan_out, sigma_w2=sigma_w2, sigma_b2=sigma_b2)
        weights.append(w[None].astype(dt))
        biases.append(b[None].astype(dt))
    act_params = [
        {p.name: np.array([f.params[p.name]], dt) for p in f.record.params if p.learnable}
        for f in functions
    ]
    meta = {"init": init, "seed": seed, "sigma_w2": sigma_w2, "sigma_b2": sigma_b2}
    return Model(sizes, tuple((f,) for f in functions), weights, biases, act_params, [rng], [meta])


def stack(models: Sequence[Model]) -> Model:
    """Stack models of one shape and dtype into one (their arrays are copied).

    >>> m = stack([mlp([3, 4, 2], a, seed=s) for a in ("relu", "tanh") for s in range(3)])
    >>> m.k, m.weights[0].shape
    (6, (6, 3, 4))
    """
    if not models:
        raise ActlabError("nothing to stack")
    first = models[0]
    for m in models:
        if m.sizes != first.sizes or m.dtype != first.dtype:
            raise ActlabError(
                f"cannot stack a {m.sizes} {m.dtype} model with a {first.sizes} {first.dtype} one"
            )
    layers = range(first.depth)
    act_params: list[dict[str, np.ndarray]] = []
    for i in layers:
        names = sorted({n for m in models for n in m.act_params[i]})
        act_params.append(
            {n: np.concatenate([_param_or_nan(m, i, n) for m in models]) for n in names}
        )
    return Model(
        first.sizes,
        tuple(tuple(f for m in models for f in m.activations[i]) for i in layers),
        [np.concatenate([m.weights[i] for m in models]) for i in layers],
        [np.concatenate([m.biases[i] for m in models]) for i in layers],
        act_params,
        [g for m in models for g in m.rngs],
        [d for m in models for d in m.meta],
    )


def _param_or_nan(m: Model, layer: int, name: str) -> np.ndarray:
    values = m.act_params[layer].get(name)
    return values if values is not None else np.full(m.k, np.nan, m.dtype)


def unstack(model: Model, k: int) -> Model:
    """Model ``k`` of a stack, as a stack of one (arrays copied; its generator shared)."""
    if not -model.k <= k < model.k:
        raise ActlabError(f"model {k} out of range for a stack of {model.k}")
    k %= model.k
    sl = slice(k, k + 1)
    # model k has the parameters its activation's record calls learnable (a NaN value marks a
    # parameter another activation of the stack has, but a diverged model's slope is NaN too)
    act_params = [
        {n: v[sl].copy() for n, v in params.items() if n in _learnable(model.activations[i][k])}
        for i, params in enumerate(model.act_params)
    ]
    return Model(
        model.sizes,
        tuple((layer[k],) for layer in model.activations),
        [w[sl].copy() for w in model.weights],
        [b[sl].copy() for b in model.biases],
        act_params,
        [model.rngs[k]],
        model.meta[sl] if model.meta else [],
    )


def _learnable(f: Any) -> set[str]:
    return {p.name for p in f.record.params if p.learnable}


def parameters(x: Any) -> list[np.ndarray]:
    """The trainable arrays of a :class:`Model` (or the matching gradients of a ``Grads``).

    Order: weights[0], biases[0], weights[1], biases[1], ..., then the learnable activation
    parameters layer by layer, by name. Optimiser state follows the same order.
    """
    arrays = [a for w, b in zip(x.weights, x.biases) for a in (w, b)]
    for params in x.act_params:
        arrays.extend(params[n] for n in sorted(params))
    return arrays
