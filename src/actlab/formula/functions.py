"""SymPy functions that stand for catalog activations and stable primitives inside a formula.

A catalog activation used in a formula (``softplus(x)``) becomes an opaque SymPy function whose
numeric value is the catalog's exact kernel and whose derivative is another opaque function backed
by the catalog's derivative kernel: ``x*tanh(softplus(x))`` runs on actlab's stable softplus, not on
``log(1 + exp(x))``. :func:`to_elementary` replaces them by their symbolic forms, for derivations
and for the high-precision reference.

This module imports SymPy at import time; :mod:`actlab.formula` imports it lazily.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from actlab.catalog import Activation, lookup

#: the variable of every formula
X = sp.Symbol("x", real=True)

__all__ = [
    "CatalogCall",
    "CatalogDerivative",
    "Log1pExp",
    "Max",
    "Min",
    "Sigmoid",
    "X",
    "catalog_call",
    "domain_bases",
    "erfc",
    "expm1",
    "log1p",
]


class CatalogCall(sp.Function):
    """``name(u, *params)``: a catalog activation applied to ``u``, parameters in record order."""

    record: ClassVar[Activation]

    @classmethod
    def eval(cls, *args: Any) -> None:
        return None  # never evaluated symbolically: numbers go through the catalog kernel

    def _eval_is_extended_real(self) -> bool:
        # an activation is real on the real line: SymPy's derivative of abs(sigmoid(x)) was
        # written with re() and im() of an unknown function, which nothing compiles
        return True

    def fdiff(self, argindex: int = 1) -> Any:
        if argindex == 1:
            return _classes(self.record)[1](*self.args)
        # a parameter: differentiate the symbolic form (only reached for x-dependent params)
        u, p = _dummies(self.record)
        form = symbolic_form(self.record, u, p)
        target = p[self.record.params[argindex - 2].name]
        return _substitute(sp.diff(form, target), u, p, self.record, self.args)

    def elementary(self) -> Any:
        u, p = _dummies(self.record)
        return _substitute(symbolic_form(self.record, u, p), u, p, self.record, self.args)


class CatalogDerivative(sp.Function):
    """``name'(u, *params)``: the catalog derivative kernel of an activation, applied to ``u``."""

    record: ClassVar[Activation]

    @classmethod
    def eval(cls, *args: Any) -> None:
        return None

    def _eval_is_extended_real(self) -> bool:
        return True  # as CatalogCall's

    def fdiff(self, argindex: int = 1) -> Any:
        return sp.diff(self.elementary(), self.args[argindex - 1])

    def elementary(self) -> Any:
        u, p = _dummies(self.record)
        form = sp.diff(symbolic_form(self.record, u, p), u)
        return _substitute(form, u, p, self.record, self.args)

    def _sympystr(self, printer: Any) -> str:
        return f"{self.record.name}'({', '.join(printer.doprint(a) for a in self.args)})"

    def _latex(self, printer: Any) -> str:
        args = ", ".join(printer.doprint(a) for a in self.args)
        name = self.record.name.replace("_", r"\_")
        return rf"\operatorname{{{name}}}'\left({args}\right)"


class Sigmoid(sp.Function):
    """``1/(1 + exp(-u))`` computed without overflow, in the kernel's working precision."""

    @classmethod
    def eval(cls, u: Any) -> None:
        return None

    def fdiff(self, argindex: int = 1) -> Any:
        return Sigmoid(self.args[0]) * Sigmoid(-self.args[0])

    def elementary(self) -> Any:
        return 1 / (1 + sp.exp(-self.args[0]))

    def _sympystr(self, printer: Any) -> str:
        return f"sigmoid({printer.doprint(self.args[0])})"


class Log1pExp(sp.Function):
    """``log(1 + exp(u))`` computed without overflow (NumPy ``logaddexp(0, u)``)."""

    @classmethod
    def eval(cls, u: Any) -> None:
        return None

    def fdiff(self, argindex: int = 1) -> Any:
        return Sigmoid(self.args[0])

    def elementary(self) -> Any:
        return sp.log(1 + sp.exp(self.args[0]))


class erfc(sp.Function):
    """``erfc(u) = 1 - erf(u)`` kept as written: SymPy would turn erfc(-u) into 2 - erfc(u)."""

    @classmethod
    def eval(cls, u: Any) -> None:
        return None

    def _eval_is_extended_real(self) -> Any:
        return self.args[0].is_extended_real  # abs(erfc(x))' needs it (re() otherwise)

    def fdiff(self, argindex: int = 1) -> Any:
        return -2 * sp.exp(-(self.args[0] ** 2)) / sp.sqrt(sp.pi)

    def elementary(self) -> Any:
        return sp.erfc(self.args[0])


class _Extreme:
    """SymPy's own Max or Min simplifies the arguments (its rules compare ``cls`` with Max and
    Min, which a subclass is not equal to: ``max(x, 0, 1)`` kept 0, not 1); the result is then
    rebuilt as the subclass, unevaluated."""

    base: Any

    def __new__(cls, *args: Any, **options: Any) -> Any:
        if not options.get("evaluate", True):
            return super().__new__(cls, *args, **options)
        value = cls.base(*args, **options)
        if type(value) is cls.base:
            return super().__new__(cls, *value.args, evaluate=False)  # type: ignore[call-arg]
        return value


class Abs(sp.Abs):
    """``abs`` of a formula's value, which is real wherever it is defined: the derivative is
    sign(u) u'. SymPy's own, for an argument it cannot prove real (``sqrt(x)``, ``log(x)``:
    x may be negative), is written with re(), im() and atan2, which no evaluator compiles."""

    def __new__(cls, *args: Any, **options: Any) -> Any:
        if not options.get("evaluate", True):
            return super().__new__(cls, *args, **options)
        value = sp.Abs(*args, **options)
        if type(value) is sp.Abs:
            return super().__new__(cls, *value.args, evaluate=False)
        # SymPy's own inside what it made: abs(-1.0*u) is 1.0*Abs(u) (log(abs(x-softplus(x)))
        # could not compile its derivative's re() and im())
        return our_abs(value)

    def _eval_derivative(self, s: Any) -> Any:
        # |u| is max(u, -u), and at u = 0 takes its slope from the left as max and min do,
        # -|u'|: the stable softplus max(x, 0) + log1p(exp(-abs(x))) has slope 0 + 1/2 at 0,
        # where sign(0) = 0 gave 0 + 0
        u = self.args[0]
        du = sp.diff(u, s)
        left = sp.Min(du, -du, evaluate=du.is_number)
        return sp.Piecewise((du, sp.Gt(u, 0)), (-du, sp.Lt(u, 0)), (left, True))


def our_abs(expr: Any) -> Any:
    """``expr`` with SymPy's own Abs as :class:`Abs`: |u|' as the kernels take it (SymPy's, for
    a u it cannot prove real, goes through re(), im() and atan2, which nothing compiles)."""
    return expr.replace(lambda e: type(e) is sp.Abs, lambda e: Abs(*e.args, evaluate=False))


class Max(_Extreme, sp.Max):
    """``max`` whose derivative is defined at a tie: SymPy's is ``H(a - b) a' + H(b - a) b'``,
    0 where a = b with H(0) = 0, which is wrong where the two slopes agree (``max(x, log1p(x))`` is
    x, slope 1 at 0). Here a tie takes the slope from the left: the smaller slope for max, the
    larger for min (just left of the tie the argument that falls slower is the larger). Every
    max and min of a formula then takes its left slope at once, so wherever the formula has a
    derivative at a tie it gets it: ELU written ``max(x, 0) + min(exp(x) - 1, 0)`` has 0 + 1 at 0
    (a tie each, slope 1 from both sides), not 0 + 0; at a true kink it is the left slope,
    ReLU's convention ``max(x, 0)' = 0`` at 0."""

    base = sp.Max

    def _eval_derivative(self, s: Any) -> Any:
        return _tie_derivative(self, s, larger=True)


class Min(_Extreme, sp.Min):
    """``min`` with the same rule at a tie as :class:`Max` (the slope from the left: the larger)."""

    base = sp.Min

    def _eval_derivative(self, s: Any) -> Any:
        return _tie_derivative(self, s, larger=False)


def _tie_derivative(expr: Any, s: Any, *, larger: bool) -> Any:
    a, *rest = expr.args
    b = expr.func(*rest) if len(rest) > 1 else rest[0]
    da, db = sp.diff(a, s), sp.diff(b, s)
    if da == db:
        return da
    wins = sp.StrictGreaterThan if larger else sp.StrictLessThan
    # SymPy compares its arguments to build a Min or a Max: with piecewise slopes (nested max)
    # that took seconds per level, so only numbers are compared here
    numbers = da.is_number and db.is_number
    left = (sp.Min if larger else sp.Max)(da, db, evaluate=numbers)
    tie = sp.Piecewise((da, wins(a, b)), (db, wins(b, a)), (left, True))
    # a condition on a piecewise operand comes out as ITE(...), which folding writes as and/or
    return sp.piecewise_fold(tie) if tie.has(sp.ITE) else tie


def symbolic_form(record: Activation, u: Any, params: dict[str, Any]) -> Any:
    """The record's symbolic form in ``u`` (a symbol) with ``params`` (symbols or numbers)."""
    return record.symbolic(sp, u, params)


def catalog_call(name: str, u: Any, *params: Any) -> Any:
    """``name(u, *params)`` for the catalog record that ``name`` resolves to."""
    record = lookup(name)
    values = list(params) + [sp.Float(p.default) for p in record.params[len(params) :]]
    return _classes(record)[0](u, *values)


def call_class(record: Activation) -> type[CatalogCall]:
    """The opaque SymPy function class for a record (one per record, cached)."""
    return _classes(record)[0]


def domain_bases(expr: Any) -> list[Any]:
    """What must be >= 0 for ``expr`` to be real: the arguments of its logs (1 + u for
    log1p(u)), square roots and non-integer powers, outside any piecewise (a where() branch
    keeps its domain to where it is taken), each once."""
    bases: list[Any] = []
    todo = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, sp.Piecewise):
            continue
        if isinstance(node, sp.log):
            bases.append(node.args[0])
        elif isinstance(node, log1p):
            bases.append(node.args[0] + 1)
        elif isinstance(node, sp.Pow) and not node.exp.is_integer:
            bases.append(node.base)
        todo.extend(node.args)
    return list(dict.fromkeys(bases))


def keep_domain(expr: Any, bases: list[Any]) -> Any:
    """``expr`` undefined (NaN) where any of ``bases`` is negative, though SymPy simplified the
    reason away: ``sqrt(x)^2`` is x, ``exp(log(x))`` is x, ``log(x) - log(x)`` is 0 at
    construction, and sigmoid(u) = 1/(1 + e^-u) of u = log(x) is x/(1 + x), all defined at
    x = -1. Each base that had to be >= 0 (under a square root, a log, a non-integer power) and
    no longer is under one in ``expr`` (nor a positive multiple of it: sqrt(3x) is sqrt(3)
    sqrt(x)) becomes a condition, with ``sqrt(base)`` (undefined there) as the other branch."""
    kept = set(domain_bases(expr))
    for base in dict.fromkeys(bases):
        coeff, rest = base.as_coeff_Mul()
        if not base.free_symbols or base in kept or (coeff > 0 and rest in kept):
            continue
        expr = sp.Piecewise((expr, sp.Ge(base, 0)), (sp.sqrt(base), True))
    return expr


def to_elementary(expr: Any) -> Any:
    """``expr`` with every opaque function replaced by its elementary symbolic form."""
    stable = (CatalogCall, CatalogDerivative, Log1pExp, Sigmoid, erfc)
    expr = expr.replace(lambda e: isinstance(e, stable), lambda e: e.elementary())
    return expr.replace(
        lambda e: isinstance(e, (log1p, expm1)),
        lambda e: sp.log(1 + e.args[0]) if isinstance(e, log1p) else sp.exp(e.args[0]) - 1,
    )


_CLASSES: dict[int, tuple[Activation, type[CatalogCall], type[CatalogDerivative]]] = {}


def _classes(record: Activation) -> tuple[type[CatalogCall], type[CatalogDerivative]]:
    entry = _CLASSES.get(id(record))
    if entry is None or entry[0] is not record:
        nargs = 1 + len(record.params)
        call = type(record.name, (CatalogCall,), {"record": record, "nargs": nargs})
        deriv = type(
            f"{record.name}_derivative", (CatalogDerivative,), {"record": record, "nargs": nargs}
        )
        entry = (record, call, deriv)
        _CLASSES[id(record)] = entry
    return entry[1], entry[2]


def _dummies(record: Activation) -> tuple[Any, dict[str, Any]]:
    u = sp.Dummy("u", real=True)
    return u, {p.name: sp.Dummy(p.name, real=True) for p in record.params}


def _substitute(form: Any, u: Any, p: dict[str, Any], record: Activation, args: Any) -> Any:
    """Put the call's arguments in place of the dummies ``u`` and ``p`` of ``form``; a float
    parameter (a default, 1.0) as the exact rational of its double: with a Float SymPy
    evaluates what it touches to 15 digits (softplus(x + 40) became
    1.0 log(2.3538526683702e17 e^x + 1), and softplus(x + 40) - 40 lost its cancellation)."""
    mapping = {u: args[0]}
    mapping.update(
        {
            p[param.name]: sp.Rational(value) if isinstance(value, sp.Float) else value
            for param, value in zip(record.params, args[1:])
        }
    )
    return form.xreplace(mapping)
