"""actlab.nn: a small NumPy engine that trains K independent MLPs as one stacked computation.

Everything is a plain record over arrays, with the shapes written down (K models, B examples):

* :class:`Model` (``mlp``, ``stack``, ``unstack``): ``weights[l]`` (K, n_l, n_{l+1}),
  ``biases[l]`` (K, n_{l+1}), ``activations[l][k]`` (an ``actlab.get`` Function: a name, a
  name with parameters or a formula in x; a different one per layer and per model is fine),
  ``act_params[l][name]`` (K,) for learnable activation parameters (PReLU's slope), and
  ``rngs[k]``, one ``numpy.random.Generator`` per model (seeded; RReLU draws from it).
* ``forward(model, X, train=False) -> Cache``: X is (B, n_0) shared or (K, B, n_0);
  ``cache.pre[l]``/``cache.post[l]`` are h^{l+1} and a^{l+1} = f(h^{l+1}), (K, B, n_{l+1});
  ``cache.output`` is (K, B, n_L). ``train=True`` makes RReLU random; otherwise it is its mean.
* ``backward(model, cache, dL/doutput) -> Grads``: ``weights``, ``biases``, ``act_params`` shaped
  like the model, and ``deltas[l]`` = dL/dh^{l+1} (K, B, n_{l+1}), the back-propagated gradient
  per layer (the vanishing-gradient measurement, a real output).
* Losses (``losses.lookup("mse" | "cross_entropy" | "binary_cross_entropy")``): ``value(out, y)``
  -> (K,), ``gradient(out, y)`` -> (K, B, n), PyTorch's mean-reduction conventions.
* Optimisers (``sgd``, ``momentum``, ``adam``, with ``l1``/``l2`` on weights): a frozen record +
  explicit ``OptState``; ``step(opt, model, grads, state)`` updates in place. ``train_step`` does
  forward, loss, backward and step, and returns the (K,) losses.
* ``FusedSGD(model, loss, sgd, X, y, batch_size)``: plain SGD on one small model, the same
  numbers as forward + backward + step in a fraction of the calls (the playground trains with it).
* Initialisations (``init=`` of ``mlp``): ``torch`` (nn.Linear's default), ``xavier_uniform``,
  ``xavier_normal``, ``he``, ``he_uniform``, ``lecun``, ``orthogonal``, ``gaussian`` (with
  ``sigma_w2``/``sigma_b2``: W ~ N(0, sigma_w2/fan_in), b ~ N(0, sigma_b2)).
* Checkpoints: ``to_arrays(model, opt, state)`` / ``from_arrays`` / ``save`` / ``load``: plain
  arrays (no pickle) including every generator's state, so a resumed run is bit-identical.
* Statistics: ``mean_square(a)`` (K, ...) per model and layer, ``saturation(model, cache)``.
* float32 (the default, fast) or float64 (``dtype=``); same seed, same numbers.

Model k of a stack is exactly ``mlp(..., seed=k)`` trained alone, only faster.

>>> import numpy as np
>>> from actlab import nn
>>> X = np.random.default_rng(0).normal(size=(32, 2))
>>> y = (X[:, 0] * X[:, 1] > 0).astype(float)            # XOR of the signs
>>> model = nn.stack([nn.mlp([2, 8, 8, 1], act, seed=s, init="xavier_uniform")
...                   for act in ("tanh", "relu") for s in range(3)])   # K = 6 models
>>> opt = nn.adam(0.05)
>>> state = nn.init_state(opt, model)
>>> first = nn.train_step(model, "binary_cross_entropy", opt, state, X, y)
>>> for _ in range(200):
...     last = nn.train_step(model, "binary_cross_entropy", opt, state, X, y)
>>> bool(np.all(last < first)), last.shape
(True, (6,))
>>> cache = nn.forward(model, X)
>>> grads = nn.backward(model, cache, nn.losses.lookup("bce").gradient(cache.output, y))
>>> [d.shape for d in grads.deltas]                       # dL/dh per layer
[(6, 32, 8), (6, 32, 8), (6, 32, 1)]
>>> nn.mean_square(grads.deltas[0]).shape                 # one magnitude per model
(6,)
"""

from __future__ import annotations

from actlab.nn import init, losses
from actlab.nn.engine import Cache, Grads, backward, derivative, forward
from actlab.nn.fused import FusedSGD
from actlab.nn.losses import Loss
from actlab.nn.model import Group, Model, mlp, parameters, stack, unstack
from actlab.nn.optim import Optimizer, OptState, adam, init_state, momentum, sgd, step
from actlab.nn.state import from_arrays, load, save, to_arrays
from actlab.nn.train import mean_square, predict, saturation, train_step

__all__ = [
    "Cache",
    "FusedSGD",
    "Grads",
    "Group",
    "Loss",
    "Model",
    "OptState",
    "Optimizer",
    "adam",
    "backward",
    "derivative",
    "forward",
    "from_arrays",
    "init",
    "init_state",
    "load",
    "losses",
    "mean_square",
    "mlp",
    "momentum",
    "parameters",
    "predict",
    "saturation",
    "save",
    "sgd",
    "stack",
    "step",
    "to_arrays",
    "train_step",
    "unstack",
]
