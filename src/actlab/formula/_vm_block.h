/* The vectorised tier (float32 output): the double rules of _vm_eval.h over a block of
 * elements, one loop per instruction, included by _vm.c once per instruction set (ISA: the
 * name suffix, TARGET: its target attribute; the module picks one at import). The compiler
 * vectorises the loops (`omp simd`, -fopenmp-simd) and calls glibc's libmvec for exp, log, ...
 * where setup.py found it (ACTLAB_MVEC). What a block leaves uncertain (the tier has no
 * far-end slopes, see SLOPE) goes on to long double one element at a time. */
#define LOOP _Pragma("omp simd") for (int i = 0; i < m; i++)
#define R_(field, reg) (blk->field + (reg) * blk->size)
/* a step whose rule gives (v, e, nan): nan ORed with the operands' */
#define PUT(call, operands)                                                                    \
    LOOP                                                                                       \
    {                                                                                          \
        Out_d o = call;                                                                        \
        rv[i] = o.v, re[i] = o.e, rn[i] = (Flag)(o.nan != 0) | (operands);                     \
    }                                                                                          \
    break
#define ONE_ARG(opcode, call)                                                                  \
    case opcode:                                                                               \
        PUT(call, an[i])
#define TWO_ARGS(opcode, call)                                                                 \
    case opcode:                                                                               \
        PUT(call, an[i] | bn[i])
#define COMPARE(opcode)                                                                        \
    case opcode:                                                                               \
        LOOP                                                                                   \
        {                                                                                      \
            Out_d o = rule_compare_d(opcode, av[i], ae[i], bv[i], be[i]);                      \
            rk[i] = o.nan, rval[i] = o.v != 0, rn[i] = an[i] | bn[i];                          \
        }                                                                                      \
        break

/* Run the program on a block of m elements. Registers that hold the same for every element
 * (constants, parameters, booleans, x's zero bound) are filled on a call's first block only
 * (``first``): each instruction writes its own register, so no later one overwrites them. */
TARGET static void CAT(eval_block, ISA)(const Instr *code, Py_ssize_t count, const double *cv,
                                        const double *ce, const double *params,
                                        const Block *blk, int m, int first)
{
    const double *x = blk->x;
    const double inf = (double)INFINITY;
    for (Py_ssize_t k = 0; k < count; k++) {
        const Instr *in = &code[k];
        int reads = in->op != OP_PARAM && in->op != OP_CONST && in->op != OP_BOOL;
        Py_ssize_t ra = reads ? in->a : 0, rb = reads ? in->b : 0;
        double *rv = R_(v, in->dst), *re = R_(e, in->dst);
        Flag *rn = R_(nan, in->dst), *rk = R_(known, in->dst), *rval = R_(value, in->dst);
        Flag *ropen = R_(open, in->dst), *runk = R_(unknown, in->dst);
        const double *av = R_(v, ra), *ae = R_(e, ra), *bv = R_(v, rb), *be = R_(e, rb);
        const Flag *an = R_(nan, ra), *bn = R_(nan, rb), *ak = R_(known, ra);
        const Flag *bk = R_(known, rb), *aval = R_(value, ra), *bval = R_(value, rb);
        switch (in->op) {
        case OP_X:
            LOOP { rv[i] = x[i]; }
            if (first)
                LOOP { re[i] = 0, rn[i] = 0; }
            break;
        case OP_PARAM: {
            double p = (double)params[in->a];
            if (first)
                LOOP { rv[i] = p, re[i] = 0, rn[i] = 0; }
            break;
        }
        case OP_CONST: {
            double c = cv[in->a], ce_ = ce[in->a];
            if (first)
                LOOP { rv[i] = c, re[i] = ce_, rn[i] = 0; }
            break;
        }
        case OP_BOOL: {
            Flag value = in->a;
            if (first)
                LOOP { rk[i] = 1, rval[i] = value, rn[i] = 0; }
            break;
        }
        case OP_ONE:
            LOOP { rv[i] = 1, re[i] = 0, rn[i] = an[i]; }
            break;
        TWO_ARGS(OP_ADD, rule_add_d(av[i], ae[i], bv[i], be[i]));
        TWO_ARGS(OP_MUL, rule_mul_d(av[i], ae[i], bv[i], be[i]));
        ONE_ARG(OP_RECIP, rule_recip_d(av[i], ae[i]));
        ONE_ARG(OP_SQRT, rule_sqrt_d(av[i], ae[i]));
        ONE_ARG(OP_EXP, rule_exp_d(OP_EXP, av[i], ae[i]));
        ONE_ARG(OP_EXPM1, rule_exp_d(OP_EXPM1, av[i], ae[i]));
        ONE_ARG(OP_SINH, rule_exp_d(OP_SINH, av[i], ae[i]));
        ONE_ARG(OP_COSH, rule_exp_d(OP_COSH, av[i], ae[i]));
        ONE_ARG(OP_SECH, rule_exp_d(OP_SECH, av[i], ae[i]));
        ONE_ARG(OP_SIGMOID, rule_exp_d(OP_SIGMOID, av[i], ae[i]));
        ONE_ARG(OP_LOG1PEXP, rule_exp_d(OP_LOG1PEXP, av[i], ae[i]));
        ONE_ARG(OP_LOG, rule_log_d(0, av[i], ae[i]));
        ONE_ARG(OP_LOG1P, rule_log_d(1, av[i], ae[i]));
        ONE_ARG(OP_SIN, rule_slope1_d(OP_SIN, av[i], ae[i]));
        ONE_ARG(OP_COS, rule_slope1_d(OP_COS, av[i], ae[i]));
        ONE_ARG(OP_TANH, rule_slope1_d(OP_TANH, av[i], ae[i]));
        ONE_ARG(OP_ATAN, rule_slope1_d(OP_ATAN, av[i], ae[i]));
        ONE_ARG(OP_TAN, rule_tan_d(av[i], ae[i]));
        ONE_ARG(OP_ERF, rule_erf_d(OP_ERF, av[i], ae[i]));
        ONE_ARG(OP_ERFC, rule_erf_d(OP_ERFC, av[i], ae[i]));
        case OP_ABS:
            LOOP { rv[i] = fabs(av[i]), re[i] = ae[i], rn[i] = an[i]; }
            break;
        ONE_ARG(OP_SIGN, rule_sign_d(0, av[i], ae[i]));
        ONE_ARG(OP_HEAVISIDE, rule_sign_d(1, av[i], ae[i]));
        TWO_ARGS(OP_MAX, rule_max_d(1, av[i], ae[i], bv[i], be[i]));
        TWO_ARGS(OP_MIN, rule_max_d(0, av[i], ae[i], bv[i], be[i]));
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
                int decisive = (ak[i] && !aval[i]) || (bk[i] && !bval[i]);
                rval[i] = aval[i] & bval[i], rk[i] = (ak[i] && bk[i]) || decisive;
                rn[i] = an[i] | bn[i];
            }
            break;
        case OP_OR: /* a known True decides it */
            LOOP
            {
                int decisive = (ak[i] && aval[i]) || (bk[i] && bval[i]);
                rval[i] = aval[i] | bval[i], rk[i] = (ak[i] && bk[i]) || decisive;
                rn[i] = an[i] | bn[i];
            }
            break;
        case OP_PW_INIT:
            LOOP { rv[i] = (double)NAN, re[i] = inf, rn[i] = 1, ropen[i] = 1, runk[i] = 0; }
            break;
        case OP_PW_STEP: /* the first piece whose condition holds (a: value, b: condition) */
            LOOP
            {
                int take = ropen[i] && bk[i] && bval[i] && !runk[i];
                runk[i] = runk[i] | (ropen[i] && !bk[i]);
                rv[i] = take ? av[i] : rv[i], re[i] = take ? ae[i] : re[i];
                rn[i] = take ? (an[i] | bn[i]) : rn[i], ropen[i] = take ? 0 : ropen[i];
            }
            break;
        case OP_PW_END: /* undecided: nothing is certain yet, NaN included */
            LOOP { re[i] = runk[i] ? inf : re[i], rn[i] = runk[i] ? 0 : rn[i]; }
            break;
        }
    }
}

/* The block's x, from float32 or float64 */
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
TARGET static int CAT(certify_block, ISA)(const Block *blk, Py_ssize_t result, int m,
                                          float *out, unsigned char *uncertain)
{
    int count = 0;
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
#undef LOOP
#undef R_
#undef PUT
#undef ONE_ARG
#undef TWO_ARGS
#undef COMPARE
