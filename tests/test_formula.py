"""Custom activations from formulas: equal to the catalog where they should be, stable."""

from __future__ import annotations

import functools
import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import actlab
from actlab.catalog import REGISTRY
from tests.reference import _X, reference, ulp_error
from tests.reference import grid as _grid

#: (formula, catalog name): the same function written two ways; pairs whose catalog name is not
#: registered are skipped, so this grows with the catalog without edits
EQUIVALENT = [
    ("x*tanh(softplus(x))", "mish"),
    ("x*tanh(log(1 + exp(x)))", "mish"),
    ("1/(1 + exp(-x))", "sigmoid"),
    ("exp(x)/(1 + exp(x))", "sigmoid"),
    ("tanh(x)", "tanh"),
    ("2*sigmoid(2*x) - 1", "tanh"),
    ("max(x, 0)", "relu"),
    ("where(x > 0, x, 0)", "relu"),
    ("x", "identity"),
    ("x*sigmoid(x)", "silu"),
    ("x/(1 + exp(-x))", "silu"),
    ("log(1 + exp(x))", "softplus"),
    ("x/2*(1 + erf(x/sqrt(2)))", "gelu"),
    ("where(x > 0, x, exp(x) - 1)", "elu"),
    ("x/(1 + abs(x))", "softsign"),
    ("-log(1 + exp(-x))", "logsigmoid"),
    ("log(sigmoid(x))", "logsigmoid"),
]
#: tanh from 2*sigmoid(2x) - 1 cancels near 0 (relative error grows like 1/x): a forward-only
#: check in absolute terms, documented rather than hidden
ABSOLUTE_ONLY = {"2*sigmoid(2*x) - 1"}
MAX_ULP = 4.0


@functools.cache
def _deep_compiled(record, params):
    p = {k: sp.Float(v, 60) for k, v in params}
    expr = record.symbolic(sp, _X, p)
    modules = [{"erfc": _erfc}, "mpmath"]
    return sp.lambdify(_X, expr, modules), sp.lambdify(_X, sp.diff(expr, _X), modules)


def _erfc(z):
    # mpmath's erfc overflows for z > ~1e77; there the asymptotic series is exact to 1e-48
    if z > 10**8:
        inv = 1 / (2 * z * z)
        return mpmath.exp(-z * z) / (z * mpmath.sqrt(mpmath.pi)) * (1 - inv + 3 * inv**2)
    return mpmath.erfc(z)


def _deep_reference(record, params, xs, derivative):
    """Like tests.reference, but at 350 digits from the start: log(1 + exp(x)) for x down to -745
    needs them, and the harness's 40 and 80 digits can agree on a value that lost exp(x)."""
    fn = _deep_compiled(record, tuple(sorted(params.items())))[1 if derivative else 0]
    values = []
    for x in xs:
        try:
            with mpmath.workdps(350):
                values.append(+mpmath.mpf(fn(mpmath.mpf(float(x)))))
        except (ZeroDivisionError, ValueError, OverflowError):
            values.append(mpmath.mpf("nan"))
    return values


def _pair(formula: str, name: str) -> tuple[actlab.Function, actlab.Function]:
    return actlab.get(formula), actlab.get(name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("formula", "name"), EQUIVALENT)
def test_formula_matches_catalog_to_a_few_ulp(formula, name, dtype):
    custom, catalog = _pair(formula, name)
    xs = _grid(catalog.record, dtype)
    kinks = [k.point(catalog.params) for k in catalog.record.kinks]
    xs = xs[~np.isin(xs, np.array(kinks, dtype))]  # conventions at kinks may differ by formula
    for which in ("forward", "derivative"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = custom.derivative(xs) if which == "derivative" else custom(xs)
        assert got.dtype == dtype
        if formula in ABSOLUTE_ONLY:
            want = catalog.derivative(xs) if which == "derivative" else catalog(xs)
            np.testing.assert_allclose(got, want, rtol=0, atol=4 * np.finfo(dtype).eps)
            continue
        ref = _deep_reference(catalog.record, catalog.params, xs, which == "derivative")
        with np.errstate(over="ignore"):  # the harness casts huge references to float32
            errors = ulp_error(got, ref, dtype)
        worst = int(np.argmax(errors))
        assert errors[worst] <= MAX_ULP, (
            f"{formula} {which}: {errors[worst]:.3g} ulp at x={xs[worst]!r}: got {got[worst]!r}"
        )


#: formulas checked against their own symbolic form (what the user wrote, at high precision)
SELF = [
    *sorted({f for f, _ in EQUIVALENT if "softplus(" not in f} - ABSOLUTE_ONLY),
    "x*tanh(log(1 + exp(b*x))); b=0.7",
    "where(x >= 0, x, 1.6732632423543772*(exp(x) - 1))*1.0507009873554805",
]


@pytest.mark.parametrize("formula", SELF)
def test_formula_matches_its_symbolic_form(formula, dtype=np.float64):
    """float64 only: float32 results are the same extended-precision values, rounded once."""
    f = actlab.get(formula)
    xs = _grid(f.record, dtype)
    xs = xs[~np.isin(xs, np.array([k.point(f.params) for k in f.record.kinks], dtype))]
    for which in ("forward", "derivative"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = f.derivative(xs) if which == "derivative" else f(xs)
        ref = _deep_reference(f.record, f.params, xs, which == "derivative")
        with np.errstate(over="ignore"):  # the harness casts huge references to float32
            errors = ulp_error(got, ref, dtype)
        worst = int(np.argmax(errors))
        assert errors[worst] <= MAX_ULP, (
            f"{formula} {which}: {errors[worst]:.3g} ulp at x={xs[worst]!r}: got {got[worst]!r}"
        )


def test_sigmoid_tails_are_stable_thanks_to_the_rewrite():
    f = actlab.get("1/(1+exp(-x))")
    x = np.array([-1000.0, -745.0, -40.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, dy = f(x), f.derivative(x)
    sig = actlab.get("sigmoid")
    np.testing.assert_array_equal(y, sig(x))
    np.testing.assert_array_equal(dy, sig.derivative(x))


@pytest.mark.parametrize(
    ("formula", "stable"),
    [
        ("log(1+exp(x))", "Log1pExp(x)"),
        ("log(1+x^2)", "log1p(x**2)"),
        ("1/(1+exp(-x))", "sigmoid(x)"),
        ("exp(x)-1", "expm1(x)"),
        ("3*exp(x)-3", "3*expm1(x)"),
        ("1-exp(x)", "-expm1(x)"),
        ("1+erf(x)", "erfc(-x)"),
        ("1-tanh(x)^2", "sech(x)**2"),
        ("1-sigmoid(x)", "sigmoid(-x)"),
        ("2-erfc(x)", "erfc(-x)"),
        ("log(sigmoid(x))", "-Log1pExp(-x)"),
    ],
)
def test_rewrites(formula, stable):
    from actlab.formula.build import build
    from actlab.formula.parser import parse
    from actlab.formula.rewrite import stabilize

    assert str(stabilize(build(parse(formula)))) == stable


def test_parameters_after_semicolon_and_spec_round_trip():
    f = actlab.get("x*sigmoid(b*x); b=1.5")
    assert f.params == {"b": 1.5}
    assert f.record.params[0].default == 1.5
    assert actlab.get(f.spec)(0.7) == f(0.7)
    g = actlab.catalog.Function(f.record, {"b": 2.0})
    assert g.spec == "x*sigmoid(b*x); b=2.0"
    assert actlab.get(g.spec)(0.7) == g(0.7) != f(0.7)


def test_catalog_activation_with_keyword_params():
    f = actlab.get("relu(x) + 0*x")  # always registered
    assert f(-2.0) == 0.0
    elu = actlab.get("elu(alpha=0.5)")
    g = actlab.get("elu(x, alpha=0.5)")
    x = np.linspace(-5, 5, 101)
    np.testing.assert_array_equal(g(x), elu(x))
    with pytest.raises(actlab.ActlabError, match="position"):
        actlab.get("elu(x, alpha=-1)")


def test_nan_in_nan_out_and_dtypes():
    f = actlab.get("where(x > 0, x, 0.1*x) + sin(x)")
    for dtype in (np.float16, np.float32, np.float64):
        x = np.array([np.nan, -1.0, 2.0], dtype)
        assert f(x).dtype == dtype and np.isnan(f(x)[0]) and np.isnan(f.derivative(x)[0])
    assert np.ndim(f(0.5)) == 0


def test_kinks_and_estimated_properties():
    f = actlab.get("max(x, 0)")
    assert [k.point({}) for k in f.record.kinks] == [0.0]
    assert f.derivative(0.0) == 0.0  # ReLU's convention, from where max() puts the tie
    props = f.record.properties
    assert props.estimated and props.monotonic and not props.smooth
    assert props.range == (0.0, np.inf)
    smooth = actlab.get("x*sigmoid(x)").record
    assert smooth.kinks == () and smooth.properties.smooth and not smooth.properties.monotonic


@pytest.fixture
def clean_registry():
    records, keys = dict(REGISTRY._records), dict(REGISTRY._keys)
    yield
    REGISTRY._records.clear()
    REGISTRY._records.update(records)
    REGISTRY._keys.clear()
    REGISTRY._keys.update(keys)


def test_define_registers_a_named_activation(clean_registry):
    f = actlab.define("my_swish", "x*sigmoid(b*x)", b=1.0)
    assert f.spec == "my_swish" and "my_swish" in actlab.names()
    g = actlab.get("my_swish(b=2)")
    assert g.params == {"b": 2.0}
    assert float(g(1.0)) == pytest.approx(1 / (1 + np.exp(-2.0)))
    nested = actlab.get("my_swish(x, b=2) + x")
    assert float(nested(1.0)) == pytest.approx(1 + 1 / (1 + np.exp(-2.0)))
    actlab.define("my_swish", "x*sigmoid(b*x)", b=3.0)  # redefining a custom name is allowed
    with pytest.raises(actlab.ActlabError, match="taken"):
        actlab.define("sigmoid", "x")
    with pytest.raises(actlab.ActlabError, match="reserved"):
        actlab.define("exp", "x")


def test_formula_reference_is_the_symbolic_form():
    f = actlab.get("x*tanh(softplus(x))") if "softplus" in actlab.names() else None
    f = f or actlab.get("x*sigmoid(x)")
    xs = np.linspace(-30, 30, 61)
    ref = reference(f.record, f.params, xs, derivative=True)
    assert ulp_error(f.derivative(xs), ref, np.float64).max() <= MAX_ULP


@pytest.mark.parametrize(
    "formula",
    ["x*sigmoid(b*x); b=1.5", "x/(1+abs(x))", "x-x^2", "exp(x)-x", "x*tanh(log(1+exp(x)))"],
)
def test_limits_at_infinity_match_sympy(formula):
    """inf*0 and inf-inf in a formula give its limit, as sympy.limit finds it."""

    from tests.reference import _X
    from tests.test_catalog_accuracy import assert_limits

    f = actlab.get(formula)
    assert_limits(f, f.record.symbolic(sp, _X, {k: sp.Float(v) for k, v in f.params.items()}))


def test_the_accuracy_reference_reduces_a_huge_periodic_argument():
    """The mpmath reference of sin(e^x): at x = 2840 (e^x = 2^4097) it climbs to the bits the
    argument needs; at x = 1e300 it has no value (NaN) instead of reducing by a 10^300-bit pi
    (`actlab accuracy --formula "sin(exp(x))"` ran past 10 minutes)."""
    import mpmath

    from actlab.analysis.accuracy import reference

    record = actlab.get("sin(exp(x))").record
    got = reference(record, {}, np.array([2840.0, 1e300]), derivative=False)
    with mpmath.workprec(20000):
        want = mpmath.sin(mpmath.exp(2840))
    assert abs(got[0] - want) < 1e-30 and mpmath.isnan(got[1])


@pytest.mark.parametrize("text", ["abs(sigmoid(x))", "abs(softplus(x))", "abs(erfc(x))"])
def test_abs_of_a_catalog_call_builds(text):
    """SymPy wrote the derivative of abs(g) for a g not known to be real with re() and im(),
    which nothing compiles ("cannot compile im"); catalog calls and erfc are real now."""
    f = actlab.get(text)
    x = np.array([-1.0, 0.5, 2.0])
    inner = actlab.get(text[4:-1])
    assert np.array_equal(f(x), np.abs(inner(x)))
    assert np.array_equal(f.derivative(x), np.sign(inner(x)) * inner.derivative(x))


@pytest.mark.parametrize("text", ["abs(sqrt(x))", "abs(log(x))", "abs(x^1.5 - 1)"])
def test_abs_of_a_value_real_where_defined_builds(text):
    """abs(sqrt(x))' was written by SymPy with atan2 (x may be negative, so sqrt(x) was not
    known real): "cannot compile atan2". abs' is sign(u) u' for every formula's u."""
    f = actlab.get(text)
    x = np.array([0.25, 2.0, 9.0])
    inner = actlab.get(text[4:-1])
    assert np.array_equal(f(x), np.abs(inner(x)))
    assert np.array_equal(f.derivative(x), np.sign(inner(x)) * inner.derivative(x))
    assert np.isnan(f(np.array([-1.0]))[0])  # undefined where its argument is


def test_abs_that_sympy_rebuilds_keeps_its_derivative():
    """x - softplus(x) is rewritten as -log1pexp(-x), and SymPy makes abs(-1.0*u) 1.0*Abs(u):
    its own Abs, whose derivative (u not known real) is re() and im(), so that
    log(abs(x-softplus(x))) did not build ("cannot compile im")."""
    f = actlab.get("log(abs(x-softplus(x)))")
    x = np.array([-30.0, 0.0, 2.0, 100.0])
    gap = np.log1p(np.exp(-x))  # softplus(x) - x, > 0
    assert np.allclose(f(x), np.log(gap), rtol=1e-14)
    assert np.allclose(f.derivative(x), -1 / (1 + np.exp(x)) / gap, rtol=1e-14)


@pytest.mark.parametrize("text", ["sqrt(x^2)", "(x*x)^0.5", "sqrt(x*x)*2"])
def test_abs_sympy_makes_of_a_root_has_abs_slope_at_its_kink(text):
    """SymPy writes sqrt(x^2) as its own |x|, whose slope at 0 was sign(0) = 0; abs(x)'s is
    the left one, -1 (max(x, -x)'s): one convention for one function."""
    f, twin = actlab.get(text), actlab.get("abs(x)")
    scale = 2.0 if text.endswith("*2") else 1.0
    x = np.array([0.0, -0.0, -3.0, 5e-300])
    np.testing.assert_array_equal(f.derivative(x), scale * twin.derivative(x))
    np.testing.assert_array_equal(twin.derivative(x), [-1.0, -1.0, -1.0, 1.0])


@pytest.mark.parametrize(
    ("text", "x", "value", "slope"),
    [
        # a power's domain guard on a where() came out as SymPy's ITE ("cannot compile ITE")
        ("where(x <= 1, x, 3)^1.5", [0.25, 2.0], [0.125, 3**1.5], [0.75, 0.0]),
        # max(0, e^x)' folded to a where() with no branch left (a TypeError from SymPy)
        ("max(exp(x), 2)/x", [-1.0, 1.0], [-2.0, math.e], [-2.0, 0.0]),
    ],
)
def test_formulas_sympy_rewrote_out_of_reach_build(text, x, value, slope):
    f = actlab.get(text)
    points = np.array(x)
    np.testing.assert_allclose(f(points), value, rtol=1e-15)
    np.testing.assert_allclose(f.derivative(points), slope, rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize(
    ("text", "x"), [("abs(x^1.5)", -28.0), ("expm1(log1p(x))^2", -2.0), ("abs(sinh(x^1.5))", -5.0)]
)
def test_the_accuracy_reference_is_undefined_where_the_formula_is(text, x):
    """mpmath's (-28)^1.5 is complex and abs() made it real; SymPy wrote expm1(log1p(x)) as x:
    the reference had values where the formula (and actlab's NaN) has none."""
    from actlab.analysis.accuracy import reference

    f = actlab.get(text)
    points = np.array([x, 0.5])
    for derivative in (False, True):
        got = reference(f.record, {}, points, derivative)
        assert mpmath.isnan(got[0]) and not mpmath.isnan(got[1])
    assert np.isnan(f(points[:1]))[0]


def test_the_accuracy_reference_differentiates_abs_of_any_argument():
    """softsign(erfc(x^1.5))': SymPy wrote |u|' with re(), im() and atan2 for a u it could not
    prove real, and the reference raised a TypeError at every point (NaN: no value)."""
    from actlab.analysis.accuracy import reference

    f = actlab.get("softsign(erfc(x^1.5))")
    x = np.array([1e-40, 0.5, 2.0])
    want = reference(f.record, {}, x, True)
    assert all(not mpmath.isnan(w) for w in want)
    np.testing.assert_allclose(f.derivative(x), [float(w) for w in want], rtol=1e-15)
