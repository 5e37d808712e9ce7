"""TF Playground's 2-D sets (:mod:`actlab.data.toy`) as registry datasets with a fixed split.

The points are drawn once with a fixed data seed, so every model seed in a study trains on the
same points; half are held out for testing, as in TF Playground's default "ratio of training to
test data: 50%". Coordinates stay in TF Playground's [-6, 6] units (it feeds them unscaled).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from actlab.data import Dataset
from actlab.data._prep import random_split, stratified_split
from actlab.errors import ActlabError

TEST_FRACTION = 0.5


def load(
    path: Path | None,
    *,
    name: str,
    noise: float = 0.0,
    points: int | None = None,
    data_seed: int = 0,
    **_: Any,
) -> Dataset:
    """Draw the set (``noise`` in percent, as on TF Playground's slider) and split it in half."""
    if path is not None:
        raise ActlabError(f"{name} is generated; it takes no --data PATH (use the csv dataset)")
    from actlab.data import toy

    spec = toy.dataset(name)
    x, y = toy.generate(name, points, noise=float(noise), rng=int(data_seed))
    x = x.astype(np.float32)
    if spec.problem == "classification":
        train, test = stratified_split(y, TEST_FRACTION, data_seed)
        classes = tuple(str(i) for i in range(int(y.max()) + 1))
        return Dataset(
            name,
            "classification",
            x[train],
            y[train].astype(np.int64),
            x[test],
            y[test].astype(np.int64),
            classes,
            source=f"generated (noise {noise:g}%)",
        )
    train, test = random_split(len(y), TEST_FRACTION, data_seed)
    targets = y.astype(np.float32)[:, None]
    return Dataset(
        name,
        "regression",
        x[train],
        targets[train],
        x[test],
        targets[test],
        source=f"generated (noise {noise:g}%)",
    )
