"""TF Playground's toy data sets: shapes, labels, seeding, bounds, the definitions themselves."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import ActlabError
from actlab.data import toy


@pytest.mark.parametrize("name", list(toy.TOY_DATASETS))
@pytest.mark.parametrize("noise", [0, 25, 50])
def test_shape_bounds_and_labels(name: str, noise: float) -> None:
    spec = toy.TOY_DATASETS[name]
    X, y = toy.generate(name, noise=noise, rng=3)
    assert X.shape == (spec.default_points, 2) and y.shape == (spec.default_points,)
    assert np.all(np.abs(X) <= toy.BOX)
    assert toy.problem_of(y) == spec.problem
    if spec.problem == "classification":
        assert set(np.unique(y).tolist()) == set(range(spec.classes))
    else:
        assert np.all(np.isfinite(y))


@pytest.mark.parametrize("name", list(toy.TOY_DATASETS))
def test_seeded(name: str) -> None:
    a = toy.generate(name, 200, 10, rng=7)
    b = toy.generate(name, 200, 10, rng=7)
    c = toy.generate(name, 200, 10, rng=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_definitions_without_noise() -> None:
    X, y = toy.generate("circle", 1000, 0, rng=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.all((r < 2.5) == (y == 1))
    assert np.all((r <= 2.5) | (r >= 3.5))
    X, y = toy.generate("xor", 1000, 0, rng=0)
    assert np.all((X[:, 0] * X[:, 1] >= 0) == (y == 1))
    assert np.all(np.abs(X) >= 0.3)
    X, y = toy.generate("gauss", 2000, 0, rng=0)
    assert np.allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.1)
    assert np.allclose(X[y == 0].var(axis=0), [0.5, 0.5], rtol=0.15)
    X, y = toy.generate("plane", 100, 0, rng=0)
    assert np.allclose(y, X.sum(axis=1) / 10)
    X, y = toy.generate("multi_gauss", 2000, 0, rng=0)
    assert np.all(np.abs(y) <= 1)
    near = np.hypot(X[:, 0] - 4, X[:, 1] - 2.5) < 0.5
    assert np.all(y[near] > 0.7)


def test_noise_widens_gauss_and_flips_circle_labels() -> None:
    X0, _ = toy.generate("gauss", 2000, 0, rng=1)
    X1, _ = toy.generate("gauss", 2000, 50, rng=1)
    assert X1.std() > X0.std()
    X, y = toy.generate("circle", 2000, 50, rng=1)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.any((r < 2.5) != (y == 1))


def test_multiclass() -> None:
    for name in ("spiral", "blobs"):
        _, y = toy.generate(name, 600, 0, rng=2, classes=5)
        assert np.bincount(y).tolist() == [120] * 5
    with pytest.raises(ActlabError, match="classes"):
        toy.generate("circle", classes=3)
    with pytest.raises(ActlabError, match="classes"):
        toy.generate("spiral", classes=toy.MAX_CLASSES + 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "moons"}, "unknown toy data set"),
        ({"name": "xor", "n": 0}, "number of points"),
        ({"name": "xor", "n": toy.MAX_POINTS + 1}, "number of points"),
        ({"name": "xor", "noise": 51}, "noise"),
        ({"name": "xor", "noise": float("nan")}, "noise"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ActlabError, match=match):
        toy.generate(**kwargs)


def test_csv_round_trip_and_scaling() -> None:
    X, y = toy.generate("spiral", 50, 5, rng=0, classes=3)
    X2, y2 = toy.load_csv(toy.to_csv(X, y))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X, y = toy.load_csv("# comment\n0,0,0.5\n12,-3,2.5\n")
    assert X.tolist() == [[0, 0], [6, -1.5]]
    assert toy.problem_of(y) == "regression" and np.allclose(y, [0.2, 1.0])
    X, y = toy.load_csv("a,b,c\n1,1,7\n2,2,-3\n3,3,7\n")
    assert y.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1,2\n3,4\n", "3 columns"),
        ("1,2,0\n1,x,1\n", "not numbers"),
        ("1,2,0\n", "at least 2 points"),
        ("1,2,1\n3,4,1\n", "2 distinct labels"),
        ("1,2,0\n1,inf,1\n", "finite"),
        ("1,1,0\n" * 11, "more than 10"),
    ],
)
def test_csv_errors(text: str, match: str) -> None:
    with pytest.raises(ActlabError, match=match):
        toy.load_csv(text, max_points=10)
