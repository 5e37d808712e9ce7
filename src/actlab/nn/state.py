"""Checkpoints: a model, its optimiser and every random generator as plain arrays.

``to_arrays`` gives a ``dict[str, numpy.ndarray]`` (numbers and strings only, no pickles) that
``numpy.savez`` writes and ``numpy.load(..., allow_pickle=False)`` reads back; ``from_arrays``
rebuilds the model and state. Restoring and training on gives bit-for-bit the run that never
stopped: the generators' states are saved too.

>>> import numpy as np
>>> from actlab import nn
>>> m = nn.mlp([2, 3, 1], "tanh", seed=0)
>>> m2, _, _ = nn.from_arrays(nn.to_arrays(m))
>>> bool(np.array_equal(m.weights[0], m2.weights[0]))
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import actlab
from actlab.errors import ActlabError
from actlab.nn.model import Model
from actlab.nn.optim import Optimizer, OptState

FORMAT = 1


def to_arrays(
    model: Model, opt: Optimizer | None = None, state: OptState | None = None
) -> dict[str, np.ndarray]:
    """Everything needed to resume: model, optimiser record and state, generators."""
    out: dict[str, np.ndarray] = {
        "format": np.array(FORMAT),
        "sizes": np.array(model.sizes),
        "activations": np.array([[f.spec for f in layer] for layer in model.activations]),
        "rngs": np.array([json.dumps(g.bit_generator.state) for g in model.rngs]),
        "meta": np.array(json.dumps(model.meta)),
    }
    for i in range(model.depth):
        out[f"weights/{i}"] = model.weights[i]
        out[f"biases/{i}"] = model.biases[i]
        for name, values in model.act_params[i].items():
            out[f"act_params/{i}/{name}"] = values
    if opt is not None:
        fields = {k: v for k, v in vars(opt).items() if k != "lr"}
        out["opt"] = np.array(json.dumps(fields))
        out["opt/lr"] = np.asarray(opt.lr, float)
    if state is not None:
        out["state/step"] = np.array(state.step)
        for i, slots in enumerate(state.slots):
            for j, buf in enumerate(slots):
                out[f"state/{i}/{j}"] = buf
    return out


def from_arrays(
    arrays: Any,
) -> tuple[Model, Optimizer | None, OptState | None]:
    """The model, optimiser and state that :func:`to_arrays` saved (either may be None)."""
    try:
        if int(arrays["format"]) != FORMAT:
            raise ActlabError(f"checkpoint format {int(arrays['format'])} is not {FORMAT}")
        sizes = tuple(int(s) for s in arrays["sizes"])
        depth = len(sizes) - 1
        specs = arrays["activations"]
        activations = tuple(tuple(actlab.get(str(s)) for s in layer) for layer in specs)
        rngs = [_generator(json.loads(str(s))) for s in arrays["rngs"]]
        keys = list(arrays.keys()) if hasattr(arrays, "keys") else list(arrays)
        act_params = []
        for i in range(depth):
            prefix = f"act_params/{i}/"
            act_params.append(
                {k[len(prefix) :]: np.array(arrays[k]) for k in keys if k.startswith(prefix)}
            )
        model = Model(
            sizes,
            activations,
            [np.array(arrays[f"weights/{i}"]) for i in range(depth)],
            [np.array(arrays[f"biases/{i}"]) for i in range(depth)],
            act_params,
            rngs,
            json.loads(str(arrays["meta"])),
        )
        opt = None
        if "opt" in keys:
            lr = np.array(arrays["opt/lr"])
            opt = Optimizer(lr=float(lr) if lr.ndim == 0 else lr, **json.loads(str(arrays["opt"])))
        state = None
        if "state/step" in keys:
            slots: dict[int, dict[int, np.ndarray]] = {}
            for k in keys:
                parts = k.split("/")
                if parts[0] == "state" and len(parts) == 3:
                    slots.setdefault(int(parts[1]), {})[int(parts[2])] = np.array(arrays[k])
            n = 2 * depth + sum(len(p) for p in act_params)
            state = OptState(
                int(arrays["state/step"]),
                [[slots[i][j] for j in sorted(slots[i])] if i in slots else [] for i in range(n)],
            )
    except KeyError as exc:
        raise ActlabError(f"checkpoint is missing {exc}") from None
    return model, opt, state


def save(
    path: str | Path, model: Model, opt: Optimizer | None = None, state: OptState | None = None
) -> None:
    """Write a checkpoint (``.npz``)."""
    np.savez(path, **to_arrays(model, opt, state))  # type: ignore[arg-type]


def load(path: str | Path) -> tuple[Model, Optimizer | None, OptState | None]:
    """Read a checkpoint written by :func:`save`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return from_arrays({k: data[k] for k in data.files})
    except (OSError, ValueError) as exc:
        raise ActlabError(f"cannot read checkpoint {path}: {exc}") from None


def _generator(state: dict[str, Any]) -> np.random.Generator:
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator)
