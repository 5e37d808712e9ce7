"""Mean-field prediction and the measured per-layer gradients (actlab.experiments.meanfield,
actlab.experiments.gradients), and ``actlab gradients`` / ``actlab collapse`` on the command
line."""

from __future__ import annotations

import json

import numpy as np
import pytest

import actlab
from actlab import nn
from actlab.cli import main
from actlab.experiments import meanfield
from actlab.experiments.collapse import best_linear_accuracy, collapse
from actlab.experiments.gradients import measure


def test_quadrature_matches_closed_forms() -> None:
    # E[z^2] = q, E[relu(z)^2] = q/2, E[relu'(z)^2] = 1/2 (the jump at 0 integrated exactly)
    assert meanfield.gaussian_mean(np.square, 2.5) == pytest.approx(2.5, rel=1e-12)
    relu = actlab.get("relu")
    assert meanfield.gaussian_mean(lambda x: relu(x) ** 2, 3.0) == pytest.approx(1.5, rel=1e-12)
    assert meanfield.gaussian_mean(lambda x: relu.derivative(x) ** 2, 3.0) == pytest.approx(0.5)
    # E[sigmoid(z)] = 1/2 by symmetry; E[tanh'(sqrt(q) z)^2] from adaptive scipy integration
    sig = actlab.get("sigmoid")
    assert meanfield.gaussian_mean(sig, 4.0) == pytest.approx(0.5, abs=1e-14)
    from scipy.integrate import quad

    tanh = actlab.get("tanh")
    exact = quad(
        lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi) * tanh.derivative(1.3 * z) ** 2,
        -np.inf,
        np.inf,
    )[0]
    assert meanfield.gaussian_mean(lambda x: tanh.derivative(x) ** 2, 1.69) == pytest.approx(exact)


def test_relu_recursion_and_prediction() -> None:
    p = meanfield.propagate(actlab.get("relu"), depth=5, q1=1.0, sigma_w2=1.0, sigma_b2=0.1)
    expected = [1.0]
    for _ in range(4):
        expected.append(expected[-1] / 2 + 0.1)
    np.testing.assert_allclose(p.q, expected, rtol=1e-12)
    np.testing.assert_allclose(p.chi, 0.5, rtol=1e-12)
    np.testing.assert_allclose(
        meanfield.predicted_gradient_variance(p, 3.0), 3.0 * 0.5 ** np.arange(4, -1, -1)
    )


@pytest.mark.parametrize(
    ("name", "init", "sigma_w2"),
    [
        ("relu", "gaussian", 1.0),
        ("tanh", "gaussian", 1.0),
        ("sigmoid", "gaussian", 1.0),
        ("relu", "he", 1.0),
    ],
)
def test_measured_variance_follows_prediction(name: str, init: str, sigma_w2: float) -> None:
    # small and fast: width 128 over 8 layers; the width-1000 depth-20 check is in the README
    r = measure([name], depth=8, width=128, seeds=3, init=init, sigma_w2=sigma_w2).results[0]
    ratio = r.measured.mean(axis=0) / r.predicted
    assert np.all((ratio > 0.6) & (ratio < 1.6)), ratio
    if init == "he":  # neither vanishes nor explodes
        assert 0.5 < r.summary()["ratio_measured"] < 2


def test_sigmoid_bound_holds_and_saturation_counts() -> None:
    r = measure(["sigmoid"], depth=6, width=64, seeds=2).results[0]
    assert r.max_slope == pytest.approx(0.25, rel=1e-6)
    assert np.all(r.predicted <= r.bound * (1 + 1e-12))
    # huge weights push sigmoid units into saturation (Glorot & Bengio's picture)
    hot = measure(["sigmoid"], depth=4, width=64, seeds=1, sigma_w2=400.0).results[0]
    assert hot.saturation.mean() > 0.5 > r.saturation.mean()


def test_dataset_and_training_measurements() -> None:
    r = measure(["tanh"], depth=3, width=16, seeds=2, dataset="xor", steps=4, batch=32)
    result = r.results[0]
    assert result.anchored and result.steps == [0, 1, 2, 3, 4]
    assert result.during_training.shape == (5, 3)
    assert result.predicted[-1] == pytest.approx(result.measured[:, -1].mean())


def test_gradients_cli_json(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fig = tmp_path / "g.png"
    hist = tmp_path / "h.png"
    argv = [
        "gradients",
        "--activations",
        "relu,tanh",
        "--depth",
        "4",
        "--width",
        "32",
        "--seeds",
        "2",
        "--json",
        "-o",
        str(fig),
        "--histograms",
        str(hist),
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["activation"] for r in out["results"]] == ["relu", "tanh"]
    for r in out["results"]:
        assert len(r["measured"]) == len(r["predicted"]) == 4
    assert fig.stat().st_size > 10_000 and hist.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["gradients", "--activations", "nope"], "unknown activation"),
        (["gradients", "--steps", "3"], "--steps needs --dataset"),
        (["gradients", "--depth", "1"], "depth >= 2"),
        (["gradients", "--init", "zeros"], "unknown initialisation"),
        (["gradients", "--dataset", "mnist"], "unknown dataset"),
        (["collapse", "--depth", "1"], "--depth >= 2"),
        (["collapse", "-o", "figure.txt"], "unknown extension"),
        (["gradients", "-o", "/no/such/dir/g.png"], "does not exist"),
    ],
)
def test_cli_bad_input(argv: list[str], message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_linear_stack_is_its_product() -> None:
    model = nn.stack([nn.mlp([3, 5, 4, 2], "identity", seed=s, dtype="float64") for s in (0, 1)])
    w, b = collapse(model)
    x = np.random.default_rng(0).normal(size=(7, 3))
    np.testing.assert_allclose(nn.predict(model, x), np.matmul(x, w) + b[:, None], atol=1e-13)


def test_best_linear_accuracy_is_exact_on_small_cases() -> None:
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    assert best_linear_accuracy(x, np.array([0, 0, 1, 1])) == 0.75  # XOR: 3 of 4 at best
    assert best_linear_accuracy(x, np.array([0, 1, 1, 1])) == 1.0  # OR is separable


def test_collapse_cli_json(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["collapse", "--json", "--steps", "300", "--seeds", "1", "--depth", "4"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["max_abs_diff"] < 1e-12
    for name in ("xor", "circle"):
        d = out["datasets"][name]
        assert d["linear_accuracy"] <= d["best_linear_accuracy"] + 1e-12
        assert d["nonlinear_accuracy"] > d["best_linear_accuracy"] + 0.1


@pytest.mark.parametrize(
    "module",
    [
        "actlab.nn",
        "actlab.nn.init",
        "actlab.nn.losses",
        "actlab.nn.model",
        "actlab.nn.fused",
        "actlab.nn.state",
        "actlab.experiments.meanfield",
        "actlab.experiments.gradients",
        "actlab.experiments.collapse",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_quadrature_is_exact_across_jumps_away_from_zero() -> None:
    # the indicator of |x| < 1 has E = P(|z| < 1/sqrt(q)) = erf(1/sqrt(2q))
    from math import erf, sqrt

    def box(x: np.ndarray) -> np.ndarray:
        return (np.abs(x) < 1).astype(float)

    exact = erf(1 / sqrt(2 * 0.7))
    assert meanfield.gaussian_mean(box, 0.7, kinks=[-1.0, 1.0]) == pytest.approx(exact, rel=1e-12)
    # plain Gauss-Hermite, blind to the jumps, is visibly off
    assert abs(meanfield.gaussian_mean(box, 0.7) - exact) > 1e-4
