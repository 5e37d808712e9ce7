"""TensorFlow Playground's two-dimensional data sets, seeded, plus multi-class and CSV points.

The generators follow TF Playground's ``src/dataset.ts`` definition by definition (what is drawn
from which distribution, where the noise goes, how the label is decided), with NumPy's seeded
``Generator`` in place of ``Math.random``. Noise is the number on TF Playground's slider, a percent
from 0 to 50 (TF Playground divides it by 100 before calling the generator; so do we).

Labels: a classification set has integer labels ``0 .. classes-1`` (TF Playground's -1 is class 0,
its +1 is class 1); a regression set has float labels in [-1, 1]. Every point lies in the square
[-6, 6]^2 that TF Playground draws (the spiral's noise can push a point past it; it is clipped).

>>> X, y = generate("circle", 500, noise=0, rng=0)
>>> X.shape, y.dtype.kind, sorted(set(y.tolist()))
((500, 2), 'i', [0, 1])
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actlab.errors import ActlabError
from actlab.registry import Registry

#: the square TF Playground draws, [-BOX, BOX]^2
BOX = 6.0
#: the largest noise TF Playground's slider allows, in percent
MAX_NOISE = 50.0
#: the most points a generated or loaded set may hold (the web server bounds it too)
MAX_POINTS = 20_000
#: the most classes a multi-class set may have
MAX_CLASSES = 8

Arrays = tuple[np.ndarray, np.ndarray]
Generator = Callable[[int, float, np.random.Generator, int], Arrays]


@dataclass(frozen=True)
class ToyDataset:
    """What a 2-D data set is: its name, problem type, TF Playground's default size and classes."""

    name: str
    #: "classification" or "regression"
    problem: str
    #: how many points TF Playground draws for it (500 to classify, 1200 to regress)
    default_points: int
    #: number of classes by default (0 for regression)
    classes: int
    #: whether ``classes`` may be changed (2 .. MAX_CLASSES)
    multiclass: bool
    #: one line saying what it looks like
    summary: str
    generator: Generator


def _uniform(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    return rng.uniform(a, b, n)


def _circle(n: int, noise: float, rng: np.random.Generator, classes: int) -> Arrays:
    # Half the points inside radius 2.5, half in the ring 3.5..5; the label is decided on the
    # noisy position, the point is drawn at the clean one (so noise flips labels near the edge).
    radius = 5.0
    parts = []
    for count, (lo, hi) in zip(_halves(n), ((0.0, radius * 0.5), (radius * 0.7, radius))):
        r = _uniform(rng, lo, hi, count)
        angle = _uniform(rng, 0.0, 2 * math.pi, count)
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx = _uniform(rng, -radius, radius, count) * noise
        ny = _uniform(rng, -radius, radius, count) * noise
        label = np.hypot(x + nx, y + ny) < radius * 0.5
        parts.append((np.column_stack([x, y]), label.astype(np.int64)))
    return _concat(parts)


def _xor(n: int, noise: float, rng: np.random.Generator, classes: int) -> Arrays:
    # Uniform in [-5, 5]^2 pushed 0.3 away from both axes; class 1 where x*y >= 0 (noisy position).
    padding = 0.3
    x = _uniform(rng, -5.0, 5.0, n)
    y = _uniform(rng, -5.0, 5.0, n)
    x = x + np.where(x > 0, padding, -padding)
    y = y + np.where(y > 0, padding, -padding)
    nx = _uniform(rng, -5.0, 5.0, n) * noise
    ny = _uniform(rng, -5.0, 5.0, n) * noise
    label = ((x + nx) * (y + ny) >= 0).astype(np.int64)
    return np.column_stack([x, y]), label


def _gauss(n: int, noise: float, rng: np.random.Generator, classes: int) -> Arrays:
    # Two Gaussians at (2, 2) and (-2, -2); variance grows linearly from 0.5 to 4 with noise.
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5
    parts = []
    for count, (cx, label) in zip(_halves(n), ((2.0, 1), (-2.0, 0))):
        xy = rng.normal(cx, math.sqrt(variance), (count, 2))
        parts.append((xy, np.full(count, label, dtype=np.int64)))
    return _concat(parts)


def _spiral(n: int, noise: float, rng: np.random.Generator, classes: int) -> Arrays:
    # Arms of radius 0..5 turning 1.75 times; TF Playground has two arms half a turn apart, more
    # classes add arms evenly spaced in angle.
    parts = []
    for label, count in enumerate(_split(n, classes)):
        i = np.arange(count)
        r = i / count * 5.0
        t = 1.75 * i / count * 2 * math.pi + 2 * math.pi * _arm(label, classes) / classes
        x = r * np.sin(t) + _uniform(rng, -1.0, 1.0, count) * noise
        y = r * np.cos(t) + _uniform(rng, -1.0, 1.0, count) * noise
        parts.append((np.column_stack([x, y]), np.full(count, label, dtype=np.int64)))
    return _concat(parts)


def _arm(label: int, classes: int) -> int:
    # TF Playground draws its positive arm (our class 1) at angle 0 and the negative one at pi.
    return (1 - label) if classes == 2 else label


def _blobs(n: int, noise: float, rng: np.random.Generator, classes: int) -> Arrays:
    # Gaussians evenly spaced on a circle of radius 3.5, spread like TF Playground's "gauss".
    variance = 0.3 + (2.5 - 0.3) * noise / 0.5
    parts = []
    for label, count in enumerate(_split(n, classes)):
        angle = 2 * math.pi * label / classes + math.pi / 2
        centre = 3.5 * np.array([math.cos(angle), math.sin(angle)])
        xy = centre + rng.normal(0.0, math.sqrt(variance), (count, 2))
        parts.append((xy, np.full(count, label, dtype=np.int64)))
    return _concat(parts)


def _plane(n: int, noise: float, rng: np.random.Generator, classes: int) -> Arrays:
    # Uniform in [-6, 6]^2; the label is (x + y) / 10 at the noisy position.
    x = _uniform(rng, -BOX, BOX, n)
    y = _uniform(rng, -BOX, BOX, n)
    nx = _uniform(rng, -BOX, BOX, n) * noise
    ny = _uniform(rng, -BOX, BOX, n) * noise
    label = ((x + nx) + (y + ny)) / 10.0
    return np.column_stack([x, y]), label


#: centre x, centre y and sign of TF Playground's six regression bumps
_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def _multi_gauss(n: int, noise: float, rng: np.random.Generator, classes: int) -> Arrays:
    # Six cones of radius 2 with alternating sign; the label is the one largest in magnitude
    # (the first such bump wins ties, as TF Playground's strict '>' does).
    x = _uniform(rng, -BOX, BOX, n)
    y = _uniform(rng, -BOX, BOX, n)
    nx = _uniform(rng, -BOX, BOX, n) * noise
    ny = _uniform(rng, -BOX, BOX, n) * noise
    px, py = x + nx, y + ny
    dist = np.hypot(px[:, None] - _BUMPS[:, 0], py[:, None] - _BUMPS[:, 1])
    values = _BUMPS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)
    pick = np.argmax(np.abs(values), axis=1)
    label = values[np.arange(n), pick]
    return np.column_stack([x, y]), label


def _halves(n: int) -> tuple[int, int]:
    # TF Playground loops `i < n/2` twice: an odd n gives one extra point in each half.
    half = math.ceil(n / 2)
    return half, half


def _split(n: int, k: int) -> list[int]:
    if k == 2:
        return list(_halves(n))
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _concat(parts: list[Arrays]) -> Arrays:
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


#: every toy data set by name, in TF Playground's order (then the multi-class extra)
TOY: Registry[ToyDataset] = Registry(
    "toy data set",
    (
        ToyDataset("circle", "classification", 500, 2, False, "a disc inside a ring", _circle),
        ToyDataset("xor", "classification", 500, 2, False, "opposite quadrants alike", _xor),
        ToyDataset("gauss", "classification", 500, 2, False, "two Gaussian clouds", _gauss),
        ToyDataset("spiral", "classification", 500, 2, True, "interleaved spiral arms", _spiral),
        ToyDataset("blobs", "classification", 500, 3, True, "Gaussian clouds on a ring", _blobs),
        ToyDataset("plane", "regression", 1200, 0, False, "a tilted plane, (x+y)/10", _plane),
        ToyDataset(
            "multi_gauss",
            "regression",
            1200,
            0,
            False,
            "six bumps of alternating sign",
            _multi_gauss,
        ),
    ),
)
#: the same records as a mapping, name -> record
TOY_DATASETS = {d.name: d for d in TOY}


def dataset(name: str) -> ToyDataset:
    """The metadata of a toy data set by name (``multi-gauss`` is accepted for ``multi_gauss``)."""
    return TOY.lookup(name)


def generate(
    name: str,
    n: int | None = None,
    noise: float = 0.0,
    rng: np.random.Generator | int | None = None,
    *,
    classes: int | None = None,
) -> Arrays:
    """Draw a toy data set: points ``X`` of shape ``(n, 2)`` in [-6, 6]^2, labels ``y`` ``(n,)``.

    Parameters
    ----------
    name : one of :data:`TOY_DATASETS` (circle, xor, gauss, spiral, blobs, plane, multi_gauss)
    n : number of points (TF Playground's default when omitted: 500 or 1200)
    noise : TF Playground's noise slider, a percent in [0, 50]
    rng : a NumPy Generator or a seed (same seed, same points)
    classes : for spiral and blobs, the number of classes (2 .. 8)

    >>> X, y = generate("plane", 10, noise=0, rng=1)
    >>> bool(np.allclose(y, X.sum(axis=1) / 10))
    True
    """
    spec = dataset(name)
    count = spec.default_points if n is None else _check_count(n)
    k = spec.classes if classes is None else int(classes)
    if k != spec.classes and not (spec.multiclass and 2 <= k <= MAX_CLASSES):
        allowed = f"2 to {MAX_CLASSES}" if spec.multiclass else str(spec.classes)
        raise ActlabError(f"{spec.name} takes {allowed} classes, got {classes}")
    if not (isinstance(noise, int | float) and 0.0 <= noise <= MAX_NOISE):
        raise ActlabError(f"noise is a percent from 0 to {MAX_NOISE:g}, got {noise!r}")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    X, y = spec.generator(count, float(noise) / 100.0, generator, k)
    # TF Playground's halves round up; keep exactly the n points asked for, shuffled like its
    # training/test split expects.
    order = generator.permutation(len(X))[:count]
    return np.clip(X[order], -BOX, BOX), y[order]


def _check_count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_POINTS:
        raise ActlabError(f"number of points must be an integer from 1 to {MAX_POINTS}, got {n!r}")
    return int(n)


def problem_of(y: np.ndarray) -> str:
    """'classification' for integer labels, 'regression' for float labels."""
    return "classification" if y.dtype.kind in "iu" else "regression"


def load_csv(text: str, max_points: int = MAX_POINTS) -> Arrays:
    """Points from CSV text: rows ``x1,x2,label``, an optional header line, ``#`` comments.

    Labels that are all integers with at most 8 distinct values make a classification set (mapped
    in sorted order to 0 .. k-1); anything else is regression, rescaled into [-1, 1] if it falls
    outside. Points are scaled (both axes alike, about the origin) into [-6, 6]^2 if they fall
    outside it.

    >>> X, y = load_csv("x1,x2,label\\n0,0,-1\\n1,2,1\\n")
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [1.0, 2.0]], [0, 1])
    """
    rows = _csv_rows(text, max_points)
    if len(rows) < 2:
        raise ActlabError("a CSV data set needs at least 2 points (rows x1,x2,label)")
    data = np.array(rows, dtype=np.float64)
    X, raw = data[:, :2], data[:, 2]
    reach = float(np.max(np.abs(X)))
    if reach > BOX:
        X = X * (BOX / reach)
    values = np.unique(raw)
    if np.all(raw == np.round(raw)) and len(values) <= MAX_CLASSES:
        if len(values) < 2:
            raise ActlabError("a CSV classification set needs at least 2 distinct labels")
        return X, np.searchsorted(values, raw).astype(np.int64)
    top = float(np.max(np.abs(raw)))
    return X, raw / top if top > 1.0 else raw


def _csv_rows(text: str, max_points: int) -> list[list[float]]:
    rows: list[list[float]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) != 3:
            raise ActlabError(
                f"CSV line {number}: expected 3 columns x1,x2,label, got {len(cells)}"
            )
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if not rows and number == 1 + _blank_prefix(text):
                continue  # a header line
            raise ActlabError(f"CSV line {number}: not numbers: {','.join(cells)!r}") from None
        if not all(math.isfinite(v) for v in values):
            raise ActlabError(f"CSV line {number}: values must be finite")
        rows.append(values)
        if len(rows) > max_points:
            raise ActlabError(f"CSV has more than {max_points} points")
    return rows


def _blank_prefix(text: str) -> int:
    count = 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        count += 1
    return count


def to_csv(X: np.ndarray, y: np.ndarray) -> str:
    """CSV text ``x1,x2,label`` that :func:`load_csv` reads back."""
    out = io.StringIO()
    out.write("x1,x2,label\n")
    for (a, b), label in zip(X.tolist(), y.tolist()):
        out.write(f"{a:.17g},{b:.17g},{label:.17g}\n")
    return out.getvalue()
