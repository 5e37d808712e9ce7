"""Write the coefficient tables of the double-double erf and erfc (src/actlab/formula/_vm_erf.h).

    PYTHONPATH=src python tools/erf_tables.py [--check]

The double-double block tier (``formula/_vm_dd.h``, ``rule_erf_dd``) computes, for t = |a|:

- t < 1/2: erf(t) = (2/sqrt(pi)) t P(t^2), P(z) = sum_n (-1)^n z^n / (n! (2n + 1)), to n = 15
  (the first term left out is below 2^-75 of P at z = 1/4);
- 1/2 <= t < 32: erfc(t) = e^(-t^2) erfcx(t), erfcx by its Taylor polynomial of degree 14 about
  the centre c of t's interval: [2^m (1 + i/16), 2^m (1 + (i + 1)/16)) for m = -1..4 and the
  four bits i after t's leading one, 96 intervals, |t - c| <= c/33. The coefficients come from
  erfcx' = 2 t erfcx - 2/sqrt(pi): (k + 1) a_(k+1) = 2 c a_k + 2 a_(k-1) (minus 2/sqrt(pi) for
  k = 0), in mpmath at 80 digits.

The first terms are stored as double-double (high and low part), the rest as doubles: term k of
erfcx is at most 2^(-5k) of erfcx(t) and term n of P at most 2^(-3.6n - ...) of P, so a
double's rounding in the later terms stays below 2^-67 of the value. ``--check`` exits non-zero
when the header differs from what this script writes (tests/test_formula_vm.py runs it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mpmath

HEADER = Path(__file__).resolve().parents[1] / "src" / "actlab" / "formula" / "_vm_erf.h"
#: erfcx's Taylor degree and how many of its first coefficients are double-double
DEGREE, ERFCX_DD = 14, 3
#: P's last power of z and how many of its first coefficients are double-double
SERIES, SERIES_DD = 15, 4
#: the octaves 2^m of t with a table (t in [1/2, 32))
OCTAVES = range(-1, 5)


def split(value: mpmath.mpf) -> tuple[float, float]:
    """value as a double-double: high part and low part, each rounded to nearest."""
    high = float(value)
    return high, float(value - mpmath.mpf(high))


def erfcx_coefficients(c: mpmath.mpf) -> list[mpmath.mpf]:
    s = 2 / mpmath.sqrt(mpmath.pi)
    a = [mpmath.erfc(c) * mpmath.exp(c * c)]
    for k in range(DEGREE):
        before = a[k - 1] if k else 0
        a.append((2 * c * a[k] + 2 * before - (s if k == 0 else 0)) / (k + 1))
    return a


def centres() -> list[mpmath.mpf]:
    return [mpmath.ldexp(1 + (i + mpmath.mpf(0.5)) / 16, m) for m in OCTAVES for i in range(16)]


def _doubles(values: list[float]) -> str:
    rows = [", ".join(v.hex() for v in values[i : i + 4]) for i in range(0, len(values), 4)]
    return "{\n    " + ",\n    ".join(rows) + "}"


def _table(name: str, rows: list[list[float]]) -> str:
    body = ",\n".join(_doubles(row) for row in rows)
    return f"static const double {name}[{len(rows)}][{len(rows[0])}] = {{\n{body}}};\n"


def render() -> str:
    with mpmath.workdps(80):
        coefficients = [erfcx_coefficients(c) for c in centres()]
        high = [[split(a[k])[0] for a in coefficients] for k in range(ERFCX_DD)]
        low = [[split(a[k])[1] for a in coefficients] for k in range(ERFCX_DD)]
        tail = [[float(a[k]) for a in coefficients] for k in range(ERFCX_DD, DEGREE + 1)]
        series = [(-1) ** n / (mpmath.factorial(n) * (2 * n + 1)) for n in range(SERIES + 1)]
        s_high = [split(series[n])[0] for n in range(SERIES_DD)]
        s_low = [split(series[n])[1] for n in range(SERIES_DD)]
        s_tail = [float(series[n]) for n in range(SERIES_DD, SERIES + 1)]
        scale = split(2 / mpmath.sqrt(mpmath.pi))
    return (
        "/* Written by tools/erf_tables.py (do not edit): the double-double erf's coefficients;\n"
        " * the script's docstring says how they are made and used (_vm_dd.h, rule_erf_dd). */\n"
        f"#define ERFCX_INTERVALS {len(coefficients)}\n"
        f"#define ERFCX_FIRST_OCTAVE ({OCTAVES[0]})\n"
        "/* rule_erf_dd's unrolled Horner steps read 12 doubles of each: keep them in step */\n"
        f"_Static_assert({DEGREE + 1 - ERFCX_DD} == 12 && {SERIES + 1 - SERIES_DD} == 12, "
        '"tail lengths");\n'
        f"static const double TWO_OVER_SQRT_PI_DD[2] = {{{scale[0].hex()}, {scale[1].hex()}}};\n"
        + _table("ERFCX_HI", high)
        + _table("ERFCX_LO", low)
        + _table("ERFCX_TAIL", tail)
        + f"static const double ERF_SERIES_HI[{SERIES_DD}] = {_doubles(s_high)};\n"
        + f"static const double ERF_SERIES_LO[{SERIES_DD}] = {_doubles(s_low)};\n"
        + f"static const double ERF_SERIES_TAIL[{len(s_tail)}] = {_doubles(s_tail)};\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the header is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not HEADER.exists() or HEADER.read_text() != text:
            print(f"{HEADER}: stale; run python tools/erf_tables.py", file=sys.stderr)
            return 1
        return 0
    HEADER.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
