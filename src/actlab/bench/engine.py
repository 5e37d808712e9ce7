"""How fast the engine trains, against PyTorch eager on the CPU and against itself unstacked.

The races, each a training loop of ``steps`` mini-batch steps (forward, loss, backward,
update) on the same data:

* ``small``: a digits-sized MLP 64-64-10 (ReLU), batch 32, on scikit-learn's digits (this,
  ``medium`` and ``stacked``: cross-entropy, SGD with momentum 0.9, float32);
* ``medium``: 784-256-256-10 (ReLU), batch 128, on random MNIST-shaped inputs and labels;
* ``stacked``: K = 40 small models trained as one stack, against the same 40 trained one after
  another by the same engine;
* ``fused`` and ``fused-torch``: TF Playground's default network (2-4-2-1, tanh, squared loss,
  plain SGD, batch 10, float64) on its circle data, trained by :class:`actlab.nn.FusedSGD`
  against the engine's ``train_step`` and against torch eager.

Times come from :mod:`actlab.bench.harness`: CPU time of this process, warm-up until stable, the
sides' order rotated every round; NumPy's BLAS and torch are pinned to the same number of threads
(1 by default) so both do the same work on the same cores. The medians over rounds are reported,
with their ratio (> 1: actlab is faster). Nothing here asserts a speed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from actlab.bench import harness
from actlab.data import experiment
from actlab.nn.fused import FusedSGD
from actlab.nn.model import Model, mlp, stack
from actlab.nn.optim import Optimizer, OptState, init_state, momentum, sgd
from actlab.nn.train import train_step

SMALL = (64, 64, 10)
SMALL_BATCH = 32
MEDIUM = (784, 256, 256, 10)
STACK_K = 40
#: TF Playground's default: 2 inputs, hidden 4 and 2, one tanh output; batch 10, learning rate 0.03
PLAYGROUND = (2, 4, 2, 1)
PLAYGROUND_BATCH = 10
PLAYGROUND_LR = 0.03


@dataclass
class Race:
    """One race: median seconds per training step of the two sides, and their ratio."""

    name: str
    #: what ran, e.g. "64-64-10 batch 32"
    setup: str
    #: the side measured, and the reference it is compared with
    subject: str
    reference: str
    subject_ms: float
    reference_ms: float

    @property
    def speedup(self) -> float:
        """reference time / subject time: > 1 means the subject is faster."""
        return self.reference_ms / self.subject_ms

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "speedup": self.speedup}


def _loop(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    batch: int,
    steps: int,
    *,
    loss: str = "cross_entropy",
    opt: Optimizer | None = None,
) -> Callable[[], None]:
    """``steps`` engine training steps (``train_step``), SGD with momentum 0.9 unless ``opt``."""
    opt = opt or momentum(0.01, 0.9)
    state: OptState = init_state(opt, model)
    starts = np.arange(steps) * batch % max(len(x) - batch, 1)

    def run() -> None:
        for s in starts:
            train_step(model, loss, opt, state, x[s : s + batch], y[s : s + batch])

    return run


def _torch_loop(
    torch: Any, sizes: tuple[int, ...], x: np.ndarray, y: np.ndarray, batch: int, steps: int
) -> Callable[[], None]:
    layers: list[Any] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss = torch.nn.CrossEntropyLoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    starts = np.arange(steps) * batch % max(len(x) - batch, 1)

    def run() -> None:
        for s in starts:
            opt.zero_grad(set_to_none=True)
            loss(net(tx[s : s + batch]), ty[s : s + batch]).backward()
            opt.step()

    return run


def _playground_data(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Circle points, cycled to ``steps`` batches, with TF Playground's -1/+1 targets."""
    from actlab.data import toy

    x, y = toy.generate("circle", 500, 0, 0)
    n = steps * PLAYGROUND_BATCH
    return np.resize(x, (n, 2)), np.resize(2.0 * y - 1.0, n)


def _playground_model() -> Model:
    return mlp(PLAYGROUND, "tanh", output="tanh", seed=0, dtype=np.float64)


def _fused_loop(x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    loop = FusedSGD(_playground_model(), "mse", sgd(PLAYGROUND_LR), x, y, PLAYGROUND_BATCH)
    return lambda: loop.epochs(1)  # one pass over the cycled data: ``steps`` steps


def _torch_sgd_loop(torch: Any, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    layers: list[Any] = []
    for fan_in, fan_out in itertools.pairwise(PLAYGROUND):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.Tanh()]
    net = torch.nn.Sequential(*layers).double()
    opt = torch.optim.SGD(net.parameters(), lr=PLAYGROUND_LR)
    loss = torch.nn.MSELoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y[:, None])
    b = PLAYGROUND_BATCH

    def run() -> None:
        for s in range(0, len(x), b):
            opt.zero_grad(set_to_none=True)
            loss(net(tx[s : s + b]), ty[s : s + b]).backward()
            opt.step()

    return run


def _race(sides: dict[str, Callable[[], None]], rounds: int, steps: int) -> dict[str, float]:
    """Median ms per step of each side, timed by :func:`actlab.bench.harness.measure`."""
    m = harness.measure(sides, rounds=rounds, min_sample_s=0.0, max_warmup=5)
    return {name: 1e3 * m[name].median / steps for name in sides}


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits":
        x, y = experiment.digits()
        return x.astype(np.float32), y
    rng = np.random.default_rng(0)
    return rng.normal(size=(4096, 784)).astype(np.float32), rng.integers(0, 10, 4096)


def run(
    *,
    steps: int = 50,
    rounds: int = 5,
    threads: int = 1,
    use_torch: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[Race]:
    """Run the races (see module doc) and return them."""
    torch: Any = None
    if use_torch:
        try:
            import torch
        except ImportError:
            torch = None
    say = progress or (lambda line: None)
    races = []
    with harness.threads(threads):
        for name, sizes, dataset, batch in (
            ("small", SMALL, "digits", SMALL_BATCH),
            ("medium", MEDIUM, "random", 128),
        ):
            if torch is None:
                break
            say(f"{name}: actlab vs torch")
            x, y = _data(dataset)
            torch.manual_seed(0)
            ms = _race(
                {
                    "actlab": _loop(mlp(sizes, "relu", init="torch"), x, y, batch, steps),
                    "torch": _torch_loop(torch, sizes, x, y, batch, steps),
                },
                rounds,
                steps,
            )
            setup = f"{'-'.join(map(str, sizes))} batch {batch}"
            races.append(Race(name, setup, "actlab", "torch eager", ms["actlab"], ms["torch"]))
        say("fused: FusedSGD vs the engine" + (" and torch eager" if torch is not None else ""))
        x, y = _playground_data(steps)
        engine = _loop(
            _playground_model(), x, y, PLAYGROUND_BATCH, steps, loss="mse", opt=sgd(PLAYGROUND_LR)
        )
        sides = {"fused": _fused_loop(x, y), "engine": engine}
        if torch is not None:
            sides["torch"] = _torch_sgd_loop(torch, x, y)
        ms = _race(sides, rounds, steps)
        setup = f"{'-'.join(map(str, PLAYGROUND))} tanh batch {PLAYGROUND_BATCH} sgd f64"
        races.append(Race("fused", setup, "FusedSGD", "engine", ms["fused"], ms["engine"]))
        if torch is not None:
            races.append(
                Race("fused-torch", setup, "FusedSGD", "torch eager", ms["fused"], ms["torch"])
            )
        say(f"stacked: {STACK_K} models stacked vs one after another")
        x, y = _data("digits")
        seq = [
            _loop(mlp(SMALL, "relu", init="torch", seed=k), x, y, SMALL_BATCH, steps)
            for k in range(STACK_K)
        ]
        models = stack([mlp(SMALL, "relu", init="torch", seed=k) for k in range(STACK_K)])

        def sequential() -> None:
            for train in seq:
                train()

        ms = _race(
            {"stacked": _loop(models, x, y, SMALL_BATCH, steps), "sequential": sequential},
            max(1, rounds // 2),
            steps,
        )
        setup = f"K={STACK_K} x {'-'.join(map(str, SMALL))} batch {SMALL_BATCH}"
        races.append(
            Race("stacked", setup, "stacked", "sequential", ms["stacked"], ms["sequential"])
        )
    return races
