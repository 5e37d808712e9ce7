/* One number system of the compiled tier: included by _vm.c twice, with
 *   REAL    the working type (double, long double),
 *   F(fn)   its libm function (fn, fn##l),
 *   SUFFIX  the name suffix of the functions defined here (_d, _ld),
 *   U, ETA  its unit roundoff (half an ulp of 1) and smallest subnormal.
 *
 * eval: the bound rules of actlab/formula/bounds.py, one case per rule, in the same order of
 * operations; certify: actlab/formula/exact.py's certify for one element.
 */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define REG CAT(Reg, SUFFIX)
#define EVAL CAT(eval, SUFFIX)
#define CERTIFY CAT(certify, SUFFIX)
#define FINISH CAT(finish, SUFFIX)
#define FUNCTION CAT(function, SUFFIX)
#define OUT CAT(Out, SUFFIX)


#ifdef BLOCK
/* the block tier has no far-end slopes: an argument error above 1 leaves the element to long
 * double, which has them */
#define SLOPE(op, va, ea, lib) ((REAL)INFINITY)
#else
/* An upper bound on max |f'(t)| over [va - ea, va + ea], from f' at the end of the interval
 * where it is largest (f' is monotone in |t| or in t for these functions), for an argument
 * error too large for the cheap rules (ea > 1: e^x inside tanh at x = 1e4, x^2 inside exp at
 * x = 1e10). Each end is pushed outwards by 2u of itself (its own rounding), each library value
 * up by 2 lib u and one ETA (its error, an underflow to 0). */
static REAL CAT(slope, SUFFIX)(int op, REAL va, REAL ea, REAL lib)
{
    REAL hi = va + ea, far = F(fabs)(va) + ea, low = F(fabs)(va) - ea, grow = 1 + 2 * lib * U;
    REAL s;
    hi = hi + F(fabs)(hi) * (2 * U);
    far = far * (1 + 2 * U);
    low = low - F(fabs)(low) * (2 * U);
    low = low > 0 ? low : 0;
    switch (op) {
    case OP_EXP:
    case OP_EXPM1: /* exp' = exp, increasing */
        return F(exp)(hi) * grow + ETA;
    case OP_SINH:
    case OP_COSH: /* |sinh'|, |cosh'| <= cosh(|t|) */
        return F(cosh)(far) * grow + ETA;
    case OP_SIGMOID: /* sigmoid'(t) = sigmoid(t) sigmoid(-t) <= e^-|t|, decreasing in |t| */
        return F(exp)(-low) * grow + ETA;
    case OP_LOG1PEXP: { /* log1pexp' = sigmoid: increasing */
        REAL t = F(exp)(-F(fabs)(hi));
        return (hi >= 0 ? 1 : t) / (1 + t) * (1 + 2 * 64 * U) + ETA;
    }
    case OP_SECH: /* |sech'| = sech |tanh| <= sech(|t|), decreasing in |t| */
        return 1 / F(cosh)(low) * grow + ETA;
    case OP_TANH: /* tanh' = sech^2 */
        s = 1 / F(cosh)(low) * grow + ETA;
        return s * s * (1 + 2 * U);
    default: /* atan' = 1/(1 + t^2) <= 1/t^2 (1/low first: low^2 may overflow) */
        if (low > 1) {
            s = 1 / low;
            return s * s * (1 + 8 * U) + ETA;
        }
        return 1 / (1 + low * low) * (1 + 8 * U);
    }
}
#define SLOPE CAT(slope, SUFFIX)
#endif

/* The rules, one function per kind of step, on one element's operands: the value, its bound,
 * and whether this step makes the exact value undefined (nan; the caller ORs the operands').
 * The scalar EVAL (long double) and the block tier (double) below both call them: one source
 * of the rules. */
typedef struct {
    REAL v, e;
    int nan;
} OUT;

/* the rounding of v added to the propagated bound, scaled for the bound's own rounding */
RULE OUT FINISH(REAL v, REAL e)
{
    OUT o = {v, (e + U * F(fabs)(v) + ETA) * (1 + 256 * U), 0};
    return o;
}

/* the half-width to certify v +- e with: the interval's own end points are rounded, so widen
 * by 4u|v| and a factor (both certifications) */
RULE REAL CAT(certify_width, SUFFIX)(REAL v, REAL e)
{
    return (e + F(fabs)(v) * (4 * U) + ETA) * (1 + 256 * U);
}

/* f's value, its propagated bound and the library's own error (lib units of U) */
RULE OUT FUNCTION(REAL v, REAL propagated, REAL lib)
{
    return FINISH(v, propagated + lib * U * F(fabs)(v));
}

RULE OUT CAT(rule_add, SUFFIX)(REAL va, REAL ea, REAL vb, REAL eb)
{
    OUT o = FINISH(va + vb, ea + eb);
#ifndef BLOCK
    if (ea == 0 && eb == 0 && isfinite(o.v)) { /* exact operands: exact where TwoSum's error is
                                                * 0 (x + 3 at x = -1.5; see rule_add_dd) */
        REAL bb = o.v - va, err = (va - (o.v - bb)) + (vb - bb);
        o.e = err == 0 ? 0 : o.e;
    }
#endif
    return o;
}

/* |ab - va vb| <= |va| eb + |vb| ea + ea eb (an exact operand adds nothing: no 0 inf) */
RULE OUT CAT(rule_mul, SUFFIX)(REAL va, REAL ea, REAL vb, REAL eb)
{
    REAL e = eb != 0 ? F(fabs)(va) * eb : 0;
    REAL both = eb != 0 ? ea * eb : 0;
    OUT o;
    e = ea != 0 ? e + F(fabs)(vb) * ea + both : e;
    o = FINISH(va * vb, e);
    /* an exact 0 times a finite value (bounded) is an exact 0: a constant 0 branch times a
     * slope */
    o.e = ((va == 0 && ea == 0 && isfinite(vb) && isfinite(eb)) ||
           (vb == 0 && eb == 0 && isfinite(va) && isfinite(ea)))
              ? 0
              : o.e;
#ifndef BLOCK
    if (ea == 0 && eb == 0 && F(fabs)(o.v) >= (REAL)0x1p-900 && isfinite(o.v)) {
        int k; /* exact operands, one a power of two (a branch's slope 1 times x): exact */
        int two = F(frexp)(F(fabs)(va), &k) == (REAL)0.5;
        two = two || F(frexp)(F(fabs)(vb), &k) == (REAL)0.5;
        o.e = two ? 0 : o.e;
    }
#endif
    return o;
}

/* |1/b - 1/vb| <= eb / (|vb| (|vb| - eb)) while |vb| > eb (divided in turn: the product of
 * the two could overflow, and the bound become 0) */
RULE OUT CAT(rule_recip, SUFFIX)(REAL va, REAL ea)
{
    REAL room = F(fabs)(va) - ea;
    REAL prop = ea == 0 ? 0 : (room > 0 ? ea / F(fabs)(va) / room : (REAL)INFINITY);
    return FINISH(1 / va, prop);
}

/* |sqrt t - sqrt w| <= d / sqrt(w); sqrt is correctly rounded */
RULE OUT CAT(rule_sqrt, SUFFIX)(REAL va, REAL ea)
{
    REAL v = F(sqrt)(va);
    REAL prop = ea == 0 ? 0 : ((va - ea >= 0 && v > 0) ? ea / v * (1 + 2 * U) : (REAL)INFINITY);
    OUT o = FINISH(v, prop);
    o.nan = ea == 0 ? va < 0 : va + ea < 0;
    return o;
}

/* exp, expm1, sinh, cosh, sech, sigmoid, log1pexp: |f'(t)| <= (|f(a)| [+ 1]) e^|t - a|, so
 * for |t - a| <= d <= 1 the change is at most d (1 + 2d) (|f(a)| [+ 1]) */
RULE OUT CAT(rule_exp, SUFFIX)(int op, REAL va, REAL ea)
{
    REAL lib = 16, scale, prop, v, t = 0;
    switch (op) {
    case OP_EXP:
        v = F(exp)(va);
        break;
    case OP_EXPM1:
        v = F(expm1)(va);
        break;
    case OP_SINH:
        v = F(sinh)(va);
        break;
    case OP_COSH:
        v = F(cosh)(va);
        break;
    case OP_SECH:
        v = 1 / F(cosh)(va), lib = 17;
        break;
    case OP_SIGMOID: /* e^-|t| never overflows */
        t = F(exp)(-F(fabs)(va));
        v = (va >= 0 ? 1 : t) / (1 + t), lib = 64;
        break;
    default: /* log(1 + e^t), as NumPy's logaddexp(0, t): t + log1p(e^-t) for t > 0 */
        t = F(log1p)(F(exp)(-F(fabs)(va)));
        v = va > 0 ? va + t : t, lib = 64;
        break;
    }
    scale = F(fabs)(v);
    if (op == OP_EXPM1 || op == OP_SINH)
        scale = scale + 1;
    if (op == OP_EXPM1 && v < 0) /* expm1' = e^a = v + 1, up by v's error (lib ulps) */
        scale = (v + 1) * (1 + 2 * U) + 2 * lib * U * -v + ETA;
    if (op == OP_SIGMOID) /* |sigmoid'(s)| <= e^-|s|: t, up by its error and an underflow */
        scale = t * (1 + 2 * lib * U) + ETA;
    if (op == OP_LOG1PEXP) /* log1pexp' = sigmoid <= 1 */
        scale = scale < 1 ? scale : 1;
    if (ea == 0)
        prop = 0;
    else if (ea <= 1)
        prop = scale * (ea * (1 + 2 * ea));
    else if (ea > 1) /* NumPy's tiers stop here: bound f' at the interval's far end */
        prop = ea * SLOPE(op, va, ea, lib);
    else
        prop = (REAL)INFINITY;
    return FUNCTION(v, prop, lib);
}

/* log(shift + a): |log t - log w| <= d / (w - d) for w - d > 0 */
RULE OUT CAT(rule_log, SUFFIX)(int shift, REAL va, REAL ea)
{
    REAL w = shift ? va + 1 : va, low, high, prop;
    /* below the domain the value is never used (the nan flag or an infinite bound decides), so
     * the library gets its mirror image: libmvec's SIMD log takes a slow scalar path for a
     * whole vector when one lane is out of its domain */
    REAL t = shift ? (va < -1 ? -2 - va : va) : (va < 0 ? -va : va);
    REAL v = shift ? F(log1p)(t) : F(log)(t);
    OUT o;
    low = ea != 0 ? w - ea : w;
    if (shift)
        low = low - F(fabs)(w) * (2 * U); /* 1 + a was rounded */
    prop = low > 0 ? (ea != 0 ? ea / low : 0) : (REAL)INFINITY;
    high = ea != 0 ? w + ea : w;
    o = FUNCTION(v, prop, 16);
    o.nan = shift ? high < -F(fabs)(w) * (2 * U) : high < 0;
    return o;
}

/* sin, cos, tanh, atan: |f'| <= 1 */
RULE OUT CAT(rule_slope1, SUFFIX)(int op, REAL va, REAL ea)
{
    REAL v = op == OP_SIN    ? F(sin)(va)
             : op == OP_COS  ? F(cos)(va)
             : op == OP_TANH ? F(tanh)(va)
                             : F(atan)(va);
    REAL prop = ea;
    if (ea > 1 && (op == OP_TANH || op == OP_ATAN)) { /* as above */
        REAL slope = ea * SLOPE(op, va, ea, 16);
        prop = slope < ea ? slope : ea;
    }
    return FUNCTION(v, prop, 16);
}

/* |tan'| = 1/cos^2: |cos t| >= |cos w| - d - lib u must stay positive */
RULE OUT CAT(rule_tan, SUFFIX)(REAL va, REAL ea)
{
    REAL room = F(fabs)(F(cos)(va)) - ea - 4 * 16 * U;
    REAL safe = room > 0 ? room : 1;
    REAL prop = room > 0 ? ea / (safe * safe) + F(fabs)(va) * U / (safe * safe) : (REAL)INFINITY;
    return FUNCTION(F(tan)(va), prop, 16);
}

/* |erf'(t)| <= 1.13 e^(-m^2), m the smallest |t| in the interval */
RULE OUT CAT(rule_erf, SUFFIX)(int op, REAL va, REAL ea)
{
    REAL v = op == OP_ERF ? F(erf)(va) : F(erfc)(va);
    REAL m = F(fabs)(va) - ea;
    m = m > 0 ? m : 0;
    return FUNCTION(v, ea != 0 ? (REAL)2.26 * ea * ERF_DECAY(m * m) : 0, ERF_LIB);
}

/* sign, Heaviside: exact where the sign of a is decided */
RULE OUT CAT(rule_sign, SUFFIX)(int heaviside, REAL va, REAL ea)
{
    OUT o;
    o.v = va > 0 ? 1 : (heaviside ? 0 : (va < 0 ? -1 : 0));
    o.e = ea == 0 ? 0 : (F(fabs)(va) > ea ? 0 : (REAL)INFINITY);
    o.nan = 0;
    return o;
}

/* max, min: exact; error at most the largest operand error */
RULE OUT CAT(rule_max, SUFFIX)(int is_max, REAL va, REAL ea, REAL vb, REAL eb)
{
    OUT o;
    int broken = !isfinite(ea) | !isfinite(eb) | isnan(va) | isnan(vb);
    /* a tie of -0 and +0 as IEEE 754-2019's maximum and minimum: max +0, min -0, in either
     * order (SymPy orders the operands its own way) */
    int first = va == vb ? is_max != !!signbit(va) : is_max == (va > vb);
    /* decided (the operands' intervals apart): the winner with its own bound, so a clamp to a
     * constant is exact (max(0, 1 - |x|) far out); else the larger bound covers either */
    int decided = F(fabs)(va - vb) * (1 - (REAL)0x1p-40) > ea + eb;
    o.v = (isnan(va) | isnan(vb)) ? (REAL)NAN : (first ? va : vb);
    o.e = broken ? (REAL)INFINITY : (decided ? (first ? ea : eb) : (ea > eb ? ea : eb));
    o.nan = 0;
    return o;
}

/* a comparison (gt, ge, lt, le): decided where |lhs - rhs| exceeds its bound; o.v is whether
 * it holds, o.nan whether it is decided (known) */
RULE OUT CAT(rule_compare, SUFFIX)(int op, REAL va, REAL ea, REAL vb, REAL eb)
{
    OUT o, d = FINISH(va - vb, ea + eb);
    int exact = (ea == 0) & (eb == 0); /* exact operands: compare them directly */
    REAL lhs = exact ? va : d.v, rhs = exact ? vb : 0;
    o.v = op == OP_GT   ? lhs > rhs
          : op == OP_GE ? lhs >= rhs
          : op == OP_LT ? lhs < rhs
                        : lhs <= rhs;
    o.nan = exact | (F(fabs)(d.v) > d.e) | (d.e == 0); /* an exact tie (bound 0) is decided too */
    o.e = 0;
    return o;
}

#ifndef BLOCK
typedef struct {
    REAL v;                /* the value the number system computed */
    REAL e;                /* the exact value lies in [v - e, v + e] */
    unsigned char nan;     /* the exact value is undefined (log of a negative number) */
    unsigned char known;   /* a condition: decided here */
    unsigned char value;   /* a condition: its value where known */
    unsigned char open;    /* a piecewise: no piece taken yet */
    unsigned char unknown; /* a piecewise: an earlier condition was undecided */
} REG;

/* Run the program on one x; the result is regs[result]. */
static void EVAL(const Instr *code, Py_ssize_t n, const REAL *cv, const REAL *ce,
                 const double *params, REG *regs, REAL x)
{
    const REAL inf = (REAL)INFINITY;
    for (Py_ssize_t k = 0; k < n; k++) {
        const Instr *in = &code[k];
        REG *r = &regs[in->dst];
        const REG *a = &regs[in->a];
        const REG *b = &regs[in->b];
        REAL va = a->v, ea = a->e;
        unsigned char nan2 = a->nan | b->nan;
        OUT o;
        switch (in->op) {
        case OP_X:
            r->v = x, r->e = 0, r->nan = 0;
            continue;
        case OP_PARAM:
            r->v = (REAL)params[in->a], r->e = 0, r->nan = 0;
            continue;
        case OP_CONST:
            r->v = cv[in->a], r->e = ce[in->a], r->nan = 0;
            continue;
        case OP_BOOL:
            r->known = 1, r->value = (unsigned char)in->a, r->nan = 0;
            continue;
        case OP_ONE: /* base^0 */
            r->v = 1, r->e = 0, r->nan = a->nan;
            continue;
        case OP_ADD:
            o = CAT(rule_add, SUFFIX)(va, ea, b->v, b->e), o.nan |= nan2;
            break;
        case OP_MUL:
            o = CAT(rule_mul, SUFFIX)(va, ea, b->v, b->e), o.nan |= nan2;
            break;
        case OP_RECIP:
            o = CAT(rule_recip, SUFFIX)(va, ea), o.nan |= a->nan;
            break;
        case OP_SQRT:
            o = CAT(rule_sqrt, SUFFIX)(va, ea), o.nan |= a->nan;
            break;
        case OP_EXP:
        case OP_EXPM1:
        case OP_SINH:
        case OP_COSH:
        case OP_SECH:
        case OP_SIGMOID:
        case OP_LOG1PEXP:
            o = CAT(rule_exp, SUFFIX)(in->op, va, ea), o.nan |= a->nan;
            break;
        case OP_LOG:
        case OP_LOG1P:
            o = CAT(rule_log, SUFFIX)(in->op == OP_LOG1P, va, ea), o.nan |= a->nan;
            break;
        case OP_SIN:
        case OP_COS:
        case OP_TANH:
        case OP_ATAN:
            o = CAT(rule_slope1, SUFFIX)(in->op, va, ea), o.nan |= a->nan;
            break;
        case OP_TAN:
            o = CAT(rule_tan, SUFFIX)(va, ea), o.nan |= a->nan;
            break;
        case OP_ERF:
        case OP_ERFC:
            o = CAT(rule_erf, SUFFIX)(in->op, va, ea), o.nan |= a->nan;
            break;
        case OP_ABS:
            r->v = F(fabs)(va), r->e = ea, r->nan = a->nan;
            continue;
        case OP_SIGN:
        case OP_HEAVISIDE:
            o = CAT(rule_sign, SUFFIX)(in->op == OP_HEAVISIDE, va, ea), o.nan |= a->nan;
            break;
        case OP_MAX:
        case OP_MIN:
            o = CAT(rule_max, SUFFIX)(in->op == OP_MAX, va, ea, b->v, b->e), o.nan |= nan2;
            break;
        case OP_GT:
        case OP_GE:
        case OP_LT:
        case OP_LE:
            o = CAT(rule_compare, SUFFIX)(in->op, va, ea, b->v, b->e);
            r->known = (unsigned char)o.nan, r->value = (unsigned char)(o.v != 0), r->nan = nan2;
            continue;
        case OP_NOT:
            r->known = a->known, r->value = !a->value, r->nan = a->nan;
            continue;
        case OP_AND:
        case OP_OR: { /* And: a known False decides it; Or: a known True */
            int is_or = in->op == OP_OR;
            int decisive = (a->known && a->value == is_or) || (b->known && b->value == is_or);
            /* undefined unless a defined operand decides it (bounds.logic) */
            int settled = (a->known && a->value == is_or && !a->nan)
                || (b->known && b->value == is_or && !b->nan);
            r->value = is_or ? (a->value | b->value) : (a->value & b->value);
            r->known = (unsigned char)((a->known && b->known) || decisive);
            r->nan = (unsigned char)(settled ? 0 : nan2);
            continue;
        }
        case OP_PW_INIT:
            r->v = (REAL)NAN, r->e = inf, r->nan = 1, r->open = 1, r->unknown = 0;
            continue;
        case OP_PW_STEP: { /* the first piece whose condition holds (a: value, b: condition) */
            /* a condition that is undefined (log(x) < 0 at x < 0) makes the result undefined */
            int take = r->open && ((b->known && b->value) || b->nan) && !r->unknown;
            if (r->open && !b->known && !b->nan)
                r->unknown = 1;
            if (take)
                r->v = va, r->e = ea, r->nan = nan2, r->open = 0;
            continue;
        }
        case OP_PW_END: /* undecided: nothing is certain yet, NaN included */
            if (r->unknown)
                r->e = inf, r->nan = 0;
            continue;
        default:
            continue;
        }
        r->v = o.v, r->e = o.e, r->nan = (unsigned char)(o.nan != 0);
    }
}

/* Is v +- e certified to 1 ulp in the output type (single: float32, else float64)? Writes the
 * rounded value. */
static int CERTIFY(const REG *res, int single, double *rounded)
{
    REAL v = res->v, width, low, high, below, above, r, top, omega;
    int ok;
    if (res->nan) {
        *rounded = NAN;
        return 1;
    }
    if (single) {
        float f = (float)v, fb, fa;
        r = f;
        neighbours_f(f, &fb, &fa); /* for +-inf, NaN: unused (below) or not certified */
        below = fb, above = fa;
        top = FLT_MAX;
        omega = (REAL)FLT_MAX + (REAL)ldexp(1.0, 127 - 24); /* max + half an ulp of max */
    } else {
        double d = (double)v, db, da;
        r = d;
        neighbours(d, &db, &da);
        below = db, above = da;
        top = DBL_MAX;
        omega = (REAL)DBL_MAX + (REAL)ldexp(1.0, 970);
    }
    *rounded = (double)r;
    width = CAT(certify_width, SUFFIX)(v, res->e);
    low = v - width, high = v + width;
    ok = low >= below && high <= above && isfinite(width) && !isnan(v);
    if (isinf(r) || F(fabs)(r) == top) { /* +-inf needs the exact value past omega, +-max below */
        REAL lo_abs = r > 0 ? low : -high, hi_abs = r > 0 ? high : -low;
        if (isinf(r))
            ok = lo_abs >= omega && isfinite(width);
        else
            ok = ok && hi_abs < omega;
    }
    return ok;
}


#endif /* !BLOCK */


#undef SLOPE
#undef REG
#undef EVAL
#undef CERTIFY
#undef FINISH
#undef FUNCTION
#undef OUT
