/* The double-double number system of the block tier (float64 output): every value an
 * unevaluated sum h + l of two doubles (|l| <= half an ulp of h), every bound one double.
 * Included by _vm.c once per instruction set that has FMA (x86-64-v3, -v4), with TARGET its
 * target attribute; _vm_block.h then runs these rules over blocks as it runs the double ones.
 *
 * Why the bounds hold (u = 2^-53; every operation below is one IEEE operation in double, the
 * file compiled with -ffp-contract=off, so only the explicit fma() calls fuse):
 *
 * - The building blocks are the exact transformations TwoSum, Fast2Sum (|a| >= |b|) and
 *   TwoProd (with FMA), and the double-word algorithms of Joldes, Muller and Popescu, "Tight
 *   and rigorous error bounds for basic building blocks of double-word arithmetic" (ACM TOMS
 *   44, 2017), with their proven relative errors: AccurateDWPlusDW 3u^2 + O(u^3), DWPlusFP 2u^2,
 *   DWTimesDW (their algorithm 12) 4u^2, DWTimesFP (algorithm 9) 2u^2. The reciprocal (one
 *   Newton step from 1/h) and the square root (one Newton step from sqrt(h)) are bounded below
 *   at 11u^2 and 5u^2. Each rule charges U2 = 2^-101 = 32u^2 per operation, at least three
 *   times what is proven, plus ETA2 = 2^-1060 absolute: the papers assume no underflow, and an
 *   underflowing low part or FMA error term adds at most 2^-1074 per operation.
 * - exp(a) = 2^k 2^(j/64) e^r: n = round(64 a/ln 2) = 64 k + j with |j| <= 32; r = a - n ln2/64
 *   with ln2/64 in three parts (the first 36 bits, so n L1 and h - n L1 are exact for
 *   |n| < 2^17), |r| <= 0.0055, error below 2^-104 |r|; 2^(j/64) from a table to 2^-106;
 *   e^r - 1 by Taylor to degree 11 (remainder below 2^-110 |r|), the terms from r^6 on in
 *   double (an error below 2^-98 |r|), the others in double-double (its additions, which do
 *   not cancel, with dd_add_small: 4u^2 each): q = 2^(j/64) e^r - 1
 *   within about 2^-96 of 1 + q, and, where |q| is small (j = 0: q = e^r - 1; else |q| >=
 *   0.003), within about 2^-95 of |q|. Without the table (x86-64 and x86-64-v3: GCC 12
 *   vectorises no AVX2 gather in these loops) j = 0 and r = a - k ln2 with |r| <= 0.347 (ln2
 *   in parts of 41 bits and on); q = expm1(r/256) by Taylor to degree 9 (remainder below
 *   2^-107 of it), then q <- q (2 + q) eight times, each adding at most 7u^2 relative and
 *   multiplying the relative error by at most 1.27 (|q| <= 0.42): about 2^-93. EXP_REL
 *   charges 2^-88 for q and for exp, expm1, sinh, cosh, tanh, sigmoid built from it.
 * - log(a): y0 = log(h) in double (any accuracy), then one Newton step on exp:
 *   log a = y0 + log1p(d), d = a e^-y0 - 1 computed from e^-y0 = 2^k (1 + q) as
 *   (a 2^k - 1) + a 2^k q (each term within 40u^2 of the result's size), log1p(d) = d - d^2/2
 *   with remainder |d|^3 (the rule gives up where |d| > 2^-40: libm's log is within a few u).
 *   log1p(a) likewise from y0 = log1p(h), d = (2^k - 1) + 2^k (q + a + a q). LOG_REL: 2^-86.
 *
 * tests/test_formula_vm.py holds every rule's bound against mpmath on each function's range;
 * the functions without a double-double rule here (sin, cos, tan, atan, erf, erfc) keep a
 * program in long double (dd_capable). */
typedef struct {
    double h, l;
} DD;

typedef struct {
    DD v;
    double e;
    int nan;
} Out_dd;

#define U2 0x1p-101
#define ETA2 0x1p-1060
#define EXP_REL 0x1p-88
#define LOG_REL 0x1p-86
/* the bound's own rounding (a few double operations), and |h + l| <= |h| (1 + 2^-52) */
#define SLACK (1 + 0x1p-40)

#ifndef DD_PRIMITIVES
#define DD_PRIMITIVES
RULE DD dd(double h, double l)
{
    DD r = {h, l};
    return r;
}

RULE DD two_sum(double a, double b)
{
    double s = a + b, bb = s - a;
    return dd(s, (a - (s - bb)) + (b - bb));
}

RULE DD fast_two_sum(double a, double b)
{
    double s = a + b;
    return dd(s, b - (s - a));
}

RULE DD two_prod(double a, double b)
{
    double p = a * b;
    return dd(p, fma(a, b, -p));
}

RULE DD dd_neg(DD a) { return dd(-a.h, -a.l); }

RULE DD dd_scale(DD a, double s) { return dd(a.h * s, a.l * s); } /* s a power of two */

RULE DD dd_add(DD x, DD y) /* AccurateDWPlusDW */
{
    DD s = two_sum(x.h, y.h), t = two_sum(x.l, y.l), v;
    v = fast_two_sum(s.h, s.l + t.h);
    return fast_two_sum(v.h, t.l + v.l);
}

/* x + y where |y| <= |x|/8 (no cancellation: the Taylor steps of exp): Fast2Sum of the high
 * parts, the low parts added in double, within 4u^2 |x + y| (each of the two additions rounds
 * a sum below 1.2u |x| by at most u of it) */
RULE DD dd_add_small(DD x, DD y)
{
    DD s = fast_two_sum(x.h, y.h);
    return fast_two_sum(s.h, s.l + (x.l + y.l));
}

RULE DD dd_add_d(DD x, double y) /* DWPlusFP */
{
    DD s = two_sum(x.h, y);
    return fast_two_sum(s.h, x.l + s.l);
}

RULE DD dd_mul(DD x, DD y) /* DWTimesDW, algorithm 12 */
{
    DD c = two_prod(x.h, y.h);
    double t = fma(x.h, y.l, x.l * y.l);
    t = fma(x.l, y.h, t);
    return fast_two_sum(c.h, c.l + t);
}

RULE DD dd_mul_d(DD x, double y) /* DWTimesFP */
{
    DD c = two_prod(x.h, y);
    return fast_two_sum(c.h, fma(x.l, y, c.l));
}

/* 1/y: t = 1/h, then t (1 + e) with e = 1 - y t (1 - p.h is exact: p.h is within 2u of 1) */
RULE DD dd_recip(DD y)
{
    double t = 1 / y.h;
    DD p = two_prod(y.h, t);
    double e = ((1 - p.h) - p.l) - y.l * t;
    return fast_two_sum(t, t * e);
}

/* sqrt(a): s = sqrt(h), then s + (a - s^2)/(2s) (h - s^2's high part is exact). An argument
 * below 2^-900 or above 2^1000 is scaled by 2^200 or 2^-200 first: there the residual's FMA would underflow (its
 * error then divided by a tiny s) or s^2 overflow. */
RULE DD dd_sqrt(DD a)
{
    double in = a.h < 0x1p-900 ? 0x1p200 : a.h > 0x1p1000 ? 0x1p-200 : 1;
    double back = a.h < 0x1p-900 ? 0x1p-100 : a.h > 0x1p1000 ? 0x1p100 : 1, s, r;
    DD p;
    a = dd_scale(a, in);
    s = sqrt(a.h);
    p = two_prod(s, s);
    r = ((a.h - p.h) - p.l) + a.l;
    return dd_scale(fast_two_sum(s, s > 0 ? r / (2 * s) : 0), back);
}

/* 2^j for an integer j in [-1022, 1023], by its bits */
RULE double pow2(double j)
{
    uint64_t bits;
    double biased = j + 1023 + 0x1p52; /* the low bits of its significand hold j + 1023 */
    memcpy(&bits, &biased, sizeof bits);
    bits <<= 52;
    memcpy(&biased, &bits, sizeof bits);
    return biased;
}

/* 2^(j/64) for j = -32..32, to 2^-106 (from mpmath; tests/test_formula_vm.py checks them) */
static const double EXP2_HI[65] = {
    0x1.6a09e667f3bcdp-1, 0x1.6dfb23c651a2fp-1, 0x1.71f75e8ec5f74p-1, 0x1.75feb564267c9p-1,
    0x1.7a11473eb0187p-1, 0x1.7e2f336cf4e62p-1, 0x1.82589994cce13p-1, 0x1.868d99b4492edp-1,
    0x1.8ace5422aa0dbp-1, 0x1.8f1ae99157736p-1, 0x1.93737b0cdc5e5p-1, 0x1.97d829fde4e50p-1,
    0x1.9c49182a3f090p-1, 0x1.a0c667b5de565p-1, 0x1.a5503b23e255dp-1, 0x1.a9e6b5579fdbfp-1,
    0x1.ae89f995ad3adp-1, 0x1.b33a2b84f15fbp-1, 0x1.b7f76f2fb5e47p-1, 0x1.bcc1e904bc1d2p-1,
    0x1.c199bdd85529cp-1, 0x1.c67f12e57d14bp-1, 0x1.cb720dcef9069p-1, 0x1.d072d4a07897cp-1,
    0x1.d5818dcfba487p-1, 0x1.da9e603db3285p-1, 0x1.dfc97337b9b5fp-1, 0x1.e502ee78b3ff6p-1,
    0x1.ea4afa2a490dap-1, 0x1.efa1bee615a27p-1, 0x1.f50765b6e4540p-1, 0x1.fa7c1819e90d8p-1,
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0,
};
static const double EXP2_LO[65] = {
    -0x1.bdd3413b26456p-55, -0x1.bbe3a683c88abp-58, -0x1.16e4786887a99p-56, -0x1.0245957316dd3p-55,
    -0x1.41577ee04992fp-56, 0x1.05d02ba15797ep-57, -0x1.d4c1dd41532d8p-55, -0x1.fc6f89bd4f6bap-55,
    0x1.6e9f156864b27p-55, 0x1.5cc13a2e3976cp-56, -0x1.75fc781b57ebcp-58, -0x1.d185b7c1b85d1p-55,
    0x1.c7c46b071f2bep-57, -0x1.359495d1cd533p-55, -0x1.d2f6edb8d41e1p-55, 0x1.0fac90ef7fd31p-55,
    0x1.7a1cd345dcc81p-55, -0x1.2805e3084d708p-58, -0x1.5584f7e54ac3bp-57, 0x1.23dd07a2d9e84p-56,
    0x1.11065895048ddp-56, 0x1.2884dff483cadp-55, 0x1.503cbd1e949dbp-57, -0x1.cbc3743797a9cp-55,
    0x1.2ed02d75b3707p-56, 0x1.c2300696db532p-55, -0x1.1a5cd4f184b5cp-55, 0x1.39e8980a9cc8fp-56,
    -0x1.e9c23179c2893p-55, 0x1.dc7f486a4b6b0p-55, 0x1.9d3e12dd8a18bp-55, 0x1.74853f3a5931ep-56,
    0x0.0p+0, -0x1.19083535b085dp-56, 0x1.d73e2a475b465p-55, 0x1.186be4bb284ffp-57,
    0x1.8a62e4adc610bp-54, 0x1.03a1727c57b53p-59, -0x1.6c51039449b3ap-54, -0x1.32fbf9af1369ep-54,
    -0x1.19041b9d78a76p-55, 0x1.e5b4c7b4968e4p-55, 0x1.e016e00a2643cp-54, 0x1.dc775814a8495p-55,
    0x1.9b07eb6c70573p-54, 0x1.2bd339940e9d9p-55, 0x1.612e8afad1255p-55, 0x1.0024754db41d5p-54,
    0x1.6f46ad23182e4p-55, 0x1.32721843659a6p-54, -0x1.63aeabf42eae2p-54, -0x1.5e436d661f5e3p-56,
    0x1.ada0911f09ebcp-55, -0x1.ef3691c309278p-58, 0x1.89b7a04ef80d0p-59, 0x1.3c1a3b69062f0p-56,
    0x1.d4397afec42e2p-56, -0x1.4b309d25957e3p-54, -0x1.07abe1db13cadp-55, 0x1.9bb2c011d93adp-54,
    0x1.6324c054647adp-54, 0x1.ba6f93080e65ep-54, -0x1.383c17e40b497p-54, -0x1.bb60987591c34p-54,
    -0x1.bdd3413b26456p-54,
};

/* exp(a) = 2^k (1 + q) for a.h in [-745, 745] (the caller clamps; NaN stays NaN): returns q in
 * [-0.3, 0.42], writes k. Two ways (``table``, a constant where the rules are inlined: 1 where
 * the instruction set has the gathers a table lookup per element needs, AVX-512):
 * - table: a = (64 k + j) ln2/64 + r with |j| <= 32, |r| <= ln2/128, e^a = 2^k 2^(j/64) e^r,
 *   q = 2^(j/64) e^r - 1 with e^r - 1 by Taylor to degree 11;
 * - squaring: a = k ln2 + r with |r| <= ln2/2, q = expm1(r/256) by Taylor to degree 9, then
 *   q <- q (2 + q) eight times. */
RULE DD exp_parts(DD a, double *k_out, int table)
{
    const double magic = 0x1.8p52;
    const DD c6 = {0x1.5555555555555p-3, 0x1.5555555555555p-57};
    const DD c24 = {0x1.5555555555555p-5, 0x1.5555555555555p-59};
    const DD c120 = {0x1.1111111111111p-7, 0x1.1111111111111p-63};
    DD r, q, t;
    double m, k;
    if (table) {
        const double L1 = 0x1.62e42fefa0000p-7, L2 = 0x1.cf79abc9e3b3ap-46,
                     L3 = -0x1.ff0342542fc33p-100;
        double n = (a.h * 0x1.71547652b82fep+6 + magic) - magic; /* round(64 a/ln2) */
        double j;
        int at;
        k = (n * (1.0 / 64) + magic) - magic, j = n - 64 * k;
        j = j > 32 ? 32 : j;
        j = j >= -32 ? j : -32;
        at = (int)j + 32;
        t = dd(EXP2_HI[at], EXP2_LO[at]);
        r = dd_add(two_sum(a.h - n * L1, a.l), dd_neg(two_prod(n, L2)));
        r = dd_add_d(r, -(n * L3));
        /* e^r - 1 = r + r^2 (1/2 + r (1/6 + r (1/24 + r (1/120 + r m)))), m in double */
        m = 0x1.6c16c16c16c17p-10 +
            r.h * (0x1.a01a01a01a01ap-13 +
                   r.h * (0x1.a01a01a01a01ap-16 +
                          r.h * (0x1.71de3a556c734p-19 +
                                 r.h * (0x1.27e4fb7789f5cp-22 + r.h * 0x1.ae64567f544e4p-26))));
        q = dd_add_small(c120, dd_mul_d(r, m));
    } else {
        const double L1 = 0x1.62e42fefa3800p-1, L2 = 0x1.ef35793c76730p-45,
                     L3 = 0x1.f97b57a079a19p-103;
        k = (a.h * 0x1.71547652b82fep0 + magic) - magic;
        t = dd(1, 0);
        r = dd_add(two_sum(a.h - k * L1, a.l), dd_neg(two_prod(k, L2)));
        r = dd_scale(dd_add_d(r, -(k * L3)), 0x1p-8);
        /* the same polynomial to degree 9: m's terms from r^5 on, 1/120 among them */
        m = 0x1.1111111111111p-7 +
            r.h * (0x1.6c16c16c16c17p-10 +
                   r.h * (0x1.a01a01a01a01ap-13 +
                          r.h * (0x1.a01a01a01a01ap-16 + r.h * 0x1.71de3a556c734p-19)));
        q = dd_mul_d(r, m);
    }
    q = dd_add_small(c24, table ? dd_mul(r, q) : q);
    q = dd_add_small(c6, dd_mul(r, q));
    q = dd_add_d(dd_mul(r, q), 0.5);
    q = dd_add_small(r, dd_mul(r, dd_mul(r, q)));
    if (!table) { /* unrolled: a loop here would keep the enclosing one from vectorising */
#define SQUARE q = dd_mul(q, dd_add_d(q, 2))
        SQUARE, SQUARE, SQUARE, SQUARE, SQUARE, SQUARE, SQUARE, SQUARE;
#undef SQUARE
    }
    *k_out = k;
    return table ? dd_add(dd_add_d(t, -1), dd_mul(t, q)) : q; /* 2^(j/64) (1 + q) - 1 */
}

/* round(k/2) */
RULE double half(double k)
{
    return (k * 0.5 + 0x1.8p52) - 0x1.8p52;
}

/* 2^k (1 + q) as one double-double (k in [-1074, 1024]: two halves, each a normal power) */
RULE DD exp_join(DD q, double k)
{
    double k1 = half(k);
    DD e = dd_add_d(q, 1);
    return dd_scale(dd_scale(e, pow2(k1)), pow2(k - k1));
}

/* e^a - 1 from the parts: q for k = 0 (|a| < 0.347), else 2^k (1 + q) - 1, where
 * |e^a - 1| >= 0.29 e^a: the join's 2u^2 stays below 7u^2 of the result */
RULE DD expm1_join(DD q, double k)
{
    return k == 0 ? q : dd_add_d(exp_join(q, k), -1);
}

/* 2^k for an integer k in [-1074, 1022], as the product of two normal halves */
RULE double pow2_wide(double k)
{
    return pow2(half(k)) * pow2(k - half(k));
}

/* log(a) for a finite a with a.h normal (the caller checks), and |d|, the Newton step's size
 * (the rule refuses the value where it exceeds 2^-40); 2^k is at least 2^-1024 here, a power
 * of two that a subnormal holds exactly */
RULE DD dd_log(DD a, double *step, int table)
{
    double k, y0 = log(a.h);
    DD q = exp_parts(dd(-y0, 0), &k, table), ak, d;
    ak = dd_scale(a, pow2_wide(k));
    d = dd_add(dd_add_d(ak, -1), dd_mul(ak, q));
    *step = fabs(d.h);
    d = dd_add_d(d, -0.5 * d.h * d.h);
    return dd_add_d(d, y0);
}

/* log(1 + a) for a in (-0.5, 1) (the caller checks: rule_log_dd), likewise; there |k| <= 1 */
RULE DD dd_log1p(DD a, double *step, int table)
{
    double k, y0 = log1p(a.h), p;
    DD q = exp_parts(dd(-y0, 0), &k, table), s, d;
    p = pow2_wide(k);
    s = dd_add(dd_add(q, a), dd_mul(a, q)); /* (1 + a)(1 + q) - 1 */
    d = k == 0 ? s : dd_add_d(dd_add_d(dd_scale(s, p), p), -1);
    *step = fabs(d.h);
    d = dd_add_d(d, -0.5 * d.h * d.h);
    return dd_add_d(d, y0);
}

/* The rules of _vm_eval.h with double-double values: the same propagated bounds (from the
 * values' high parts, |v| <= |h| SLACK), each operation's own error from the analysis above */
RULE Out_dd finish_dd(DD v, double propagated, double rel)
{
    Out_dd o = {v, (propagated + rel * fabs(v.h) + ETA2) * SLACK, 0};
    return o;
}

RULE double certify_width_dd(DD v, double e)
{
    return (e + 4 * U2 * fabs(v.h) + ETA2) * SLACK;
}

/* exact operands that are doubles (x, x + 3, a dyadic constant): their sum and (away from
 * underflow) product are exact in double-double, bound 0, so a cancellation to an exact 0 at
 * a kink (hardswish'(-1.5) = (x + (x + 3))/6) certifies */
#define DOUBLES(a, ea, b, eb) (((ea) == 0) & ((eb) == 0) & ((a).l == 0) & ((b).l == 0))
/* isfinite as a comparison; these tests combine with & and |, not && and ||: GCC 12 keeps a
 * loop with short-circuit chains scalar (the product's rule ran one element at a time) */
#define FINITE(v) (fabs(v) < (double)INFINITY)

RULE Out_dd rule_add_dd(DD a, double ea, DD b, double eb)
{
    Out_dd o = finish_dd(dd_add(a, b), ea + eb, U2);
    o.e = DOUBLES(a, ea, b, eb) & FINITE(o.v.h) ? 0 : o.e;
    return o;
}

RULE Out_dd rule_mul_dd(DD a, double ea, DD b, double eb)
{
    double e = eb != 0 ? fabs(a.h) * SLACK * eb : 0;
    double both = eb != 0 ? ea * eb : 0;
    Out_dd o;
    e = ea != 0 ? e + fabs(b.h) * SLACK * ea + both : e;
    o = finish_dd(dd_mul(a, b), e, U2);
    /* an exact 0 times a finite value (bounded) is an exact 0: a constant 0 branch times a
     * slope */
    o.e = (((a.h == 0) & (ea == 0) & FINITE(b.h) & FINITE(eb)) |
           ((b.h == 0) & (eb == 0) & FINITE(a.h) & FINITE(ea)) |
           (DOUBLES(a, ea, b, eb) & (fabs(o.v.h) >= 0x1p-900) & FINITE(o.v.h)))
              ? 0
              : o.e;
    return o;
}

RULE Out_dd rule_recip_dd(DD a, double ea)
{
    double low = fabs(a.h) * (1 - 0x1p-40), room = low - ea;
    double prop = ea == 0 ? 0 : (room > 0 ? ea / low / room : (double)INFINITY);
    return finish_dd(dd_recip(a), prop, U2);
}

/* a is certainly negative / certainly non-negative, within its bound */
#define BELOW(a, ea) ((a).h < 0 && fabs((a).h) * (1 - 0x1p-40) > (ea))
#define ABOVE(a, ea) ((a).h >= 0 && (a).h * (1 - 0x1p-40) >= (ea))

RULE Out_dd rule_sqrt_dd(DD a, double ea)
{
    DD v = dd_sqrt(a);
    double prop = ea == 0 ? 0 : ((ABOVE(a, ea) && v.h > 0) ? ea / v.h : (double)INFINITY);
    Out_dd o = finish_dd(v, prop, U2);
    o.nan = ea == 0 ? a.h < 0 : BELOW(a, ea);
    return o;
}

/* exp, expm1, sinh, cosh, sech, sigmoid, log1pexp: the propagated bound of rule_exp; out of
 * the range where the parts are valid the bound is infinite (long double takes it). An
 * argument clamped at 745 (373 inside tanh) changes the value by less than 2^-1074. */
RULE Out_dd rule_exp_dd(int table, int op, DD a, double ea)
{
    double k, rel = EXP_REL, b = fabs(a.h), scale, prop, step = 0;
    int range = 1, negative = a.h < 0;
    DD x = b > 745 ? dd(negative ? -745 : 745, 0) : a, ax = negative ? dd_neg(x) : x, q, v, t;
    switch (op) {
    case OP_EXP:
        range = a.h <= 709.7;
        q = exp_parts(range ? x : dd(0, 0), &k, table);
        v = exp_join(q, k);
        break;
    case OP_EXPM1:
        range = a.h <= 709.7;
        q = exp_parts(range ? x : dd(0, 0), &k, table);
        v = expm1_join(q, k);
        break;
    case OP_SINH: /* (e^b - e^-b)/2 = (e^b - 1)/2 (1 + 1/e^b) for b = |a|: 1/e^b is added
                   * to 1, so its error (an underflowing low part) does not count */
        range = b <= 709.7;
        q = exp_parts(range ? ax : dd(0, 0), &k, table);
        t = expm1_join(q, k);
        v = dd_mul(dd_scale(t, 0.5), dd_add_d(dd_recip(dd_add_d(t, 1)), 1));
        v = negative ? dd_neg(v) : v, rel = 2 * EXP_REL;
        break;
    case OP_COSH:
    case OP_SECH:
        range = b <= 709.7;
        q = exp_parts(range ? ax : dd(0, 0), &k, table);
        t = exp_join(q, k);
        v = dd_scale(dd_add(t, dd_recip(t)), 0.5);
        v = op == OP_SECH ? dd_recip(v) : v, rel = 2 * EXP_REL;
        break;
    case OP_SIGMOID: /* (1 or e^-b)/(1 + e^-b) */
        q = exp_parts(dd_neg(ax), &k, table);
        t = exp_join(q, k);
        v = dd_mul(negative ? t : dd(1, 0), dd_recip(dd_add_d(t, 1))), rel = 2 * EXP_REL;
        break;
    default: /* log1pexp: max(a, 0) + log1p(e^-b) */
        q = exp_parts(dd_neg(ax), &k, table);
        t = dd_log1p(exp_join(q, k), &step, table);
        v = negative ? t : dd_add(a, t), rel = EXP_REL + LOG_REL;
        range = step <= 0x1p-40;
        break;
    }
    scale = fabs(v.h) * SLACK;
    if (op == OP_EXPM1 || op == OP_SINH)
        scale = scale + 1;
    if (op == OP_EXPM1 && v.h < 0) /* expm1' = e^a = v + 1, up by v's error */
        scale = (v.h + 1) * SLACK + 4 * rel * -v.h + 0x1p-1074;
    if (op == OP_SIGMOID) /* |sigmoid'(s)| <= e^-|s| (e^-|a| e^d within d of a): t, clamped at
                           * 745 (so at least e^-|a|) and up by its error and an underflow */
        scale = t.h * SLACK + 0x1p-1074;
    if (op == OP_LOG1PEXP) /* log1pexp' = sigmoid <= 1 */
        scale = scale < 1 ? scale : 1;
    prop = ea == 0 ? 0 : (ea <= 1 ? scale * (ea * (1 + 2 * ea)) : (double)INFINITY);
    return finish_dd(v, range ? prop : (double)INFINITY, rel);
}

/* log(a), log1p(a): rule_log's bounds; the value where a (1 + a) is finite and at least
 * 2^-1022. log1p(a) outside (-0.5, 1) as log(1 + a): there 1 + a is exact in double-double
 * below (a + 1's high part by Sterbenz), within 2u^2 above; inside dd_log1p's error stays
 * near its size (as a -> -1 its d = 2^k (1 + s) - 1 would scale s's 2^-106 by 2^k ~ 1/(1 + a),
 * beyond LOG_REL: found by a probe against mpmath) */
RULE Out_dd rule_log_dd(int table, int shift, DD a, double ea)
{
    DD w = shift ? dd_add_d(a, 1) : a, v;
    double low = w.h * (1 - 0x1p-40) - ea, prop, step;
    int range = w.h >= 0x1p-1022 && w.h < (double)INFINITY, near = shift && a.h > -0.5 && a.h < 1;
    Out_dd o;
    prop = low > 0 ? (ea != 0 ? ea / low : 0) : (double)INFINITY;
    double step1, step2; /* both computed: a choice between two calls keeps the loop scalar */
    DD v1 = dd_log1p(near ? a : dd(0, 0), &step1, table);
    /* out of range a stand-in that is no constant: a constant there lets GCC split the path
     * and make exp's table read conditional, which it cannot vectorise */
    DD v2 = dd_log(range ? w : dd(1 + 0 * w.h, 0), &step2, table);
    v = near ? v1 : v2, step = near ? step1 : step2;
    range = range && step <= 0x1p-40;
    o = finish_dd(v, range ? prop : (double)INFINITY, LOG_REL);
    o.nan = ea == 0 ? w.h < 0 : BELOW(w, ea);
    return o;
}

#include "_vm_erf.h"
/* erf and erfc, for t = |a| (tools/erf_tables.py makes the tables and says how):
 * - t < 1/2: erf(t) = (2/sqrt(pi)) t P(t^2), P's terms from z^4 on in double (below 2^-15.8 of
 *   P: their roundings below 2^-68 of it), the first four in double-double; erfc = 1 - erf;
 * - 1/2 <= t < 27.25: erfc(t) = e^(-t^2) erfcx(t), erfcx's Taylor polynomial about its
 *   interval's centre c (the double with t's sign, exponent and next four bits, then a one:
 *   t - c is exact by Sterbenz), d = t - c in double-double, |d| <= c/33: terms from d^3 on in
 *   double (below 2^-15 of erfcx), the first three in double-double; erf = 1 - erfc >= 0.52;
 * - t >= 27.25: erfc(t) < e^(-742.5)/(27.25 sqrt(pi)) < 2^-1074, so 0, and erf 1, within
 *   ETA2; negative a: erf(-t) = -erf(t), erfc(-t) = 2 - erfc(t).
 * Truncation: below 2^-75 (measured in mpmath by the script); t^2 is within 4u^2 of itself, which
 * moves e^(-t^2) by at most 742.6 4u^2 < 2^-94; exp EXP_REL; the double-double steps 2^-101
 * each. ERF_REL charges 2^-62, some 16 times the sum. The argument's error: erf's slope is at
 * most (2/sqrt(pi)) e^(-m^2), m the smallest |t| in the interval, charged as 2.26 ea e^(-m^2)
 * with e^(-m^2) in double (libm's exp: the factor two covers its error; where it underflows
 * the change is below erfc(m) < 2^-1074, within ETA2). tests/test_formula_vm.py holds the
 * values and bounds against mpmath. */
#define ERF_REL 0x1p-62
RULE Out_dd rule_erf_dd(int table, int op, DD a, double ea)
{
    int negative = a.h < 0;
    DD t = negative ? dd_neg(a) : a, z, q, small, big, e2, d, erf_t, erfc_t;
    double th = t.h, k, tail, centre, m, prop;
    int near = th < 0.5, far = !(th < 27.25), j;
    uint64_t bits;
    /* t < 1/2 */
    z = dd_mul(near ? t : dd(0.5, 0), near ? t : dd(0.5, 0));
    /* unrolled: a loop here would keep the enclosing one from vectorising */
#define STEP(n) tail = fma(tail, z.h, ERF_SERIES_TAIL[n])
    tail = ERF_SERIES_TAIL[11];
    STEP(10), STEP(9), STEP(8), STEP(7), STEP(6), STEP(5), STEP(4), STEP(3), STEP(2), STEP(1);
    STEP(0);
#undef STEP
    q = dd_add(dd(ERF_SERIES_HI[3], ERF_SERIES_LO[3]), dd_mul_d(z, tail));
    q = dd_add(dd(ERF_SERIES_HI[2], ERF_SERIES_LO[2]), dd_mul(z, q));
    q = dd_add(dd(ERF_SERIES_HI[1], ERF_SERIES_LO[1]), dd_mul(z, q));
    q = dd_add_d(dd_mul(z, q), 1);
    small = dd_mul(dd_mul(near ? t : dd(0.5, 0), dd(TWO_OVER_SQRT_PI_DD[0],
                                                    TWO_OVER_SQRT_PI_DD[1])), q);
    /* 1/2 <= t < 27.25 (a stand-in elsewhere, NaN included: the index stays in the table) */
    DD tb = (!near && !far) ? t : dd(0.5, 0);
    memcpy(&bits, &tb.h, sizeof bits);
    j = (int)((bits >> 52) - (uint64_t)(1023 + ERFCX_FIRST_OCTAVE)) * 16 + (int)((bits >> 48) & 15);
    bits = (bits & 0xffff000000000000u) | 0x0000800000000000u;
    memcpy(&centre, &bits, sizeof centre);
    d = two_sum(tb.h - centre, tb.l);
#define STEP(n) tail = fma(tail, d.h, ERFCX_TAIL[n][j])
    tail = ERFCX_TAIL[11][j];
    STEP(10), STEP(9), STEP(8), STEP(7), STEP(6), STEP(5), STEP(4), STEP(3), STEP(2), STEP(1);
    STEP(0);
#undef STEP
    q = dd_add(dd(ERFCX_HI[2][j], ERFCX_LO[2][j]), dd_mul_d(d, tail));
    q = dd_add(dd(ERFCX_HI[1][j], ERFCX_LO[1][j]), dd_mul(d, q));
    q = dd_add(dd(ERFCX_HI[0][j], ERFCX_LO[0][j]), dd_mul(d, q));
    e2 = exp_parts(dd_neg(dd_mul(tb, tb)), &k, table);
    e2 = exp_join(e2, k);
    big = dd_mul(e2, q);
    erf_t = near ? small : (far ? dd(1, 0) : dd_add_d(dd_neg(big), 1));
    erfc_t = near ? dd_add_d(dd_neg(small), 1) : (far ? dd(0, 0) : big);
    if (op == OP_ERF)
        q = negative ? dd_neg(erf_t) : erf_t;
    else
        q = negative ? dd_add_d(dd_neg(erfc_t), 2) : erfc_t;
    q = th == th ? q : dd(th, th); /* NaN stays NaN */
    m = th * (1 - 0x1p-40) - ea;
    m = m > 0 ? m : 0;
    prop = ea == 0 ? 0 : 2.26 * ea * exp(-(m * m));
    Out_dd o = finish_dd(q, prop, ERF_REL);
    o.e = (th == 0 && ea == 0) ? 0 : o.e; /* erf(0) = 0, erfc(0) = 1 */
    return o;
}

/* tanh(b) = -t/(2 + t), t = e^-2b - 1, for b = |a|: |tanh'| <= 1 */
RULE Out_dd rule_tanh_dd(int table, DD a, double ea)
{
    int negative = a.h < 0;
    double k, b = fabs(a.h);
    DD ax = negative ? dd_neg(a) : a, q, t, v;
    q = exp_parts(dd_scale(b > 373 ? dd(373, 0) : ax, -2), &k, table);
    t = expm1_join(q, k);
    v = dd_mul(dd_neg(t), dd_recip(dd_add_d(t, 2)));
    return finish_dd(negative ? dd_neg(v) : v, ea, 2 * EXP_REL);
}

RULE Out_dd rule_sign_dd(int heaviside, DD a, double ea)
{
    Out_dd o;
    o.v = dd(a.h > 0 ? 1 : (heaviside ? 0 : (a.h < 0 ? -1 : 0)), 0);
    o.e = ea == 0 ? 0 : (fabs(a.h) * (1 - 0x1p-40) > ea ? 0 : (double)INFINITY);
    o.nan = 0;
    return o;
}

/* the sign of a - b for normalised double-doubles, from the parts (a - b itself overflows
 * where |a|, |b| are near the largest double: max(x, -x) at 1e308 took -1e308): a.h > b.h
 * means a >= b, as each low part is at most half an ulp of its high part */
RULE int dd_order(DD a, DD b)
{
    return a.h != b.h ? (a.h > b.h) - (a.h < b.h) : (a.l > b.l) - (a.l < b.l);
}

/* max, min: exact, the operand the parts order picks */
RULE Out_dd rule_max_dd(int is_max, DD a, double ea, DD b, double eb)
{
    Out_dd o;
    int broken = !FINITE(ea) | !FINITE(eb) | isnan(a.h) | isnan(b.h);
    int order = dd_order(a, b); /* a tie of -0 and +0: max +0, min -0 (as rule_max) */
    int first = order ? is_max == (order > 0) : is_max != !!signbit(a.h);
    int decided = fabs(dd_add(a, dd_neg(b)).h) * (1 - 0x1p-40) > ea + eb; /* as rule_max */
    o.v = (isnan(a.h) | isnan(b.h)) ? dd(NAN, 0) : (first ? a : b);
    o.e = broken ? (double)INFINITY : (decided ? (first ? ea : eb) : (ea > eb ? ea : eb));
    o.nan = 0;
    return o;
}

/* gt, ge, lt, le: decided where |a - b| exceeds its bound (an overflowing difference is not
 * decided unless the operands are exact); o.v.h whether it holds (the sign of a - b from the
 * parts), o.nan whether it is decided */
RULE Out_dd rule_compare_dd(int op, DD a, double ea, DD b, double eb)
{
    Out_dd o, d = finish_dd(dd_add(a, dd_neg(b)), ea + eb, U2);
    int exact = (ea == 0) & (eb == 0), sign = dd_order(a, b);
    o.v = dd(op == OP_GT ? sign > 0 : op == OP_GE ? sign >= 0 : op == OP_LT ? sign < 0 : sign <= 0, 0);
    o.nan = (exact & !isnan(a.h) & !isnan(b.h)) | (fabs(d.v.h) * (1 - 0x1p-40) > d.e) |
             (d.e == 0);
    o.e = 0;
    return o;
}
#undef BELOW
#undef ABOVE
#endif /* DD_PRIMITIVES */
