/* Float32 arithmetic for the forward loops of the exp family (included by _fast.c).
 *
 * Why: these loops are compute-bound (a copy costs 0.2 ns per element here, exp_d's sigmoid
 * 0.8), and float32 has twice double's SIMD width: the same sigmoid in float32 runs at 0.37.
 * The price is that rounding once from double (< 0.501 ulp) becomes an error analysis per
 * kernel; each loop states its bound in float32 ulp, the catalog's 4 ulp being the ceiling, and
 * the accuracy tests measure every one against mpmath. Most derivative loops stay in double:
 * their terms cancel at the derivative's zeros; the float32 ones with a zero (SiLU', Mish',
 * GELU') take it out as a factor x - x0, x0 = hi + lo.
 *
 * Three rules keep the bounds small:
 * - exp's argument is carried exactly, as hi + lo (lo from an FMA), and lo is added to the
 *   reduced argument r: exp turns an absolute error of its argument into a relative error of
 *   its result (|u| 2^-24 at u = -100 is 6e-6, 100 ulp);
 * - a power of two 2^k is applied last, in two exact steps and one rounding (ldexp_f), so a
 *   result in the subnormal range (x e^x at x = -100) is rounded once, not built from a
 *   subnormal e^x with a few bits;
 * - the last operation of a result is the one that rounds: 1/(1 + e) gets a Newton step from
 *   the exact remainder of the division and of 1 + e, log1p(u) = 2 atanh(u/(2 + u)) carries
 *   the quotient's remainder.
 * A parameter (double) is split into float32 hi + lo, so beta x is hi x + (FMA error + lo x).
 *
 * Without FMA hardware (the baseline clone) __builtin_fmaf is libm's fmaf: exact, slower.
 */

INLINE float fma_f(float a, float b, float c) { return __builtin_fmaf(a, b, c); }

INLINE float abs_f(float v) { return __builtin_fabsf(v); }

/* 2^k for k in [-126, 127], built in the exponent bits */
INLINE float pow2_f(int32_t k)
{
    int32_t bits = (k + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* v 2^k for |v| in [2^-1, 2^100] (or k near 0), k in [-252, 254]: two exact scalings by
 * 2^(k/2), the second rounds, once, into the subnormal range */
INLINE float ldexp_f(float v, int32_t k)
{
    int32_t h = k >> 1;
    return v * pow2_f(h) * pow2_f(k - h);
}

/* ldexp_f for k down to -300: below -250 v 2^k is under half the smallest subnormal, a signed 0
 * (NaN kept) */
INLINE float ldexp_low_f(float v, int32_t k)
{
    float y = ldexp_f(v, k < -250 ? -250 : k);
    return k < -250 ? v * 0.0f : y;
}

/* p 2^k where it is a normal number; below 2^-126 it is wrong but under 2^-126, for a 1 + e or
 * an e^2 that can't see it (one scaling instead of ldexp_f's two) */
INLINE float normal_f(float p, int32_t k) { return p * pow2_f(k < -126 ? -126 : k); }

/* the hi + lo split of a double parameter: hi + lo = p to 2^-48 relative */
typedef struct {
    float hi, lo;
} split_f;

INLINE split_f split(double p)
{
    float hi = (float)p;
    split_f s = {hi, (float)(p - (double)hi)};
    return s;
}

/* p x as hi + lo, exact to 2^-47 relative: hi = p.hi x rounded, lo its FMA error + p.lo x */
INLINE float times_lo(split_f p, float x, float hi) { return fma_f(p.hi, x, -hi) + p.lo * x; }

/* x = k ln2 + r for x in [-300, 100] (callers clamp, NaN kept), |r| <= 0.3467 within 2^-26:
 * k by the 1.5 2^23 shifter, ln2 = LN2_HI + LN2_LO with LN2_HI's 16 bits making k LN2_HI exact.
 * An argument x + lo adds lo to r (one more rounding, 2^-26) */
#define LN2_HI 0x1.62e4p-1f
#define LN2_LO 0x1.7f7d1cp-20f
INLINE float reduce_f(float x, int32_t *k)
{
    const float shifter = 0x1.8p23f;
    float kf = x * 0x1.715476p0f + shifter;
    float kk = kf - shifter;
    int32_t bits;
    memcpy(&bits, &kf, sizeof bits);
    *k = bits - 0x4B400000;
    return (x - kk * LN2_HI) - kk * LN2_LO;
}

/* e^r - 1 - r = r^2 q(r) on |r| <= 0.3472, q fitted (Lawson, against mpmath) for e^r's relative
 * error: 3.1e-9 (0.05 float32 ulp) */
INLINE float exp_tail_f(float r)
{
    float q = 0.0013814348494634032f;
    q = fma_f(q, r, 0.008368837647140026f);
    q = fma_f(q, r, 0.041668400168418884f);
    q = fma_f(q, r, 0.1666651964187622f);
    q = fma_f(q, r, 0.4999999403953552f);
    return fma_f(r * r, q, r);
}

/* the same fitted for e^r - 1's relative error: 1.3e-8 (0.2 ulp) */
INLINE float expm1_r_f(float r)
{
    float q = 0.0013882500352337956f;
    q = fma_f(q, r, 0.008366634137928486f);
    q = fma_f(q, r, 0.04166720435023308f);
    q = fma_f(q, r, 0.1666654348373413f);
    q = fma_f(q, r, 0.4999999701976776f);
    return fma_f(r * r, q, r);
}

/* e^x = p 2^k with p = 1 + exp_tail_f(r) in [0.707, 1.415]: the tail rounds to 2^-26
 * (|tail| < 1/2), 1 + tail once more; with r's error (< 2^-26 absolute) p is within 1 ulp
 * (1.25 with an argument x + lo) */
INLINE float exp_mantissa_f(float x, int32_t *k)
{
    return 1.0f + exp_tail_f(reduce_f(x, k));
}

INLINE float exp_mantissa_lo_f(float x, float lo, int32_t *k)
{
    return 1.0f + exp_tail_f(reduce_f(x, k) + lo);
}

/* e^x - 1 for x + lo in [-30, 0] (callers clamp): 2^k (e^r - 1) + (2^k - 1) in one FMA; at k = 0
 * nothing cancels, at k = -1 the terms cancel by a factor 0.7 at most, below -1 not at all.
 * Within 1.5 ulp. */
INLINE float expm1_f(float x, float lo)
{
    int32_t k;
    float r = reduce_f(x, &k) + lo;
    float s = pow2_f(k);
    return fma_f(s, expm1_r_f(r), s - 1.0f);
}

/* 1 / (1 + e) for e in [0, 1], within 0.5 ulp + 0.25 (the rounding, then 1 + e and the
 * quotient's remainders taken back by one Newton step) */
INLINE float recip_one_plus_f(float e)
{
    float d = 1.0f + e;
    float rho = e - (d - 1.0f); /* 1 + e = d + rho exactly (Fast2Sum: 1 >= e) */
    float s = 1.0f / d;
    return fma_f(s, fma_f(-s, d, 1.0f) - s * rho, s);
}

/* log(1 + u) for u in [0, 1] as 2 atanh(s), s = u / (2 + u) <= 1/3, s carried as the quotient
 * plus its remainder (d + delta = 2 + u exactly, u - s d exact by an FMA); atanh(s) = s + s z Q(z),
 * z = s^2, Q fitted (4.5e-9 relative); the final sum rounds once: within 0.5 ulp + 0.1 */
INLINE float log1p_f(float u)
{
    float d = 2.0f + u;
    float delta = (2.0f - d) + u;
    float inv = 1.0f / d;
    float s = u * inv;
    float corr = (fma_f(-s, d, u) - s * delta) * inv;
    float z = s * s;
    float q = 0.1400599628686905f;
    q = fma_f(q, z, 0.14000901579856873f);
    q = fma_f(q, z, 0.2001076340675354f);
    q = fma_f(q, z, 0.3333320915699005f);
    return 2.0f * (s + fma_f(s * z, q, corr));
}

/* a < hi ? a : hi (NaN gives hi) as bit masks: a plain select lets GCC push the clamp through
 * the arithmetic after it (a select per derived value) */
INLINE float min_bits_f(float a, float hi)
{
    uint32_t m = -(uint32_t)(a < hi), ab, hb;
    memcpy(&ab, &a, sizeof ab);
    memcpy(&hb, &hi, sizeof hb);
    ab = (ab & m) | (hb & ~m);
    memcpy(&a, &ab, sizeof a);
    return a;
}
