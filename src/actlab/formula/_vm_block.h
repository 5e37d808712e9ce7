/* The vectorised tier: the rules of a number system over a block of elements, one loop per
 * instruction, included by _vm_tier.h once per number system for each instruction set:
 *   SYS     the rules' suffix: _d (double: float32 output) or _dd (double-double: float64
 *           output, _vm_dd.h), with VALUE their value type, DOUBLE_DOUBLE defined for _dd and
 *           DD_TABLE its way to exp (exp_parts);
 *   ISA     the name suffix, TARGET its target attribute (the module picks one at import).
 * The compiler vectorises the loops (`omp simd`, -fopenmp-simd) and calls glibc's libmvec for
 * exp, log, ... where setup.py found it (ACTLAB_MVEC). What a block leaves uncertain (the tier
 * has no far-end slopes, see SLOPE) goes on to long double one element at a time. */
#define LOOP _Pragma("omp simd") for (int i = 0; i < m; i++)
#define R_(field, reg) (blk->field + (reg) * blk->size)
#define RULE_(name) CAT(CAT(rule_, name), SYS)
#ifdef DOUBLE_DOUBLE
#define VALUE DD
#define OUTV Out_dd
#define A_(i) dd(av[i], al[i])
#define B_(i) dd(bv[i], bl[i])
#define SET(i, value) (rv[i] = (value).h, rl[i] = (value).l)
#define HOLDS(o) ((o).v.h != 0)
#define FROM(x) dd((x), 0)
#define NEG(a) dd_neg(a)
#define EXTRA DD_TABLE, /* exp's way (exp_parts), for the rules that take exp */
#else
#define VALUE double
#define OUTV Out_d
#define A_(i) av[i]
#define B_(i) bv[i]
#define SET(i, value) (rv[i] = (value))
#define HOLDS(o) ((o).v != 0)
#define FROM(x) (x)
#define NEG(a) (-(a))
#define EXTRA
#endif
/* a step whose rule gives (v, e, nan): nan ORed with the operands' */
#define PUT(call, operands)                                                                    \
    LOOP                                                                                       \
    {                                                                                          \
        OUTV o = call;                                                                         \
        SET(i, o.v), re[i] = o.e, rn[i] = (Flag)(o.nan != 0) | (operands);                     \
    }                                                                                          \
    break
#define ONE_ARG(opcode, name, ...)                                                             \
    case opcode:                                                                               \
        PUT(RULE_(name)(__VA_ARGS__ A_(i), ae[i]), an[i])
#define TWO_ARGS(opcode, name, ...)                                                            \
    case opcode:                                                                               \
        PUT(RULE_(name)(__VA_ARGS__ A_(i), ae[i], B_(i), be[i]), an[i] | bn[i])
#define COMPARE(opcode)                                                                        \
    case opcode:                                                                               \
        LOOP                                                                                   \
        {                                                                                      \
            OUTV o = RULE_(compare)(opcode, A_(i), ae[i], B_(i), be[i]);                       \
            rk[i] = o.nan, rval[i] = HOLDS(o), rn[i] = an[i] | bn[i];                          \
        }                                                                                      \
        break

/* Run the program on a block of m elements. Registers that hold the same for every element
 * (constants, parameters, booleans, x's zero bound) are filled on a call's first block only
 * (``first``): each instruction writes its own register, so no later one overwrites them.
 * cv/ce: the constants in double, cv_ld/ce_ld in long double (double-double takes those: two
 * doubles hold a long double exactly). */
TARGET static void CAT(CAT(eval_block, SYS), ISA)(const Instr *code, Py_ssize_t count,
                                                  const double *cv, const double *ce,
                                                  const long double *cv_ld,
                                                  const long double *ce_ld, const double *params,
                                                  const Block *blk, int m, int first)
{
    const double *x = blk->x;
    const double inf = (double)INFINITY;
    for (Py_ssize_t k = 0; k < count; k++) {
        const Instr *in = &code[k];
        int reads = in->op != OP_PARAM && in->op != OP_CONST && in->op != OP_BOOL;
        Py_ssize_t ra = reads ? in->a : 0, rb = reads ? in->b : 0;
        double *rv = R_(v, in->dst), *rl = R_(lo, in->dst), *re = R_(e, in->dst);
        Flag *rn = R_(nan, in->dst), *rk = R_(known, in->dst), *rval = R_(value, in->dst);
        Flag *ropen = R_(open, in->dst), *runk = R_(unknown, in->dst);
        const double *av = R_(v, ra), *ae = R_(e, ra), *bv = R_(v, rb), *be = R_(e, rb);
        const double *al = R_(lo, ra), *bl = R_(lo, rb);
        const Flag *an = R_(nan, ra), *bn = R_(nan, rb), *ak = R_(known, ra);
        const Flag *bk = R_(known, rb), *aval = R_(value, ra), *bval = R_(value, rb);
        (void)al, (void)bl, (void)rl, (void)cv_ld, (void)ce_ld, (void)cv, (void)ce;
        switch (in->op) {
        case OP_X:
            LOOP { SET(i, FROM(x[i])); }
            if (first)
                LOOP { re[i] = 0, rn[i] = 0; }
            break;
        case OP_PARAM: {
            double p = (double)params[in->a];
            if (first)
                LOOP { SET(i, FROM(p)), re[i] = 0, rn[i] = 0; }
            break;
        }
        case OP_CONST: {
#ifdef DOUBLE_DOUBLE /* the long double constant exactly, its bound rounded up */
            double h = (double)cv_ld[in->a], bound = (double)ce_ld[in->a];
            VALUE c = dd(h, (double)(cv_ld[in->a] - h));
            double ce_ = bound * (1 + 0x1p-50);
#else
            VALUE c = cv[in->a];
            double ce_ = ce[in->a];
#endif
            if (first)
                LOOP { SET(i, c), re[i] = ce_, rn[i] = 0; }
            break;
        }
        case OP_BOOL: {
            Flag value = in->a;
            if (first)
                LOOP { rk[i] = 1, rval[i] = value, rn[i] = 0; }
            break;
        }
        case OP_ONE:
            LOOP { SET(i, FROM(1)), re[i] = 0, rn[i] = an[i]; }
            break;
        TWO_ARGS(OP_ADD, add);
        TWO_ARGS(OP_MUL, mul);
        ONE_ARG(OP_RECIP, recip);
        ONE_ARG(OP_SQRT, sqrt);
        ONE_ARG(OP_EXP, exp, EXTRA OP_EXP,);
        ONE_ARG(OP_EXPM1, exp, EXTRA OP_EXPM1,);
        ONE_ARG(OP_SINH, exp, EXTRA OP_SINH,);
        ONE_ARG(OP_COSH, exp, EXTRA OP_COSH,);
        ONE_ARG(OP_SECH, exp, EXTRA OP_SECH,);
        ONE_ARG(OP_SIGMOID, exp, EXTRA OP_SIGMOID,);
        ONE_ARG(OP_LOG1PEXP, exp, EXTRA OP_LOG1PEXP,);
        ONE_ARG(OP_LOG, log, EXTRA 0,);
        ONE_ARG(OP_LOG1P, log, EXTRA 1,);
#ifdef DOUBLE_DOUBLE /* trigonometric ones through long double's rules (rule_ld_dd) */
        ONE_ARG(OP_TANH, tanh, EXTRA);
        ONE_ARG(OP_SIN, ld, OP_SIN,);
        ONE_ARG(OP_COS, ld, OP_COS,);
        ONE_ARG(OP_ATAN, ld, OP_ATAN,);
        ONE_ARG(OP_TAN, ld, OP_TAN,);
        ONE_ARG(OP_ERF, erf, EXTRA OP_ERF,);
        ONE_ARG(OP_ERFC, erf, EXTRA OP_ERFC,);
#else
        ONE_ARG(OP_SIN, slope1, OP_SIN,);
        ONE_ARG(OP_COS, slope1, OP_COS,);
        ONE_ARG(OP_TANH, slope1, OP_TANH,);
        ONE_ARG(OP_ATAN, slope1, OP_ATAN,);
        ONE_ARG(OP_TAN, tan);
        ONE_ARG(OP_ERF, erf, OP_ERF,);
        ONE_ARG(OP_ERFC, erf, OP_ERFC,);
#endif
        case OP_ABS:
            LOOP
            {
                VALUE a = A_(i);
                SET(i, av[i] < 0 ? NEG(a) : a), re[i] = ae[i], rn[i] = an[i];
            }
            break;
        ONE_ARG(OP_SIGN, sign, 0,);
        ONE_ARG(OP_HEAVISIDE, sign, 1,);
        TWO_ARGS(OP_MAX, max, 1,);
        TWO_ARGS(OP_MIN, max, 0,);
        COMPARE(OP_GT);
        COMPARE(OP_GE);
        COMPARE(OP_LT);
        COMPARE(OP_LE);
        case OP_NOT:
            LOOP { rk[i] = ak[i], rval[i] = !aval[i], rn[i] = an[i]; }
            break;
        case OP_AND: /* a known False decides it */
            LOOP
            {
                Flag decisive = (ak[i] & !aval[i]) | (bk[i] & !bval[i]);
                /* undefined unless a defined operand decides it (bounds.logic) */
                Flag settled = (ak[i] & !aval[i] & !an[i]) | (bk[i] & !bval[i] & !bn[i]);
                rval[i] = aval[i] & bval[i], rk[i] = (ak[i] & bk[i]) | decisive;
                rn[i] = (an[i] | bn[i]) & !settled;
            }
            break;
        case OP_OR: /* a known True decides it */
            LOOP
            {
                Flag decisive = (ak[i] & aval[i]) | (bk[i] & bval[i]);
                Flag settled = (ak[i] & aval[i] & !an[i]) | (bk[i] & bval[i] & !bn[i]);
                rval[i] = aval[i] | bval[i], rk[i] = (ak[i] & bk[i]) | decisive;
                rn[i] = (an[i] | bn[i]) & !settled;
            }
            break;
        case OP_PW_INIT:
            LOOP { SET(i, FROM(NAN)), re[i] = inf, rn[i] = 1, ropen[i] = 1, runk[i] = 0; }
            break;
        case OP_PW_STEP: /* the first piece whose condition holds (a: value, b: condition) */
            LOOP
            {
                /* an undefined condition (log(x) < 0 at x < 0): the result is undefined */
                Flag take = ropen[i] & ((bk[i] & bval[i]) | (bn[i] != 0)) & !runk[i];
                runk[i] = runk[i] | (ropen[i] & !bk[i] & !bn[i]);
                rv[i] = take ? av[i] : rv[i], re[i] = take ? ae[i] : re[i];
#ifdef DOUBLE_DOUBLE
                rl[i] = take ? al[i] : rl[i];
#endif
                rn[i] = take ? (an[i] | bn[i]) : rn[i], ropen[i] = take ? 0 : ropen[i];
            }
            break;
        case OP_PW_END: /* undecided: nothing is certain yet, NaN included */
            LOOP { re[i] = runk[i] ? inf : re[i], rn[i] = runk[i] ? 0 : rn[i]; }
            break;
        }
    }
}

#ifndef DOUBLE_DOUBLE
/* The block's x, from float32 or float64 (both number systems use it) */
TARGET static void CAT(load_block, ISA)(const Block *blk, const void *x, int single,
                                        Py_ssize_t j0, int m)
{
    double *xb = blk->x;
    if (single) {
        const float *xs = (const float *)x + j0;
        LOOP { xb[i] = xs[i]; }
    } else {
        const double *xd = (const double *)x + j0;
        LOOP { xb[i] = xd[i]; }
    }
}

/* CERTIFY for float32 output over a block, with a simpler sufficient test: r = v rounded to
 * float32 is certified where |v - r| + width <= max(|r| 2^-24, 2^-149), a distance no larger
 * than the gap from r to either neighbour (2^-24 |r| is the gap below a power of two, the
 * other gaps are at least twice that; 2^-149 the subnormals' spacing), so [v - width,
 * v + width] lies between them. v - r is exact (r is within a factor 2 of v); the sum's
 * rounding is within the width's own margin (4u|v|). |r| = max and infinities, where the
 * overflow threshold decides, are left to long double. Writes out[i] (r) where certified,
 * keeps it elsewhere; uncertain[i]; returns the count certified. */
TARGET static int CAT(certify_block_d, ISA)(const Block *blk, Py_ssize_t result, int m,
                                            void *out_, unsigned char *uncertain)
{
    int count = 0;
    float *out = out_;
    const double *x = blk->x;
    const double *rv = R_(v, result), *re = R_(e, result);
    const Flag *rn = R_(nan, result);
    Flag *bad = blk->bad;
    _Pragma("omp simd reduction(+ : count)") for (int i = 0; i < m; i++)
    {
        double v = rv[i], r = (float)v, width, gap;
        int good;
        width = certify_width_d(v, re[i]);
        gap = fabs(r) * 0x1p-24;
        gap = gap > 0x1p-149 ? gap : 0x1p-149;
        /* NaN v or width fails the comparison; undefined (rn): NaN, certain; x finite */
        good = (fabs(v - r) + width <= gap) & (fabs(r) < FLT_MAX);
        good = (good | (rn[i] != 0)) & (fabs(x[i]) < (double)INFINITY);
        out[i] = good ? (rn[i] ? NAN : (float)r) : out[i];
        bad[i] = !good;
        count += good;
    }
    LOOP { uncertain[i] = (unsigned char)bad[i]; }
    return count;
}
#else
/* CERTIFY for float64 output, the same test: r = h (h + l rounded: |l| is at most half an ulp
 * of h) is certified where |l| + width <= max(|r| 2^-53, 2^-1074); |l| = |v - r| is exact, the
 * sum's rounding far below the width's margin (4 U2 |v|). */
TARGET static int CAT(certify_block_dd, ISA)(const Block *blk, Py_ssize_t result, int m,
                                             void *out_, unsigned char *uncertain)
{
    int count = 0;
    double *out = out_;
    const double *x = blk->x;
    const double *rv = R_(v, result), *rl = R_(lo, result), *re = R_(e, result);
    const Flag *rn = R_(nan, result);
    Flag *bad = blk->bad;
    _Pragma("omp simd reduction(+ : count)") for (int i = 0; i < m; i++)
    {
        double r = rv[i], width, gap;
        int good;
        /* an exact value (bound 0: a constant branch, a clamp) needs no margin: ETA2 alone
         * exceeds 2^-1074 and kept every exact 0 from certifying */
        width = re[i] == 0 ? 0 : certify_width_dd(dd(r, rl[i]), re[i]);
        gap = fabs(r) * 0x1p-53;
        gap = gap > 0x1p-1074 ? gap : 0x1p-1074;
        good = (fabs(rl[i]) + width <= gap) & (fabs(r) < DBL_MAX);
        good = (good | (rn[i] != 0)) & (fabs(x[i]) < (double)INFINITY);
        out[i] = good ? (rn[i] ? NAN : r) : out[i];
        bad[i] = !good;
        count += good;
    }
    LOOP { uncertain[i] = (unsigned char)bad[i]; }
    return count;
}
#endif
#undef LOOP
#undef R_
#undef PUT
#undef ONE_ARG
#undef TWO_ARGS
#undef COMPARE
#undef RULE_
#undef VALUE
#undef OUTV
#undef A_
#undef B_
#undef SET
#undef HOLDS
#undef FROM
#undef NEG
#undef EXTRA
