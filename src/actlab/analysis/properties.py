"""Numeric properties computed from any activation: where the slope peaks, f(0), f'(0), tables.

The record *declares* its qualitative properties; this module *measures* the quantitative ones
from the kernels themselves, so they hold for any parameters and for formulas typed by a user.

>>> from actlab.analysis.properties import max_slope
>>> peak = max_slope(actlab.get("sigmoid"))
>>> peak.value, peak.points
(0.25, (0.0,))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import actlab
from actlab.catalog.function import Function
from actlab.catalog.record import Properties

#: where a location is indistinguishable from 0 at the precision a flat maximum can be located
#: (a smooth peak is flat to ~sqrt(eps), so its argmax is only known to ~1e-8)
_SNAP = 1e-7
#: grid points within this relative distance of the largest |f'| are searched for a peak
_NEAR = 1e-4
#: at most this many isolated maxima are listed (sin x has infinitely many)
_MAX_POINTS = 4
#: the x values of ``actlab show``'s table
TABLE_X = (-math.inf, -10.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 10.0, math.inf)


@dataclass(frozen=True)
class SlopeMax:
    """The supremum of |f'(x)| over the reals, and where it is reached.

    Exactly one description applies: isolated ``points``; ``intervals`` on which |f'| is constant
    at its maximum (ends may be infinite); or only approached as x -> ``towards`` (+-inf), never
    reached. ``value`` is ``inf`` for an unbounded derivative.
    """

    value: float
    points: tuple[float, ...] = ()
    intervals: tuple[tuple[float, float], ...] = ()
    #: whether each interval's (left, right) end belongs to it
    closed: tuple[tuple[bool, bool], ...] = ()
    towards: tuple[float, ...] = ()
    #: attained at more isolated points than ``points`` lists (periodic functions)
    more: bool = False

    def where_text(self) -> str:
        """Where the maximum is reached, in words: "at x = 0", "for x in (0, 6)", ..."""
        parts: list[str] = []
        if self.points:
            pts = self.points
            if len(pts) == 1 and 0 < abs(pts[0]) < _SNAP:
                parts.append(f"as x -> 0{'-' if pts[0] < 0 else '+'} (a one-sided limit)")
            elif len(pts) == 2 and math.isclose(pts[0], -pts[1], rel_tol=1e-6):
                parts.append(f"at x = ±{_fmt(abs(pts[0]))}")
            else:
                parts.append("at x = " + ", ".join(_fmt(p) for p in pts))
            if self.more:
                parts[-1] += ", ... (periodically)"
        if self.intervals:
            spans = [_interval(a, b, ends) for (a, b), ends in zip(self.intervals, self.closed)]
            parts.append("for x in " + " ∪ ".join(spans))
        if self.towards:
            signs = sorted(set(self.towards))
            side = "±" if len(signs) == 2 else ("+" if signs[0] > 0 else "-")
            parts.append(f"approached as x -> {side}inf")
        return "; ".join(parts)

    def text(self) -> str:
        if math.isinf(self.value):
            return f"unbounded ({self.where_text()})"
        return f"{_fmt(self.value)} {self.where_text()}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": _json(self.value),
            "points": [_json(p) for p in self.points],
            "intervals": [[_json(a), _json(b)] for a, b in self.intervals],
            "towards": [_json(s * math.inf) for s in self.towards],
            "more": self.more,
            "text": self.text(),
        }


@dataclass(frozen=True)
class Analysis:
    """Computed numeric properties of an activation at its bound parameters."""

    spec: str
    f0: float
    df0: float
    max_slope: SlopeMax
    #: (x, f(x), f'(x)) rows at :data:`TABLE_X`
    table: tuple[tuple[float, float, float], ...] = field(default=())
    #: (x, convention, f'(x)) for each kink
    kinks: tuple[tuple[float, str, float], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "f(0)": _json(self.f0),
            "f'(0)": _json(self.df0),
            "max_abs_derivative": self.max_slope.as_dict(),
            "kinks": [
                {"at": _json(x), "convention": c, "derivative": _json(d)} for x, c, d in self.kinks
            ],
            "table": [{"x": _json(x), "f": _json(y), "df": _json(d)} for x, y, d in self.table],
        }


def analyse(spec: str | Function) -> Analysis:
    """Every computed property of an activation (see :class:`Analysis`)."""
    f = actlab.get(spec)
    xs = np.array(TABLE_X)
    ys, ds = f(xs), f.derivative(xs)
    kinks = tuple(
        (k.point(f.params), k.convention, float(f.derivative(k.point(f.params))))
        for k in f.record.kinks
    )
    return Analysis(
        spec=f.spec,
        f0=float(f(0.0)),
        df0=float(f.derivative(0.0)),
        max_slope=max_slope(f),
        table=tuple((float(a), float(b), float(c)) for a, b, c in zip(xs, ys, ds)),
        kinks=kinks,
    )


def properties(spec: str | Function) -> Properties:
    """The qualitative properties at the bound parameters.

    At the defaults they are the record's declared (and tested) ones; at other parameters they
    are measured on :func:`_grid` (with x = +-inf) and marked ``estimated``:
    ``hardtanh(min_val=-0.1, max_val=0.3)`` has range [-0.1, 0.3], and
    ``leaky_relu(negative_slope=-2)`` is not monotonic.

    >>> properties("leaky_relu(negative_slope=-2)").monotonic
    False
    """
    f = actlab.get(spec)
    declared = f.record.properties
    if declared.estimated or not f.record.params or f.params == f.record.defaults:
        return declared
    if any(isinstance(v, np.ndarray) for v in f.params.values()):
        return declared
    x = np.concatenate([[-math.inf], _grid(f), [math.inf]])
    y = np.asarray(f(x), np.float64)
    d = np.asarray(f.derivative(x[1:-1]), np.float64)
    seen = y[~np.isnan(y)]  # NaN marks undefined points, which say nothing about order
    low, high = (float(seen.min()), float(seen.max())) if seen.size else (math.nan, math.nan)
    slope = np.abs(d[~np.isnan(d)])
    # rounding may wobble a saturating tail by an ulp or two (isru's 1/sqrt(alpha)): not a descent
    tail = seen[:-1]
    wobble = np.where(np.isfinite(tail), 4 * np.finfo(np.float64).eps * np.abs(tail), 0.0)
    return Properties(
        range=(low, high),
        monotonic=bool(np.all(seen[1:] >= seen[:-1] - wobble)),  # not diff: inf - inf is nan
        smooth=declared.smooth,  # a matter of the formula's form, not of its parameters
        zero_centred=bool(float(f(0.0)) == 0 and low < 0 < high),
        saturating=bool(slope.size and min(abs(float(d[0])), abs(float(d[-1]))) < 1e-6),
        estimated=True,
    )


def _grid(f: Function) -> np.ndarray:
    """Dense on [-10, 10] (where activations do their work), log-spaced out to 1e300, kinks."""
    mags = np.logspace(-12, 300, 4001)
    kinks = [k.point(f.params) for k in f.record.kinks]
    near = [np.nextafter(k, s) for k in kinks for s in (-np.inf, np.inf)]
    grid = np.concatenate([np.linspace(-10, 10, 20001), mags, -mags, kinks, near])
    return np.unique(grid)


def _abs_slope(f: Function, x: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    d = np.abs(np.asarray(f.derivative(np.asarray(x, dtype)), np.float64))
    return np.where(np.isnan(d), -np.inf, d)  # NaN (undefined points) never wins


def max_slope(spec: str | Function) -> SlopeMax:
    """sup |f'(x)| over the reals and where it is reached, measured from the kernels.

    A dense grid finds the candidates; isolated peaks are refined by nested dense grids (a smooth
    peak is flat, so its location is known to ~1e-8); runs where |f'| is exactly constant are
    plateaus, unless their edge moves between float32 and float64 -- then |f'| only approaches the
    value as x -> +-inf and rounding made it look flat (softplus' -> 1).
    """
    f = actlab.get(spec)
    x = _grid(f)
    d = _abs_slope(f, x)
    top = float(d.max())
    if math.isinf(top):
        return _unbounded(x, d)
    runs = _runs(d >= top * (1 - _NEAR))
    peaks: list[tuple[float, float]] = []  # (value, x)
    plateaus: list[tuple[int, int]] = []
    for lo, hi in runs:
        seg = d[lo : hi + 1]
        flat = np.flatnonzero(seg == seg.max())
        if len(flat) >= 3 and x[lo + flat[-1]] - x[lo + flat[0]] > 1e-3:
            plateaus.append((lo + flat[0], lo + flat[-1]))
        else:
            i = lo + int(np.argmax(seg))
            peaks.append(_refine(f, x, i))
    best = max([v for v, _ in peaks] + [float(d[a]) for a, _ in plateaus])
    keep = [xp for v, xp in peaks if v >= best * (1 - 1e-12)]
    intervals, closed, towards = [], [], []
    for a, b in plateaus:
        if d[a] < best * (1 - 1e-12):
            continue
        side = _rounding_artefact(f, x, a, b)
        if side:
            towards.append(side)
            continue
        left, right = _plateau_edges(f, x, d, a, b)
        intervals.append((left, right))
        closed.append(tuple(bool(_abs_slope(f, np.array([e]))[0] == d[a]) for e in (left, right)))
    keep.sort(key=lambda p: (abs(p), p))
    shown = sorted(keep[:_MAX_POINTS])
    return SlopeMax(
        value=best,
        points=tuple(shown),
        intervals=tuple(intervals),
        closed=tuple(closed),  # type: ignore[arg-type]
        towards=tuple(towards),
        more=len(keep) > _MAX_POINTS,
    )


def _unbounded(x: np.ndarray, d: np.ndarray) -> SlopeMax:
    """|f'| overflows: towards +-inf when the overflow runs off the grid's end, else at points."""
    points, towards = [], []
    for lo, hi in _runs(np.isinf(d)):
        if hi == len(x) - 1 or lo == 0:
            towards.append(1.0 if hi == len(x) - 1 else -1.0)
        else:
            points.append(_snap(float(x[lo])))
    return SlopeMax(math.inf, points=tuple(points[:_MAX_POINTS]), towards=tuple(towards))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _refine(f: Function, x: np.ndarray, i: int) -> tuple[float, float]:
    """Zoom in on the peak near grid point i: three nested grids of 2001 points."""
    lo, hi = x[max(i - 1, 0)], x[min(i + 1, len(x) - 1)]
    best_x, best = float(x[i]), float(_abs_slope(f, x[i : i + 1])[0])
    for _ in range(3):
        xs = np.linspace(lo, hi, 2001)
        ds = _abs_slope(f, xs)
        j = int(np.argmax(ds))
        if ds[j] >= best:
            best_x, best = float(xs[j]), float(ds[j])
        step = (hi - lo) / 2000
        lo, hi = best_x - step, best_x + step
    # report the value at the reported point (f'(0) = 0.25 exactly, not 0.25 + 1 ulp nearby);
    # keep the unsnapped point when the peak is only a one-sided limit (SELU' as x -> 0-)
    snapped = _snap(best_x)
    at = float(_abs_slope(f, np.array([snapped]))[0])
    return (at, snapped) if at >= best * (1 - 1e-12) else (best, best_x)


def _plateau_edges(
    f: Function, x: np.ndarray, d: np.ndarray, a: int, b: int
) -> tuple[float, float]:
    """The ends of the plateau x[a..b], by bisection against the neighbouring grid points."""
    top = d[a]
    kinks = [k.point(f.params) for k in f.record.kinks]
    left = -math.inf if a == 0 or x[a] < -1e100 else _edge(f, x[a - 1], x[a], top, kinks)
    right = math.inf if b == len(x) - 1 or x[b] > 1e100 else _edge(f, x[b + 1], x[b], top, kinks)
    return left, right


def _edge(f: Function, outside: float, inside: float, top: float, kinks: list[float]) -> float:
    """Bisect between a point off the plateau and one on it (|f'| == top): the plateau's edge.

    An edge within 1e-9 of a kink is the kink (the interval's end is then open or closed by the
    kink's convention).
    """
    for _ in range(200):
        mid = 0.5 * (outside + inside)
        if mid in (outside, inside):
            break
        if _abs_slope(f, np.array([mid]))[0] == top:
            inside = mid
        else:
            outside = mid
    near = [k for k in kinks if abs(k - inside) <= 1e-9 * max(1.0, abs(k))]
    return float(near[0]) if near else _snap(inside)


def _rounding_artefact(f: Function, x: np.ndarray, a: int, b: int) -> float:
    """The side (+-1.0) when a plateau running off to +-inf starts elsewhere in float32, else 0.

    A true plateau (ReLU' = 1 for x > 0) has its edge where the formula says in both dtypes;
    softplus' = 1 - e^-x only *rounds* to 1, from x ~ 37 in float64 but x ~ 17 in float32.
    """
    last = len(x) - 1
    # the far grid is 1e300; a kernel may give NaN before that (overflow in an intermediate)
    a = 0 if x[a] < -1e100 else a
    b = last if x[b] > 1e100 else b
    if (a == 0) == (b == last):
        return 0.0  # a finite interval, or the whole line: the formula's own plateau
    big = float(np.finfo(np.float32).max)
    d32 = _abs_slope(f, np.clip(x, -big, big).astype(np.float32), np.float32)
    end = last if b == last else 0
    same = d32 == d32[end]
    run = next((lo, hi) for lo, hi in _runs(same) if lo <= end <= hi)
    edge64, edge32 = (x[a], x[run[0]]) if b == last else (x[b], x[run[1]])
    moved = abs(edge32 - edge64) > 1e-3 * max(1.0, abs(edge64)) + 0.02
    return (1.0 if b == last else -1.0) if moved else 0.0


def _snap(v: float) -> float:
    return 0.0 if abs(v) < _SNAP else float(v)


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.6g}"


def _interval(a: float, b: float, closed: tuple[bool, bool]) -> str:
    if math.isinf(a) and math.isinf(b):
        return "(-inf, inf) (everywhere)"
    left = "[" if closed[0] and math.isfinite(a) else "("
    right = "]" if closed[1] and math.isfinite(b) else ")"
    return f"{left}{_fmt(a)}, {_fmt(b)}{right}"


def _json(v: float) -> float | str:
    return v if math.isfinite(v) else str(v)


def describe(spec: str | Function) -> dict[str, Any]:
    """A record and its computed properties as a JSON-ready dict (``actlab list --json``, ``show``).

    ``properties`` holds the declared qualitative properties and the computed numbers
    (``f(0)``, ``f'(0)``, ``max_abs_derivative``) side by side.
    """
    f = actlab.get(spec)
    r, info = f.record, analyse(f)
    props = properties(f)
    computed = info.as_dict()
    return {
        "name": r.name,
        "spec": f.spec,
        "aliases": list(r.aliases),
        "summary": r.summary,
        "family": r.family,
        "params": [
            {
                "name": p.name,
                "value": _json(float(f.params[p.name])),
                "default": _json(p.default),
                "range": p.range_text(),
                "low": _json(p.low),
                "high": _json(p.high),
                "learnable": p.learnable,
                "doc": p.doc,
            }
            for p in r.params
        ],
        "latex": r.latex,
        "derivative_latex": r.derivative_latex,
        "properties": {
            "range": [_json(v) for v in props.range],
            "bounded_below": props.bounded_below,
            "bounded_above": props.bounded_above,
            "monotonic": props.monotonic,
            "smooth": props.smooth,
            "zero_centred": props.zero_centred,
            "saturating": props.saturating,
            "estimated": props.estimated,
            "f(0)": computed["f(0)"],
            "f'(0)": computed["f'(0)"],
            "max_abs_derivative": computed["max_abs_derivative"],
            "kinks": computed["kinks"],
        },
        "random": r.sample is not None,
        "reference": r.reference,
        "table": computed["table"],
    }
