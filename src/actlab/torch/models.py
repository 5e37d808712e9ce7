"""Convolutional networks whose activation is swappable: ConvNetJS's MNIST net and a NIN.

Each builder takes the image shape ``(C, H, W)``, the class count and ``act(channels)``, a factory
returning a fresh activation module for a layer with that many channels (so PReLU can have one
slope per channel, as He et al. 2015 and Xu et al. 2015 use it).

>>> import torch
>>> from actlab.torch import Activation
>>> net = build("cnn", (1, 28, 28), 10, lambda c: Activation("relu"))
>>> net(torch.zeros(2, 1, 28, 28)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from actlab.errors import ActlabError
from actlab.registry import Registry

ActFactory = Callable[[int], nn.Module]


def convnetjs_mnist(shape: tuple[int, ...], n_classes: int, act: ActFactory) -> nn.Sequential:
    """ConvNetJS's MNIST demo: conv 5x5x8 + act, max-pool 2, conv 5x5x16 + act, max-pool 3,
    a linear layer to the classes (softmax is in the loss).

    ConvNetJS trains on random 24x24 crops; this takes the whole image (stated choice).
    """
    channels = shape[0]
    features = nn.Sequential(
        nn.Conv2d(channels, 8, 5, padding=2),
        act(8),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(8, 16, 5, padding=2),
        act(16),
        nn.MaxPool2d(3, 3),
        nn.Flatten(),
    )
    return nn.Sequential(*features, nn.Linear(_width(features, shape), n_classes))


def nin(
    shape: tuple[int, ...], n_classes: int, act: ActFactory, width: float = 1.0
) -> nn.Sequential:
    """Network in Network (Lin et al. 2013) as Xu et al. 2015 (Table 1) use it on CIFAR.

    Three mlpconv blocks (a k x k convolution then two 1x1), max-pool 3/2 and average-pool 3/2
    with dropout 0.5 between them, a 1x1 convolution to the classes and global average pooling.
    ``width`` scales every hidden channel count (192/160/96 at 1.0); ``--quick`` uses less.
    Convolutions start from He et al. 2015's initialisation (normal, variance 2/fan_in).
    """

    def c(n: int) -> int:
        return max(4, round(n * width))

    def conv(cin: int, cout: int, k: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, k, padding=k // 2), act(cout)]

    layers: list[nn.Module] = [
        *conv(shape[0], c(192), 5),
        *conv(c(192), c(160), 1),
        *conv(c(160), c(96), 1),
        nn.MaxPool2d(3, 2, padding=1),
        nn.Dropout(0.5),
        *conv(c(96), c(192), 5),
        *conv(c(192), c(192), 1),
        *conv(c(192), c(192), 1),
        nn.AvgPool2d(3, 2, padding=1),
        nn.Dropout(0.5),
        *conv(c(192), c(192), 3),
        *conv(c(192), c(192), 1),
        nn.Conv2d(c(192), n_classes, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    ]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            # nine stacked convolutions: torch's default init (variance 1/(3 fan_in)) shrinks the
            # signal ~6x per layer and the net never leaves chance; He et al.'s keeps it
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)  # type: ignore[arg-type]
    return net


@dataclass(frozen=True)
class ModelRecord:
    """A torch model by name: ``make(shape, n_classes, act, width)`` builds it."""

    name: str
    make: Callable[..., nn.Module]


#: every model ``--model`` accepts on the torch backend besides ``mlp:...``
MODELS: Registry[ModelRecord] = Registry(
    "torch model",
    (
        ModelRecord("cnn", lambda shape, n, act, width=1.0: convnetjs_mnist(shape, n, act)),
        ModelRecord("nin", nin),
    ),
)


def build(
    name: str, shape: tuple[int, ...] | None, n_classes: int, act: ActFactory, width: float = 1.0
) -> nn.Module:
    """A model by name (``cnn`` or ``nin``) for images of ``shape`` (C, H, W)."""
    record = MODELS.lookup(name)
    if shape is None or len(shape) != 3:
        raise ActlabError(f"model {name} needs image data; this dataset is not images")
    if width <= 0:
        raise ActlabError(f"model width must be positive, got {width}")
    return record.make(tuple(shape), n_classes, act, width)


def _width(features: nn.Module, shape: tuple[int, ...]) -> int:
    with torch.no_grad():
        return int(features(torch.zeros(1, *shape)).shape[1])
