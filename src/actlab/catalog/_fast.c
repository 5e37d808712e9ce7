/* Fused float32 kernels for the catalog's exp family: one pass over memory, exact to < 1 ulp.
 *
 * Each kernel reads a float32 x, computes in double with its own vectorisable exp/expm1/log1p
 * (polynomials with a bit-cast 2^k, no libm calls, so the compiler vectorises the loop), and
 * rounds once to float32. Double carries 29 bits more than float32 needs: the polynomials are
 * accurate to ~3e-10 relative (0.005 float32 ulp), so the float32 result is within ~0.51 ulp
 * (well inside the catalog's 4 ulp; the tests measure it). The compiler may fuse a * b + c into
 * one FMA where the CPU has it (30-40 % faster here): that changes the last float64 bits only.
 *
 * The formulas are the NumPy kernels' (actlab/catalog/classic.py, smooth.py, gated.py,
 * gaussian_family.py), term for term: e = exp(-|u|) never overflows, no 1 - sigma, no
 * 1 - tanh^2. NaN propagates: every clamp is written `v > hi ? hi : v`, which keeps NaN.
 *
 * Built by setup.py as an optional extension (pip install -e . on a machine with a C compiler);
 * without it actlab.catalog._compiled falls back to the NumPy kernels. On x86-64 with GCC each
 * loop is compiled for AVX-512, AVX2 and the baseline, chosen at load time (target_clones).
 *
 * Python interface: name(x, out, *params) with x a float32 buffer, out a writable float32 buffer
 * of the same length, params floats; returns None. The GIL is released during the loop.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

#define LOOP_PRAGMA _Pragma("GCC ivdep")

/* exp(x) for x in [-708, 709] (callers clamp): x = k ln2 + r, |r| <= ln2/2, exp(r) by Taylor to
 * r^8 (remainder < 2.5e-10 relative: 0.004 float32 ulp), 2^k built in the exponent bits. */
static inline double exp_d(double x)
{
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer */
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01; /* 32 bits: k * ln2_hi is exact */
    const double ln2_lo = 1.90821492927058770002e-10;
    double kd = x * log2e + shifter;
    double k = kd - shifter;
    double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits); /* the low bits of kd hold k */
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* exp(x) - 1 for x in [-708, 709]: the series itself where |x| < 1/4 (no cancellation), else
 * exp(x) - 1, which loses at most 2 of double's 53 bits there. */
static inline double expm1_d(double x)
{
    double p = 1.0 / 479001600.0;
    p = p * x + 1.0 / 39916800.0;
    p = p * x + 1.0 / 3628800.0;
    p = p * x + 1.0 / 362880.0;
    p = p * x + 1.0 / 40320.0;
    p = p * x + 1.0 / 5040.0;
    p = p * x + 1.0 / 720.0;
    p = p * x + 1.0 / 120.0;
    p = p * x + 1.0 / 24.0;
    p = p * x + 1.0 / 6.0;
    p = p * x + 0.5;
    p = p * x + 1.0;
    double small = p * x;
    double big = exp_d(x) - 1.0;
    return (x < 0.25 && x > -0.25) ? small : big;
}

/* log(1 + u) for u in [0, 1]: 2 atanh(s), s = u / (2 + u) <= 1/3, an odd series to s^21
 * (remainder < 4e-12 relative); relative accuracy holds down to the smallest u. */
static inline double log1p_d(double u)
{
    double s = u / (2.0 + u);
    double s2 = s * s;
    double p = 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    return 2.0 * s * p;
}

/* erfcx(z) = exp(z^2) erfc(z) for z in [0, 1e4]: (z + 3.75) erfcx(z) is a degree-16 polynomial in
 * t = (z - 3.75)/(z + 3.75) (Shepherd & Laframboise's variable; fitted to mpmath at Chebyshev
 * nodes: 3.6e-12 relative at most on a dense check of [0, 27] and out to 1e4), and
 * 1/(z + 3.75) = (1 - t)/7.5: one division. */
static inline double erfcx_d(double z)
{
    double t = (z - 3.75) / (z + 3.75);
    double p = 1.8949226125014999e-07;
    p = p * t + 8.696646190329253e-07;
    p = p * t + -3.1369253655076675e-06;
    p = p * t + -7.697375646269508e-06;
    p = p * t + 3.732538000113267e-05;
    p = p * t + 9.545733820008437e-06;
    p = p * t + -0.0003485632727185832;
    p = p * t + 0.0007953559017802828;
    p = p * t + 0.0009863097407929713;
    p = p * t + -0.012536035748277103;
    p = p * t + 0.049118784044218794;
    p = p * t + -0.13195537686210831;
    p = p * t + 0.27906204851097477;
    p = p * t + -0.49047029292077726;
    p = p * t + 0.7363189252411768;
    p = p * t + -0.958741576617593;
    p = p * t + 1.09192290956267;
    return p * (1.0 - t) * (1.0 / 7.5);
}

static inline double clamp_abs(double u, double hi)
{
    double a = u < 0.0 ? -u : u;
    return a > hi ? hi : a;
}

/* ---- the kernels: one loop each --------------------------------------------------------- */

/* sigmoid(u) = 1/(1+e) for u >= 0, e/(1+e) below, e = exp(-|u|) (|u| > 104: float32 0 or 1) */
CLONES static void sigmoid_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double u = x[i];
        double e = exp_d(-clamp_abs(u, 200.0));
        double s = 1.0 / (1.0 + e);
        out[i] = (float)(u >= 0.0 ? s : e * s);
    }
}

/* sigmoid'(u) = e / (1 + e)^2 */
CLONES static void sigmoid_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double e = exp_d(-clamp_abs(x[i], 200.0));
        double d = 1.0 + e;
        out[i] = (float)(e / (d * d));
    }
}

/* tanh'(x) = 4e / (1 + e)^2, e = exp(-2|x|) (|x| > 53: float32 0) */
CLONES static void tanh_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double e = exp_d(-2.0 * clamp_abs(x[i], 60.0));
        double d = 1.0 + e;
        out[i] = (float)(4.0 * e / (d * d));
    }
}

/* x sigmoid(beta x); beta x < -200 is -0 in float32 (|x| e^{beta x} < 1e-45) */
CLONES static void silu_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double u = beta * xd;
        double e = exp_d(-clamp_abs(u, 200.0));
        double s = 1.0 / (1.0 + e);
        double y = xd * (u >= 0.0 ? s : e * s);
        out[i] = (float)(u < -200.0 ? -0.0 : y);
    }
}

/* d/dx x sigmoid(u), u = beta x: (1 + e + u e)/(1+e)^2 for u >= 0, e (1 + e + u)/(1+e)^2 below */
CLONES static void silu_derivative_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double u = beta * (double)x[i];
        u = u < -200.0 ? -200.0 : (u > 200.0 ? 200.0 : u); /* keeps inf * 0 out of u e */
        double e = exp_d(-clamp_abs(u, 200.0));
        double d = 1.0 + e;
        double num = u >= 0.0 ? d + u * e : e * (d + u);
        out[i] = (float)(num / (d * d));
    }
}

/* log1p(e^-|u|)/beta + max(x, 0), u = beta x */
CLONES static void softplus_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double u = beta * xd;
        double e = exp_d(-clamp_abs(u, 700.0));
        double positive = xd > 0.0 ? xd : 0.0;
        out[i] = (float)(log1p_d(e) / beta + positive);
    }
}

/* softplus' = sigmoid(beta x) */
CLONES static void softplus_derivative_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double u = beta * (double)x[i];
        double e = exp_d(-clamp_abs(u, 200.0));
        double s = 1.0 / (1.0 + e);
        out[i] = (float)(u >= 0.0 ? s : e * s);
    }
}

/* the ELU family: pos x for x > 0, neg expm1(in x) otherwise (ELU: 1, alpha, 1; CELU: 1, alpha,
 * 1/alpha; SELU: scale, scale alpha, 1); expm1 only sees min(x, 0) */
CLONES static void elu_loop(
    const float *x, float *out, Py_ssize_t n, double pos, double neg, double in)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double m = in * (xd >= 0.0 ? 0.0 : xd); /* -0 gives +0, as the NumPy kernel */
        m = m < -200.0 ? -200.0 : m;
        out[i] = (float)(xd > 0.0 ? pos * xd : neg * expm1_d(m));
    }
}

/* pos for x > 0, neg in exp(in x) otherwise (x = 0 takes the left side, as the NumPy kernel) */
CLONES static void elu_derivative_loop(
    const float *x, float *out, Py_ssize_t n, double pos, double neg, double in)
{
    double slope = neg * in;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double m = in * (xd > 0.0 ? 0.0 : xd);
        m = m < -200.0 ? -200.0 : m;
        out[i] = (float)(xd > 0.0 ? pos : slope * exp_d(m));
    }
}

/* GELU's tanh form x sigmoid(v), v = 2 sqrt(2/pi) (x + 0.044715 x^3); |x| clipped at 1e5 */
#define TWO_C 1.5957691216057308
#define KAPPA 0.044715

CLONES static void gelu_tanh_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd > 1e5 ? 1e5 : (xd < -1e5 ? -1e5 : xd);
        double v = TWO_C * xc * (1.0 + KAPPA * xc * xc);
        double e = exp_d(-clamp_abs(v, 200.0));
        double s = 1.0 / (1.0 + e);
        double y = xd * (v >= 0.0 ? s : e * s);
        out[i] = (float)(v < -200.0 ? -0.0 : y);
    }
}

/* sigmoid(v) (1 + x v' sigmoid(-v)) with the same two branches as silu' */
CLONES static void gelu_tanh_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd > 1e5 ? 1e5 : (xd < -1e5 ? -1e5 : xd);
        double v = TWO_C * xc * (1.0 + KAPPA * xc * xc);
        double slope = TWO_C * xc * (1.0 + 3.0 * KAPPA * xc * xc);
        double e = exp_d(-clamp_abs(v, 200.0));
        double d = 1.0 + e;
        double num = v >= 0.0 ? d + slope * e : e * (d + slope);
        out[i] = (float)(num / (d * d));
    }
}

/* GELU x Phi(x): Phi(-|x|) = erfcx(z) e^{-z^2} / 2 with z = |x|/sqrt 2 and z^2 = x^2/2 exact
 * (x is a float32); Phi(x) = 1 - Phi(-x) for x >= 0 (no cancellation: Phi(-x) <= 1/2) */
#define INV_SQRT2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794

CLONES static void gelu_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double a = clamp_abs(xd, 36.0); /* Phi(-36) x 36 < 1e-280: float32 -0 */
        double tail = 0.5 * erfcx_d(a * INV_SQRT2) * exp_d(-0.5 * a * a);
        double xc = xd < -36.0 ? -36.0 : xd;
        out[i] = (float)(xd >= 0.0 ? xd * (1.0 - tail) : xc * tail);
    }
}

/* GELU' = Phi(x) + x phi(x); for x < 0 as e^{-x^2/2} (erfcx(z)/2 + x/sqrt(2 pi)) */
CLONES static void gelu_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd > 36.0 ? 36.0 : (xd < -36.0 ? -36.0 : xd);
        double a = xc < 0.0 ? -xc : xc;
        double gauss = exp_d(-0.5 * a * a);
        double half = 0.5 * erfcx_d(a * INV_SQRT2);
        double right = (1.0 - half * gauss) + xc * INV_SQRT_2PI * gauss;
        double left = gauss * (half + xc * INV_SQRT_2PI);
        out[i] = (float)(xd >= 0.0 ? right : left);
    }
}

/* Mish x tanh(softplus(x)). With w = e^x and q = (1 + w)^2 = e^{2 softplus}: tanh = (q - 1)/(q + 1)
 * where q - 1 = w (w + 2) has no cancellation; for x >= 0 the same in e = e^{-x}:
 * tanh = (1 + 2e)/(1 + 2e + 2e^2). */
CLONES static void mish_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double e = exp_d(-clamp_abs(xd, 200.0)); /* e^{-|x|} */
        double m = e * (e + 2.0);
        double left = m / (m + 2.0);
        double right = (1.0 + 2.0 * e) / (1.0 + 2.0 * e + 2.0 * e * e);
        double xc = xd < -200.0 ? -200.0 : xd;
        out[i] = (float)(xc * (xd >= 0.0 ? right : left));
    }
}

/* Mish' = tanh(sp) + x sech^2(sp) sigmoid(x), sech^2 = 4q/(q + 1)^2, each from e = e^{-|x|} */
CLONES static void mish_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd > 200.0 ? 200.0 : (xd < -200.0 ? -200.0 : xd);
        double e = exp_d(-clamp_abs(xc, 200.0));
        /* x < 0 (w = e): q - 1 = e(e + 2) */
        double m = e * (e + 2.0);
        double t_left = m / (m + 2.0);
        double sech_left = 4.0 * (1.0 + m) / ((2.0 + m) * (2.0 + m));
        double sig_left = e / (1.0 + e);
        /* x >= 0: q = (1 + e)^2 / e^2 */
        double ep = 1.0 + e;
        double den = ep * ep + e * e;
        double t_right = (1.0 + 2.0 * e) / (1.0 + 2.0 * e + 2.0 * e * e);
        double sech_right = 4.0 * ep * ep * e * e / (den * den);
        double sig_right = 1.0 / ep;
        double y = xd >= 0.0 ? t_right + xc * sech_right * sig_right
                             : t_left + xc * sech_left * sig_left;
        out[i] = (float)y;
    }
}

/* ---- piecewise-linear kernels, in float32 itself (each result is exact or one rounding, the
 * same bits as the NumPy kernels'); parameters arrive already checked to be float32 numbers */

/* relu(x) = max(x, 0), +0 at -0 (as np.maximum), NaN kept */
CLONES static void relu_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = (v < 0.0f ? 0.0f : v) + 0.0f;
    }
}

/* min(max(x, lo), hi), NaN kept (relu6, hardtanh) */
CLONES static void clip_loop(const float *x, float *out, Py_ssize_t n, double lo, double hi)
{
    const float l = (float)lo, h = (float)hi;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        v = v < l ? l : v;
        out[i] = (v > h ? h : v) + 0.0f;
    }
}

/* x for x > 0, slope x otherwise (leaky ReLU, PReLU, RReLU in evaluation) */
CLONES static void leaky_loop(const float *x, float *out, Py_ssize_t n, double slope)
{
    const float s = (float)slope;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = v > 0.0f ? v : s * v;
    }
}

/* above for x > at, below for x <= at, NaN for NaN (the derivatives of the above) */
CLONES static void step_loop(
    const float *x, float *out, Py_ssize_t n, double at, double above, double below)
{
    const float a = (float)at, hi = (float)above, lo = (float)below;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float r = v > a ? hi : lo;
        out[i] = v != v ? v : r;
    }
}

/* inside on the open interval (lo, hi), 0 elsewhere, NaN for NaN (clip's derivative) */
CLONES static void window_loop(
    const float *x, float *out, Py_ssize_t n, double lo, double hi, double inside)
{
    const float l = (float)lo, h = (float)hi, in = (float)inside;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float r = (v > l) & (v < h) ? in : 0.0f;
        out[i] = v != v ? v : r;
    }
}

/* (clip(x, lo, hi) + add) / div in float32, as the NumPy kernels round it (hardsigmoid,
 * sparse_sigmoid) */
CLONES static void clip_affine_loop(
    const float *x, float *out, Py_ssize_t n, double lo, double hi, double add, double div)
{
    const float l = (float)lo, h = (float)hi, a = (float)add, d = (float)div;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        v = v < l ? l : v;
        v = v > h ? h : v;
        out[i] = (v + a) / d;
    }
}

/* softshrink: x - clip(x, -l, l), one correctly rounded subtraction */
CLONES static void softshrink_loop(const float *x, float *out, Py_ssize_t n, double lambd)
{
    const float l = (float)lambd;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float c = v < -l ? -l : v;
        c = c > l ? l : c;
        out[i] = v - c;
    }
}

/* hardshrink: x [|x| > l] (x * 0 keeps NaN, as the NumPy kernel) */
CLONES static void hardshrink_loop(const float *x, float *out, Py_ssize_t n, double lambd)
{
    const float l = (float)lambd;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float a = v < 0.0f ? -v : v;
        out[i] = v * (a > l ? 1.0f : 0.0f);
    }
}

/* the shrinks' derivative: 1 where |x| > l, 0 on [-l, l], NaN for NaN */
CLONES static void shrink_derivative_loop(const float *x, float *out, Py_ssize_t n, double lambd)
{
    const float l = (float)lambd;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float a = v < 0.0f ? -v : v;
        float r = a > l ? 1.0f : 0.0f;
        out[i] = v != v ? v : r;
    }
}

/* log sigmoid(x) = -(log1p(e^-|x|) + max(-x, 0)) */
CLONES static void log_sigmoid_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double e = exp_d(-clamp_abs(xd, 700.0));
        double negative = xd < 0.0 ? -xd : 0.0;
        out[i] = (float)(-(log1p_d(e) + negative));
    }
}

/* log sigmoid'(x) = sigmoid(-x) */
CLONES static void log_sigmoid_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double u = x[i];
        double e = exp_d(-clamp_abs(u, 200.0));
        double s = 1.0 / (1.0 + e);
        out[i] = (float)(u <= 0.0 ? s : e * s);
    }
}

/* ---- Python glue ------------------------------------------------------------------------ */

/* x (float32, any buffer), out (writable float32, same length) */
static int buffers(PyObject *args, const char *format, Py_buffer *x, Py_buffer *out, double *p0,
                   double *p1, double *p2)
{
    if (!PyArg_ParseTuple(args, format, x, out, p0, p1, p2))
        return -1;
    if (x->itemsize != 4 || out->itemsize != 4 || x->len != out->len) {
        PyBuffer_Release(x);
        PyBuffer_Release(out);
        PyErr_SetString(PyExc_ValueError, "x and out must be float32 buffers of one length");
        return -1;
    }
    return 0;
}

#define UNARY(name)                                                                         \
    static PyObject *py_##name(PyObject *self, PyObject *args)                              \
    {                                                                                       \
        Py_buffer x, out;                                                                   \
        double unused = 0.0;                                                                \
        if (buffers(args, "y*w*|ddd", &x, &out, &unused, &unused, &unused) < 0)             \
            return NULL;                                                                    \
        Py_BEGIN_ALLOW_THREADS name##_loop((const float *)x.buf, (float *)out.buf,          \
                                           x.len / 4);                                      \
        Py_END_ALLOW_THREADS PyBuffer_Release(&x);                                          \
        PyBuffer_Release(&out);                                                             \
        Py_RETURN_NONE;                                                                     \
    }

#define ONE_PARAM(name)                                                                     \
    static PyObject *py_##name(PyObject *self, PyObject *args)                              \
    {                                                                                       \
        Py_buffer x, out;                                                                   \
        double p = 0.0, unused = 0.0;                                                       \
        if (buffers(args, "y*w*d|dd", &x, &out, &p, &unused, &unused) < 0)                  \
            return NULL;                                                                    \
        Py_BEGIN_ALLOW_THREADS name##_loop((const float *)x.buf, (float *)out.buf,          \
                                           x.len / 4, p);                                   \
        Py_END_ALLOW_THREADS PyBuffer_Release(&x);                                          \
        PyBuffer_Release(&out);                                                             \
        Py_RETURN_NONE;                                                                     \
    }

#define THREE_PARAMS(name)                                                                  \
    static PyObject *py_##name(PyObject *self, PyObject *args)                              \
    {                                                                                       \
        Py_buffer x, out;                                                                   \
        double a = 0.0, b = 0.0, c = 0.0;                                                   \
        if (buffers(args, "y*w*ddd", &x, &out, &a, &b, &c) < 0)                             \
            return NULL;                                                                    \
        Py_BEGIN_ALLOW_THREADS name##_loop((const float *)x.buf, (float *)out.buf,          \
                                           x.len / 4, a, b, c);                             \
        Py_END_ALLOW_THREADS PyBuffer_Release(&x);                                          \
        PyBuffer_Release(&out);                                                             \
        Py_RETURN_NONE;                                                                     \
    }

UNARY(sigmoid)
UNARY(sigmoid_derivative)
UNARY(tanh_derivative)
ONE_PARAM(silu)
ONE_PARAM(silu_derivative)
ONE_PARAM(softplus)
ONE_PARAM(softplus_derivative)
THREE_PARAMS(elu)
THREE_PARAMS(elu_derivative)
UNARY(gelu_tanh)
UNARY(gelu_tanh_derivative)
UNARY(gelu)
UNARY(gelu_derivative)
UNARY(mish)
UNARY(mish_derivative)
UNARY(relu)
UNARY(log_sigmoid)
UNARY(log_sigmoid_derivative)
ONE_PARAM(softshrink)
ONE_PARAM(hardshrink)
ONE_PARAM(shrink_derivative)

static PyObject *py_clip_affine(PyObject *self, PyObject *args)
{
    Py_buffer x, out;
    double lo = 0.0, hi = 0.0, add = 0.0, div = 1.0;
    if (!PyArg_ParseTuple(args, "y*w*dddd", &x, &out, &lo, &hi, &add, &div))
        return NULL;
    if (x.itemsize != 4 || out.itemsize != 4 || x.len != out.len) {
        PyBuffer_Release(&x);
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_ValueError, "x and out must be float32 buffers of one length");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS clip_affine_loop(
        (const float *)x.buf, (float *)out.buf, x.len / 4, lo, hi, add, div);
    Py_END_ALLOW_THREADS PyBuffer_Release(&x);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}
THREE_PARAMS(step)
THREE_PARAMS(window)
ONE_PARAM(leaky)

static PyObject *py_clip(PyObject *self, PyObject *args)
{
    Py_buffer x, out;
    double lo = 0.0, hi = 0.0, unused = 0.0;
    if (buffers(args, "y*w*dd|d", &x, &out, &lo, &hi, &unused) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS clip_loop((const float *)x.buf, (float *)out.buf, x.len / 4, lo, hi);
    Py_END_ALLOW_THREADS PyBuffer_Release(&x);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

#define ENTRY(name, doc) {#name, py_##name, METH_VARARGS, doc}

static PyMethodDef methods[] = {
    ENTRY(sigmoid, "sigmoid(x, out)"),
    ENTRY(sigmoid_derivative, "sigmoid_derivative(x, out)"),
    ENTRY(tanh_derivative, "tanh_derivative(x, out)"),
    ENTRY(silu, "silu(x, out, beta)"),
    ENTRY(silu_derivative, "silu_derivative(x, out, beta)"),
    ENTRY(softplus, "softplus(x, out, beta)"),
    ENTRY(softplus_derivative, "softplus_derivative(x, out, beta)"),
    ENTRY(elu, "elu(x, out, pos, neg, in): pos x for x > 0, neg expm1(in x) otherwise"),
    ENTRY(elu_derivative, "elu_derivative(x, out, pos, neg, in)"),
    ENTRY(gelu_tanh, "gelu_tanh(x, out)"),
    ENTRY(gelu_tanh_derivative, "gelu_tanh_derivative(x, out)"),
    ENTRY(gelu, "gelu(x, out)"),
    ENTRY(gelu_derivative, "gelu_derivative(x, out)"),
    ENTRY(mish, "mish(x, out)"),
    ENTRY(mish_derivative, "mish_derivative(x, out)"),
    ENTRY(relu, "relu(x, out)"),
    ENTRY(log_sigmoid, "log_sigmoid(x, out)"),
    ENTRY(log_sigmoid_derivative, "log_sigmoid_derivative(x, out)"),
    ENTRY(softshrink, "softshrink(x, out, lambd)"),
    ENTRY(hardshrink, "hardshrink(x, out, lambd)"),
    ENTRY(shrink_derivative, "shrink_derivative(x, out, lambd)"),
    ENTRY(clip_affine, "clip_affine(x, out, lo, hi, add, div): (clip(x, lo, hi) + add) / div"),
    ENTRY(clip, "clip(x, out, lo, hi)"),
    ENTRY(leaky, "leaky(x, out, slope)"),
    ENTRY(step, "step(x, out, at, above, below)"),
    ENTRY(window, "window(x, out, lo, hi, inside)"),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fast",
    "Fused float32 kernels of the exp family (see actlab.catalog._compiled).", -1, methods,
};

PyMODINIT_FUNC PyInit__fast(void) { return PyModule_Create(&module); }
