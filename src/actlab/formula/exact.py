"""Formulas correct to 1 ulp: Ziv's strategy over the number systems of :mod:`.numbers`.

Every element is evaluated with a rigorous error bound (:mod:`actlab.formula.bounds`), first in
the cheapest number system that can certify it, and only the elements whose result is not yet
certain are recomputed in the next one:

1. float64 (for float32 output: 29 spare bits, so nearly every element is certified here);
2. long double (x86: 11 bits more than float64; certifies most float64 output);

   both run in C where the interpreter :mod:`actlab.formula.vm` was built (one pass per element,
   glibc's long double erfl/erfcl included), else as NumPy passes over blocks;
3. mpmath at 128, 256, ... 16384 bits, a doubling working precision, for what is left
   (cancellation, overflow, underflow in an intermediate; erf in float64 output).

An element is *certified* when the whole interval ``[v - e, v + e]`` lies between the two
neighbours of ``r``, the value ``v`` rounded to the output type: whatever the exact value is
inside the interval, ``r`` is then within one ulp of it (an exact value beyond the largest finite
number certifies infinity). Exactly undefined elements (log of a negative number) certify NaN.
Elements still uncertain at the highest precision keep the plain compiled kernel's value; they
arise only where an intermediate is exactly zero by an identity no finite precision can see
(``exp(x) - exp(-x)`` at exactly x = 0 is resolved by 2048 bits).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy

from actlab.catalog._numeric import nan_passing
from actlab.catalog.record import Kernel
from actlab.formula import compile as compiler
from actlab.formula import singular, vm
from actlab.formula.bounds import Bounded, Plan, Unsupported
from actlab.formula.numbers import LONG, FloatSystem, MpSystem

#: mpmath working precisions tried in turn (bits)
PRECISIONS = (128, 256, 512, 1024, 2048, 4096, 8192, 16384)
#: the most one Ziv step multiplies the precision by
JUMP = 4
#: elements per block in the first tier: the temporaries stay in cache
BLOCK = 1 << 14

_FLOAT64 = FloatSystem(np.float64)
_LONG = FloatSystem(LONG) if LONG is not None else None


@dataclass
class Tally:
    """How many elements each number system certified (for ``actlab accuracy`` and benchmarks)."""

    certified: dict[str, int] = field(default_factory=dict)
    uncertain: int = 0

    def add(self, system: str, count: int) -> None:
        if count:
            self.certified[system] = self.certified.get(system, 0) + count


def systems(dtype: Any) -> list[Any]:
    """The float systems tried before mpmath for output ``dtype``."""
    first = [_FLOAT64] if np.dtype(dtype) == np.float32 else []
    return first + ([_LONG] if _LONG is not None else [])


#: the mpmath tiers of one call stop after this long, plus MPMATH_SECONDS_EACH for each element
#: that reaches them, plus MPMATH_SECONDS_EARNED for each element they certify; elements still
#: uncertain then keep the plain kernel's value and are counted as uncertain (a formula such as
#: sin(exp(exp(x))) would otherwise make mpmath work for minutes on numbers with thousands of
#: digits). An ordinary hard element costs 0.1-0.3 ms, a deep cancellation settled at 2048 bits
#: about 3 ms (the derivative of (1-exp(-2x))/(1+exp(-2x)) at x = -8000, which cancels by
#: e^-16000): elements that settle earn many times what they cost even on a loaded machine,
#: so the result depends neither on the machine's load nor on how many hard elements share the
#: call (a cap on the earnings made a 20001-element call of gelu(x) - relu(x), thousands of
#: deep cancellations, give up on elements a 400-element call settled); elements that never
#: settle (a pathological formula's) get only the fixed part
MPMATH_SECONDS = 2.0
MPMATH_SECONDS_EACH = 0.001
MPMATH_SECONDS_EARNED = 0.05
#: elements per mpmath evaluation between two looks at the clock, at most; a chunk starts at one
#: element and doubles while each takes under MPMATH_QUICK seconds
MPMATH_CHUNK = 64
MPMATH_QUICK = 0.02


def evaluate(
    plan: Plan,
    x: np.ndarray,
    values: dict[str, Any],
    dtype: Any,
    fallback: Callable[[np.ndarray, dict[str, Any]], np.ndarray],
    tally: Tally | None = None,
    floats: bool = True,
    limits: bool = True,
) -> np.ndarray:
    """f(x) rounded to ``dtype`` within 1 ulp, for finite x (flat arrays); ``floats=False``
    starts at mpmath (the compiled tier has tried the float systems). What no precision
    settles gets the formula's limit where it is an isolated singular point (``limits``,
    :mod:`actlab.formula.singular`), else the plain kernel's value."""
    out = np.empty(x.shape, dtype=dtype)
    todo = np.arange(x.size)
    if floats:
        todo = float_tiers(plan, x, values, out, todo, tally)
    budget = MPMATH_SECONDS + MPMATH_SECONDS_EACH * todo.size
    deadline = time.monotonic() + budget
    latest = deadline + MPMATH_SECONDS_EARNED * todo.size  # what every element could earn
    chunk = 1  # grows while chunks are quick: one pathological element can't overrun by much
    beyond: list[np.ndarray] = []  # past exp's 2^4096 guard: no precision settles them
    # Ziv, element by element: each climbs from the first precision to what its own bound says
    # it still lacks (at least double, at most 4 times: an error that exp amplified, e^(x/a)
    # at x = 1e300 with an inexact 1/a, shrinks far faster than in proportion and asks for
    # 16384 bits where 2048 do), so a deep cancellation costs a few jumps instead of many
    # doublings, and which precision settles an element (hence which of two faithful
    # roundings it gets) depends on that element alone, never on the others of the batch
    precs = np.full(todo.size, PRECISIONS[0])
    spent: list[np.ndarray] = []  # past the last precision
    while todo.size and time.monotonic() < deadline:
        prec = int(precs.min())
        group, waiting, later = todo[precs == prec], todo[precs != prec], precs[precs != prec]
        left, needs = [], []
        start = 0
        while start < group.size:
            if time.monotonic() >= deadline:  # out of time: the rest keeps the plain value
                left.append(group[start:])
                needs.append(np.full(group.size - start, prec))
                break
            began = time.monotonic()
            with mpmath.workprec(prec):
                rest, need, infinite = _tier(
                    plan, MpSystem(prec), x, values, group[start : start + chunk], out, tally
                )
                if rest.size and plan.second is not None and prec == PRECISIONS[0]:
                    rest, need = _also_second(
                        plan.second, MpSystem(prec), x, values, rest, need, out, tally
                    )
            left.append(rest)
            needs.append(need)
            beyond.append(infinite)
            done = min(chunk, group.size - start) - rest.size - infinite.size  # certified
            earned = MPMATH_SECONDS_EARNED * done
            deadline = min(deadline + earned, latest)
            start += chunk
            quick = time.monotonic() - began < MPMATH_QUICK
            chunk = min(2 * chunk, MPMATH_CHUNK) if quick else 1
        rest = np.concatenate(left) if left else group[:0]
        need = np.clip(np.concatenate(needs) if needs else rest[:0], 2 * prec, JUMP * prec)
        step = np.searchsorted(PRECISIONS, need)  # the first precision at least the need
        top = step >= len(PRECISIONS)
        spent.append(rest[top])
        nexts = np.asarray(PRECISIONS)[np.minimum(step, len(PRECISIONS) - 1)][~top]
        todo, precs = np.concatenate([waiting, rest[~top]]), np.concatenate([later, nexts])
    lost = np.concatenate(spent) if spent else todo[:0]
    todo = np.concatenate([todo, lost])
    # an element left when the budget ran out was slow, not singular: no limit is tried
    if todo.size and limits and time.monotonic() < deadline:
        settled = todo.size
        todo = singular.resolve(plan, x, values, out, todo, _settle(plan, values, fallback))
        if tally is not None:
            tally.add(LIMIT, settled - todo.size)
    todo = np.concatenate([todo, *beyond])
    if todo.size and plan.second is not None:
        # the second form in mpmath where the first could not settle: written in e^(-g u) for
        # u > 0, it has no exp past the 2^4096 guard (x*(e^(2e^x) - 1)/(e^(2e^x) + 1) at
        # x = 3000, inf/inf in the first form, is x)
        inputs = _pick(values, todo)
        out[todo] = evaluate(plan.second, x[todo], inputs, dtype, fallback, tally, False)
        todo = todo[:0]
    if todo.size:
        if tally is not None:
            tally.uncertain += todo.size
        out[todo] = fallback(x[todo], _pick(values, todo))
        if lost.size and plan.expr is not None and plan.expr.has(*_PERIODIC):
            # sin, cos or tan of an argument past 2^16384 (sin(e^x) for x > 11356): no
            # precision within reach reduces it, and the plain kernel's long double value is
            # noise there (-0.998 where the value is -0.565): NaN says it is not known
            out[todo[np.isin(todo, lost)]] = np.nan
    return out


_PERIODIC = (sympy.sin, sympy.cos, sympy.tan)


def _also_second(
    second: Plan,
    system: MpSystem,
    x: np.ndarray,
    values: dict[str, Any],
    rest: np.ndarray,
    need: np.ndarray,
    out: np.ndarray,
    tally: Tally | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The second form at the first mpmath precision on what the first form left (``rest``,
    each needing ``need`` bits next in the first form): returns what is still left. Where the
    first form cancels deeply and the second does not (gelu(x) - x far right cancels by
    e^(-x^2/2) as typed, not as -x erfc(x/sqrt 2)/2), one evaluation here saves a climb to
    thousands of bits; the climb goes on in the first form for the rest."""
    left, _, infinite = _tier(second, system, x, values, rest, out, tally)
    keep = np.isin(rest, left) | np.isin(rest, infinite)
    return rest[keep], need[keep]


#: the tally's name for elements whose value is the formula's limit at a singular point
LIMIT = "limit"


def _settle(
    plan: Plan, values: dict[str, Any], fallback: Callable[..., np.ndarray]
) -> singular.Evaluate:
    """The exact float64 values at some points, and which of them were certified (NaN where
    undefined counts as certified)."""

    def settle(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        got = np.empty(points.size)
        certified = np.zeros(points.size, dtype=bool)
        for i in range(points.size):
            tally = Tally()
            one = points[i : i + 1]
            got[i] = evaluate(plan, one, values, np.float64, fallback, tally, limits=False)[0]
            certified[i] = tally.uncertain == 0
        return got, certified

    return settle


def float_tiers(
    plan: Plan,
    x: np.ndarray,
    values: dict[str, Any],
    out: np.ndarray,
    todo: np.ndarray,
    tally: Tally | None = None,
    tiers: Sequence[Any] | None = None,
) -> np.ndarray:
    """The NumPy float systems (or ``tiers``) on the elements ``todo`` of ``x``: writes the
    certified ones to ``out`` and returns the indices left uncertain."""
    for system in systems(out.dtype) if tiers is None else tiers:
        if todo.size == 0:
            break
        block = BLOCK if todo.size == x.size else todo.size
        left = []
        for start in range(0, todo.size, block):
            index = todo[start : start + block]
            left.append(_tier(plan, system, x, values, index, out, tally)[0])
        todo = np.concatenate(left)
    return todo


def _pick(values: dict[str, Any], index: np.ndarray) -> dict[str, Any]:
    return {k: v[index] if np.ndim(v) else v for k, v in values.items()}


_isinf = np.frompyfunc(mpmath.isinf, 1, 1)


def _tier(
    plan: Plan,
    system: Any,
    x: np.ndarray,
    values: dict[str, Any],
    index: np.ndarray,
    out: np.ndarray,
    tally: Tally | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``index`` in ``system``; write the certified ones; return the rest (for mpmath:
    the precision each of the rest needs next, and apart those whose value is infinite)."""
    # the whole array in order (the first tier); the mpmath loop's groups can come reordered
    # ([1, 0]: an element's results went to its neighbour, and one kept np.empty's garbage)
    whole = index.size == x.size and bool(np.all(index[1:] > index[:-1]))
    xs = x if whole else x[index]
    local = values if whole else _pick(values, index)
    xa = system.array(xs)  # first: the mpmath system takes its shape from x
    args = {k: system.array(v) if np.ndim(v) else system.scalar(float(v)) for k, v in local.items()}
    steps = plan.steps_at(system, xa, args)
    result = steps[plan.result]
    ok, rounded = certify(system, result, out.dtype, xs.shape)
    if whole:
        out[ok] = rounded[ok]
    else:
        out[index[ok]] = rounded[ok]
    if tally is not None:
        tally.add(system.name, int(np.count_nonzero(ok)))
    if not isinstance(system, MpSystem):
        return index[~ok], index[:0], index[:0]
    # mpmath never overflows: an infinite value comes from exp's (sinh's, cosh's) limit past
    # 2^4096 (numbers._limits; log(0) is NaN there), which no precision changes. An element
    # with one among its steps (inf/inf is NaN at every precision) stays uncertain in this form
    # (the second form's value, else the plain kernel's) without climbing to 16384 bits.
    infinite = np.zeros(ok.shape, dtype=bool)
    for step in steps if not ok.all() else ():
        if isinstance(step, Bounded):
            infinite |= ~ok & np.broadcast_to(_isinf(step.v), ok.shape).astype(bool)
    rest = ~ok & ~infinite
    return index[rest], _needed(system, result, rest, out.dtype), index[infinite]


def _needed(system: MpSystem, b: Bounded, left: np.ndarray, dtype: Any) -> np.ndarray:
    """For each uncertain element (``left``), the working precision at which it would certify
    if its error shrank in proportion: bits = prec + log2(bound / target ulp) + 16 (twice the
    precision where there is no estimate: an overflow or an undecided branch)."""
    info = np.finfo(dtype)
    v = np.broadcast_to(b.v, left.shape)[left]
    e = np.broadcast_to(np.asarray(b.e, dtype=object), left.shape)[left]
    needs = np.full(v.size, 2 * system.prec)
    for i, (value, bound) in enumerate(zip(v, e)):
        if mpmath.isfinite(value) and mpmath.isfinite(bound) and bound != 0:
            scale = max(abs(value) * float(info.eps), mpmath.mpf(float(info.smallest_subnormal)))
            bits = system.prec + int(mpmath.log(bound / scale, 2)) + 16
            needs[i] = min(bits, 2 * PRECISIONS[-1])
    return needs


def certify(system: Any, b: Bounded, dtype: Any, shape: tuple[int, ...]) -> tuple[Any, Any]:
    """Which elements are certified to 1 ulp in ``dtype``, and their rounded values."""
    dtype = np.dtype(dtype).type
    v = np.broadcast_to(b.v, shape)
    e = np.broadcast_to(b.e, shape) if not isinstance(b.e, (int, float)) else b.e
    nan = np.broadcast_to(np.asarray(b.nan, dtype=bool), shape)
    rounded = system.to_float(v, dtype)
    # the interval's own end points are rounded: widen by u|v| and a factor (see bounds.py)
    width = (e + abs(v) * (4 * system.u) + system.eta) * system.grow
    low, high = v - width, v + width
    below = system.compare_array(np.nextafter(rounded, dtype(-np.inf)))
    above = system.compare_array(np.nextafter(rounded, dtype(np.inf)))
    inside = system.boolean(low >= below) & system.boolean(high <= above)
    ok = inside & system.finite(width) & ~system.nan(v)
    # overflow: r = +-inf needs the exact value past the rounding threshold; r = +-max below it
    info = np.finfo(dtype)
    big = np.isinf(rounded) | (np.abs(rounded) == info.max)
    if big.any():
        omega = _threshold(system, dtype)
        top = np.abs(rounded) == info.max
        lo_abs = np.where(rounded > 0, low, -high)
        hi_abs = np.where(rounded > 0, high, -low)
        past = system.boolean(lo_abs >= omega)
        short = system.boolean(hi_abs < omega)
        ok = np.where(np.isinf(rounded), past & system.finite(width), np.where(top, ok & short, ok))
    rounded = np.where(nan, np.nan, rounded).astype(dtype)
    return ok | nan, rounded


def _threshold(system: Any, dtype: Any) -> Any:
    """The smallest magnitude that rounds to infinity in ``dtype``: max + half an ulp of max."""
    info = np.finfo(dtype)
    half = 2.0 ** (info.maxexp - info.nmant - 2)  # float32 2^103, float64 2^970
    if isinstance(system, MpSystem):
        return mpmath.mpf(float(info.max)) + mpmath.mpf(half)
    return system.dtype(float(info.max)) + system.dtype(half)


def kernel(expr: Any, params: Sequence[str], second: Any = None) -> Kernel:
    """A catalog-style kernel for ``expr``, within 1 ulp wherever the bound rules apply; the plain
    compiled kernel where they do not (an expression with a node they don't know). ``second``,
    another form of the same function (:mod:`actlab.formula.forms`), gets what the compiled
    float systems leave uncertain in ``expr`` before mpmath does."""
    fast = compiler.kernel(expr, params)
    try:
        plan = Plan(expr, params)
    except Unsupported:
        return fast
    code = vm.lower(plan)
    plan.second = _second_plan(second, params)
    other = vm.lower(plan.second) if code is not None and plan.second is not None else None

    def fallback(x: np.ndarray, values: dict[str, Any]) -> np.ndarray:
        out: np.ndarray = fast(x, np.empty_like(x), **values)
        return out

    def run(x: np.ndarray, out: np.ndarray, **values: Any) -> np.ndarray:
        if (
            code is not None
            and out.dtype in _COMPILED
            and x.dtype in _COMPILED
            and x.flags.c_contiguous
            and out.flags.c_contiguous
            and x.shape == out.shape
            and (not values or all(type(v) is float for v in values.values()))
            and vm.enabled()
        ):
            # the common case, kept lean for the engine's many small calls: one C call that
            # writes out in place; Python only for what it leaves uncertain
            flat, result = x.reshape(-1), out.reshape(-1)
            uncertain, _, _, left = vm.run(code, flat, result, values)
            if left and other is not None:
                left = _run_second(other, flat, result, uncertain, values, None)
            if left:
                with np.errstate(all="ignore"):
                    _uncertain(plan, fast, fallback, flat, result, uncertain, values, None)
                    nan_passing(flat, result)
            return out
        with np.errstate(all="ignore"):
            _run(plan, fast, fallback, x, out, values, code=code, second=other)
        return out

    run.plan = plan  # type: ignore[attr-defined]
    run.second = other  # type: ignore[attr-defined]
    run.fast = fast  # type: ignore[attr-defined]
    run.code = code  # type: ignore[attr-defined]
    return run


def _run(
    plan: Plan,
    fast: Kernel,
    fallback: Callable[..., np.ndarray],
    x: np.ndarray,
    out: np.ndarray,
    values: dict[str, Any],
    tally: Tally | None = None,
    code: vm.Code | None = None,
    second: vm.Code | None = None,
) -> None:
    flat = np.ascontiguousarray(x).reshape(-1)
    scalar = not any(np.ndim(v) for v in values.values())
    result = np.empty(flat.shape, dtype=out.dtype)
    if code is not None and scalar and vm.enabled() and {out.dtype, x.dtype} <= _DTYPES:
        # the compiled tier: float systems in C, one call; mpmath for what it leaves
        uncertain, in_double, in_long, left = vm.run(code, flat, result, values)
        if tally is not None:
            tally.add(vm.first_system(out.dtype), in_double)
            tally.add(vm.LONG_DOUBLE, in_long)
        if left and second is not None:
            left = _run_second(second, flat, result, uncertain, values, tally)
        if left:
            _uncertain(plan, fast, fallback, flat, result, uncertain, values, tally)
        out[...] = nan_passing(x, result.reshape(x.shape))
        return
    shaped = {
        k: np.broadcast_to(v, x.shape).reshape(-1) if np.ndim(v) else v for k, v in values.items()
    }
    finite = np.isfinite(flat)
    if finite.all():
        result[...] = evaluate(plan, flat, shaped, out.dtype, fallback, tally)
    else:
        where = np.flatnonzero(finite)
        inputs = _pick(shaped, where)
        result[where] = evaluate(plan, flat[where], inputs, out.dtype, fallback, tally)
        _non_finite(plan, fast, fallback, flat, result, np.flatnonzero(~finite), shaped)
    out[...] = nan_passing(x, result.reshape(x.shape))


#: the tally's name for elements the second form's float systems certified
SECOND = "second form"


def _second_plan(second: Any, params: Sequence[str]) -> Plan | None:
    if second is None:
        return None
    try:
        return Plan(second, params)
    except Unsupported:
        return None


def _run_second(
    code: vm.Code,
    flat: np.ndarray,
    result: np.ndarray,
    uncertain: np.ndarray,
    values: dict[str, Any],
    tally: Tally | None,
) -> int:
    """The second form's compiled float systems on the elements left ``uncertain`` (updated):
    returns how many are still uncertain."""
    todo = np.flatnonzero(uncertain)
    part = np.empty(todo.size, dtype=result.dtype)
    still, _, _, left = vm.run(code, flat[todo], part, values)
    settled = ~still
    result[todo[settled]] = part[settled]
    uncertain[todo[settled]] = False
    if tally is not None:
        tally.add(SECOND, int(settled.sum()))
    return left


def _uncertain(
    plan: Plan,
    fast: Kernel,
    fallback: Callable[..., np.ndarray],
    flat: np.ndarray,
    result: np.ndarray,
    uncertain: np.ndarray,
    values: dict[str, Any],
    tally: Tally | None,
) -> None:
    """After the compiled tier: mpmath for the finite elements it left, the plain kernel and
    the limits for +-inf and NaN (scalar parameters)."""
    todo = np.flatnonzero(uncertain)
    finite = np.isfinite(flat[todo])
    hard = todo[finite]
    if hard.size:  # each distinct input once (by its bits: f(-0) may differ from f(0))
        bits, inverse = np.unique(flat[hard].view(_BITS[flat.dtype]), return_inverse=True)
        points = bits.view(flat.dtype)
        got = evaluate(plan, points, values, result.dtype, fallback, tally, False)
        result[hard] = got[inverse.reshape(-1)]
    _non_finite(plan, fast, fallback, flat, result, todo[~finite], values)


def _non_finite(
    plan: Plan,
    fast: Kernel,
    fallback: Callable[..., np.ndarray],
    flat: np.ndarray,
    result: np.ndarray,
    rest: np.ndarray,
    values: dict[str, Any],
) -> None:
    """+-inf and NaN inputs: the plain kernel's value, and at +-inf the formula's limit."""
    if not rest.size:
        return
    inputs = flat[rest]  # a copy: result may be flat itself (a kernel run in place)
    result[rest] = fast(inputs, np.empty(rest.size, dtype=result.dtype), **_pick(values, rest))
    if not any(np.ndim(v) for v in values.values()):
        for sign in (-1.0, 1.0):
            at = rest[inputs == sign * np.inf]
            if at.size:
                result[at] = _limit(plan, fallback, sign, values)


_COMPILED = (np.dtype(np.float32), np.dtype(np.float64))
_BITS = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}
_DTYPES = set(_COMPILED)


def _limit(plan: Plan, fallback: Callable[..., np.ndarray], sign: float, values: dict) -> float:
    """lim f(x) as x -> sign*inf: SymPy's limit, else from the exact values at sign*1e150 and
    sign*1e300 (the rule of :func:`actlab.formula.compile._limit`, which sees only NaN where e^x
    overflows on the way); remembered per plan, side and parameter values."""
    key = (sign, tuple(sorted((k, float(v)) for k, v in values.items())))
    if key not in plan.limits:
        plan.limits[key] = _find_limit(plan, fallback, sign, values)
    return plan.limits[key]


def _find_limit(
    plan: Plan, fallback: Callable[..., np.ndarray], sign: float, values: dict
) -> float:
    got, certified = _settle(plan, values, fallback)(sign * np.array(FAR))
    if certified.all() and np.isnan(got).any():
        return math.nan  # undefined out there (log(x) as x -> -inf)
    # SymPy's limit where it finds one (log(x) and 1/x grow and decay too slowly for the
    # numeric rule below to tell a limit from noise), unless the exact values out there
    # contradict it outright; NaN where SymPy finds that it oscillates (sin(pi*x): every float
    # that large is an integer, where it is 0)
    found = singular.at_infinity(plan.expr, sign, values) if plan.expr is not None else None
    if found is not None and not (certified.all() and _contradicts(found, got)):
        return found
    if np.isnan(got).any():
        return math.nan
    first, last = got[0], got[-1]
    close = np.abs(got - last) <= 1e-12 * abs(last) if math.isfinite(last) else False
    if np.all((got == last) | close):  # (inf - -inf <= 1e-12 inf passed e^x sin(x) for -inf)
        return float(last)
    if np.all(np.abs(got) < 1e-200) or _vanishing(got):
        return 0.0
    # growing by 1e100 overall; or past the largest float on the way (log(erfc(x)): -1e300, then
    # -inf at 1e165 and beyond), which the strict comparison of two infinities missed
    size = np.abs(got)
    far = math.isinf(last) or abs(last) > 1e100 * abs(first)
    grows = np.all((size[1:] > size[:-1]) | np.isinf(size[1:])) and far
    if np.all(np.sign(got) == np.sign(last)) and grows:
        return math.copysign(math.inf, last)
    return math.nan


#: where the numeric rule for a limit at +-inf looks (times the sign): eleven points, so that an
#: oscillation rarely passes for growth or a limit (e^x sin(x), +-inf out there with the sign of
#: sin, passed for -inf where four points all had sin < 0: one formula in 8; now one in 1024)
FAR = tuple(10.0**k for k in range(150, 301, 15))


def _contradicts(limit: float, got: np.ndarray) -> bool:
    """Whether certified exact values far out rule a limit out: infinite where they are all 0,
    or of the other sign and moving away from 0 (SymPy's +oo for log(erfc(x)) + x^2, whose
    values fall like -log(x)); finite where they are all infinite, or all the same other value
    (SymPy's 0 for log(1 - tanh(x)) + 2x at +oo, which is log 2 from x = 1e150 to 1e300)."""
    if math.isinf(limit):
        other = np.all(np.sign(got) == -math.copysign(1.0, limit))
        away = np.all(np.abs(got[1:]) >= np.abs(got[:-1]))
        return bool(np.all(got == 0) or (other and away))
    last = got[-1]
    same = math.isfinite(last) and np.all(np.abs(got - last) <= 1e-12 * abs(last))
    # all below 1e-100 and shrinking: a limit of any size is ruled out (SymPy's -pi/2 for
    # max(min(0.5, atan(x)), 1/x) at -oo, whose values are 1/x)
    vanishing = _vanishing(got) and abs(limit) > 1e-100
    return bool(
        np.all(np.isinf(got)) or (same and abs(limit - last) > 1e-9 * abs(last)) or vanishing
    )


def _vanishing(got: np.ndarray) -> bool:
    """Far values all below 1e-100 in size and shrinking outwards: the limit is 0."""
    size = np.abs(got)
    return bool(np.all(size < 1e-100) and np.all(size[1:] <= size[:-1]))
