/* The compiled first tier of exact formulas (actlab/formula/vm.py): the bound rules of
 * actlab/formula/bounds.py, compiled.
 *
 * A formula's straight-line program arrives as an array of instructions (opcode, destination
 * register, two operand registers or an index); every instruction computes a value v and an
 * error bound e (the exact value lies in [v - e, v + e]) in a number system, and the result is
 * certified against the output type as exact.py's certify does. The rules are one source
 * (_vm_eval.h) for two number systems, and their double-double twins (_vm_dd.h):
 *
 *   double         float32 output (29 spare bits): the block tier (_vm_block.h), a loop per
 *                  instruction over 256 elements, vectorised (libmvec's exp, log, ... where
 *                  setup.py found it), compiled for three instruction sets, one picked at
 *                  import;
 *   double-double  float64 output: the same block tier (sin, cos, tan, atan through long
 *                  double's rules: rule_ld_dd);
 *   long double    (x86: 64-bit significand, glibc's expl, logl, erfl, ...) one element at a
 *                  time: what the block tier left.
 *
 * An element neither certifies is marked uncertain; exact.py sends it on to mpmath. Compiled
 * with -ffp-contract=off and without -ffast-math (setup.py): every + - * / sqrt is one IEEE
 * operation rounded to the working type, as the bound rules assume (docs/exact.md).
 *
 * Python interface: run(code, cv_d, ce_d, cv_ld, ce_ld, params, nregs, result, x, out,
 * uncertain, first[, trace]) with code an int32 buffer of 4 * n (op, dst, a, b), cv/ce the
 * constants' values and bounds in each system (float64 and long double buffers), params
 * float64, x a float32 or float64 buffer, out a float32 or float64 buffer of x's length (written
 * only where certified), uncertain a uint8 buffer of that length (1 where not certified), first
 * 1 (the block tier where it applies, then long double) or 0 (long double only). Returns
 * (certified in the block tier, certified in long double, uncertain). The GIL is released
 * during the loop. The optional trace receives each element's value and bound in the tier that
 * runs first: 3 doubles (high part, low part or 0, bound) for the block tier, 2 long doubles
 * otherwise (every element then runs in long double): for tests that hold the bounds against
 * mpmath. The module's BLOCK_ISA names
 * the block tier's instruction set, LIBMVEC whether it calls libmvec.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    OP_X, OP_PARAM, OP_CONST, OP_BOOL, OP_ONE, OP_ADD, OP_MUL, OP_RECIP, OP_SQRT,
    OP_EXP, OP_EXPM1, OP_SINH, OP_COSH, OP_SECH, OP_SIGMOID, OP_LOG1PEXP,
    OP_LOG, OP_LOG1P, OP_SIN, OP_COS, OP_TANH, OP_ATAN, OP_TAN, OP_ERF, OP_ERFC,
    OP_ABS, OP_SIGN, OP_HEAVISIDE, OP_MAX, OP_MIN, OP_GT, OP_GE, OP_LT, OP_LE,
    OP_NOT, OP_AND, OP_OR, OP_PW_INIT, OP_PW_STEP, OP_PW_END, OP_COUNT
};

typedef struct {
    int32_t op, dst, a, b;
} Instr;

/* the floats either side of a finite r, by its bits (nextafter is a library call) */
static inline void neighbours_f(float r, float *below, float *above)
{
    uint32_t bits, up, down;
    memcpy(&bits, &r, sizeof bits);
    if ((bits & 0x7fffffffu) == 0) { /* +-0 */
        *below = -FLT_TRUE_MIN, *above = FLT_TRUE_MIN;
        return;
    }
    up = bits >> 31 ? bits - 1 : bits + 1; /* one step away from -inf */
    down = bits >> 31 ? bits + 1 : bits - 1;
    memcpy(above, &up, sizeof up);
    memcpy(below, &down, sizeof down);
}

static inline void neighbours(double r, double *below, double *above)
{
    uint64_t bits, up, down;
    memcpy(&bits, &r, sizeof bits);
    if ((bits & 0x7fffffffffffffffu) == 0) {
        *below = -DBL_TRUE_MIN, *above = DBL_TRUE_MIN;
        return;
    }
    up = bits >> 63 ? bits - 1 : bits + 1;
    down = bits >> 63 ? bits + 1 : bits - 1;
    memcpy(above, &up, sizeof up);
    memcpy(below, &down, sizeof down);
}

#define RULE static inline __attribute__((always_inline))

#ifdef ACTLAB_MVEC
#define LIBMVEC 1
/* glibc's libmvec has SIMD versions of these (setup.py checked that it links): the compiler
 * calls them in the block tier's loops (-fopenmp-simd); its errors are measured beside the
 * scalar ones (tests/test_formula_vm.py), within the same allowance */
#pragma omp declare simd notinbranch
double exp(double);
#pragma omp declare simd notinbranch
double expm1(double);
#pragma omp declare simd notinbranch
double sinh(double);
#pragma omp declare simd notinbranch
double cosh(double);
#pragma omp declare simd notinbranch
double log(double);
#pragma omp declare simd notinbranch
double log1p(double);
#pragma omp declare simd notinbranch
double sin(double);
#pragma omp declare simd notinbranch
double cos(double);
#pragma omp declare simd notinbranch
double tan(double);
#pragma omp declare simd notinbranch
double tanh(double);
#pragma omp declare simd notinbranch
double atan(double);
#pragma omp declare simd notinbranch
double erf(double);
#pragma omp declare simd notinbranch
double erfc(double);
#else
#define LIBMVEC 0
#endif

/* double: glibc's double functions (erf, erfc within a few ulp: the same 16 as the others) */
#define BLOCK
#define REAL double
#define F(fn) fn
#define SUFFIX _d
#define U ((double)DBL_EPSILON / 2)
#define ETA ((double)DBL_MIN)
#define ERF_LIB 16
#define ERF_DECAY(m2) exp(-(m2))
#include "_vm_eval.h"

/* double-double: the rules for float64 output (_vm_dd.h) */
#include "_vm_dd.h"

#undef BLOCK
#undef REAL
#undef F
#undef SUFFIX
#undef U
#undef ETA
#undef ERF_LIB
#undef ERF_DECAY

/* long double: glibc's ldbl-96 functions; erfl/erfcl are allowed 16 ulp like the rest
 * (glibc's tables list at most 4 for them; tests/test_formula_vm.py measures them) */
#define REAL long double
#define F(fn) fn##l
#define SUFFIX _ld
#define U ((long double)LDBL_EPSILON / 2)
#define ETA ((long double)LDBL_MIN)
#define ERF_LIB 16
/* e^(-m^2) for erf's slope bound in double where it has no subnormal (expl costs 3 times exp):
 * within 1 ulp of e^(-m^2 (1 + 2^-53)), which the bound's factor 2.26 = 2 (2/sqrt(pi)) covers */
#define ERF_DECAY(m2) ((m2) < 700 ? (long double)exp(-(double)(m2)) : expl(-(m2)))
#include "_vm_eval.h"

/* sin, cos, tan, atan for float64 output (double-double has no rule of its own for them):
 * long double's rules (glibc's ldbl-96 functions, the far-end slopes) on the argument rounded
 * to long double, h + l rounded once (within 2^-64 of itself, added to its bound with room for
 * the bound's own rounding); the value, 64 bits, is split into two doubles exactly (h its
 * double rounding, l = v - h: 11 bits, exact, but for a value below 2^-1011 whose l falls under
 * double's subnormals, within 2^-1075: one DBL_TRUE_MIN covers it), the bound rounded up by
 * 2^-50 (two roundings to double, 2^-53 each). The value has long double's precision, not
 * double-double's: what its 11 spare bits cannot certify goes on (long double, then mpmath) as
 * before. */
RULE Out_dd rule_ld_dd(int op, DD a, double ea)
{
    long double t = (long double)a.h + (long double)a.l;
    long double et = ((long double)ea + fabsl(t) * 0x1p-63L) * (1 + 0x1p-60L);
    Out_ld o = op == OP_TAN ? rule_tan_ld(t, et) : rule_slope1_ld(op, t, et);
    double h = (double)o.v;
    Out_dd r = {{h, (double)(o.v - (long double)h)}, (double)o.e * (1 + 0x1p-50) + DBL_TRUE_MIN,
                o.nan};
    return r;
}

/* the block tier's flags: as wide as a double, so that each loop has one vector length */
typedef int64_t Flag;

typedef struct {
    Py_ssize_t size;                            /* B: elements per register */
    double *v, *lo, *e;                         /* register k at k * B (lo: double-double's) */
    Flag *nan, *known, *value, *open, *unknown; /* the flags, likewise */
    double *x;                                  /* the block's x */
    Flag *bad;                                  /* the block's uncertain elements */
} Block;

/* the block tier once per instruction set (chosen at import: init_block_tier) and number
 * system (_vm_tier.h): double for float32 output, double-double for float64 */
#define TARGET
#define ISA _base
#define DD_TABLE 0
#include "_vm_tier.h"
#if defined(__GNUC__) && defined(__x86_64__)
#define MULTI_ISA 1
#define TARGET __attribute__((target("arch=x86-64-v3")))
#define ISA _v3
#define DD_TABLE 0 /* GCC 12 vectorises no AVX2 gather from these loops */
#include "_vm_tier.h"
#define TARGET __attribute__((target("arch=x86-64-v4")))
#define ISA _v4
#define DD_TABLE 1
#include "_vm_tier.h"
#endif

typedef void (*EvalBlock)(const Instr *, Py_ssize_t, const double *, const double *,
                          const long double *, const long double *, const double *,
                          const Block *, int, int);
typedef int (*CertifyBlock)(const Block *, Py_ssize_t, int, void *, unsigned char *);

/* the block tier for one instruction set: [0] double (float32 output), [1] double-double */
typedef struct {
    const char *isa;
    void (*load)(const Block *, const void *, int, Py_ssize_t, int);
    EvalBlock eval[2];
    CertifyBlock certify[2];
} BlockTier;

#define TIER(name, isa)                                                                        \
    (BlockTier)                                                                                \
    {                                                                                          \
        name, load_block##isa, {eval_block_d##isa, eval_block_dd##isa},                        \
            {certify_block_d##isa, certify_block_dd##isa}                                      \
    }

static BlockTier tier;

/* The widest instruction set the CPU has, or at most ACTLAB_VM_ISA (x86-64, x86-64-v3: for
 * tests of the narrower builds on a wider machine) */
static void init_block_tier(void)
{
    tier = TIER("x86-64", _base);
#ifdef MULTI_ISA
    const char *cap = getenv("ACTLAB_VM_ISA");
    int level = cap && !strcmp(cap, "x86-64") ? 1 : cap && !strcmp(cap, "x86-64-v3") ? 3 : 4;
    __builtin_cpu_init();
    if (level >= 4 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2")) {
        tier = TIER("x86-64-v4", _v4);
    } else if (level >= 3 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2")) {
        tier = TIER("x86-64-v3", _v3);
    }
#endif
}

static int get(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t itemsize, const char *what)
{
    if (PyObject_GetBuffer(obj, view, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    if (itemsize && view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "_vm.run: %s has items of %zd bytes, not %zd", what,
                     view->itemsize, itemsize);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

/* elements per register in the block tier: a program's registers stay in the first caches */
#define BLOCK_SIZE 256

/* The block tier (double for float32 output, double-double for float64), then long double one
 * element at a time for what it leaves; counts[0..2] get the certified in the block tier, in
 * long double, and the uncertain. trace (or NULL): each element's value (high and low part)
 * and bound in the block tier. */
static void run_blocks(const Instr *code, Py_ssize_t count, const double *cv_d, const double *ce_d,
                       const long double *cv_ld, const long double *ce_ld, const double *params,
                       Py_ssize_t result, const Block *blk, Reg_ld *regs_ld, const void *x,
                       int xsingle, Py_ssize_t n, int single, void *out,
                       unsigned char *uncertain, double *trace, Py_ssize_t counts[3])
{
    const double *xb = blk->x;
    EvalBlock eval = tier.eval[!single];
    CertifyBlock certify = tier.certify[!single];
    size_t item = single ? sizeof(float) : sizeof(double);
    for (Py_ssize_t j0 = 0; j0 < n; j0 += blk->size) {
        int m = (int)(n - j0 < blk->size ? n - j0 : blk->size), certified;
        tier.load(blk, x, xsingle, j0, m);
        eval(code, count, cv_d, ce_d, cv_ld, ce_ld, params, blk, m, j0 == 0);
        certified = certify(blk, result, m, (char *)out + item * (size_t)j0, uncertain + j0);
        counts[0] += certified;
        for (int i = 0; trace && i < m; i++) {
            Py_ssize_t at = result * blk->size + i;
            trace[3 * (j0 + i)] = isfinite(xb[i]) ? blk->v[at] : NAN;
            trace[3 * (j0 + i) + 1] = isfinite(xb[i]) && !single ? blk->lo[at] : 0;
            trace[3 * (j0 + i) + 2] = isfinite(xb[i]) ? blk->e[at] : NAN;
        }
        for (int i = 0; certified < m && i < m; i++) {
            double rounded = NAN;
            if (!uncertain[j0 + i] || !isfinite(xb[i])) /* exact.py takes +-inf and NaN */
                continue;
            eval_ld(code, count, cv_ld, ce_ld, params, regs_ld, xb[i]);
            if (certify_ld(&regs_ld[result], single, &rounded)) {
                if (single)
                    ((float *)out)[j0 + i] = (float)rounded;
                else
                    ((double *)out)[j0 + i] = rounded;
                uncertain[j0 + i] = 0;
                counts[1]++;
            }
        }
    }
    counts[2] = n - counts[0] - counts[1]; /* out keeps what it held there */
}

static PyObject *run(PyObject *self, PyObject *args)
{
    PyObject *objs[12] = {NULL};
    Py_buffer views[12];
    static const Py_ssize_t sizes[11] = {4, 8, 8, sizeof(long double), sizeof(long double), 8, 0,
                                         0, 0, 0, 1};
    static const char *names[11] = {"code", "cv_d", "ce_d", "cv_ld", "ce_ld", "params", "",
                                    "",     "x",    "out",  "uncertain"};
    Py_ssize_t nregs, result, n = 0, count = 0, counts[3] = {0, 0, 0};
    int first, i, failed = 0, blocks = 0;
    const Instr *code = NULL;
    int xsingle = 0, single = 0;
    Block blk = {0};
    Reg_ld *regs_ld = NULL;
    void *memory = NULL;

    if (!PyArg_ParseTuple(args, "OOOOOOnnOOOi|O", &objs[0], &objs[1], &objs[2], &objs[3],
                          &objs[4], &objs[5], &nregs, &result, &objs[8], &objs[9], &objs[10],
                          &first, &objs[11]))
        return NULL;
    for (i = 0; i < 12; i++)
        views[i].obj = NULL;
    for (i = 0; i < 11 && !failed; i++) {
        if (i == 6 || i == 7)
            continue;
        failed = get(objs[i], &views[i], i >= 9, sizes[i], names[i]) < 0;
    }
    if (!failed) {
        n = views[8].len / views[8].itemsize;
        count = views[0].len / (Py_ssize_t)sizeof(Instr);
        xsingle = views[8].itemsize == 4;
        single = views[9].itemsize == 4;
        blocks = first;
        if ((views[8].itemsize != 4 && views[8].itemsize != 8) ||
            (views[9].itemsize != 4 && views[9].itemsize != 8) ||
            views[9].len / views[9].itemsize != n || views[10].len != n || nregs < 1 ||
            result < 0 || result >= nregs) {
            PyErr_SetString(PyExc_ValueError, "_vm.run: inconsistent arguments");
            failed = 1;
        }
    }
    if (!failed && objs[11] && objs[11] != Py_None) {
        /* a trace of the tier that runs first: the block tier's (h, l, e) as doubles, or long
         * double's (v, e) */
        Py_ssize_t item = blocks ? 8 : (Py_ssize_t)sizeof(long double), per = blocks ? 3 : 2;
        failed = get(objs[11], &views[11], 1, item, "trace") < 0;
        if (!failed && views[11].len != per * n * item) {
            PyErr_SetString(PyExc_ValueError, "_vm.run: trace has the wrong length");
            failed = 1;
        }
    }
    if (!failed) {
        code = (const Instr *)views[0].buf;
        for (i = 0; i < count; i++) { /* every register index in range: no stray reads */
            const Instr *in = &code[i];
            if (in->op < 0 || in->op >= OP_COUNT || in->dst < 0 || in->dst >= nregs ||
                in->a < 0 || in->b < 0 ||
                ((in->op == OP_CONST) ? in->a >= views[1].len / 8 ||
                                            in->a >= views[3].len / (Py_ssize_t)sizeof(long double)
                 : (in->op == OP_PARAM) ? in->a >= views[5].len / 8
                 : (in->op == OP_BOOL) ? 0
                                        : in->a >= nregs || in->b >= nregs)) {
                PyErr_SetString(PyExc_ValueError, "_vm.run: malformed program");
                failed = 1;
                break;
            }
        }
    }
    if (!failed) {
        regs_ld = calloc((size_t)nregs, sizeof *regs_ld);
        if (blocks) { /* the registers' values and bounds, x, the rounded results, their flags */
            size_t size = (size_t)(n < BLOCK_SIZE ? (n > 0 ? n : 1) : BLOCK_SIZE);
            size_t cells = (size_t)nregs * size;
            memory = malloc((3 * cells + size) * sizeof(double) +
                            (5 * cells + size) * sizeof(Flag));
            if (memory) {
                Flag *flags;
                blk.size = (Py_ssize_t)size;
                blk.v = memory, blk.lo = blk.v + cells, blk.e = blk.lo + cells;
                blk.x = blk.e + cells;
                flags = (Flag *)(blk.x + size), blk.bad = flags + 5 * cells;
                blk.nan = flags, blk.known = flags + cells, blk.value = flags + 2 * cells;
                blk.open = flags + 3 * cells, blk.unknown = flags + 4 * cells;
            }
        }
        if (!regs_ld || (blocks && !memory)) {
            PyErr_NoMemory();
            failed = 1;
        }
    }
    if (!failed) {
        const double *cv_d = views[1].buf, *ce_d = views[2].buf, *params = views[5].buf;
        const long double *cv_ld = views[3].buf, *ce_ld = views[4].buf;
        unsigned char *uncertain = views[10].buf;
        void *trace = views[11].obj ? views[11].buf : NULL;
        Py_BEGIN_ALLOW_THREADS
        if (blocks)
            run_blocks(code, count, cv_d, ce_d, cv_ld, ce_ld, params, result, &blk, regs_ld,
                       views[8].buf, xsingle, n, single, views[9].buf, uncertain, trace, counts);
        else /* long double, one element at a time */
            for (Py_ssize_t j = 0; j < n; j++) {
                double x = xsingle ? (double)((const float *)views[8].buf)[j]
                                   : ((const double *)views[8].buf)[j];
                double rounded = NAN;
                int ok = 0;
                if (isfinite(x)) { /* exact.py takes +-inf (a limit) and NaN */
                    eval_ld(code, count, cv_ld, ce_ld, params, regs_ld, x);
                    ok = certify_ld(&regs_ld[result], single, &rounded);
                    counts[1] += ok;
                }
                if (trace) {
                    ((long double *)trace)[2 * j] = isfinite(x) ? regs_ld[result].v : NAN;
                    ((long double *)trace)[2 * j + 1] = isfinite(x) ? regs_ld[result].e : NAN;
                }
                if (!ok) /* out keeps what it held: x itself, when a caller computes in place */
                    ;
                else if (single)
                    ((float *)views[9].buf)[j] = (float)rounded;
                else
                    ((double *)views[9].buf)[j] = rounded;
                uncertain[j] = !ok;
                counts[2] += !ok;
            }
        Py_END_ALLOW_THREADS
    }
    free(memory);
    free(regs_ld);
    for (i = 0; i < 12; i++)
        if (views[i].obj)
            PyBuffer_Release(&views[i]);
    if (failed)
        return NULL;
    return Py_BuildValue("nnn", counts[0], counts[1], counts[2]);
}

static PyMethodDef methods[] = {
    {"run", run, METH_VARARGS, "Evaluate and certify a bound program (see the module comment)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_vm", NULL, -1, methods};

PyMODINIT_FUNC PyInit__vm(void)
{
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    init_block_tier();
    if (PyModule_AddIntConstant(m, "OP_COUNT", OP_COUNT) < 0 ||
        PyModule_AddStringConstant(m, "BLOCK_ISA", tier.isa) < 0 ||
        PyModule_AddIntConstant(m, "LIBMVEC", LIBMVEC) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
