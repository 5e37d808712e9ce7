"""A diverged run is a result, and its state still round-trips: a PReLU whose slope went NaN
(a learning rate too high, as a --tune grid tries on purpose) is stored and restored whole."""

from __future__ import annotations

import math

import numpy as np

from actlab import data, nn
from actlab.compare import StudyConfig, compare
from actlab.compare.numpy_backend import NumpyBackend

DIVERGING = StudyConfig(activations=("prelu", "relu"), seeds=2, epochs=2, lr=0.5)


def test_a_diverged_prelu_stack_round_trips() -> None:
    config = DIVERGING.resolved()
    dataset = data.load("digits")
    backend = NumpyBackend()
    stack = backend.build(config, dataset, "prelu", [0, 1])
    backend.train_epoch(stack, dataset)
    assert np.isnan(stack.model.act_params[0]["a"]).all()  # diverged, slope and all
    restored = backend.restore(config, dataset, "prelu", [0, 1], backend.dump(stack))
    assert restored.model.act_params[0]["a"].shape == (2,)
    single = nn.unstack(stack.model, 0)
    assert set(single.act_params[0]) == {"a"}


def test_a_diverged_study_resumes_and_extends(tmp_path) -> None:
    first = compare(DIVERGING, tmp_path)
    assert all(math.isnan(r.final.train_loss) for r in first.runs if r.activation == "prelu")
    longer = compare(StudyConfig(**{**DIVERGING.__dict__, "epochs": 3}), tmp_path)
    assert longer.resumed["loaded"] == 4
    assert [len(r.history) for r in longer.runs] == [4] * 4
