/* Fused float32 kernels for the catalog: one pass over memory, within 4 ulp (most within 1).
 *
 * Two kinds of loop, both reading a float32 x with their own vectorisable building blocks
 * (polynomials with a bit-cast 2^k, no libm calls, so the compiler vectorises the loop):
 * - in double, rounded once to float32: double carries 29 bits more than float32 needs, the
 *   polynomials are accurate to ~5e-11 relative (0.001 float32 ulp), so the result is within
 *   ~0.501 ulp. Most derivative loops, and the forward loops of ISRU/ISRLU, exponential,
 *   gaussian, softsign, Elliott and SQNL.
 * - in float32 arithmetic (_f32.h), twice double's SIMD width, where the double loop cost more
 *   than three copies of memory traffic: the forward loops of sigmoid, SiLU, softplus,
 *   log-sigmoid, the ELU family, Mish, TanhExp, GELU and its tanh form, Serf, tanhshrink,
 *   arctan, squareplus and the bent identity, and the derivative loops of sigmoid, tanh,
 *   softplus, log-sigmoid, SiLU, Mish and GELU (where the double loops made forward+backward
 *   slower than torch's, or level with it). Each states its error bound
 *   (1 to 3.55 ulp) from its roundings; tests/test_catalog_compiled.py holds each to it on 4M
 *   inputs against the float64 kernel. A derivative's zero is a factor of the float32 form
 *   (x - x0 with x0 as hi + lo), so the result keeps its relative accuracy through it.
 * The compiler may fuse a * b + c into one FMA where the CPU has it: in the double loops that
 * changes the last float64 bits only; the float32 loops count on it (FMA_CLONES).
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
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The loops in float32 arithmetic (_f32.h) count on fmaf being one rounding: besides AVX-512
 * (whose vector FMA is part of AVX-512F) they get an x86-64-v3 clone (AVX2 with FMA), where
 * GCC's plain "avx2" clone would call libm's scalar fmaf; the baseline clone still does. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#define FMA_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define CLONES
#define FMA_CLONES
#endif

#define LOOP_PRAGMA _Pragma("GCC ivdep")

/* every building block inlined into each clone of each loop: a call left in a loop stops it
 * vectorising (GCC's heuristics had left exp_fine out of the derivative loops: 11 ns per element) */
#define INLINE static inline __attribute__((always_inline))

/* exp(x) for x in [-708, 709] (callers clamp): x = k ln2 + r, |r| <= ln2/2, exp(r) by a degree-7
 * polynomial (1 + r + c2 r^2 + ... fitted for relative error by Lawson's weighted least squares
 * against mpmath: 5.2e-11 at most, 0.001 float32 ulp; Taylor needs degree 8 for 2.5e-10), 2^k
 * built in the exponent bits. */
INLINE double exp_d(double x)
{
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer */
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01; /* 32 bits: k * ln2_hi is exact */
    const double ln2_lo = 1.90821492927058770002e-10;
    double kd = x * log2e + shifter;
    double k = kd - shifter;
    double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 0.00019790302928176165;
    p = p * r + 0.0013944704205324386;
    p = p * r + 0.008333497335509204;
    p = p * r + 0.04166629435415982;
    p = p * r + 0.16666665867008926;
    p = p * r + 0.5000000067843422;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits); /* the low bits of kd hold k */
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* ---- double-precision building blocks for kernels whose result cancels -------------------
 * Near a derivative's zero (gelu_tanh', tanhexp', serf', SiLU' at beta != 1) or in x - tanh x the result is far smaller than
 * its terms, so their relative error is multiplied: there exp_d's 2.5e-10 would show. These
 * carry double's own accuracy (Taylor to r^12: remainder < 2e-16 relative), three FMAs more. */

INLINE double exp_fine(double x)
{
    const double shifter = 6755399441055744.0;
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    double kd = x * log2e + shifter;
    double k = kd - shifter;
    double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* e^x - 1 for x in [-708, 709], expm1_d's method to double's accuracy (e^r - 1 to r^13:
 * relative remainder < 2e-17) */
INLINE double expm1_fine(double x)
{
    const double shifter = 6755399441055744.0;
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    double kd = x * log2e + shifter;
    double k = kd - shifter;
    double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return scale * (p * r) + (scale - 1.0);
}

/* tanh(a) for a >= 0 as -m / (2 + m), m = e^{-2a} - 1: relative accuracy down to a -> 0
 * (a > 20: 1 to double's last bit; the clamp keeps exp's argument in range, NaN kept) */
INLINE double tanh_pos(double a)
{
    double m = expm1_fine(-2.0 * (a > 20.0 ? 20.0 : a));
    return -m / (2.0 + m);
}

/* exp(x) - 1 for x in [-708, 709] with one polynomial: x = k ln2 + r as in exp_d, then
 * 2^k (e^r - 1) + (2^k - 1) with e^r - 1 = r q(r), q = 1 + r/2 + c2 r^2 + ... + c7 r^7 fitted as
 * exp_d's (5.5e-12 relative for |r| <= ln2/2): no constant term, so nothing cancels at k = 0 (|x| < ln2/2); for k != 0
 * the two terms cancel by at most a factor 2. 2^k - 1 is -1 to double's precision below k = -53. */
INLINE double expm1_d(double x)
{
    const double shifter = 6755399441055744.0;
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    double kd = x * log2e + shifter;
    double k = kd - shifter;
    double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 2.480941586520865e-05;
    p = p * r + 0.00019904279846045503;
    p = p * r + 0.0013888946602977916;
    p = p * r + 0.008333290201867419;
    p = p * r + 0.04166666631595523;
    p = p * r + 0.16666666749218642;
    p = p * r + 0.5;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return scale * (p * r) + (scale - 1.0);
}

/* tanh_pos with expm1_d (5.5e-12 relative): where nothing cancels after it */
INLINE double tanh_fast(double a)
{
    double m = expm1_d(-2.0 * (a > 20.0 ? 20.0 : a));
    return -m / (2.0 + m);
}

/* log(1 + u) for u in [0, 1] as 2 atanh(s), s = u / (2 + u) <= 1/3, by the atanh series to s^21:
 * its error (< 4e-12 relative at s = 1/3) falls as s^22, so sums that cancel (Serf' near its
 * zero) keep double's accuracy; relative accuracy holds down to the smallest u */
INLINE double log1p_fine(double u)
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
INLINE double erfcx_d(double z)
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

INLINE double clamp_abs(double u, double hi)
{
    double a = u < 0.0 ? -u : u;
    return a > hi ? hi : a;
}

#include "_f32.h"

/* ---- the kernels: one loop each --------------------------------------------------------- */

/* ---- float32 arithmetic, by blocks ------------------------------------------------------
 * Each loop below has a narrow form, for blocks of BLOCK elements whose |u| are all <= 80
 * (e^{-|u|} >= 1.8e-35 is a normal number, nothing to clamp, no subnormal result: 2^k is one
 * product), and a wide form for every other block (infinities, NaN, the subnormal tails). Both
 * compute the same formula; the check reads the block once more from L1. */
#define BLOCK 1024
#define NARROW 80.0f

/* 1 where every |x| of the block is <= limit (NaN is not) */
CLONES static int narrow_block(const float *x, Py_ssize_t m, float limit)
{
    int bad = 0;
    LOOP_PRAGMA
    for (Py_ssize_t j = 0; j < m; j++)
        bad |= !(abs_f(x[j]) <= limit);
    return !bad;
}

/* run NARROW_CALL or WIDE_CALL on each block (xb, ob, m) of x, out */
#define BY_BLOCKS(limit, NARROW_CALL, WIDE_CALL)                                            \
    for (Py_ssize_t at = 0; at < n; at += BLOCK) {                                          \
        Py_ssize_t m = n - at < BLOCK ? n - at : BLOCK;                                     \
        const float *xb = x + at;                                                           \
        float *ob = out + at;                                                               \
        if (narrow_block(xb, m, limit))                                                     \
            NARROW_CALL;                                                                    \
        else                                                                                \
            WIDE_CALL;                                                                      \
    }

/* name##part: name_f(x, wide) over x (one of the two loops of BLOCKED_UNARY) */
#define BLOCK_PART(name, part, wide)                                                        \
    FMA_CLONES static void name##part(const float *x, float *out, Py_ssize_t n)             \
    {                                                                                       \
        LOOP_PRAGMA                                                                         \
        for (Py_ssize_t i = 0; i < n; i++)                                                  \
            out[i] = name##_f(x[i], wide);                                                  \
    }

/* name_loop over blocks: name_f(x, 0) in the narrow ones (every |x| <= limit), name_f(x, 1) in
 * the wide ones */
#define BLOCKED_UNARY_WITHIN(name, limit)                                                   \
    BLOCK_PART(name, _narrow, 0)                                                            \
    BLOCK_PART(name, _wide, 1)                                                              \
    static void name##_loop(const float *x, float *out, Py_ssize_t n)                       \
    {                                                                                       \
        BY_BLOCKS(limit, name##_narrow(xb, ob, m), name##_wide(xb, ob, m))                  \
    }
#define BLOCKED_UNARY(name) BLOCKED_UNARY_WITHIN(name, NARROW)

/* v 2^k: one product in a narrow block, ldexp_low_f's two steps in a wide one */
INLINE float scale_f(float v, int32_t k, int wide)
{
    return wide ? ldexp_low_f(v, k) : v * pow2_f(k);
}

/* e = p 2^k for 1 + e, e^2: exact in a narrow block, normal_f's below 2^-126 in a wide one */
INLINE float e_f(float p, int32_t k, int wide) { return wide ? normal_f(p, k) : p * pow2_f(k); }

/* sigmoid: 1/(1 + e) for u >= 0, e/(1 + e) = p s 2^k below, e = e^{-|u|} = p 2^k, s = 1/(1 + e),
 * |u| clamped at 104 (e^-104 is float32 0). u >= 0: 0.5 ulp + 1/4 of e's 1 ulp; below p (1 ulp),
 * s (0.75) and the product (0.5): 2.25 ulp at most */
INLINE float sigmoid_f(float u, int wide)
{
    float a = abs_f(u);
    int32_t k;
    float p = exp_mantissa_f(wide && a > 104.0f ? -104.0f : -a, &k);
    float s = recip_one_plus_f(e_f(p, k, wide));
    return u >= 0.0f ? s : scale_f(p * s, k, wide);
}

BLOCKED_UNARY(sigmoid)

/* (d + d_lo)^2 = dd + *dd_lo: d^2's FMA error and 2 d d_lo (d_lo^2 is below 2^-48 of it) */
INLINE float square_lo_f(float d, float d_lo, float *dd_lo)
{
    float dd = d * d;
    *dd_lo = fma_f(d, d, -dd) + 2.0f * d * d_lo;
    return dd;
}

/* 1/(d + d_lo)^2 (d_lo <= 2^-23 d) by one Newton step from the quotient's remainder: within
 * 0.6 ulp */
INLINE float recip_square_f(float d, float d_lo)
{
    float dd_lo, dd = square_lo_f(d, d_lo, &dd_lo);
    float w = 1.0f / dd;
    return fma_f(w, fma_f(-w, dd, 1.0f) - w * dd_lo, w);
}

/* n / (d + d_lo)^2 from w = recip_square_f(d, d_lo): n w and one Newton step on the remainder
 * (within 0.5 ulp + w's error squared) */
INLINE float over_square_f(float n, float d, float d_lo, float w)
{
    float dd_lo, dd = square_lo_f(d, d_lo, &dd_lo);
    float q = n * w;
    return fma_f(fma_f(-q, dd, n) - q * dd_lo, w, q);
}

/* 1 + e = d + *rho exactly, for e in [0, 1] (Fast2Sum) */
INLINE float one_plus_f(float e, float *rho)
{
    float d = 1.0f + e;
    *rho = e - (d - 1.0f);
    return d;
}

/* x clamped to [-limit, limit] in a wide block (NaN kept), as it is in a narrow one */
INLINE float clamp_wide_f(float v, float limit, int wide)
{
    return wide ? (v > limit ? limit : (v < -limit ? -limit : v)) : v;
}

/* 2^shift e/(1 + e)^2 for e = e^x, x <= 0 (callers clamp), in float32 arithmetic: e = (1 +
 * tail) 2^k, w = 1/(1 + e)^2 (0.6 ulp for the e given); e's own error, 1 + tail's rounding (1 u
 * where it is >= 1, which needs k <= -1, e <= 0.71; 0.71 u below 1) and tail's 0.3 u, moves w by
 * 2e/(1 + e) <= 0.83 times it where 1 + tail >= 1, by up to 1 times it below: at most 1.08 u;
 * the factor 1 + tail is never rounded (tail's 0.3 u), the product rounds once and 2^(k +
 * shift) is applied last (a subnormal result rounds once): within 0.6 + 1.08 + 0.3 + 0.5, 2.5
 * ulp.
 * sigmoid'(u) = bell(-|u|), tanh'(x) = 4 bell(-2|x|): no sum, nothing cancels */
INLINE float bell_f(float x, int32_t shift, int wide)
{
    int32_t k;
    float tail = exp_tail_f(reduce_f(x, &k));
    float rho, d = one_plus_f(e_f(1.0f + tail, k, wide), &rho);
    float w = recip_square_f(d, rho);
    return scale_f(fma_f(w, tail, w), k + shift, wide);
}

/* |u| clamped at 110 in a wide block (e^-110 is float32 0; NaN kept) */
INLINE float sigmoid_derivative_f(float u, int wide)
{
    float a = abs_f(u);
    return bell_f(-(wide && a > 110.0f ? 110.0f : a), 0, wide);
}

BLOCKED_UNARY(sigmoid_derivative)

/* |x| clamped at 56 (4 e^-112 is float32 0); a narrow block is |x| <= 40 (exp's argument 2x
 * within 80) */
INLINE float tanh_derivative_f(float v, int wide)
{
    float a = abs_f(v);
    return bell_f(-2.0f * (wide && a > 56.0f ? 56.0f : a), 2, wide);
}

BLOCKED_UNARY_WITHIN(tanh_derivative, 0.5f * NARROW)

/* x sigmoid(beta x) in float32 arithmetic, u = beta x carried as hi + lo; below 0 the product
 * x p s is scaled by 2^k last (x e^u can be a normal number where e^u is subnormal); beta x <
 * -200 is -0 (|x| e^{beta x} < 1e-48). Within 3 ulp: sigmoid_f's 2.25 below 0 (1.25 for p with a
 * lo) and the product x p s. */
INLINE float silu_f(float v, split_f b, int scaled, int wide)
{
    float vc = wide ? (v > FLT_MAX ? FLT_MAX : (v < -FLT_MAX ? -FLT_MAX : v)) : v; /* +-inf */
    float u = scaled ? b.hi * vc : vc;
    float a = abs_f(u);
    int far = wide && a > 200.0f;
    int32_t k;
    float p;
    if (scaled) { /* e^{-|u + lo|} */
        float lo = times_lo(b, vc, u);
        p = exp_mantissa_lo_f(far ? -200.0f : -a, far ? 0.0f : (u >= 0.0f ? -lo : lo), &k);
    } else {
        p = exp_mantissa_f(far ? -200.0f : -a, &k);
    }
    float s = recip_one_plus_f(e_f(p, k, wide));
    /* x p s 2^k: a huge x (tiny beta) takes 2^-64 of it first, so x p s can't overflow */
    int huge = wide && abs_f(vc) > 0x1p100f;
    float left = scale_f((huge ? vc * 0x1p-64f : vc) * (p * s), huge ? k + 64 : k, wide);
    return u >= 0.0f ? v * s : left;
}

#define SILU_LOOP(name, scaled, wide)                                                       \
    FMA_CLONES static void name(const float *x, float *out, Py_ssize_t n, split_f b)        \
    {                                                                                       \
        LOOP_PRAGMA                                                                         \
        for (Py_ssize_t i = 0; i < n; i++)                                                  \
            out[i] = silu_f(x[i], b, scaled, wide);                                         \
    }
SILU_LOOP(silu_one_narrow, 0, 0)
SILU_LOOP(silu_one_wide, 0, 1)
SILU_LOOP(silu_beta_narrow, 1, 0)
SILU_LOOP(silu_beta_wide, 1, 1)

/* beta = 1 (the default: SiLU) without the product beta x */
static void silu_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    const split_f b = split(beta);
    /* |b.hi x| <= 80; +-inf always wide */
    const float limit = (float)fmin(NARROW / beta * 0.99, 0x1p100);
    if (beta == 1.0) {
        BY_BLOCKS(NARROW, silu_one_narrow(xb, ob, m, b), silu_one_wide(xb, ob, m, b))
    } else {
        BY_BLOCKS(limit, silu_beta_narrow(xb, ob, m, b), silu_beta_wide(xb, ob, m, b))
    }
}

/* d/dx x sigmoid(u), u = beta x: (1 + e + u e)/(1+e)^2 for u >= 0, e (1 + e + u)/(1+e)^2 below */
CLONES static void silu_beta_derivative_loop(
    const float *x, float *out, Py_ssize_t n, double beta)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double u = beta * (double)x[i];
        u = u < -200.0 ? -200.0 : (u > 200.0 ? 200.0 : u); /* keeps inf * 0 out of u e */
        double e = exp_fine(-clamp_abs(u, 200.0));
        double d = 1.0 + e;
        double num = u >= 0.0 ? d + u * e : e * (d + u);
        out[i] = (float)(num / (d * d));
    }
}

/* SiLU' (beta = 1) in float32 arithmetic, e = e^{-|x|} = (1 + tail) 2^k, 1 + e = d + rho exactly,
 * w = 1/(1 + e)^2 by recip_square_f (within 0.75 ulp for the e given).
 * - x >= 0: w (1 + e + x e), three positive terms: within e's 1 ulp (its effect on the result
 *   is at most 1), w's 0.75, the sum's and the product's 0.5 each: 2.75 ulp;
 * - x < 0: w ((1 + x) + e) (1 + tail) 2^k, 1 + x exact for x in [-2, -1/2] (Sterbenz), the
 *   factor 1 + tail never rounded, 2^k applied last (a subnormal result rounds once). The sum
 *   cancels at the zero x0 = -1.2784645..., where e/|1 + x + e| magnifies e's error; on
 *   [-1.75, -0.85] (magnification up to 0.75 at the ends, 0.3 and 0.74) the result is instead
 *   (x - x0) W(x - x0), x - X0_HI exact (Sterbenz), W of degree 8 (Lawson, float32
 *   coefficients: 0.22 u, 1.3 u with Horner's roundings): within 2.3 ulp there. Elsewhere below
 *   0: e's error moves w and the sum in opposite directions (|-2e/(1 + e) + e/(1 + x + e)| <= 1
 *   outside the interval), with w's 0.75, the sum's, the two products' and tail's 0.3: 3.55 ulp.
 * x is clamped at +-110 in a wide block (e^-110 110 rounds to 0; +inf gives 1, -inf -0). */
#define SILU_D_X0_HI -0x1.474974p+0f
#define SILU_D_X0_LO 0x1.bdf6fap-27f

INLINE float silu_one_derivative_f(float v, int wide)
{
    float vc = clamp_wide_f(v, 110.0f, wide);
    float a = abs_f(vc);
    int32_t k;
    float tail = exp_tail_f(reduce_f(-a, &k));
    float e = e_f(1.0f + tail, k, wide);
    float rho, d = one_plus_f(e, &rho);
    float w = recip_square_f(d, rho);
    float right = w * (d + fma_f(vc, e, rho));
    float q = w * ((1.0f + vc) + e);
    float left = scale_f(fma_f(q, tail, q), k, wide);
    /* near the zero: (x - x0) W(x - x0) */
    float z = (vc - SILU_D_X0_HI) - SILU_D_X0_LO;
    float r = -0x1.264cdp-15f;
    r = fma_f(r, z, 0x1.6b7ceep-13f);
    r = fma_f(r, z, 0x1.a16d3p-11f);
    r = fma_f(r, z, 0x1.0d3cc6p-13f);
    r = fma_f(r, z, -0x1.b0f3a4p-8f);
    r = fma_f(r, z, -0x1.f2d1aap-7f);
    r = fma_f(r, z, 0x1.353eacp-6f);
    r = fma_f(r, z, 0x1.2c5634p-3f);
    r = fma_f(r, z, 0x1.be141p-3f);
    float root = z * r;
    float below = vc >= -1.75f && vc <= -0.85f ? root : left;
    return v >= 0.0f ? right : below;
}

BLOCKED_UNARY(silu_one_derivative)

static void silu_derivative_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    if (beta == 1.0)
        silu_one_derivative_loop(x, out, n);
    else
        silu_beta_derivative_loop(x, out, n, beta);
}

/* log1p(e)/beta + max(x, 0), e = e^{-|u + lo|} = p 2^k, u + lo = beta x, in float32 arithmetic
 * (1/beta as hi + lo, the sum rounded once by the FMAs); where e < 2^-60, log1p(e) = e to
 * float32's precision and e/beta = p/beta 2^k is scaled last (subnormal results). x > 0: the
 * log term is damped in the sum; x <= 0: log1p_f's 0.6 ulp + e's 1.25 + 0.5: 2.35 ulp at most */
INLINE float softplus_f(float v, float u, float lo, split_f inv, int scaled, int wide)
{
    float a = abs_f(u);
    int far = wide && a > 200.0f;
    int32_t k;
    float p = scaled ? exp_mantissa_lo_f(far ? -200.0f : -a, far ? 0.0f : (u >= 0.0f ? -lo : lo), &k)
                     : exp_mantissa_f(far ? -200.0f : -a, &k);
    float e = e_f(p, k, wide); /* below 2^-60 only the tiny side below reads it */
    float l = log1p_f(e);
    float positive = v > 0.0f ? v : 0.0f;
    float y = scaled ? fma_f(l, inv.hi, fma_f(l, inv.lo, positive)) : l + positive;
    if (!wide)
        return y;
    float tiny = ldexp_low_f(scaled ? fma_f(p, inv.hi, p * inv.lo) : p, k);
    return e < 0x1p-60f && v <= 0.0f ? tiny : y;
}

/* softplus(x), or -softplus(-x) = log sigmoid(x) with sign = -1 */
#define SOFTPLUS_LOOP(name, scaled, wide, sign)                                             \
    FMA_CLONES static void name(const float *x, float *out, Py_ssize_t n, split_f b,        \
                                split_f inv)                                                \
    {                                                                                       \
        LOOP_PRAGMA                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                \
            float v = sign * x[i];                                                          \
            float vc = v > FLT_MAX ? FLT_MAX : (v < -FLT_MAX ? -FLT_MAX : v); /* +-inf */     \
            float u = scaled ? b.hi * vc : v;                                               \
            float lo = scaled ? times_lo(b, vc, u) : 0.0f;                                  \
            out[i] = sign * softplus_f(v, u, lo, inv, scaled, wide);                        \
        }                                                                                   \
    }
SOFTPLUS_LOOP(softplus_one_narrow, 0, 0, 1.0f)
SOFTPLUS_LOOP(softplus_one_wide, 0, 1, 1.0f)
SOFTPLUS_LOOP(softplus_beta_narrow, 1, 0, 1.0f)
SOFTPLUS_LOOP(softplus_beta_wide, 1, 1, 1.0f)
SOFTPLUS_LOOP(log_sigmoid_narrow, 0, 0, -1.0f)
SOFTPLUS_LOOP(log_sigmoid_wide, 0, 1, -1.0f)

/* beta = 1 (the default) without the product beta x */
static void softplus_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    const split_f b = split(beta), inv = split(1.0 / beta);
    const float limit = (float)fmin(NARROW / beta * 0.99, 0x1p100);
    if (beta == 1.0) {
        BY_BLOCKS(NARROW, softplus_one_narrow(xb, ob, m, b, inv),
                  softplus_one_wide(xb, ob, m, b, inv))
    } else {
        BY_BLOCKS(limit, softplus_beta_narrow(xb, ob, m, b, inv),
                  softplus_beta_wide(xb, ob, m, b, inv))
    }
}

/* softplus' = sigmoid(beta x); beta = 1 is the sigmoid loop */
CLONES static void softplus_beta_derivative_loop(
    const float *x, float *out, Py_ssize_t n, double beta)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double u = beta * (double)x[i];
        double e = exp_d(-clamp_abs(u, 200.0));
        double s = 1.0 / (1.0 + e);
        out[i] = (float)(u >= 0.0 ? s : e * s);
    }
}

static void softplus_derivative_loop(const float *x, float *out, Py_ssize_t n, double beta)
{
    if (beta == 1.0)
        sigmoid_loop(x, out, n);
    else
        softplus_beta_derivative_loop(x, out, n, beta);
}

/* the ELU family: pos x for x > 0, neg expm1(in x) otherwise (ELU: 1, alpha, 1; CELU: 1, alpha,
 * 1/alpha; SELU: scale, scale alpha, 1); expm1 only sees min(x, 0). In float32 arithmetic, each
 * parameter as hi + lo and in x carried exactly: pos x within 0.5 ulp + 2^-23, neg expm1 within
 * expm1_f's 1.5 ulp (1.75 with a lo) + 0.5 */
FMA_CLONES static void elu_loop(
    const float *x, float *out, Py_ssize_t n, double pos, double neg, double in)
{
    const split_f p = split(pos), g = split(neg), c = split(in), slope = split(neg * in);
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float w = v >= 0.0f ? 0.0f : v; /* -0 gives +0, as the NumPy kernel */
        float m = c.hi * w;
        float lo = times_lo(c, w, m);
        int low = m < -30.0f; /* e^-30 is below half an ulp of 1: expm1 is -1 */
        float e = expm1_f(low ? -30.0f : m, low ? 0.0f : lo);
        float finite = v > 0x1p127f ? 0x1p127f : v; /* p.lo inf would be NaN at p.lo = 0 */
        float right = fma_f(p.hi, v, p.lo * finite);
        /* |in x| < 2^-30: expm1 is in x to float32's precision, and (neg in) x keeps a
         * subnormal x's bits, which in x would lose */
        float tiny = fma_f(slope.hi, w, slope.lo * w);
        float left = abs_f(m) < 0x1p-30f ? tiny : fma_f(g.hi, e, g.lo * e);
        out[i] = v > 0.0f ? right : left;
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

/* GELU's tanh form x sigmoid(v), v = 2 sqrt(2/pi) (x + 0.044715 x^3) = x g, g = c + b x^2 (c =
 * 2 sqrt(2/pi), b = 0.044715 c), in float32 arithmetic. For x < 0 the result is x e^v / (1 + e^v),
 * and exp turns an absolute error of v into a relative one (|v| reaches 107 before the result
 * is 0): v is carried to ~2^-40 relative without forming it. g = gh + gl: x^2 = s + s_lo and
 * b s = q + q_lo exactly (FMA), gh = c + q with its rounding error by Fast2Sum (max and min:
 * c, q >= 0), gl = that error + q_lo + b s_lo + b_lo s + c_lo. Then exp's reduction |v| - k ln2
 * takes |x| gh - k LN2_HI in one FMA (an exact product, the difference rounded once, and it is
 * <= 0.35: 2^-26), and -k LN2_LO, -|x| gl in two more (2^-26 each); k itself from |x| (c + b x^2)
 * log2(e), which needs no g. e^{-|v|} = p 2^k with p within 1.3 ulp; x >= 0: x / (1 + e),
 * where e's error is damped by e/(1 + e), within 2 ulp;
 * x < 0: x e s with e's numerator p = 1 + tail unrounded (x (s + tail s)), s = 1/(1 + e): r's
 * error (0.75, 0.25 more for 1 + e rounded), s (0.75), two products: within 3.1 ulp (measured
 * 2.4).
 * One loop for every x (no narrow blocks: at x = -9.5, well inside data of standard deviation 3,
 * e is already 2^-110): |x| clamped at 11 (|v| = 112.5; x e^v / (1 + e^v) is 0 in float32 below
 * -10.8), 1 + e takes e = p 2^max(k, -126), and x e s is scaled by 2^(k + 64) (exact, k >= -163)
 * and then by 2^-64, which rounds once into the subnormal range. */
#define TWO_C 1.5957691216057308
#define KAPPA 0.044715
#define GT_C_HI 0x1.988454p+0f
#define GT_C_LO -0x1.857936p-25f
#define GT_B_HI 0x1.2444f2p-4f
#define GT_B_LO 0x1.49b16ap-29f

INLINE __attribute__((always_inline)) float gelu_tanh_f(float v)
{
    float a = min_bits_f(abs_f(v), 11.0f); /* NaN: 11, the result is v s */
    float s = a * a, s_lo = fma_f(a, a, -s);
    float q = GT_B_HI * s, q_lo = fma_f(GT_B_HI, s, -q);
    float gh = GT_C_HI + q;
    float big = q > GT_C_HI ? q : GT_C_HI, small = q > GT_C_HI ? GT_C_HI : q;
    float gl = (small - (gh - big)) + (fma_f(GT_B_LO, s, fma_f(GT_B_HI, s_lo, q_lo)) + GT_C_LO);
    const float shifter = 0x1.8p23f;
    float kf = fma_f(-a, fma_f(GT_B_HI * 0x1.715476p0f, s, GT_C_HI * 0x1.715476p0f), shifter);
    float kk = kf - shifter;
    int32_t bits;
    memcpy(&bits, &kf, sizeof bits);
    int32_t k = bits - 0x4B400000;
    float r = fma_f(-a, gh, -(kk * LN2_HI)); /* -|v| - k ln2 */
    r = fma_f(-a, gl, fma_f(-kk, LN2_LO, r));
    float tail = exp_tail_f(r);
    float sg = recip_one_plus_f(normal_f(1.0f + tail, k));
    float y = a * fma_f(tail, sg, sg) * pow2_f(k + 64); /* |x| e s 2^64, exact: k >= -163 */
    return v < 0.0f ? y * -0x1p-64f : v * sg;
}

FMA_CLONES static void gelu_tanh_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = gelu_tanh_f(x[i]);
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
        double e = exp_fine(-clamp_abs(v, 200.0));
        double d = 1.0 + e;
        double num = v >= 0.0 ? d + slope * e : e * (d + slope);
        out[i] = (float)(num / (d * d));
    }
}

/* GELU x Phi(x) = max(x, 0) - F(a), F(a) = a Phi(-a), a = |x|, in float32 arithmetic (u = 2^-24
 * relative below), two pieces for F, both computed (a select):
 * - a < 3/4: F = a/2 - a (a Q(a^2)), Phi(a) - 1/2 = a Q(a^2), Q = c0 + s Q1(s) fitted (Lawson,
 *   against Phi: 0.03 u), c0 = 1/sqrt(2 pi) as hi + lo, so a Q rounds once (<= 1 u) and F's
 *   FMA once. For x < 0 (y = -F) the sum cancels: a Q's error is magnified by
 *   (1/2 - Phi(-a))/Phi(-a) <= 1.21: within 1.3 u + 0.5 ulp; for x > 0 F is damped.
 * - a >= 3/4: F = e^{-a^2/2} K(a), K = a m(a)/sqrt(2 pi) (m the Mills ratio Phi(-a)/phi(a),
 *   K in [0.22, 0.4]) a degree-10 polynomial in t = (a - 3/2)/(a + 3/2) (fit 0.16 u; with t's
 *   three roundings and Horner's, 1.45 u, measured on a float32 emulation over [3/4, 14.5]);
 *   e^{-a^2/2} = p 2^k with a^2 = h + l exact by an FMA (exp's argument exact as hi + lo): p
 *   within 1.5 u; p r rounds once (0.5 ulp) and 2^k, applied last, rounds only a subnormal F.
 *   For x <= -3/4 (y = -F): 1.45 u + 1.5 u + 0.5 ulp, 3.5 ulp at worst, 2.6 measured; above
 *   0, x - F damps F's error by F/x <= Phi(-3/4) = 0.23.
 * a is clamped at 14.5 (14.5 Phi(-14.5) < 2^-150: -inf gives -0; +inf - F is +inf); NaN
 * propagates through F. One loop, no narrow blocks: with a clamped, 2^k (k >= -153) is two
 * exact-or-once-rounded products for every x. */
/* e^{-a^2/2} = (1 + tail) 2^k for a in [0, 15], h = a^2 rounded: a^2 = h + l exact (an FMA),
 * so exp's argument is exact as -h/2 - l/2 (halving is exact) */
INLINE float gauss_tail_f(float a, float h, int32_t *k)
{
    float l = fma_f(a, a, -h);
    return exp_tail_f(reduce_f(-0.5f * h, k) - 0.5f * l);
}

INLINE float gelu_f(float v)
{
    float a = abs_f(v);
    float ac = a > 14.5f ? 14.5f : a;
    float h = ac * ac;
    /* a < 3/4: F = a/2 - a (a Q(a^2)) */
    float q = -8.715311196283437e-06f;
    q = fma_f(q, h, 0.00011524716683197767f);
    q = fma_f(q, h, -0.0011873723706230521f);
    q = fma_f(q, h, 0.009973579086363316f);
    q = fma_f(q, h, -0.06649038195610046f);
    float aq = fma_f(ac, 0.3989423f, ac * fma_f(q, h, -1.133517e-08f)); /* a Q(a^2) */
    float near = fma_f(-ac, aq, 0.5f * ac);
    /* a >= 3/4: e^{-a^2/2} = (1 + tail) 2^k; K(t) scaled by 2^-64 */
    int32_t k;
    float tail = gauss_tail_f(ac, h, &k);
    float t = (ac - 1.5f) / (ac + 1.5f);
    float r = 0x1.29a37ep-74f;
    r = fma_f(r, t, -0x1.7ca792p-75f);
    r = fma_f(r, t, -0x1.0c2c9p-73f);
    r = fma_f(r, t, -0x1.4954f2p-73f);
    r = fma_f(r, t, 0x1.b23522p-75f);
    r = fma_f(r, t, 0x1.6225ep-71f);
    r = fma_f(r, t, 0x1.22fcfap-70f);
    r = fma_f(r, t, -0x1.44629p-70f);
    r = fma_f(r, t, -0x1.02a80ep-67f);
    r = fma_f(r, t, 0x1.b06056p-67f);
    r = fma_f(r, t, 0x1.3c144p-66f);
    /* F = (r + r tail) 2^k, r's coefficients scaled by 2^-64 (exact): r + r tail rounds once to
     * a normal number, and the product by 2^(k + 64) (k >= -153) is exact unless F is subnormal */
    float far = fma_f(r, tail, r) * pow2_f(k + 64);
    float f = a < 0.75f ? near : far;
    return (v >= 0.0f ? v : -0.0f) - f; /* -0 - 0 is -0: x = -0 and -inf give -0 */
}

/* flatten: every call inlined, which the loop needs to vectorise (GCC's inlining budget stops
 * short of gelu_f and its building blocks) */
#define FLAT_FMA_CLONES FMA_CLONES __attribute__((flatten))

FLAT_FMA_CLONES static void gelu_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = gelu_f(x[i]);
}


/* GELU' = Phi(x) + x phi(x) in float32 arithmetic. With a = |x|, GELU'(-a) = T(a) and
 * GELU'(a) = 1 - T(a), T(a) = Phi(-a) - a phi(a), which is 1/2 at 0, 0 at a0 = 0.7517915...
 * and negative beyond, -a phi(a) (1 - 1/a^2 + ...) far out. T = e^{-a^2/2} (a0 - a) J(a) with
 * J = (erfcx(a/sqrt 2)/2 - a/sqrt(2 pi))/(a0 - a) smooth and positive (0.665 at 0, 1/sqrt(2 pi)
 * far out): the zero is a factor, a0 - a = (A0_HI - a) + A0_LO exact to a rounding (the first
 * difference is exact for a in [a0/2, 2 a0], Sterbenz), so T keeps its relative accuracy
 * through the zero. J is a degree-10 polynomial in t = (a - 5/2)/(a + 5/2) (Lawson's fit for
 * relative error with float32 coefficients: 0.2 u, 1.05 u with Horner's roundings; t's three
 * roundings, 1.5 u, move J by at most |t J'/J| <= 0.33 times that, 0.5 u); e^{-a^2/2} = (1 +
 * tail) 2^k as in gelu_f, with a^2 = h + l exact, (1 + tail) never rounded (tail within 0.3 u);
 * the products (a0 - a) J and ((a0 - a) J)(1 + tail) round once each, and 2^k, applied last,
 * rounds only a subnormal T. x <= 0: within 1.05 + 0.5 + 0.5 (a0 - a) + 0.5 + 0.3 + 0.5, 3.35
 * ulp.
 * x > 0: 1 - T with T in [-0.13, 1/2]: for x >= 1/2 |T| <= 0.15 is damped in the sum (within
 * 1 ulp); below 1/2 as 1/2 + x G(x^2) (G degree 5 in x^2, within 1.2 u, the FMA rounds once:
 * within 1 ulp). a is clamped at 15, where T rounds to -0 (+inf gives 1); NaN propagates. */
#define GELU_D_A0_HI 0x1.80ead2p-1f
#define GELU_D_A0_LO -0x1.a03fd4p-27f

INLINE float gelu_derivative_f(float v)
{
    float a = abs_f(v);
    float ac = a > 15.0f ? 15.0f : a;
    float h = ac * ac;
    int32_t k;
    float tail = gauss_tail_f(ac, h, &k); /* e^{-a^2/2} = (1 + tail) 2^k */
    /* J(t), coefficients scaled by 2^-64 (exact), so that 2^(k + 64) is a normal number */
    float t = (ac - 2.5f) / (ac + 2.5f);
    float j = 0x1.6374d4p-83f;
    j = fma_f(j, t, -0x1.352ff8p-81f);
    j = fma_f(j, t, -0x1.d1db84p-79f);
    j = fma_f(j, t, -0x1.84a4bep-81f);
    j = fma_f(j, t, 0x1.80fedcp-76f);
    j = fma_f(j, t, 0x1.db49e8p-76f);
    j = fma_f(j, t, -0x1.65772cp-73f);
    j = fma_f(j, t, -0x1.275a34p-72f);
    j = fma_f(j, t, 0x1.6eb56cp-69f);
    j = fma_f(j, t, -0x1.082e3ap-67f);
    j = fma_f(j, t, 0x1.f568ecp-66f);
    float jd = fma_f(j, GELU_D_A0_HI - ac, j * GELU_D_A0_LO); /* (a0 - a) J */
    float tv = fma_f(jd, tail, jd) * pow2_f(k + 64);
    /* 0 <= x < 1/2: 1/2 + x G(x^2) */
    float g = -0x1.bee98p-14f;
    g = fma_f(g, h, 0x1.2e1bd4p-10f);
    g = fma_f(g, h, -0x1.373e3p-7f);
    g = fma_f(g, h, 0x1.ea385cp-5f);
    g = fma_f(g, h, -0x1.105838p-2f);
    g = fma_f(g, h, 0x1.988454p-1f);
    float right = ac < 0.5f ? fma_f(ac, g, 0.5f) : 1.0f - tv;
    return v > 0.0f ? right : tv;
}

FLAT_FMA_CLONES static void gelu_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = gelu_derivative_f(x[i]);
}

/* Mish x tanh(softplus(x)). With w = e^x and q = (1 + w)^2 = e^{2 softplus}: tanh = (q - 1)/(q + 1)
 * where q - 1 = w (w + 2) has no cancellation; for x >= 0 the same in e = e^{-x}:
 * tanh = (1 + 2e)/(1 + 2e + 2e^2). */
INLINE float mish_f(float v, int wide)
{
    float a = abs_f(v);
    int32_t k;
    float p = exp_mantissa_f(wide && a > 200.0f ? -200.0f : -a, &k);
    float e = e_f(p, k, wide); /* e^{-|x|}, exact where it can matter */
    /* x >= 0: x (1 + 2e)/(1 + 2e + 2e^2); below x e (e + 2)/(e (e + 2) + 2), e (e + 2) =
     * (p e + 2p) 2^k in one FMA, the quotient's remainder carried into the product: p's 1 ulp,
     * 1 + 2e, the two numerators' and denominators' roundings: within 3.5 ulp */
    float num = fma_f(2.0f, e, 1.0f);
    float right = v * (num / fma_f(2.0f * e, e, num));
    float vc = wide && v < -200.0f ? -200.0f : v;
    float num_left = fma_f(p, e, 2.0f * p), den_left = fma_f(e, e + 2.0f, 2.0f);
    float inv = 1.0f / den_left, q = num_left * inv;
    float rem = fma_f(-q, den_left, num_left) * inv; /* x q + x rem rounds once */
    float left = scale_f(fma_f(vc, q, vc * rem), k, wide);
    return v >= 0.0f ? right : left;
}

BLOCKED_UNARY(mish)

/* Mish' = tanh(sp) + x sech^2(sp) sigmoid(x), sp = softplus(x), in float32 arithmetic, from e =
 * e^{-|x|} = (1 + tail) 2^k. Written over one denominator:
 * - x >= 0: (1 + 4e + (6 + 4x) e^2 + (4 + 4x) e^3) / (1 + 2e + 2e^2)^2, positive terms (Horner
 *   with FMAs: within 1.6 ulp), times 1/D^2;
 * - x < 0: e (4 (1 + x) + e (6 + 4x + e (4 + e))) / (2 + 2e + e^2)^2, the factor 1 + tail never
 *   rounded and 2^k applied last (a subnormal result rounds once). The sum cancels at the zero
 *   x0 = -1.1924312...; on [-1.7, -0.7] the result is (x - x0) R(x - x0) instead (x - X0_HI exact,
 *   R of degree 8, its constant as hi + lo: fit 0.03 u, 1.41 u with Horner's roundings; within
 *   2.4 ulp); outside it e's terms move the sum by at most 0.2 of it (1 + x exact on [-2, -1/2]).
 * D = c + e (2 + c' e) is carried as hi + lo (TwoSums, FMA errors), and each quotient by D^2 is
 * rounded once, with a Newton step on its remainder. Within 3.5 ulp (tested on 4M inputs
 * against the float64 kernel).
 * x is clamped at +-110 in a wide block (e^-110 110 rounds to 0; +inf gives 1, -inf -0). */
#define MISH_D_X0_HI -0x1.31432cp+0f
#define MISH_D_X0_LO -0x1.a25b08p-29f

/* a + b = s + err exactly (Knuth's TwoSum) */
INLINE float two_sum_err_f(float a, float b, float s)
{
    float bb = s - a;
    return (a - (s - bb)) + (b - bb);
}

INLINE float mish_derivative_f(float v, int wide)
{
    float vc = clamp_wide_f(v, 110.0f, wide);
    float a = abs_f(vc);
    int32_t k;
    float tail = exp_tail_f(reduce_f(-a, &k));
    float e = e_f(1.0f + tail, k, wide);
    int pos = vc >= 0.0f;
    /* D = c + e (2 + c' e): c, c' = 1, 2 for x >= 0 and 2, 1 below; as hi + lo */
    float c = pos ? 1.0f : 2.0f, c2 = pos ? 2.0f : 1.0f;
    float ce = c2 * e; /* exact */
    float t1 = 2.0f + ce;
    float t1_lo = two_sum_err_f(2.0f, ce, t1);
    float m = e * t1;
    float m_lo = fma_f(e, t1, -m) + e * t1_lo;
    float d = c + m;
    float d_lo = two_sum_err_f(c, m, d) + m_lo;
    float w = recip_square_f(d, d_lo);
    /* x >= 0 */
    float six = fma_f(4.0f, vc, 6.0f), four = fma_f(4.0f, vc, 4.0f);
    float p = fma_f(e, four, six);
    p = fma_f(e, p, 4.0f);
    p = fma_f(e, p, 1.0f);
    float right = over_square_f(p, d, d_lo, w);
    /* x < 0, outside [-1.7, -0.7] */
    float inner = fma_f(e, e + 4.0f, six);
    float bsum = fma_f(e, inner, 4.0f * (1.0f + vc));
    float q = over_square_f(bsum, d, d_lo, w);
    float left = scale_f(fma_f(q, tail, q), k, wide);
    /* near the zero: (x - x0) R(x - x0) */
    float z = (vc - MISH_D_X0_HI) - MISH_D_X0_LO;
    float r = 0x1.d678a8p-13f;
    r = fma_f(r, z, 0x1.f8f886p-11f);
    r = fma_f(r, z, 0x1.1fc71ep-10f);
    r = fma_f(r, z, -0x1.b7d1b2p-9f);
    r = fma_f(r, z, -0x1.03382ap-6f);
    r = fma_f(r, z, -0x1.4c23bp-6f);
    r = fma_f(r, z, 0x1.574f16p-5f);
    r = fma_f(r, z, 0x1.a34a26p-3f);
    r = fma_f(r, z, -0x1.7af0a2p-27f) + 0x1.115accp-2f;
    float root = z * r;
    float below = vc >= -1.7f && vc <= -0.7f ? root : left;
    return pos ? right : below;
}

BLOCKED_UNARY(mish_derivative)

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

/* log sigmoid(x) = -softplus(-x), in float32 arithmetic (softplus_f's bound) */
static void log_sigmoid_loop(const float *x, float *out, Py_ssize_t n)
{
    const split_f one = {1.0f, 0.0f};
    BY_BLOCKS(NARROW, log_sigmoid_narrow(xb, ob, m, one, one),
              log_sigmoid_wide(xb, ob, m, one, one))
}

/* log sigmoid'(x) = sigmoid(-x), sigmoid_f's loop on -x */
INLINE float log_sigmoid_derivative_f(float v, int wide) { return sigmoid_f(-v, wide); }

BLOCKED_UNARY(log_sigmoid_derivative)

/* ---- kernels of the elementary, squashing, shrink and smooth records --------------------- */

/* e^x; beyond [-110, 100] float32 has 0 and inf */
CLONES static void exponential_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        xd = xd > 100.0 ? 100.0 : xd;
        xd = xd < -110.0 ? -110.0 : xd;
        out[i] = (float)exp_d(xd);
    }
}

/* e^{-x^2} with x^2 exact (x is a float32); |x| > 11 is float32 0 */
CLONES static void gaussian_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double a = clamp_abs(x[i], 11.0);
        out[i] = (float)exp_d(-(a * a));
    }
}

/* -2x e^{-x^2}, x clamped to +-11 (keeps inf * 0 away; the sign of the zero beyond is kept) */
CLONES static void gaussian_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd > 11.0 ? 11.0 : (xd < -11.0 ? -11.0 : xd);
        out[i] = (float)(-2.0 * xc * exp_d(-(xc * xc)));
    }
}

/* c ? t : f as bit masks: GCC turns ternaries that feed one division into two divisions */
INLINE float pick_bits(int c, float t, float f)
{
    uint32_t m = -(uint32_t)c, tb, fb;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&fb, &f, sizeof fb);
    tb = (tb & m) | (fb & ~m);
    memcpy(&t, &tb, sizeof t);
    return t;
}

/* arctan in float32 arithmetic (twice double's SIMD width; float division is several times
 * faster than double's here), fdlibm's reduction without branches: |x| is reduced to
 * |u| <= 7/16 by one of u = x, (2x - 1)/(2 + x), (x - 1)/(x + 1), (x - 1.5)/(1 + 1.5x), -1/x
 * (the numerators exact by Sterbenz's lemma, each denominator one rounding: u is within 2 eps of
 * its exact value, eps = 2^-24), then atan(x) = hi + (lo + atan(u)) with atan(c) = hi + lo to
 * 2^-48 and atan(u) = u + u z Q(z), z = u^2, Q of degree 4 fitted as exp_d's (5.5e-2 eps
 * relative with float32 coefficients).
 * Error bound: u's 2 eps (-1/x: 1; x: 0) moves atan by at most 2 eps |u|, the rounding of
 * u + u z Q by eps |u|, and over the four intervals 3|u| <= 0.93 |atan x| (worst at x = 0.6875,
 * u = -0.185); the polynomial's 0.055 eps and the roundings inside u z Q (4 eps of a term
 * <= 0.064 |atan x|) add 0.03 eps there and 0.33 eps below 7/16, where u = x is exact: at most
 * 1 eps relative before the final rounding, <= 1.5 ulp (measured: 0.85, every 61st float32). */
FMA_CLONES static void arctan_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float a = __builtin_fabsf(v);
        /* one select per interval, in order (nested ternaries keep GCC from vectorising) */
        float num = a, den = 1.0f, hi = 0.0f, lo = 0.0f;
        int lower = a >= 0.4375f, middle = a >= 0.6875f, upper = a >= 1.1875f,
            far = a >= 2.4375f;
        num = lower ? 2.0f * a - 1.0f : num;
        den = lower ? 2.0f + a : den;
        hi = lower ? 0x1.dac67p-2f : hi; /* atan(1/2) */
        lo = lower ? 0x1.586ed4p-28f : lo;
        num = middle ? a - 1.0f : num;
        den = middle ? a + 1.0f : den;
        hi = middle ? 0x1.921fb6p-1f : hi; /* atan(1) */
        lo = middle ? -0x1.777a5cp-26f : lo;
        num = upper ? a - 1.5f : num;
        den = upper ? __builtin_fmaf(1.5f, a, 1.0f) : den;
        hi = upper ? 0x1.f730bep-1f : hi; /* atan(3/2) */
        lo = upper ? -0x1.afc12cp-26f : lo;
        num = far ? -1.0f : num;
        den = far ? a : den;
        hi = far ? 0x1.921fb6p+0f : hi; /* pi/2 */
        lo = far ? -0x1.777a5cp-25f : lo;
        float u = num / den;
        float z = u * u;
        float q = -0.05819093808531761f;
        q = q * z + 0.1049080342054367f;
        q = q * z - 0.14229580760002136f;
        q = q * z + 0.19997738301753998f;
        q = q * z - 0.3333330452442169f;
        float t = hi + (u + __builtin_fmaf(u, z * q, lo));
        out[i] = __builtin_copysignf(t, v);
    }
}

/* arctan'(x) = 1 / (1 + x^2); x^2 of a float32 is exact in double and can't overflow */
CLONES static void arctan_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        out[i] = (float)(1.0 / (1.0 + xd * xd));
    }
}

/* 1/sqrt(q) for q in [2^-100, 2^100]: float32's sqrt and division (twice double's throughput
 * here) give it to 1.8e-7, one Newton step r (3/2 - q r^2 / 2) in double takes that to 5e-14,
 * far below the 6e-8 of the float32 result. It pays where it replaces a double sqrt and a
 * division (ISRU: 0.85 -> 0.6 ns per element here), not where a division remains (squareplus) */
INLINE double rsqrt(double q)
{
    double r = (double)(1.0f / __builtin_sqrtf((float)q));
    return r * (1.5 - 0.5 * q * r * r);
}

/* ISRU x / sqrt(q), q = 1 + alpha x^2; past q = 2^100 (and at +-inf) the quotient is
 * sign(x) / sqrt(alpha) to double's last bit (alpha in [1e-100, 1e100], so q can't overflow) */
INLINE double isru_d(double xd, double alpha, double limit)
{
    double q = 1.0 + alpha * (xd * xd);
    double y = xd * rsqrt(q > 0x1p100 ? 0x1p100 : q);
    return q > 0x1p100 ? __builtin_copysign(limit, xd) : y;
}

/* ISRU' = q^{-3/2} = rsqrt(q)^3; past q = 2^100 it is below 2^-150: float32 0 */
INLINE double isru_derivative_d(double xd, double alpha)
{
    double q = 1.0 + alpha * (xd * xd);
    double r = rsqrt(q > 0x1p100 ? 0x1p100 : q);
    return q > 0x1p100 ? 0.0 : r * r * r;
}

CLONES static void isru_loop(const float *x, float *out, Py_ssize_t n, double alpha)
{
    const double limit = 1.0 / __builtin_sqrt(alpha);
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = (float)isru_d(x[i], alpha, limit);
}

CLONES static void isru_derivative_loop(const float *x, float *out, Py_ssize_t n, double alpha)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = (float)isru_derivative_d(x[i], alpha);
}

/* ISRLU: x for x >= 0, ISRU below (NaN takes the ISRU side and stays NaN) */
CLONES static void isrlu_loop(const float *x, float *out, Py_ssize_t n, double alpha)
{
    const double limit = 1.0 / __builtin_sqrt(alpha);
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double left = isru_d(xd, alpha, limit);
        out[i] = (float)(xd >= 0.0 ? xd : left);
    }
}

CLONES static void isrlu_derivative_loop(const float *x, float *out, Py_ssize_t n, double alpha)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double left = isru_derivative_d(xd, alpha);
        out[i] = (float)(xd >= 0.0 ? 1.0 : left);
    }
}


/* squareplus in float32 arithmetic (sqrtf and float division are several times faster than
 * double's here; b in [2^-100, 2^40], the wrapper's condition). a = |x|, r = sqrtf(q),
 * q = fmaf(a, a, b) (a clamped at 2^60, so a^2 can't overflow; beyond it r = a, as
 * b / a^2 < 2^-80), r_lo = (q - r^2 + b's low part) / 2r (the remainder an FMA, exact), so
 * r + r_lo is sqrt(q + b_lo) to eps^2 (eps = 2^-24); s = a/2 + r/2 rounded, e its rounding error
 * (Fast2Sum, exact: r >= a) plus r_lo/2, so s + e = f(|x|) to q's rounding.
 * x >= 0: f = s + e. x < 0: f = (b/4) / (s + e), which doesn't cancel, with the quotient's
 * remainder (an FMA, exact), e and b/4's low part folded in by one Newton correction.
 * Error bound: q's one rounding (eps relative) moves r by eps/2 and a + r by at most that, the
 * corrections' own errors are O(eps^2): <= 1 ulp with the final rounding, both sides
 * (measured: 1.0, every 61st float32; without r_lo 2.0, at 0.3 instead of 0.4 ns per element).
 * +-inf: inf and 0; NaN stays. */
FMA_CLONES static void squareplus_loop(const float *x, float *out, Py_ssize_t n, double b)
{
    const float bf = (float)b, b_lo = (float)(b - (double)bf);
    const float quarter = (float)(0.25 * b), quarter_lo = (float)(0.25 * b - (double)quarter);
    const float inverse = 1.0f / quarter;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float a = __builtin_fabsf(v);
        float ac = a > 0x1p60f ? 0x1p60f : a;
        float q = __builtin_fmaf(ac, ac, bf);
        float r = __builtin_sqrtf(q);
        float r_lo = (__builtin_fmaf(-r, r, q) + b_lo) * (0.5f / r);
        r = a > 0x1p60f ? a : r;
        float rh = 0.5f * r, ah = 0.5f * a; /* halves: a + r would overflow near FLT_MAX */
        float s = rh + ah;
        float e = __builtin_fmaf(0.5f, r_lo, ah - (s - rh));
        e = a > 0x1p60f ? 0.0f : e; /* s = a exactly there; at inf s - rh is NaN */
        float y = quarter / s;
        float t = __builtin_fmaf(-y, s, quarter) + quarter_lo;
        t = __builtin_fmaf(-y, e, t);
        float left = __builtin_fmaf(t, y * inverse, y);
        left = a < __builtin_inff() ? left : 0.0f; /* -inf: 0 * inf in t */
        out[i] = v < 0.0f ? left : s + e;
    }
}

/* squareplus' = b / (2 r (r + |x|)) for x <= 0, 1 minus that for x > 0 */
CLONES static void squareplus_derivative_loop(const float *x, float *out, Py_ssize_t n, double b)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double a = xd < 0.0 ? -xd : xd;
        double r = __builtin_sqrt(xd * xd + b);
        double left = (0.5 * b) / r / (r + a);
        out[i] = (float)(xd > 0.0 ? 1.0 - left : left);
    }
}


/* bent identity x + (h - 1)/2, h = sqrt(x^2 + 1), in float32 arithmetic (sqrtf and float
 * division are several times faster than double's here), by region so nothing cancels (the
 * NumPy kernel's float64 forms): |x| < 1: x + x^2 / (2 (h + 1)); x >= 1: x + (h - 1)/2 (h - 1
 * exact up to h = 2, Sterbenz); x <= -1: x/2 + (1/(h + |x|) - 1)/2, as h - 1 = x^2/(h + 1)
 * and h + x = 1/(h - x). h = sqrtf(fmaf(x, x, 1)) is within 1.5 eps (eps = 2^-24; |x| clamped
 * at 2^60, where h = |x| to 2^-120). Error bound: the quotient's (x^2 or 1 over h + 1 or
 * h + |x|) 3.9 eps times its share of the result (<= 0.26, at x = -1) is 1.0 eps; h's 1.5 eps
 * times h/2 over the result (<= 0.59, at x = 1) plus h - 1's rounding is 1.2 eps; x <= -1:
 * 0.75 eps plus the constant's rounding 0.37 eps: <= 1.7 ulp with the final rounding
 * (measured: 0.95, every 61st float32). +-inf keeps its limit, NaN stays. */
FMA_CLONES static void bent_identity_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float a = __builtin_fabsf(v);
        float ac = a > 0x1p60f ? 0x1p60f : a;
        float h = __builtin_sqrtf(__builtin_fmaf(ac, ac, 1.0f));
        h = a > 0x1p60f ? a : h;
        int left_side = v <= -1.0f;
        /* one division for both sides */
        float q = pick_bits(left_side, 1.0f, v * v) / (h + pick_bits(left_side, a, 1.0f));
        float near = __builtin_fmaf(0.5f, q, v);
        float right = __builtin_fmaf(0.5f, h - 1.0f, v);
        float left = __builtin_fmaf(0.5f, v, __builtin_fmaf(0.5f, q, -0.5f));
        float y = v >= 1.0f ? right : near;
        out[i] = left_side ? left : y;
    }
}

/* 1 + x / (2h); past |x| = 2^50 x / h is +-1 to double's last bit (so x is clamped there) */
CLONES static void bent_identity_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd > 0x1p50 ? 0x1p50 : (xd < -0x1p50 ? -0x1p50 : xd);
        out[i] = (float)(1.0 + 0.5 * (xc * rsqrt(xc * xc + 1.0)));
    }
}

/* The algebraic squashers (squashing.py) in double, rounded once: d = 1 + |x| and each
 * quotient are single double roundings, so the result is within 0.5 ulp plus 2^-51 relative
 * (the NumPy kernels' two-sum corrections make float64 exact; float32 needs none of them).
 * softsign: x / d, x clamped at +-2^60, past which it rounds to +-1 in float32 (inf / inf would
 * be NaN); Elliott: h = 1 / (2d) for x < 0, 1 - h above (h <= 1/2: no cancellation), 0 and 1 at
 * -inf and +inf; their derivatives 1/d^2 and 1/(2 d^2), 0 at +-inf. NaN propagates. */
/* 1 / (1 + |x|), one rounding each for the sum and the quotient; SQNL's t = clip(x, -2, 2) */
INLINE double inverse_one_plus_abs(double x)
{
    return 1.0 / (1.0 + __builtin_fabs(x));
}

INLINE double clip2(double x)
{
    return x > 2.0 ? 2.0 : (x < -2.0 ? -2.0 : x);
}

CLONES static void softsign_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd > 0x1p60 ? 0x1p60 : (xd < -0x1p60 ? -0x1p60 : xd);
        out[i] = (float)(xc / (1.0 + __builtin_fabs(xc)));
    }
}

CLONES static void softsign_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double s = inverse_one_plus_abs(x[i]);
        out[i] = (float)(s * s);
    }
}

CLONES static void elliott_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double h = 0.5 * inverse_one_plus_abs(x[i]);
        out[i] = (float)(x[i] < 0.0f ? h : 1.0 - h);
    }
}

CLONES static void elliott_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double s = inverse_one_plus_abs(x[i]);
        out[i] = (float)(0.5 * (s * s));
    }
}

/* SQNL t (1 - |t|/4) and its derivative 1 - |t|/2: exact in double (t has 24 bits), rounded
 * once */
CLONES static void sqnl_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double t = clip2(x[i]);
        out[i] = (float)(t * (1.0 - 0.25 * __builtin_fabs(t)));
    }
}

CLONES static void sqnl_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = (float)(1.0 - 0.5 * __builtin_fabs(clip2(x[i])));
}

/* x - tanh x in float32 arithmetic, odd, from a = |x|:
 * - a < 1: x^3 P(x^2), P fitted (Lawson, against mpmath) to (x - tanh x)/x^3 with P(0) = 1/3
 *   carried as hi + lo: 0.1 ulp relative (degree 7; tanh's poles at +-i pi/2 are 2.5 from the
 *   interval in x^2). Roundings: x^2 (0.5 ulp, moved into P by at most 0.4), the inner terms of
 *   P (|x^2 Q| <= 0.4 P), P's last sum (0.5), s P and x (s P) (0.5 each): within 2.6 ulp; x (s P)
 *   rounds once into the subnormal range;
 * - a >= 1: tanh a = 1 - 2e/(1 + e), e = e^{-2a} (-2a exact), so a - tanh a = (a - 1) +
 *   2e/(1 + e): a - 1 is exact and both terms are >= 0, nothing cancels. e = p 2^k (1 ulp, damped
 *   by 1/(1 + e)), 1/(1 + e) = 1 + e Q(e) on e <= e^-2 (Q fitted: 2.3e-9 relative; no division)
 *   rounded (0.5), and 2e (1 + e Q) + (a - 1) rounds once in an FMA: within 2.1 ulp.
 *   a clamped at 40 (e^-80 is a normal number; 2e/(1 + e) is below half an ulp of a - 1 there). */
#define TS_THIRD_HI 0x1.555556p-2f
#define TS_THIRD_LO -0x1.555556p-27f

INLINE __attribute__((always_inline)) float tanhshrink_f(float v)
{
    float a = abs_f(v);
    float s = v * v;
    float q = -0.00014489387103822082f;
    q = fma_f(q, s, 0.0009313832269981503f);
    q = fma_f(q, s, -0.0032186289317905903f);
    q = fma_f(q, s, 0.008706874214112759f);
    q = fma_f(q, s, -0.021833231672644615f);
    q = fma_f(q, s, 0.05396418273448944f);
    q = fma_f(q, s, -0.13333317637443542f);
    float c = v * s;
    float c_lo = fma_f(v, fma_f(v, v, -s), fma_f(v, s, -c));
    float pp = TS_THIRD_HI + fma_f(s, q, TS_THIRD_LO);
    float near = fma_f(c, pp, c_lo * pp);
    int32_t k;
    float p = exp_mantissa_f(-2.0f * min_bits_f(a, 40.0f), &k); /* NaN: a - 1 is NaN */
    float e = p * pow2_f(k);
    float rq = -0.6835879683494568f;
    rq = fma_f(rq, e, 0.9566028118133545f);
    rq = fma_f(rq, e, -0.9971794486045837f);
    rq = fma_f(rq, e, 0.9999184608459473f);
    rq = fma_f(rq, e, -0.9999992251396179f);
    float far = fma_f(2.0f * e, fma_f(rq, e, 1.0f), a - 1.0f);
    return __builtin_copysignf(a < 1.0f ? near : far, v); /* -0 and odd underflows keep the sign */
}

FMA_CLONES static void tanhshrink_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = tanhshrink_f(x[i]);
}

/* tanhshrink' = 1 - sech^2 x = tanh^2 x, which has no cancellation */
CLONES static void tanhshrink_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double t = tanh_fast(__builtin_fabs(xd));
        out[i] = (float)(t * t);
    }
}

/* TanhExp x tanh(E), E = e^x = p 2^k, in float32 arithmetic. E is carried as hi + lo (p = 1 +
 * tail and its rounding error, exact by Fast2Sum): tanh multiplies E's error by up to
 * sech^2 E. tanh E = -m/(2 + m), m = expm1(-2E) (-2E exact; x clamped at 2.5: tanh e^2.5 is 1
 * in float32), the quotient carried with its remainder and 2 + m's rounding error into x t, which
 * rounds once: expm1_f's error (0.5 ulp of m where t is near 1, 1.5 relative where t is small,
 * 1.75 with the lo) times |d ln t / d ln m| (2 and 1), and E's: within 3 ulp. Down to x = -80
 * (E >= 1.8e-35, the narrow blocks) nothing else is needed: at E < 2^-12 expm1's reduction is
 * exact (k = 0, r = -2E) and t = E (1 + E^2 ...). Below -80 (wide blocks only) tanh E = E in
 * float32, y = x p 2^k scaled last (subnormal tails), x clamped at -200 (200 e^-200 is float32
 * 0; -inf gives -0). */
INLINE float tanhexp_f(float v, int wide)
{
    float xc = v > 2.5f ? 2.5f : (wide && v < -200.0f ? -200.0f : v); /* tanh e^2.5 is 1 */
    int32_t k;
    float tail = exp_tail_f(reduce_f(xc, &k));
    float p = 1.0f + tail;
    float plo = tail - (p - 1.0f); /* 1 + tail = p + plo exactly */
    float s2 = -(wide ? pow2_f(k < -126 ? -125 : k + 1) : pow2_f(k + 1)); /* -2^(k + 1) */
    float m = expm1_f(p * s2, plo * s2); /* -2E = p s2 + plo s2 where x >= -80 */
    float d = 2.0f + m;
    float delta = (2.0f - d) + m; /* 2 + m = d + delta exactly */
    float inv = 1.0f / d;
    float q = -m * inv;
    float corr = (fma_f(-q, d, -m) - q * delta) * inv; /* t = q + corr */
    float y = fma_f(v, q, (wide && v > 0x1p100f ? 0x1p100f : v) * corr); /* inf 0 is NaN */
    y = __builtin_copysignf(y, v); /* x tanh(E) has x's sign: -0 stays -0 */
    return wide && v < -80.0f ? scale_f(xc * p, k, wide) : y;
}

BLOCKED_UNARY(tanhexp)

/* tanh(E) + x E sech^2(E), E = e^x, sech^2 E = 4F/(1 + F)^2 with F = e^{-2E} (1 - tanh^2
 * would cancel); double-accurate terms, since they cancel at the derivative's zero (x ~ -1.5) */
CLONES static void tanhexp_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd < -200.0 ? -200.0 : (xd > 30.0 ? 30.0 : xd);
        double e = exp_fine(xc);
        double f = exp_fine(-2.0 * (e > 350.0 ? 350.0 : e));
        double d = 1.0 + f;
        out[i] = (float)(tanh_pos(e) + xc * e * (4.0 * f / (d * d)));
    }
}

/* erf(s) for s >= 0: its Taylor series to s^19 where s < 1/2 (relative remainder < 6e-13), else
 * 1 - erfcx(s) e^{-s^2} (erfc(1/2) < erf(1/2): no cancellation; s clamped at 10, where erf is 1
 * in double); ``e`` and ``erfcx`` as the derivative needs them */
#define TWO_OVER_SQRT_PI 1.1283791670955126
#define ERF_POS(name, e, erfcx)                                                             \
    INLINE double name(double s)                                                            \
    {                                                                                       \
        double z = s * s;                                                                   \
        double p = -1.0 / 6894720.0;                                                        \
        p = p * z + 1.0 / 685440.0;                                                         \
        p = p * z - 1.0 / 75600.0;                                                          \
        p = p * z + 1.0 / 9360.0;                                                           \
        p = p * z - 1.0 / 1320.0;                                                           \
        p = p * z + 1.0 / 216.0;                                                            \
        p = p * z - 1.0 / 42.0;                                                             \
        p = p * z + 1.0 / 10.0;                                                             \
        p = p * z - 1.0 / 3.0;                                                              \
        p = p * z + 1.0;                                                                    \
        double c = s > 10.0 ? 10.0 : s;                                                     \
        double far = 1.0 - erfcx(c) * e(-(c * c));                                          \
        return s < 0.5 ? TWO_OVER_SQRT_PI * s * p : far;                                    \
    }
ERF_POS(erf_pos_fine, exp_fine, erfcx_d)

/* Serf x erf(softplus(x)) in float32 arithmetic (u = 2^-24 relative below), two pieces, both
 * computed (a select):
 * - x <= 0: u = e^x = (1 + tail) 2^k, erf(log1p(u)) = u G(u) with G = g0 + u G1(u) on [0, 1],
 *   g0 = 2/sqrt(pi) as hi + lo, G1 of degree 8 fitted (Lawson, for G's relative error: 0.01 u),
 *   so no log1p: y = (xg + xg tail) 2^k with xg = x G(u) rounded once (<= 1 u; G1's roundings
 *   are damped by |u G1/G| <= 0.7, u's error by |d ln G/d ln u| <= 0.5), tail's reduction
 *   0.25 u, the FMA 0.5 ulp; 2^k applied last in two steps (x clamped at -110: k >= -159;
 *   serf(-110) < 2^-150 rounds to -0, and so does -inf): within 2.5 ulp.
 * - x > 0: erf(softplus(x)) = 1 + H1(x), H1 = -erfc(softplus(x)) of degree 16 in x - 2 on
 *   [0, 4], fitted for absolute error (0.4 u; 1.2 u with its float32 roundings, measured on an
 *   emulation); y = x + x H1 rounds once: H1's error over erf >= 0.67, 1.8 u, and 0.5 ulp:
 *   within 2.5 ulp. From x = 4 on erfc(softplus(x)) < 2^-25 and y rounds to x; H1 is
 *   evaluated at min(x, 4), and min(x, 4) H1 + x keeps +inf.
 * In a narrow block (|x| <= 80: k >= -116, the result a normal number) 2^k is one product
 * and x needs no clamp below; NaN and the far left only come in wide blocks. The clamps are
 * bit masks (min_bits_f) where NaN can't come: a select lets GCC push them through the
 * arithmetic (9% of the time). */
#define SERF_LEFT -110.0f
INLINE float serf_f(float v, int wide)
{
    /* x <= 0 (NaN kept); e^x = (1 + tail) 2^k */
    float xl = wide ? (v > 0.0f ? 0.0f : (v < SERF_LEFT ? SERF_LEFT : v)) : min_bits_f(v, 0.0f);
    int32_t k;
    float tail = exp_tail_f(reduce_f(xl, &k));
    float s = pow2_f(wide && k < -126 ? -126 : k);
    float u = fma_f(tail, s, s); /* (1 + tail) 2^k; below 2^-126 G(u) is G(0) */
    float g = 0x1.e3914cp-10f;
    g = fma_f(g, u, -0x1.d4c6d2p-7f);
    g = fma_f(g, u, 0x1.b864eep-5f);
    g = fma_f(g, u, -0x1.0e518ap-3f);
    g = fma_f(g, u, 0x1.e676f8p-3f);
    g = fma_f(g, u, -0x1.47cd44p-2f);
    g = fma_f(g, u, 0x1.20e7e2p-2f);
    g = fma_f(g, u, -0x1.f49cfap-20f);
    g = fma_f(g, u, -0x1.20dd74p-1f);
    float xg = fma_f(xl, 0x1.20dd76p+0f, xl * fma_f(u, g, -0x1.f7ac92p-25f)); /* x G(u) */
    /* x's sign: at x = -0, x G(u) is -0 + 0 */
    float xgp = fma_f(xg, tail, xg);
    float left = __builtin_copysignf(wide ? xgp * pow2_f(k + 64) * 0x1p-64f : xgp * s, v);
    /* x > 0 (NaN: 4, the select takes the left) */
    float xr = min_bits_f(v, 4.0f);
    float d = xr - 2.0f;
    float h = 0x1.efb586p-25f;
    h = fma_f(h, d, -0x1.50cf16p-26f);
    h = fma_f(h, d, -0x1.70b382p-20f);
    h = fma_f(h, d, 0x1.34fe2cp-20f);
    h = fma_f(h, d, 0x1.e0c6ccp-17f);
    h = fma_f(h, d, -0x1.777536p-16f);
    h = fma_f(h, d, -0x1.45803p-14f);
    h = fma_f(h, d, 0x1.db5832p-13f);
    h = fma_f(h, d, 0x1.a9e488p-14f);
    h = fma_f(h, d, -0x1.4a5464p-10f);
    h = fma_f(h, d, 0x1.c495a8p-10f);
    h = fma_f(h, d, 0x1.0b6fdap-9f);
    h = fma_f(h, d, -0x1.6fdd18p-7f);
    h = fma_f(h, d, 0x1.4574p-6f);
    h = fma_f(h, d, -0x1.405f06p-6f);
    h = fma_f(h, d, 0x1.6146ecp-7f);
    h = fma_f(h, d, -0x1.58c3d6p-9f);
    float right = fma_f(xr, h, v);
    return v > 0.0f ? right : left;
}

BLOCKED_UNARY(serf)

/* Serf' = erf(s) + x (2/sqrt pi) e^{-s^2} sigmoid(x), s = softplus(x), x clamped to [-200, 20]
 * (from 20 on it is 1 in float32); the terms cancel at the zero near x = -1.19, so they are
 * computed to double's accuracy (exp_fine) */
CLONES static void serf_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        double xd = x[i];
        double xc = xd < -200.0 ? -200.0 : (xd > 20.0 ? 20.0 : xd);
        double e = exp_fine(-__builtin_fabs(xc));
        double sp = log1p_fine(e) + (xc > 0.0 ? xc : 0.0);
        double s = 1.0 / (1.0 + e);
        double sig = xc >= 0.0 ? s : e * s;
        out[i] = (float)(erf_pos_fine(sp) + xc * TWO_OVER_SQRT_PI * exp_fine(-(sp * sp)) * sig);
    }
}

/* threshold: x above theta, v at or below it, NaN kept (in float32: the same bits as NumPy) */
CLONES static void threshold_loop(
    const float *x, float *out, Py_ssize_t n, double threshold, double value)
{
    const float t = (float)threshold, v = (float)value;
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float u = x[i];
        float r = u > t ? u : v;
        out[i] = u != u ? u : r;
    }
}

/* hardswish t min(t + 3, 6) / 6, t = max(x, -3), in float32 step by step as the NumPy kernel */
CLONES static void hardswish_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float t = x[i];
        t = t < -3.0f ? -3.0f : t;
        float f = t + 3.0f;
        f = f > 6.0f ? 6.0f : f;
        out[i] = t * (f / 6.0f);
    }
}

/* hardswish' (2c + 3)/6 inside (-3, 3) (c = clip(x, -3, 3)), 0 at or below -3, 1 from 3 on */
CLONES static void hardswish_derivative_loop(const float *x, float *out, Py_ssize_t n)
{
    LOOP_PRAGMA
    for (Py_ssize_t i = 0; i < n; i++) {
        float v = x[i];
        float c = v < -3.0f ? -3.0f : v;
        c = c > 3.0f ? 3.0f : c;
        float r = (c * 2.0f + 3.0f) / 6.0f;
        float inside = (v > -3.0f) & (v < 3.0f) ? 1.0f : 0.0f;
        float above = v >= 3.0f ? 1.0f : 0.0f;
        out[i] = r * inside + above;
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

UNARY(exponential)
UNARY(gaussian)
UNARY(gaussian_derivative)
UNARY(arctan)
UNARY(arctan_derivative)
ONE_PARAM(isru)
ONE_PARAM(isru_derivative)
ONE_PARAM(isrlu)
ONE_PARAM(isrlu_derivative)
ONE_PARAM(squareplus)
ONE_PARAM(squareplus_derivative)
UNARY(bent_identity)
UNARY(bent_identity_derivative)
UNARY(tanhshrink)
UNARY(tanhshrink_derivative)
UNARY(tanhexp)
UNARY(tanhexp_derivative)
UNARY(hardswish)
UNARY(serf)
UNARY(serf_derivative)
UNARY(hardswish_derivative)
UNARY(softsign)
UNARY(softsign_derivative)
UNARY(elliott)
UNARY(elliott_derivative)
UNARY(sqnl)
UNARY(sqnl_derivative)

static PyObject *py_threshold(PyObject *self, PyObject *args)
{
    Py_buffer x, out;
    double threshold = 0.0, value = 0.0, unused = 0.0;
    if (buffers(args, "y*w*dd|d", &x, &out, &threshold, &value, &unused) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS threshold_loop(
        (const float *)x.buf, (float *)out.buf, x.len / 4, threshold, value);
    Py_END_ALLOW_THREADS PyBuffer_Release(&x);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

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
    ENTRY(exponential, "exponential(x, out)"),
    ENTRY(gaussian, "gaussian(x, out)"),
    ENTRY(gaussian_derivative, "gaussian_derivative(x, out)"),
    ENTRY(arctan, "arctan(x, out)"),
    ENTRY(arctan_derivative, "arctan_derivative(x, out)"),
    ENTRY(isru, "isru(x, out, alpha)"),
    ENTRY(isru_derivative, "isru_derivative(x, out, alpha)"),
    ENTRY(isrlu, "isrlu(x, out, alpha)"),
    ENTRY(isrlu_derivative, "isrlu_derivative(x, out, alpha)"),
    ENTRY(squareplus, "squareplus(x, out, b)"),
    ENTRY(squareplus_derivative, "squareplus_derivative(x, out, b)"),
    ENTRY(bent_identity, "bent_identity(x, out)"),
    ENTRY(bent_identity_derivative, "bent_identity_derivative(x, out)"),
    ENTRY(tanhshrink, "tanhshrink(x, out)"),
    ENTRY(tanhshrink_derivative, "tanhshrink_derivative(x, out)"),
    ENTRY(tanhexp, "tanhexp(x, out)"),
    ENTRY(tanhexp_derivative, "tanhexp_derivative(x, out)"),
    ENTRY(threshold, "threshold(x, out, threshold, value): x above threshold, value elsewhere"),
    ENTRY(hardswish, "hardswish(x, out)"),
    ENTRY(serf, "serf(x, out)"),
    ENTRY(serf_derivative, "serf_derivative(x, out)"),
    ENTRY(softsign, "softsign(x, out)"),
    ENTRY(softsign_derivative, "softsign_derivative(x, out)"),
    ENTRY(elliott, "elliott(x, out)"),
    ENTRY(elliott_derivative, "elliott_derivative(x, out)"),
    ENTRY(sqnl, "sqnl(x, out)"),
    ENTRY(sqnl_derivative, "sqnl_derivative(x, out)"),
    ENTRY(hardswish_derivative, "hardswish_derivative(x, out)"),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fast",
    "Fused float32 kernels of the exp family (see actlab.catalog._compiled).", -1, methods,
};

PyMODINIT_FUNC PyInit__fast(void) { return PyModule_Create(&module); }
