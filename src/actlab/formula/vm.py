"""The compiled first tier of exact formulas: a bound program run by the C interpreter ``_vm``.

:class:`Code` lowers a :class:`~actlab.formula.bounds.Plan` (the program the NumPy float tiers
run, step for step) to an array of instructions ``(op, dst, a, b)`` plus the constants' values
and bounds in both number systems; :func:`run` runs it over a whole array in one C call
and returns the indices it could not certify, which :mod:`actlab.formula.exact` sends on to
mpmath. C evaluates each element's value and error bound, with the rules of
:mod:`~actlab.formula.bounds` and the certification of :func:`exact.certify
<actlab.formula.exact.certify>`, vectorised over blocks of elements: for float32 output in
double, for float64 output in double-double (where the program has no sin, cos, tan, atan, erf
or erfc: those run in long double), then in long double one element at a time for the elements
the block tier leaves.

``pip install -e .`` builds ``_vm`` with the catalog's kernels (``setup.py``, optional); where it
was not built, where long double is no wider than double, or while the compiled path is off
(``ACTLAB_NO_COMPILED=1``, :func:`actlab.catalog._compiled.disabled`), :func:`enabled` is False
and the NumPy tiers do all the work.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import sympy as sp

from actlab.catalog import _compiled
from actlab.errors import ActlabError
from actlab.formula.bounds import _UNARY, Plan
from actlab.formula.functions import Log1pExp, Sigmoid, erfc, expm1, log1p
from actlab.formula.numbers import LONG, FloatSystem

try:
    from actlab.formula import _vm  # type: ignore[attr-defined]
except ImportError:  # not built (no C compiler at install time)
    _vm = None

#: the C interpreter's opcodes, in its enum's order (_vm.c)
OPS = (
    "x param const bool one add mul recip sqrt exp expm1 sinh cosh sech sigmoid log1pexp "
    "log log1p sin cos tanh atan tan erf erfc abs sign heaviside max min gt ge lt le "
    "not and or pw_init pw_step pw_end"
).split()
_OP = {name: code for code, name in enumerate(OPS)}
#: the tallies' names of the compiled tier's number systems
DOUBLE, DOUBLE_DOUBLE = "compiled float64", "compiled double-double"
LONG_DOUBLE = "compiled long double"
#: the extension was built, agrees with this table, and long double is wider than double
AVAILABLE = _vm is not None and _vm.OP_COUNT == len(OPS) and LONG is not None
#: what ACTLAB_VM_ISA may cap the block tier at (for tests of the narrower builds)
ISAS = ("x86-64", "x86-64-v3", "x86-64-v4")

_UNARY_OPS: dict[Any, str] = {
    sp.exp: "exp",
    expm1: "expm1",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.sech: "sech",
    Sigmoid: "sigmoid",
    Log1pExp: "log1pexp",
    sp.log: "log",
    log1p: "log1p",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tanh: "tanh",
    sp.atan: "atan",
    sp.tan: "tan",
    sp.erf: "erf",
    sp.erfc: "erfc",
    erfc: "erfc",
    sp.Abs: "abs",
    sp.sign: "sign",
}
assert set(_UNARY_OPS) == set(_UNARY), "every bound rule needs its opcode"
_COMPARE = {sp.StrictGreaterThan: "gt", sp.GreaterThan: "ge", sp.StrictLessThan: "lt"}
_COMPARE[sp.LessThan] = "le"
_SYSTEMS = (FloatSystem(np.float64), FloatSystem(LONG)) if LONG is not None else ()


def enabled() -> bool:
    """Whether exact formulas take the compiled tier now."""
    return AVAILABLE and _compiled.enabled()


class Code:
    """A :class:`Plan` as C instructions: every instruction writes a fresh register (n-ary sums,
    products, max/min, and/or become left-to-right chains, as bounds.py's ``reduce``; powers
    become the same multiplications, square roots and reciprocals as bounds.power)."""

    def __init__(self, plan: Plan) -> None:
        self.params = plan.params
        self.registers = 0
        self._rows: list[tuple[int, int, int, int]] = []
        self._constants: list[Any] = []
        where: list[int] = []
        for (kind, detail), (_, reads) in zip(plan.ops, plan.steps):
            where.append(self._step(kind, detail, [where[r] for r in reads if r >= 0]))
        self.result = where[plan.result]
        self.code = np.array(self._rows, dtype=np.int32).reshape(-1)
        tables = []
        for system in _SYSTEMS:
            pairs = [system.constant(c) for c in self._constants] or [(system.dtype(0), True)]
            tables.append(np.array([v for v, _ in pairs], dtype=system.dtype))
            bounds = [system.dtype(0) if exact else abs(v) * system.u for v, exact in pairs]
            tables.append(np.array(bounds, dtype=system.dtype))
        self.cv_d, self.ce_d, self.cv_ld, self.ce_ld = tables
        #: the parameter table when there are none (C reads at least one element)
        self.no_params = np.zeros(1)
        #: the leading arguments of _vm.run: the program and its constants
        self.args = (self.code, *tables)

    def _emit(self, op: str, a: int = 0, b: int = 0, dst: int | None = None) -> int:
        if dst is None:
            dst, self.registers = self.registers, self.registers + 1
        self._rows.append((_OP[op], dst, a, b))
        return dst

    def _chain(self, op: str, regs: list[int]) -> int:
        acc = regs[0]
        for reg in regs[1:]:
            acc = self._emit(op, acc, reg)
        return acc

    def _step(self, kind: str, detail: Any, regs: list[int]) -> int:
        if kind == "x":
            return self._emit("x")
        if kind == "param":
            return self._emit("param", self.params.index(detail))
        if kind == "const":
            self._constants.append(detail)
            return self._emit("const", len(self._constants) - 1)
        if kind == "bool":
            return self._emit("bool", int(detail))
        if kind in ("add", "mul", "max", "min"):
            return self._chain(kind, regs)
        if kind == "logic":
            if detail is sp.Not:
                return self._emit("not", regs[0])
            return self._chain("and" if detail is sp.And else "or", regs)
        if kind == "compare":
            return self._emit(_COMPARE[detail], regs[0], regs[1])
        if kind == "heaviside":
            return self._emit("heaviside", regs[0])
        if kind == "unary":
            return self._emit(_UNARY_OPS[detail], regs[0])
        if kind == "piecewise":
            target = self._emit("pw_init")
            for value, cond in zip(regs[0::2], regs[1::2]):
                self._emit("pw_step", value, cond, dst=target)
            return self._emit("pw_end", dst=target)
        if kind == "power":
            return self._power(regs[0], detail)
        raise ValueError(f"vm: no opcode for {kind!r}")

    def _power(self, base: int, exponent: Any) -> int:
        if exponent.is_Integer:
            n = int(exponent)
            result = self._integer_power(base, abs(n))
            return self._emit("recip", result) if n < 0 else result
        # base^(k/2) (bounds.power: any other exponent was rewritten to exp/log)
        return self._power(self._emit("sqrt", base), sp.Integer(exponent.p))

    def _integer_power(self, base: int, n: int) -> int:
        if n == 0:
            return self._emit("one", base)
        result, square = None, base
        while True:
            if n & 1:
                result = square if result is None else self._emit("mul", result, square)
            n >>= 1
            if not n:
                return result if result is not None else square
            square = self._emit("mul", square, square)


def lower(plan: Plan) -> Code | None:
    """The plan's C program, or None where the extension is absent or a step has no opcode (the
    NumPy tiers then evaluate it, as everywhere without the extension)."""
    cap = os.environ.get("ACTLAB_VM_ISA")
    if cap and cap not in ISAS:  # _vm.c would silently take the widest one
        raise ActlabError(f"ACTLAB_VM_ISA={cap!r} is not one of {', '.join(ISAS)}")
    if not AVAILABLE:
        return None
    try:
        return Code(plan)
    except (KeyError, ValueError):
        return None


def run(
    code: Code, x: np.ndarray, out: np.ndarray, values: dict[str, Any]
) -> tuple[np.ndarray, int, int, int]:
    """Certify f(x) into ``out`` (flat, contiguous, float32 or float64; x likewise, finite or
    not): returns the uncertain mask and the counts certified in the block tier (double for
    float32 output, double-double for float64: :func:`first_system`), in long double, and left
    uncertain."""
    params = code.no_params if not values else _params(code, values)
    uncertain = np.empty(x.shape, dtype=np.uint8)
    d, ld, left = _vm.run(*code.args, params, code.registers, code.result, x, out, uncertain, 1)
    return uncertain.view(bool), d, ld, left


def first_system(dtype: Any) -> str:
    """The tally name of the number system that runs first for this output dtype."""
    return DOUBLE if np.dtype(dtype) == np.float32 else DOUBLE_DOUBLE


def _params(code: Code, values: dict[str, Any]) -> np.ndarray:
    return np.array([float(values[p]) for p in code.params] or [0.0], dtype=np.float64)


def trace(
    code: Code, x: np.ndarray, values: dict[str, Any], tier: str = "long double"
) -> tuple[np.ndarray, np.ndarray]:
    """Every element's value and error bound (float64 x) for tests that hold the bounds against
    mpmath, in one number system: ``"long double"`` (values and bounds as long doubles),
    ``"double"`` (the block tier for float32 output) or ``"double-double"`` (the block tier for
    float64 output: each value an (n, 2) row of its high and low part)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    block = tier != "long double"
    out = np.empty(x.shape, dtype=np.float32 if tier == "double" else np.float64)
    uncertain = np.empty(x.shape, dtype=np.uint8)
    items = np.empty((x.size, 3 if block else 2), dtype=np.float64 if block else LONG)
    params = _params(code, values)
    _vm.run(*code.args, params, code.registers, code.result, x, out, uncertain, int(block), items)
    if tier == "double-double":
        return items[:, :2], items[:, 2]
    return items[:, 0], items[:, -1]
