"""The torch network built from a definition, what one example looks like inside it, its JSON.

Each line of the definition becomes an operation (convolution, max-pooling or a fully connected
layer) and, when it names one, an activation module from :mod:`actlab.torch` (so any catalog
entry or formula works). A linear layer to the classes ends the network; softmax is in the loss.
Weights start as ConvNetJS starts them: normal with standard deviation ``sqrt(1 / fan_in)``,
biases zero.

>>> from actlab.web.mnist import netdef
>>> net = build(netdef.parse("conv size=3 filters=4 act=relu\\npool size=2"), (1, 8, 8), 10)
>>> net(torch.zeros(2, 1, 8, 8)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import io
import math
import os
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.errors import ActlabError
from actlab.web.mnist import netdef
from actlab.web.mnist.netdef import Layer

#: what a saved network file says it is
FORMAT = "actlab-mnist-net"
#: "auto" (CUDA when there is one), "cpu", "cuda" or "cuda:N": where the page's networks train
DEVICE_VARIABLE = "ACTLAB_MNIST_DEVICE"


def device() -> torch.device:
    """Where networks train: ``$ACTLAB_MNIST_DEVICE``, by default CUDA when there is one."""
    from actlab.torch.device import resolve_device

    return resolve_device(os.environ.get(DEVICE_VARIABLE, "auto"))


class LiveNet(nn.Module):
    """A stack of (operation, activation) pairs and a linear classifier."""

    def __init__(self, layers: list[Layer], shape: tuple[int, int, int], classes: int) -> None:
        super().__init__()
        from actlab.torch import Activation

        sizes = netdef.shapes(layers, shape, classes)
        self.layers, self.shape, self.classes = list(layers), shape, classes
        self.ops = nn.ModuleList()
        self.acts = nn.ModuleList()
        previous: tuple[int, ...] = shape
        for layer, out in zip(layers, sizes):
            if layer.kind == "conv":
                op: nn.Module = nn.Conv2d(
                    previous[0], layer.width, layer.size, layer.stride, layer.pad
                )
            elif layer.kind == "pool":
                op = nn.MaxPool2d(layer.size, layer.stride)
            else:
                op = nn.Linear(math.prod(previous), layer.width)
            self.ops.append(op)
            try:
                self.acts.append(Activation(layer.act) if layer.act else nn.Identity())
            except ActlabError as exc:
                raise ActlabError(f"network line {layer.line}: act: {exc}") from None
            previous = out
        self.out = nn.Linear(math.prod(previous), classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                fan_in = module.weight[0].numel()
                nn.init.normal_(module.weight, 0.0, math.sqrt(1.0 / fan_in))
                nn.init.zeros_(module.bias)  # type: ignore[arg-type]
        # channels-last (NHWC) suits the CPU's convolution and pooling kernels: a training step of
        # ConvNetJS's network at batch 20 is faster than in NCHW (torch's 2x2 max
        # pool on NCHW is its slow path); the values are the same either way
        self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]

    def forward(self, x: torch.Tensor, trace: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Logits (n, classes); with ``trace``, appends each layer's pre-activation and output."""
        if x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        for layer, op, act in zip(self.layers, self.ops, self.acts):
            z = op(x.flatten(1) if layer.kind == "fc" else x)
            x = act(z) if layer.act else z
            if trace is not None:
                trace += [z, x]
        return self.out(x.flatten(1))

    def l2(self) -> torch.Tensor:
        """Sum of squared weights (biases excluded), ConvNetJS's L2 decay loss before its rate."""
        start = torch.zeros((), device=self.out.weight.device)
        return sum((m.weight.square().sum() for m in self.weighted()), start)

    def weighted(self) -> list[nn.Conv2d | nn.Linear]:
        """The layers with weights, in order (the classifier last)."""
        return [m for m in [*self.ops, self.out] if isinstance(m, nn.Conv2d | nn.Linear)]


def build(layers: list[Layer], shape: tuple[int, int, int], classes: int) -> LiveNet:
    """A fresh network (the caller seeds torch for reproducible weights)."""
    return LiveNet(layers, shape, classes)


def as_bytes(values: np.ndarray) -> tuple[bytes, float, float]:
    """Values scaled to 0..255 between their own min and max, with that min and max."""
    lo, hi = float(values.min()), float(values.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return bytes(values.size), 0.0, 0.0
    scaled = (values - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(values)
    return np.rint(scaled).astype(np.uint8).tobytes(), round(lo, 6), round(hi, 6)


def inspect(net: LiveNet, x: torch.Tensor, label: int | None) -> dict[str, Any]:
    """Every layer's activations and gradients for one example ``x`` (1, c, h, w), as tiles.

    The gradient is of the cross-entropy loss for ``label`` (None: for the predicted class);
    computed with ``torch.autograd.grad`` so the weights' own gradients are left alone.
    """
    x = x.detach().to(net.out.weight.device).requires_grad_(True)
    trace: list[torch.Tensor] = []
    logits = net(x, trace)
    probs = torch.softmax(logits, 1)
    target = int(probs.argmax()) if label is None else label
    loss = nn.functional.cross_entropy(logits, torch.tensor([target], device=logits.device))
    shown: list[tuple[str, torch.Tensor]] = [("input", x)]
    for i, layer in enumerate(net.layers):
        shown.append((layer.kind, trace[2 * i]))
        if layer.act:  # without one, the layer's output is its pre-activation
            shown.append((layer.act, trace[2 * i + 1]))
    shown.append(("softmax", logits))
    grads = torch.autograd.grad(loss, [t for _, t in shown])
    tiles = []
    for (name, value), grad in zip(shown, grads):
        value = probs if name == "softmax" else value
        tiles.append(_tile(name, value[0].detach().cpu().numpy(), grad[0].cpu().numpy()))
    p = probs[0].detach().cpu().numpy()
    return {"tiles": tiles, "probs": [round(float(v), 4) for v in p], "label": target}


def _tile(name: str, values: np.ndarray, grad: np.ndarray) -> dict[str, Any]:
    # an image layer is (channels, h, w); a vector of n units is drawn as n 1x1 tiles
    shape = list(values.shape) if values.ndim == 3 else [int(values.size), 1, 1]
    data, lo, hi = as_bytes(values)
    out: dict[str, Any] = {"name": name, "shape": shape, "values": data, "min": lo, "max": hi}
    out["grad"], out["grad_min"], out["grad_max"] = as_bytes(grad)
    return out


def filters(net: LiveNet) -> list[dict[str, Any]]:
    """Each convolution's weights (out, in, k, k) as bytes between the layer's min and max, and
    their gradients from the last training step (when there was one)."""
    out = []
    for layer, op in zip(net.layers, net.ops):
        if isinstance(op, nn.Conv2d):
            w = op.weight.detach().cpu().numpy()
            data, lo, hi = as_bytes(w)
            entry = {
                "line": layer.line,
                "shape": list(w.shape),
                "values": data,
                "min": lo,
                "max": hi,
            }
            if op.weight.grad is not None:
                g = op.weight.grad.detach().cpu().numpy()
                entry["grad"], entry["grad_min"], entry["grad_max"] = as_bytes(g)
            out.append(entry)
    return out


def to_json(net: LiveNet, extra: dict[str, Any]) -> dict[str, Any]:
    """The network as JSON: its definition, input shape, classes and every parameter."""
    params = {
        name: {"shape": list(t.shape), "values": t.detach().cpu().reshape(-1).tolist()}
        for name, t in net.state_dict().items()
    }
    return {
        "format": FORMAT,
        "version": 1,
        "network": netdef.text(net.layers),
        "input": list(net.shape),
        "classes": net.classes,
        "params": params,
        **extra,
    }


def from_json(data: Any, shape: tuple[int, int, int], classes: int) -> LiveNet:
    """A network back from :func:`to_json`'s form, checked against the data it will see."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ActlabError(f"load: not an {FORMAT} file")
    if data.get("input") != list(shape) or data.get("classes") != classes:
        raise ActlabError(
            f"load: the file's network takes {data.get('input')} inputs and "
            f"{data.get('classes')} classes; this data set has {list(shape)} and {classes}"
        )
    net = build(netdef.parse(data.get("network", "")), shape, classes)
    given = data.get("params")
    own = net.state_dict()
    if not isinstance(given, dict) or set(given) != set(own):
        raise ActlabError(f"load: params must name exactly {', '.join(own)}")
    loaded = {}
    for name, target in own.items():
        entry = given[name]
        values = entry.get("values") if isinstance(entry, dict) else None
        try:
            array = np.asarray(values, dtype=np.float32)
        except (TypeError, ValueError):
            raise ActlabError(f"load: {name} is not a list of numbers") from None
        if array.shape != (target.numel(),) or not np.all(np.isfinite(array)):
            raise ActlabError(f"load: {name} needs {target.numel()} finite numbers")
        loaded[name] = torch.from_numpy(array).reshape(target.shape)
    net.load_state_dict(loaded)
    return net


def state_dict_bytes(net: LiveNet) -> bytes:
    """``torch.save(net.state_dict())``: load it with ``torch.load(..., weights_only=True)``."""
    buffer = io.BytesIO()
    torch.save({k: v.cpu() for k, v in net.state_dict().items()}, buffer)
    return buffer.getvalue()
