"""Plain SGD on one small MLP with every array allocated once: the playground's training loop.

The stacked engine (:mod:`actlab.nn.engine`) is general (K models, groups of activations, a
``Cache`` and a ``Grads`` record per step), and for one tiny network trained batch by batch (TF
Playground's 2-4-2-1 on 250 points, batches of 10) that generality costs far more than the
arithmetic. :class:`FusedSGD` computes what ``forward(train=True)``, ``loss.gradient``,
``backward`` and ``optim.step`` with ``sgd`` compute, in far fewer NumPy calls:

* layer ``l`` is one array ``(n_{l+1}, n_l + 1)``: the weights transposed, the bias as the last
  column; a layer's input is feature-major, ``(n_l + 1, B)``, with a last row of ones. The bias
  rides in the matmul, its gradient comes out of the weight gradient's matmul, and one subtraction
  updates both;
* the learning rate and the loss's 1/B are folded into the output gradient: everything below it
  is linear in it, so each layer's gradient comes out as ``lr * dL/dW`` already;
* the catalog's kernels and ``np.dot`` (half the call cost of ``matmul`` on tiny arrays) write
  straight into preallocated buffers (a hidden layer's activation into the rows of the next
  layer's input).

The model stays the one record of the weights: its ``weights[l]`` and ``biases[l]`` become views
of these arrays (the values unchanged), so an edit through the model is what the next step uses.
Tests check every step against the engine, for every catalog activation, loss and regulariser.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from actlab.catalog.record import Kernel, Sampler
from actlab.errors import ActlabError
from actlab.nn.losses import Loss, lookup
from actlab.nn.model import Model
from actlab.nn.optim import Optimizer


@dataclass(frozen=True)
class _Layer:
    """One layer's activation, as the kernels that compute it."""

    forward: Kernel
    derivative: Kernel
    #: training-mode draw (RReLU), or None
    sample: Sampler | None
    #: fixed parameters, bound as Python floats
    params: dict[str, float]
    #: learnable parameter -> its df/dp kernel (the value lives in the model's act_params)
    learnable: dict[str, Kernel]


@dataclass
class _Buffers:
    """Per batch width b: every intermediate of one step."""

    #: pre[l]: h^{l+1}, (n_{l+1}, b)
    pre: list[np.ndarray]
    #: inputs[l]: a^l with a row of ones, (n_l + 1, b); inputs[0] is filled by slicing the data
    inputs: list[np.ndarray]
    #: post[l]: a^{l+1}, the rows of inputs[l+1] without the ones (the output for the last)
    post: list[np.ndarray]
    slope: list[np.ndarray]
    delta: list[np.ndarray]
    #: upstream[l]: dL/da^l for l >= 1, (n_l, b)
    upstream: list[np.ndarray]
    #: (derivative kernel, params, h rows, f'(h) rows): one call for a run of layers
    shared_slopes: list[tuple[Kernel, dict[str, float], np.ndarray, np.ndarray]]


class FusedSGD:
    """SGD on a stack-of-one ``model`` over fixed ``inputs`` (N, n_0) and ``targets``, in the
    model's dtype (float32 or float64).

    ``loss`` is a loss of :mod:`actlab.nn.losses` (mean over the batch), multiplied by ``scale``;
    ``optimizer`` must be plain ``sgd`` (L1/L2 on the weights as the engine's). One call of
    :meth:`epochs` makes passes over the points in order, one update per ``batch_size`` points.

    >>> import numpy as np
    >>> from actlab import nn
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0) * 1.0
    >>> model = nn.mlp([2, 4, 1], "tanh", dtype=np.float64)
    >>> loop = FusedSGD(model, "binary_cross_entropy", nn.sgd(0.5), X, y, batch_size=10)
    >>> before = loop.loss()
    >>> loop.epochs(20)
    >>> bool(loop.loss() < before)
    True
    """

    def __init__(
        self,
        model: Model,
        loss: str | Loss,
        optimizer: Optimizer,
        inputs: np.ndarray,
        targets: np.ndarray,
        batch_size: int,
        *,
        scale: float = 1.0,
    ) -> None:
        if model.k != 1:
            raise ActlabError("FusedSGD trains one model (a stack of one)")
        if optimizer.name != "sgd" or np.ndim(optimizer.lr) != 0:
            raise ActlabError("FusedSGD runs plain sgd with one learning rate")
        if batch_size < 1:
            raise ActlabError(f"batch_size must be >= 1, got {batch_size}")
        dt = self.dtype = model.dtype
        X = np.asarray(inputs, dt)
        if X.ndim != 2 or X.shape[1] != model.sizes[0] or len(X) != len(targets):
            raise ActlabError(
                f"inputs must be (N, {model.sizes[0]}) with one target each, got {X.shape} "
                f"and {len(targets)} targets"
            )
        self.model = model
        self.loss_fn = lookup(loss)
        self.lr, self.l1, self.l2 = float(optimizer.lr), optimizer.l1, optimizer.l2
        self.scale = float(scale)
        self.data = augmented(X, dt)
        self._targets = np.asarray(targets)
        target = self.loss_fn.columns(self._targets, model.sizes[-1], dt)
        n = self.data.shape[1]
        #: (inputs, targets) of each batch, as views
        self.batches = [
            (self.data[:, lo : lo + batch_size], target[:, lo : lo + batch_size])
            for lo in range(0, n, batch_size)
        ]
        self.layers = [_layer(model, i) for i in range(model.depth)]
        #: packed[l]: (n_{l+1}, n_l + 1), weights transposed with the bias as the last column
        self.packed: list[np.ndarray] = []
        for i, (w, b) in enumerate(zip(model.weights, model.biases)):
            n = w.shape[1]
            p = np.empty((w.shape[2], n + 1), dt)
            p[:, :n], p[:, n] = w[0].T, b[0]
            self.packed.append(p)
            model.weights[i], model.biases[i] = p[:, :n].T[None], p[:, n][None]
        self.gradient = [np.empty_like(p) for p in self.packed]
        self._slope_groups = _slope_groups(self.layers)
        self._buffers: dict[int, _Buffers] = {}

    # ------------------------------------------------------------------ training

    def epochs(self, count: int) -> None:
        """``count`` passes over the data, one SGD update per batch."""
        with np.errstate(all="ignore"):  # a diverging run overflows; the caller checks
            for _ in range(count):
                for data, target in self.batches:
                    self._step(data, target)

    def steps(self, first: int, count: int) -> None:
        """``count`` SGD updates on batches ``first, first + 1, ...``, wrapping round the epoch
        (so a long epoch can be split across calls)."""
        n = len(self.batches)
        with np.errstate(all="ignore"):
            for k in range(first, first + count):
                self._step(*self.batches[k % n])

    def _step(self, data: np.ndarray, target: np.ndarray) -> None:
        b = data.shape[1]
        buf = self._buffers.get(b) or self._make_buffers(b)
        model, layers, packed = self.model, self.layers, self.packed
        inputs = buf.inputs
        inputs[0] = data
        sampled: dict[int, np.ndarray] = {}
        for i, layer in enumerate(layers):
            h = np.dot(packed[i], inputs[i], out=buf.pre[i])
            params = self._params(i, layer)
            if layer.sample is None:
                layer.forward(h, buf.post[i], **params)
            else:  # drawn as the engine draws: over (B, n), row-major
                y, dy = layer.sample(h.T, model.rngs[0], **params)
                buf.post[i][...] = y.T
                sampled[i] = dy.T
        for kernel, params, pre, slope in buf.shared_slopes:
            kernel(pre, slope, **params)
        up = self._output_gradient(buf.post[-1], target, buf.upstream[-1])
        for i in reversed(range(len(layers))):
            layer, h = layers[i], buf.pre[i]
            slope = sampled.get(i, buf.slope[i])
            if layer.learnable:
                params = self._params(i, layer)
                layer.derivative(h, slope, **params)
                for name, kernel in layer.learnable.items():
                    local = kernel(h, buf.delta[i], **params)
                    model.act_params[i][name][0] -= np.vdot(up, local)
            delta = np.multiply(up, slope, out=buf.delta[i])
            grad = np.dot(delta, inputs[i].T, out=self.gradient[i])
            p = packed[i]
            if i > 0:  # before this layer's update: the gradient below uses these weights
                up = np.dot(p[:, :-1].T, delta, out=buf.upstream[i])
            if self.l1 or self.l2:
                self._regularise(p[:, :-1])
            p -= grad

    def _params(self, i: int, layer: _Layer) -> dict:
        if not layer.learnable:
            return layer.params
        values = self.model.act_params[i]
        return {**layer.params, **{name: float(values[name][0]) for name in layer.learnable}}

    def _output_gradient(self, out: np.ndarray, target: np.ndarray, g: np.ndarray) -> np.ndarray:
        """lr * scale * dL/d(output), (n_L, b), written into ``g``."""
        return self.loss_fn.fused(out, target, g, self.lr * self.scale)

    def _regularise(self, weights: np.ndarray) -> None:
        # the engine's g + l2 W + l1 sign(W), at the weights before the step
        if self.l1:
            sign = np.sign(weights)
            if self.l2:
                weights *= 1.0 - self.lr * self.l2
            weights -= (self.lr * self.l1) * sign
        elif self.l2:
            weights *= 1.0 - self.lr * self.l2

    def _make_buffers(self, b: int) -> _Buffers:
        sizes, dt = self.model.sizes, self.dtype
        inputs = [np.empty((0, 0), dt)]  # the batch's slice of the data, set each step
        for n in sizes[1:-1]:
            a = np.empty((n + 1, b), dt)
            a[n] = 1.0
            inputs.append(a)
        post = [a[:-1] for a in inputs[1:]] + [np.empty((sizes[-1], b), dt)]
        # every layer's h and f'(h) as rows of one array each: see _slope_groups
        rows = np.cumsum([0, *sizes[1:]])
        pre_all, slope_all = np.empty((rows[-1], b), dt), np.empty((rows[-1], b), dt)
        self._buffers[b] = buf = _Buffers(
            pre=[pre_all[lo:hi] for lo, hi in itertools.pairwise(rows)],
            inputs=inputs,
            post=post,
            slope=[slope_all[lo:hi] for lo, hi in itertools.pairwise(rows)],
            delta=[np.empty((n, b), dt) for n in sizes[1:]],
            # upstream[l] = dL/da^l for l = 1..L-1, and upstream[-1] the output's gradient
            upstream=[
                np.empty(0),
                *(np.empty((n, b), dt) for n in sizes[1:-1]),
                np.empty_like(post[-1]),
            ],
            shared_slopes=[
                (kernel, params, pre_all[rows[i] : rows[j]], slope_all[rows[i] : rows[j]])
                for kernel, params, i, j in self._slope_groups
            ],
        )
        return buf

    # ------------------------------------------------------------------ evaluation

    def forward(self, inputs: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Evaluation-mode pass over augmented ``inputs`` (n_0 + 1, N) (see :func:`augmented`):
        the pre-activations and activations of every layer, feature-major (n_{l+1}, N), in the
        dtype of ``inputs`` (a float64 model can draw its heatmaps in float32)."""
        pre, post = [], []
        a = inputs
        with np.errstate(all="ignore"):
            for i, layer in enumerate(self.layers):
                w = self.packed[i].astype(inputs.dtype, copy=False)
                h = np.matmul(w, a)
                last = i == len(self.layers) - 1
                a = np.empty((h.shape[0] + (not last), h.shape[1]), inputs.dtype)
                layer.forward(h, a[: h.shape[0]], **self._params(i, layer))
                if not last:
                    a[-1] = 1.0
                pre.append(h)
                post.append(a[: h.shape[0]])
        return pre, post

    def backward(
        self, pre: list[np.ndarray], grad_output: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """dL/dh and f'(h) of every layer (feature-major) for ``grad_output`` = dL/d(output),
        (n_L, N), back-propagated from the pre-activations of :meth:`forward`."""
        deltas: list[np.ndarray] = [np.empty(0)] * len(pre)
        slopes: list[np.ndarray] = [np.empty(0)] * len(pre)
        up = grad_output
        with np.errstate(all="ignore"):
            for i in reversed(range(len(pre))):
                layer = self.layers[i]
                slope = np.empty_like(pre[i])
                slopes[i] = layer.derivative(pre[i], slope, **self._params(i, layer))
                deltas[i] = up * slopes[i]
                if i > 0:
                    up = np.matmul(self.packed[i][:, :-1].T, deltas[i])
        return deltas, slopes

    def loss(self) -> float:
        """The (scaled) loss on all the training data, in evaluation mode."""
        _, post = self.forward(self.data)
        value = self.loss_fn.value(post[-1].T[None], self._targets)
        return float(value[0]) * self.scale


def augmented(X: np.ndarray, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """Points ``X`` (N, n) as a layer input: feature-major with a row of ones, (n + 1, N)."""
    a = np.ones((X.shape[1] + 1, X.shape[0]), dtype)
    a[:-1] = X.T
    return a


def _layer(model: Model, i: int) -> _Layer:
    f = model.activations[i][0]
    record = f.record
    learnable = {p.name: record.param_derivatives[p.name] for p in record.params if p.learnable}
    fixed = {k: float(v) for k, v in f.params.items() if k not in learnable}
    return _Layer(record.forward, record.derivative, record.sample, fixed, learnable)


def _slope_groups(layers: list[_Layer]) -> list[tuple[Kernel, dict[str, float], int, int]]:
    """Runs of consecutive layers whose f' is one kernel at fixed parameters, as (kernel, params,
    first layer, end layer): their f'(h) is one call over their stacked rows, as it depends on h
    alone. (A kernel call on a tiny batch costs far more than its arithmetic; TF Playground's
    default, tanh everywhere, makes one call instead of three.) Random and learnable layers get
    their slopes in the step itself."""
    groups: list[tuple[Kernel, dict[str, float], int, int]] = []
    for i, layer in enumerate(layers):
        if layer.sample is not None or layer.learnable:
            continue
        last = groups[-1] if groups else None
        if last and last[3] == i and last[0] is layer.derivative and last[1] == layer.params:
            groups[-1] = (*last[:3], i + 1)
        else:
            groups.append((layer.derivative, layer.params, i, i + 1))
    return groups
