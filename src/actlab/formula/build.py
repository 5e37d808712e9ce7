"""From a parse tree to a SymPy expression, through a whitelist, checking every node.

Names resolve in this order: ``x``; the constants ``pi`` and ``e``; the formula's parameters; the
whitelisted elementary functions below; then the catalog registry (any activation name or alias,
used as a function with optional parameters: ``elu(x, alpha=0.5)``). Anything else is rejected.
Numbers are exact rationals; constant powers are bounded before SymPy computes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy as sp

from actlab.catalog import Activation, lookup
from actlab.errors import ActlabError
from actlab.formula.compile import constant_value
from actlab.formula.functions import (
    Abs,
    Max,
    Min,
    X,
    call_class,
    erfc,
    expm1,
    keep_domain,
    log1p,
    our_abs,
)
from actlab.formula.parser import Node, Parsed, Token, fail, literal_value

#: the largest constant exponent: x^100 is fine, x^1e6 and 9^9^9 are not
MAX_EXPONENT = 100
#: constants beyond this magnitude (in log10) are rejected before SymPy computes them
MAX_LOG10 = 300


#: whitelisted functions: name -> (min args, max args, builder)
FUNCTIONS: dict[str, tuple[int, int, Callable[..., Any]]] = {
    "exp": (1, 1, sp.exp),
    "log": (1, 1, sp.log),
    # inverses of each other, as SymPy does log(exp(u)) = u: log1p(expm1(u)) at u = -2e85 is
    # log1p(-1 + e^u), whose e^u no precision holds (-inf where the value is u); the domain
    # of expm1(log1p(u)), u >= -1, is kept (keep_domain)
    "log1p": (1, 1, lambda a: a.args[0] if isinstance(a, expm1) else log1p(a)),
    "expm1": (1, 1, lambda a: a.args[0] if isinstance(a, log1p) else expm1(a)),
    "sqrt": (1, 1, lambda a: _unsplit(a, sp.Rational(1, 2), sp.sqrt(a))),
    "abs": (1, 1, Abs),
    "sin": (1, 1, sp.sin),
    "cos": (1, 1, sp.cos),
    "tan": (1, 1, sp.tan),
    "tanh": (1, 1, sp.tanh),
    "sinh": (1, 1, sp.sinh),
    "cosh": (1, 1, sp.cosh),
    "atan": (1, 1, sp.atan),
    "arctan": (1, 1, sp.atan),
    "erf": (1, 1, sp.erf),
    "erfc": (1, 1, erfc),
    # derivative: the winner's; at a tie the slope from the left (max(x, 0)' = 0 at 0, ReLU's)
    "min": (2, 8, Min),
    "max": (2, 8, Max),
    "where": (3, 3, lambda c, a, b: sp.Piecewise((a, c), (b, True))),
}
CONSTANTS: dict[str, Any] = {"pi": sp.pi, "e": sp.E}
#: names a parameter may not take
RESERVED = frozenset({"x", *CONSTANTS, *FUNCTIONS})
_COMPARE = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}


def param_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def build(parsed: Parsed) -> Any:
    """The SymPy expression of a parsed formula (catalog calls stay opaque)."""
    for name in parsed.params:
        if name in RESERVED:
            raise ActlabError(f"formula: {name!r} is a reserved name, not a parameter")
    builder = _Builder(parsed.params)
    expr = builder.expr(parsed.tree)
    unused = sorted(set(parsed.params) - builder.used)
    if unused:
        raise ActlabError(f"formula: parameter {unused[0]!r} is not used in the formula")
    # a condition on a piecewise value (a where() under a power's domain guard) becomes SymPy's
    # ITE, which no evaluator compiles: the same condition in and/or/not
    guarded = keep_domain(expr, builder.domain)
    # SymPy's own Abs where it made one (sqrt(x^2) is |x|): abs's slope convention, -|u'| at
    # u = 0, as for abs typed (sqrt(x^2)' was sign(0) = 0 at 0, abs(x)' -1)
    return our_abs(guarded.replace(lambda e: isinstance(e, sp.ITE), lambda e: e.to_nnf()))


class _Builder:
    def __init__(self, params: dict[str, float]) -> None:
        self.params = params
        self.used: set[str] = set()
        #: what must be >= 0 for the formula to be defined (outside where()'s branches, whose
        #: domain applies only where their branch is taken)
        self.domain: list[Any] = []
        self.branch = 0

    def expr(self, node: Node) -> Any:
        if node.kind == "cmp":
            raise fail("a comparison is only allowed as the first argument of where()", node.pos)
        return self.any(node)

    def any(self, node: Node) -> Any:
        try:
            result = getattr(self, f"build_{node.kind}")(node)
        except ActlabError:
            raise
        except (ValueError, TypeError) as exc:  # SymPy: max() of constants it cannot order, ...
            raise fail(f"cannot build this term ({type(exc).__name__})", node.pos) from None
        return _checked(result, node.pos)

    def build_num(self, node: Node) -> Any:
        return sp.Rational(literal_value(Token("number", node.value, node.pos)))

    def build_name(self, node: Node) -> Any:
        if node.value == "x":
            return X
        if node.value in CONSTANTS:
            return CONSTANTS[node.value]
        if node.value in self.params:
            self.used.add(node.value)
            return param_symbol(node.value)
        if node.value in FUNCTIONS:
            raise fail(f"function {node.value!r} needs parentheses", node.pos)
        hint = "declare parameters after ';', e.g. 'x*sigmoid(b*x); b=1.5'"
        raise fail(f"unknown name {node.value!r}", node.pos, hint)

    def build_neg(self, node: Node) -> Any:
        return -self.expr(node.args[0])

    def build_bin(self, node: Node) -> Any:
        a, b = (self.expr(arg) for arg in node.args)
        if node.value == "+":
            return a + b
        if node.value == "-":
            return a - b
        if node.value == "*":
            return a * b
        if node.value == "/":
            if b == 0:
                raise fail("division by zero", node.pos)
            return a / b
        if not self.branch and not (b.is_number and b.is_integer):
            self.domain.append(a)  # a negative base to a non-integer power is not real
        return _power(a, b, node.pos)

    def build_cmp(self, node: Node) -> Any:
        a, b = (self.expr(arg) for arg in node.args)
        return _COMPARE[node.value](a, b)

    def build_call(self, node: Node) -> Any:
        if node.value in FUNCTIONS:
            return self.elementary(node)
        try:
            record = lookup(node.value)
        except ActlabError:
            raise fail(f"unknown function {node.value!r}", node.pos, "see 'actlab list'") from None
        return self.activation(record, node)

    def elementary(self, node: Node) -> Any:
        low, high, fn = FUNCTIONS[node.value]
        if node.kwargs:
            raise fail(f"{node.value}() takes no keyword arguments", node.kwargs[0][1].pos)
        if not low <= len(node.args) <= high:
            count = str(low) if low == high else f"{low} to {high}"
            raise fail(f"{node.value}() takes {count} argument(s)", node.pos)
        if node.value == "where":
            if node.args[0].kind != "cmp":
                raise fail("where() needs a comparison first, e.g. where(x > 0, x, 0)", node.pos)
            self.branch += 1
            try:
                args = [self.any(node.args[0]), *(self.expr(a) for a in node.args[1:])]
            finally:
                self.branch -= 1
        else:
            args = [self.expr(a) for a in node.args]
        if not self.branch and node.value in ("sqrt", "log", "log1p"):
            self.domain.append(args[0] + 1 if node.value == "log1p" else args[0])
        return fn(*args)

    def activation(self, record: Activation, node: Node) -> Any:
        if not node.args:
            raise fail(f"{record.name}() needs its input as the first argument", node.pos)
        if len(node.args) - 1 > len(record.params):
            raise fail(f"{record.name}() takes at most {len(record.params)} parameter(s)", node.pos)
        given: dict[str, Node] = {p.name: a for p, a in zip(record.params, node.args[1:])}
        for key, value in node.kwargs:
            if key in given or key not in {p.name for p in record.params}:
                problem = "given twice" if key in given else "is not one of its parameters"
                raise fail(f"{record.name}(): {key!r} {problem}", value.pos)
            given[key] = value
        values = [self.expr(node.args[0])]
        declared = {param_symbol(n): sp.Float(v) for n, v in self.params.items()}
        numbers: dict[str, float] = {}  # each parameter's value where it is a number
        for param in record.params:
            if param.name not in given:
                values.append(sp.Float(param.default))
                numbers[param.name] = param.default
                continue
            value = self.expr(given[param.name])
            if value.has(X):
                raise fail(f"{record.name}(): parameter {param.name} cannot depend on x", node.pos)
            # a declared parameter is checked at its declared value (softplus(x, beta=b); b=0
            # gave inf everywhere, where softplus(x, beta=0) is refused)
            at = value.xreplace(declared)
            if at.is_number:
                numbers[param.name] = constant_value(at)
                try:
                    param.check(numbers[param.name], record.name)
                except ActlabError as exc:
                    raise fail(str(exc), given[param.name].pos) from None
            values.append(value)
        # clips in order (hardtanh(x, min_val=1, max_val=-1)), as actlab.get refuses them
        for pair in record.ordered:
            if set(pair) <= set(numbers):
                try:
                    record.check_ordered({name: numbers[name] for name in pair})
                except ActlabError as exc:
                    raise fail(str(exc), node.pos) from None
        if values[0].has(X):
            return call_class(record)(*values)
        # a call on a constant (softsign(pi)) as its exact value (pi/(1 + pi)): SymPy cannot
        # order an opaque function of a number, and comparing one with a max's operands
        # (max(where(x > 2, softsign(pi), 10/x), 0)'s derivative) ran for minutes. A float in
        # it (SELU's 31-digit constants: sigmoid(selu(1.5))) as the rational it holds, or SymPy
        # would evaluate the call to 15 digits at once
        u = values[0].xreplace({f: sp.Rational(f) for f in values[0].atoms(sp.Float)})
        return call_class(record)(u, *values[1:]).elementary()


def _power(base: Any, exponent: Any, pos: int) -> Any:
    if exponent.is_number:
        e = constant_value(exponent)
        if not abs(e) <= MAX_EXPONENT:
            raise fail(f"exponent too large (at most {MAX_EXPONENT} in magnitude)", pos)
        if base.is_number:
            b = abs(constant_value(base))
            if b == 0 and e <= 0:
                raise fail("zero to a non-positive power", pos)
            if b != 0 and not abs(e * math.log10(b)) <= MAX_LOG10:
                raise fail(f"constant out of range (at most 1e{MAX_LOG10})", pos)
    elif base.is_number and constant_value(base) < 0:
        raise fail("a negative number to a variable power is not real (write -(2^x) for -2^x)", pos)
    elif base.is_number and constant_value(base) == 0:
        raise fail("zero to a variable power (0 where the power is positive, undefined below)", pos)
    return _unsplit(base, exponent, sp.Pow(base, exponent))


def _unsplit(base: Any, exponent: Any, power: Any) -> Any:
    """``base^exponent`` defined where the formula is: SymPy takes the factors it knows are
    >= 0 out of a power (``sqrt(x*max(x, 0))`` is ``sqrt(x)*sqrt(max(x, 0))``), which is not
    real for x < 0, where the formula is sqrt(0) = 0. With N those factors and R the rest, the
    power is N^e R^e where R > 0, undefined where R < 0 < N, and 0 where N = 0 (e > 0)."""
    if not (isinstance(base, sp.Mul) and isinstance(power, sp.Mul) and exponent.is_positive):
        return power
    if exponent.is_integer or not base.has(X):
        return power
    kept = [f for f in base.args if not f.is_nonnegative]
    n = sp.Mul(*(f for f in base.args if f.is_nonnegative))
    r = sp.Mul(*kept)
    if not kept or not n.has(X) or r.is_nonnegative:
        return power
    return sp.Piecewise((power, sp.Gt(r, 0)), (sp.sqrt(r), sp.Gt(n, 0)), (0, True))


def _checked(expr: Any, pos: int) -> Any:
    """Reject what is not a finite real value (or a condition)."""
    if isinstance(expr, (sp.logic.boolalg.Boolean, sp.core.relational.Relational)):
        return expr
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise fail("undefined value (division by zero or log of zero)", pos)
    if expr.has(sp.I):
        raise fail("not a real number (e.g. the log or square root of a negative constant)", pos)
    if isinstance(expr, sp.Rational) and expr != 0:
        # bit lengths bound log2 |p/q| within 1 without converting a huge integer to float
        if abs(abs(expr.p).bit_length() - expr.q.bit_length()) > MAX_LOG10 * 3.33:
            raise fail(f"constant out of range (at most 1e{MAX_LOG10})", pos)
    return expr
