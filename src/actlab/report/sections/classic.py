"""Claim 2: the derivatives of sigmoid, tanh and ReLU, derived and checked.

The algebra is checked twice: SymPy simplifies f'(x) - g(f(x)) to zero for the textbook form g,
and the kernels agree numerically. Then the section measures what the textbook form costs when
it is used to *compute* f' from a rounded output, as frameworks do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import actlab
from actlab.report.figures import capture, fmt
from actlab.report.model import (
    Block,
    Context,
    Equation,
    FigureBlock,
    Heading,
    Section,
    Table,
    Text,
)

TITLE = "Sigmoid, tanh and ReLU and their derivatives"
#: the textbook form of f' in terms of f (None: f' is a step, not a function of f)
TEXTBOOK = {"sigmoid": "f*(1 - f)", "tanh": "1 - f**2", "relu": None}


def build(ctx: Context) -> Section:
    import sympy as sp

    blocks: list[Block] = [
        Text(
            "Three activations carry most of the teaching material. Below, each formula is the "
            "catalog's record; each derivation is produced by SymPy from the record's symbolic "
            "form (`actlab derive NAME`), and each identity is checked by simplifying the "
            "difference to zero."
        )
    ]
    numbers: dict[str, Any] = {}
    verdicts = []
    for name in TEXTBOOK:
        ctx.progress(f"  deriving {name}")
        f = actlab.get(name)
        blocks += [
            Heading(f"{name}: {f.record.summary}"),
            Equation(f.record.latex, "f(x) ="),
            Equation(f.record.derivative_latex, "f'(x) ="),
        ]
        blocks += _derivation(f, 5.0 if ctx.options.quick else 20.0)
        ok, detail = _check(sp, f, TEXTBOOK[name])
        verdicts.append(ok)
        numbers[name] = detail
    figure = capture(
        _classic_figure(),
        "classic",
        "ReLU, sigmoid and tanh (left) and their derivatives (right), with each derivative's "
        "computed maximum marked; at ReLU's kink the dot shows the value actlab's derivative "
        "takes (0).",
        "Two panels: the three activations on [-5, 5], and their derivatives.",
    )
    blocks.insert(1, FigureBlock(figure))
    tails, tail_numbers = _tails()
    blocks += tails
    numbers["output_form_float32"] = tail_numbers
    naive_blocks, numbers["naive_figure_code"] = _naive_vs_exact()
    blocks += naive_blocks
    holds = all(verdicts)
    return Section(
        key="classic",
        title=TITLE,
        claim="Sigmoid's derivative is f(1 − f), tanh's is 1 − f², ReLU's is 1 for x > 0 and "
        "0 for x < 0.",
        verdict="holds" if holds else "does not hold",
        verdict_detail=(
            "as algebra, exactly (SymPy simplifies each difference to 0, and the kernels agree "
            f"to {fmt(max(n.get('max_abs_difference_float64', 0) for n in numbers.values()), 2)} "
            "on [−10, 10]); as a way to compute f′ from a rounded output in float32 it loses "
            f"accuracy in the tails (up to {_percent(tail_numbers['sigmoid']['max_rel_error'])} "
            f"relative error for sigmoid at |x| ≤ {tail_numbers['sigmoid']['xmax']:g})."
        ),
        blocks=blocks,
        numbers=numbers,
        reproduce="actlab show sigmoid; actlab derive sigmoid; actlab plot",
    )


def _classic_figure() -> Any:
    from actlab.plots import plot_activations

    return plot_activations()


def _derivation(f: actlab.Function, budget: float) -> list[Block]:
    """The worked derivation from ``actlab.formula.derive``, when that module is installed."""
    try:
        from actlab.formula.derive import derive
    except ImportError:
        return []
    import sympy as sp

    result = derive(f, budget=budget)
    piecewise = len(result.branches) > 1
    rows = []
    for branch in result.branches:
        where = "otherwise" if branch.condition in (None, sp.true) else _tex(sp, branch.condition)
        for step in branch.steps:
            for i, (label, expr) in enumerate(step.lines):
                shown = expr if isinstance(expr, str) else _tex(sp, expr)
                # name the branch and the step once, on their first row
                first = step is branch.steps[0] and i == 0
                row = (step.title if i == 0 else "", label, shown)
                rows.append(((where if first else ""), *row) if piecewise else row)
    stopped = "" if result.complete else " (stopped at the time budget)"
    caption = f"Derivation by `actlab derive {f.spec}`{stopped}."
    columns = ("step", "", "result")
    return [Table(("branch", *columns) if piecewise else columns, tuple(rows), caption)]


def _tex(sp: Any, expr: Any) -> str:
    return f"${sp.latex(expr)}$"


def _check(sp: Any, f: actlab.Function, textbook: str | None) -> tuple[bool, dict[str, Any]]:
    """SymPy: f' - g(f) == 0; NumPy: the kernels agree with g(f) on [-10, 10] in float64."""
    x = sp.Symbol("x", real=True)
    expr = f.record.symbolic(sp, x, {k: sp.nsimplify(v) for k, v in f.params.items()})
    xs = np.linspace(-10, 10, 2001)
    y, dy = f(xs), f.derivative(xs)
    if textbook is None:  # the step: 1 above 0, 0 below, checked on each side of the kink
        symbolic_ok = bool(
            sp.diff(expr, x).subs(x, sp.Rational(1, 2)) == 1
            and sp.diff(expr, x).subs(x, -sp.Rational(1, 2)) == 0
        )
        numeric = float(np.max(np.abs(dy - (xs > 0))))
        return symbolic_ok and numeric == 0, {"step": True, "max_abs_difference": numeric}
    fsym = sp.Symbol("f")
    g = sp.sympify(textbook, locals={"f": fsym})
    difference = sp.simplify(sp.diff(expr, x) - g.subs(fsym, expr))
    # absolute: g(y) itself cancels in the tails (measured below), so only ~eps is promised
    numeric = float(np.max(np.abs(dy - sp.lambdify(fsym, g, "numpy")(y))))
    return bool(difference == 0 and numeric <= 4 * np.finfo(float).eps), {
        "textbook": textbook,
        "sympy_difference": str(difference),
        "max_abs_difference_float64": numeric,
    }


def _tails() -> tuple[list[Block], dict[str, Any]]:
    """Relative error of f' computed as g(f) from the float32 output, against actlab's kernel."""
    xs = np.linspace(-20, 20, 40001, dtype=np.float32)
    rows, numbers = [], {}
    for name, textbook in (("sigmoid", lambda y: y * (1 - y)), ("tanh", lambda y: 1 - y * y)):
        f = actlab.get(name)
        exact = f.derivative(xs.astype(np.float64))
        from_output = textbook(f(xs)).astype(np.float64)
        kernel = f.derivative(xs).astype(np.float64)
        rel_output = np.abs(from_output - exact) / exact
        rel_kernel = np.abs(kernel - exact) / exact
        worst = int(np.argmax(rel_output))
        numbers[name] = {
            "xmax": 20.0,
            "max_rel_error": float(rel_output[worst]),
            "at": float(xs[worst]),
            "kernel_max_rel_error": float(rel_kernel.max()),
            "first_x_above_1pct": _first_above(xs, rel_output, 0.01),
        }
        n = numbers[name]
        rows.append(
            (
                f"`{name}`",
                f"${TEX[name]}$",
                f"{_percent(n['max_rel_error'])} at x = {n['at']:.4g}",
                f"|x| ≥ {fmt(n['first_x_above_1pct'], 3)}",
                _percent(n["kernel_max_rel_error"]),
            )
        )
    table = Table(
        ("", "f′ from the output", "worst relative error", "off by > 1 % for", "actlab's kernel"),
        tuple(rows),
        "f′ in float32 on 40,001 points of [−20, 20], against the float64 kernel.",
    )
    text = Text(
        "The identities are exact, but computing f′ from the rounded output y is not: near "
        "saturation y rounds to 1 (or ±1) and $1 - y$ cancels. This is what torch and jax do "
        "for sigmoid and tanh; actlab writes each derivative from x instead."
    )
    return [text, table], numbers


TEX = {"sigmoid": r"y(1 - y)", "tanh": r"1 - y^2"}


def _percent(v: float) -> str:
    return f"{100 * v:.3g} %"


def _first_above(xs: np.ndarray, rel: np.ndarray, level: float) -> float:
    over = np.abs(xs[rel > level])
    return float(over.min()) if over.size else float("inf")


# The classic article's figure code, as written: plain NumPy, derivatives from the output.
def _article_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _article_tanh(x: np.ndarray) -> np.ndarray:
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


#: (label, the article's function, the same formula for actlab, derivative?)
ARTICLE = (
    ("sigmoid", _article_sigmoid, "1/(1+exp(-x))", False),
    ("sigmoid′ = s(1 − s)", lambda x: _article_sigmoid(x) * (1 - _article_sigmoid(x)),
     "1/(1+exp(-x))", True),
    ("tanh", _article_tanh, "(exp(x)-exp(-x))/(exp(x)+exp(-x))", False),
    ("tanh′ = 1 − t²", lambda x: 1 - _article_tanh(x) ** 2,
     "(exp(x)-exp(-x))/(exp(x)+exp(-x))", True),
)  # fmt: skip
#: where the article's code breaks: cancellation near 0, saturation, overflow of exp
ARTICLE_X = (-800.0, -40.0, -1e-8, 20.0, 40.0, 400.0, 800.0)


def _naive_vs_exact() -> tuple[list[Block], dict[str, Any]]:
    """The article's NumPy code beside actlab's exact evaluation of the same formulas."""
    import warnings

    x = np.array(ARTICLE_X)
    rows, numbers, warned = [], {}, []
    for label, naive, formula, derivative in ARTICLE:
        f = actlab.get(formula)
        exact = f.derivative(x) if derivative else f(x)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(all="warn"):
                got = naive(x)
        kinds = sorted({str(w.message).split(" encountered")[0] for w in caught})
        broken = ~np.isclose(got, exact, rtol=1e-13, atol=0) & ~(np.isnan(got) & np.isnan(exact))
        numbers[label] = {
            "x": list(ARTICLE_X),
            "naive": [float(v) for v in got],
            "exact": [float(v) for v in exact],
            "warnings": kinds,
        }
        if kinds:
            warned.append(f"{label}: {', '.join(kinds)}")
        for xi, g, e, bad in zip(ARTICLE_X, got, exact, broken):
            if bad:
                off = abs(g - e) / abs(e) if np.isfinite(g) and e else float("inf")
                wrong = f"{off:.1e}" if off < 1 else "every digit"
                rows.append((label, f"{xi:g}", f"{g:.15g}", f"{e:.15g}", wrong))
    table = Table(
        ("article's code", "x", "NumPy as written", "actlab, same formula", "relative error"),
        tuple(rows),
        "Only the points where the article's code is off by more than 1e-13 (relative) are "
        f"shown, of x = {', '.join(f'{v:g}' for v in ARTICLE_X)}. actlab's values are within "
        "1 ulp of the exact ones (docs/exact.md).",
    )
    text = Text(
        "The figure above is drawn by actlab. The classic article draws its own with plain NumPy "
        "(`1/(1+np.exp(-x))`, `(np.exp(x)-np.exp(-x))/(np.exp(x)+np.exp(-x))`, derivatives from "
        "the output). Run as written beyond the plotted window, that code returns NaN where exp "
        "overflows, loses digits near 0 (half of them at x = -1e-8) and drops derivatives to 0 "
        "long before they are; "
        "actlab evaluates the very same formula strings to within 1 ulp, without a warning. "
        "NumPy warned: " + "; ".join(warned) + "."
    )
    return [text, table], numbers
