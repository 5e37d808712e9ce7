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

typedef struct {
    REAL v;                /* the value the number system computed */
    REAL e;                /* the exact value lies in [v - e, v + e] */
    unsigned char nan;     /* the exact value is undefined (log of a negative number) */
    unsigned char known;   /* a condition: decided here */
    unsigned char value;   /* a condition: its value where known */
    unsigned char open;    /* a piecewise: no piece taken yet */
    unsigned char unknown; /* a piecewise: an earlier condition was undecided */
} REG;

/* the rounding of v added to the propagated bound, scaled for the bound's own rounding */
static inline void FINISH(REG *r, REAL v, REAL e)
{
    r->v = v;
    r->e = (e + U * F(fabs)(v) + ETA) * (1 + 256 * U);
}

/* f's value, its propagated bound and the library's own error (lib units of U) */
static inline void FUNCTION(REG *r, REAL v, REAL propagated, REAL lib)
{
    FINISH(r, v, propagated + lib * U * F(fabs)(v));
}

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
    case OP_SIGMOID:
    case OP_LOG1PEXP: { /* sigmoid' <= sigmoid, log1pexp' = sigmoid: increasing */
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
        REAL va = a->v, ea = a->e, v, prop;
        switch (in->op) {
        case OP_X:
            r->v = x, r->e = 0, r->nan = 0;
            break;
        case OP_PARAM:
            r->v = (REAL)params[in->a], r->e = 0, r->nan = 0;
            break;
        case OP_CONST:
            r->v = cv[in->a], r->e = ce[in->a], r->nan = 0;
            break;
        case OP_BOOL:
            r->known = 1, r->value = (unsigned char)in->a, r->nan = 0;
            break;
        case OP_ONE: /* base^0 */
            r->v = 1, r->e = 0, r->nan = a->nan;
            break;
        case OP_ADD: {
            unsigned char nan = a->nan | b->nan;
            FINISH(r, va + b->v, ea + b->e);
            r->nan = nan;
            break;
        }
        case OP_MUL: { /* |ab - va vb| <= |va| eb + |vb| ea + ea eb */
            REAL e = 0, vb = b->v, eb = b->e;
            unsigned char nan = a->nan | b->nan;
            if (eb != 0)
                e = F(fabs)(va) * eb;
            if (ea != 0) {
                e = e + F(fabs)(vb) * ea;
                if (eb != 0)
                    e = e + ea * eb;
            }
            FINISH(r, va * vb, e);
            r->nan = nan;
            break;
        }
        case OP_RECIP: { /* |1/b - 1/vb| <= eb / (|vb| (|vb| - eb)) while |vb| > eb */
            unsigned char nan = a->nan;
            REAL room = F(fabs)(va) - ea;
            v = 1 / va;
            prop = ea == 0 ? 0 : (room > 0 ? ea / (F(fabs)(va) * room) : inf);
            FINISH(r, v, prop);
            r->nan = nan;
            break;
        }
        case OP_SQRT: { /* |sqrt t - sqrt w| <= d / sqrt(w); sqrt is correctly rounded */
            unsigned char nan = a->nan;
            v = F(sqrt)(va);
            if (ea == 0) {
                nan |= va < 0;
                prop = 0;
            } else {
                prop = (va - ea >= 0 && v > 0) ? ea / v * (1 + 2 * U) : inf;
                nan |= va + ea < 0;
            }
            FINISH(r, v, prop);
            r->nan = nan;
            break;
        }
        /* |f'(t)| <= (|f(a)| [+ 1]) e^|t - a|: for |t - a| <= d <= 1 the change is at most
         * d (1 + 2d) (|f(a)| [+ 1]) */
        case OP_EXP:
        case OP_EXPM1:
        case OP_SINH:
        case OP_COSH:
        case OP_SECH:
        case OP_SIGMOID:
        case OP_LOG1PEXP: {
            REAL lib = 16, scale;
            unsigned char nan = a->nan;
            switch (in->op) {
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
            case OP_SIGMOID: { /* e = exp(-|t|) never overflows */
                REAL t = F(exp)(-F(fabs)(va));
                v = (va >= 0 ? 1 : t) / (1 + t), lib = 64;
                break;
            }
            default: /* log(1 + e^t), as NumPy's logaddexp(0, t) */
                v = va > 0 ? va + F(log1p)(F(exp)(-va)) : F(log1p)(F(exp)(va)), lib = 64;
                break;
            }
            scale = F(fabs)(v);
            if (in->op == OP_EXPM1 || in->op == OP_SINH)
                scale = scale + 1;
            if (ea == 0)
                prop = 0;
            else if (ea <= 1)
                prop = scale * (ea * (1 + 2 * ea));
            else if (ea > 1) /* NumPy's tiers stop here: bound f' at the interval's far end */
                prop = ea * SLOPE(in->op, va, ea, lib);
            else
                prop = inf;
            FUNCTION(r, v, prop, lib);
            r->nan = nan;
            break;
        }
        case OP_LOG:
        case OP_LOG1P: { /* log(shift + a): |log t - log w| <= d / (w - d) for w - d > 0 */
            int shift = in->op == OP_LOG1P;
            unsigned char nan = a->nan;
            REAL w = shift ? va + 1 : va, low, high;
            v = shift ? F(log1p)(va) : F(log)(va);
            low = ea != 0 ? w - ea : w;
            if (shift)
                low = low - F(fabs)(w) * (2 * U); /* 1 + a was rounded */
            prop = low > 0 ? (ea != 0 ? ea / low : 0) : inf;
            high = ea != 0 ? w + ea : w;
            nan |= shift ? high < -F(fabs)(w) * (2 * U) : high < 0;
            FUNCTION(r, v, prop, 16);
            r->nan = nan;
            break;
        }
        case OP_SIN:
        case OP_COS:
        case OP_TANH:
        case OP_ATAN: { /* |f'| <= 1 */
            unsigned char nan = a->nan;
            v = in->op == OP_SIN    ? F(sin)(va)
                : in->op == OP_COS  ? F(cos)(va)
                : in->op == OP_TANH ? F(tanh)(va)
                                    : F(atan)(va);
            prop = ea;
            if (ea > 1 && (in->op == OP_TANH || in->op == OP_ATAN)) { /* as above */
                REAL slope = ea * SLOPE(in->op, va, ea, 16);
                prop = slope < ea ? slope : ea;
            }
            FUNCTION(r, v, prop, 16);
            r->nan = nan;
            break;
        }
        case OP_TAN: { /* |tan'| = 1/cos^2, |cos t| >= |cos w| - d - lib u must stay positive */
            unsigned char nan = a->nan;
            REAL room = F(fabs)(F(cos)(va)) - ea - 4 * 16 * U;
            REAL safe = room > 0 ? room : 1;
            v = F(tan)(va);
            prop = room > 0 ? ea / (safe * safe) + F(fabs)(va) * U / (safe * safe) : inf;
            FUNCTION(r, v, prop, 16);
            r->nan = nan;
            break;
        }
        case OP_ERF:
        case OP_ERFC: { /* |erf'(t)| <= 1.13 e^(-m^2), m the smallest |t| in the interval */
            unsigned char nan = a->nan;
            v = in->op == OP_ERF ? F(erf)(va) : F(erfc)(va);
            prop = 0;
            if (ea != 0) {
                REAL m = F(fabs)(va) - ea;
                m = m > 0 ? m : 0;
                prop = (REAL)2.26 * ea * F(exp)(-(m * m));
            }
            FUNCTION(r, v, prop, ERF_LIB);
            r->nan = nan;
            break;
        }
        case OP_ABS:
            r->v = F(fabs)(va), r->e = ea, r->nan = a->nan;
            break;
        case OP_SIGN:
        case OP_HEAVISIDE: { /* exact where the sign of a is decided */
            unsigned char nan = a->nan;
            r->v = va > 0 ? 1 : (in->op == OP_HEAVISIDE ? 0 : (va < 0 ? -1 : 0));
            r->e = ea == 0 ? 0 : (F(fabs)(va) > ea ? 0 : inf);
            r->nan = nan;
            break;
        }
        case OP_MAX:
        case OP_MIN: { /* exact; error at most the largest operand error */
            REAL vb = b->v, eb = b->e;
            unsigned char nan = a->nan | b->nan;
            int broken = !isfinite(ea) || !isfinite(eb) || isnan(va) || isnan(vb);
            if (isnan(va) || isnan(vb))
                r->v = (REAL)NAN;
            else
                r->v = (in->op == OP_MAX) == (va > vb) ? va : vb;
            r->e = broken ? inf : (ea > eb ? ea : eb);
            r->nan = nan;
            break;
        }
        case OP_GT:
        case OP_GE:
        case OP_LT:
        case OP_LE: { /* decided where |lhs - rhs| exceeds its bound */
            REAL d, vb = b->v, eb = b->e;
            unsigned char nan = a->nan | b->nan;
            if (ea == 0 && eb == 0) { /* exact operands: compare them directly */
                d = va - vb;
                r->known = 1;
                r->value = in->op == OP_GT ? va > vb : in->op == OP_GE ? va >= vb
                           : in->op == OP_LT ? va < vb : va <= vb;
                r->nan = nan;
                break;
            }
            FINISH(r, va - vb, ea + eb);
            d = r->v;
            r->known = F(fabs)(d) > r->e || r->e == 0; /* an exact tie (bound 0) is decided too */
            r->value = in->op == OP_GT ? d > 0 : in->op == OP_GE ? d >= 0 : in->op == OP_LT ? d < 0
                                                                                           : d <= 0;
            r->nan = nan;
            break;
        }
        case OP_NOT:
            r->known = a->known, r->value = !a->value, r->nan = a->nan;
            break;
        case OP_AND:
        case OP_OR: { /* And: a known False decides it; Or: a known True */
            int is_or = in->op == OP_OR;
            unsigned char value = is_or ? (a->value | b->value) : (a->value & b->value);
            int decisive = (a->known && a->value == is_or) || (b->known && b->value == is_or);
            r->known = (unsigned char)((a->known && b->known) || decisive);
            r->nan = a->nan | b->nan;
            r->value = value;
            break;
        }
        case OP_PW_INIT:
            r->v = (REAL)NAN, r->e = inf, r->nan = 1, r->open = 1, r->unknown = 0;
            break;
        case OP_PW_STEP: { /* the first piece whose condition holds (a: value, b: condition) */
            int take = r->open && b->known && b->value && !r->unknown;
            if (r->open && !b->known)
                r->unknown = 1;
            if (take) {
                r->v = va, r->e = ea, r->nan = a->nan | b->nan, r->open = 0;
            }
            break;
        }
        case OP_PW_END: /* undecided: nothing is certain yet, NaN included */
            if (r->unknown)
                r->e = inf, r->nan = 0;
            break;
        }
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
    /* the interval's own end points are rounded: widen by 4u|v| and a factor */
    width = (res->e + F(fabs)(v) * (4 * U) + ETA) * (1 + 256 * U);
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

#undef SLOPE
#undef REG
#undef EVAL
#undef CERTIFY
#undef FINISH
#undef FUNCTION
