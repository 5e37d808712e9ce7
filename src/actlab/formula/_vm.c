/* The compiled first tier of exact formulas (actlab/formula/vm.py): a small interpreter of the
 * bound rules of actlab/formula/bounds.py.
 *
 * A formula's straight-line program arrives as an array of instructions (opcode, destination
 * register, two operand registers or an index); per element, in one pass, every instruction
 * computes a value v and an error bound e (the exact value lies in [v - e, v + e]) in a number
 * system, and the result is certified against the output type exactly as exact.py's certify
 * does. Two number systems, the same source (_vm_eval.h) compiled twice:
 *
 *   double       (glibc's exp, log, ...): float32 output only, 29 spare bits;
 *   long double  (x86: 64-bit significand, glibc's expl, logl, erfl, ...): float64 output, and
 *                the float32 elements double could not certify.
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
 * 0 (long double only) or 1 (double, then long double). Returns (certified in double, certified
 * in long double, uncertain). The GIL is released during the loop. The optional trace, a long
 * double buffer of 2 * n, receives each element's long double value and bound (every element
 * then runs in long double: for tests that hold the bounds against mpmath).
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

/* double: glibc's double functions (erf, erfc within a few ulp: the same 16 as the others) */
#define REAL double
#define F(fn) fn
#define SUFFIX _d
#define U ((double)DBL_EPSILON / 2)
#define ETA ((double)DBL_MIN)
#define ERF_LIB 16
#include "_vm_eval.h"
#undef REAL
#undef F
#undef SUFFIX
#undef U
#undef ETA
#undef ERF_LIB

/* long double: glibc's ldbl-96 functions; erfl/erfcl are allowed 16 ulp like the rest
 * (glibc's tables list at most 4 for them; tests/test_formula_vm.py measures them) */
#define REAL long double
#define F(fn) fn##l
#define SUFFIX _ld
#define U ((long double)LDBL_EPSILON / 2)
#define ETA ((long double)LDBL_MIN)
#define ERF_LIB 16
#include "_vm_eval.h"

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

static PyObject *run(PyObject *self, PyObject *args)
{
    PyObject *objs[12] = {NULL};
    Py_buffer views[12];
    static const Py_ssize_t sizes[11] = {4, 8, 8, sizeof(long double), sizeof(long double), 8, 0,
                                         0, 0, 0, 1};
    static const char *names[11] = {"code", "cv_d", "ce_d", "cv_ld", "ce_ld", "params", "",
                                    "",     "x",    "out",  "uncertain"};
    Py_ssize_t nregs, result, n, count, certified_d = 0, certified_ld = 0, left = 0;
    int first, i, failed = 0;
    const Instr *code;
    int xsingle, single;
    Reg_d *regs_d = NULL;
    Reg_ld *regs_ld = NULL;

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
    if (!failed && objs[11] && objs[11] != Py_None) {
        failed = get(objs[11], &views[11], 1, sizeof(long double), "trace") < 0;
        Py_ssize_t want = 2 * (views[8].len / views[8].itemsize) * (Py_ssize_t)sizeof(long double);
        if (!failed && views[11].len != want) {
            PyErr_SetString(PyExc_ValueError, "_vm.run: trace needs 2 values per element");
            failed = 1;
        }
    }
    if (!failed) {
        n = views[8].len / views[8].itemsize;
        count = views[0].len / (Py_ssize_t)sizeof(Instr);
        xsingle = views[8].itemsize == 4;
        single = views[9].itemsize == 4;
        if ((views[8].itemsize != 4 && views[8].itemsize != 8) ||
            (views[9].itemsize != 4 && views[9].itemsize != 8) ||
            views[9].len / views[9].itemsize != n || views[10].len != n || nregs < 1 ||
            result < 0 || result >= nregs) {
            PyErr_SetString(PyExc_ValueError, "_vm.run: inconsistent arguments");
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
        regs_d = calloc((size_t)nregs, sizeof *regs_d);
        regs_ld = calloc((size_t)nregs, sizeof *regs_ld);
        if (!regs_d || !regs_ld) {
            PyErr_NoMemory();
            failed = 1;
        }
    }
    if (!failed) {
        const double *cv_d = views[1].buf, *ce_d = views[2].buf, *params = views[5].buf;
        const long double *cv_ld = views[3].buf, *ce_ld = views[4].buf;
        unsigned char *uncertain = views[10].buf;
        long double *trace = views[11].obj ? views[11].buf : NULL;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t j = 0; j < n; j++) {
            double x = xsingle ? (double)((const float *)views[8].buf)[j]
                               : ((const double *)views[8].buf)[j];
            double rounded = NAN;
            int ok = 0;
            if (isfinite(x) && first) { /* exact.py takes +-inf (a limit) and NaN */
                eval_d(code, count, cv_d, ce_d, params, regs_d, x);
                ok = certify_d(&regs_d[result], single, &rounded);
                certified_d += ok;
            }
            if (isfinite(x) && (!ok || trace)) {
                eval_ld(code, count, cv_ld, ce_ld, params, regs_ld, x);
                ok = certify_ld(&regs_ld[result], single, &rounded);
                certified_ld += ok;
            }
            if (trace) {
                trace[2 * j] = isfinite(x) ? regs_ld[result].v : (long double)NAN;
                trace[2 * j + 1] = isfinite(x) ? regs_ld[result].e : (long double)NAN;
            }
            if (!ok) /* out keeps what it held: x itself, when a caller computes in place */
                ;
            else if (single)
                ((float *)views[9].buf)[j] = (float)rounded;
            else
                ((double *)views[9].buf)[j] = rounded;
            uncertain[j] = !ok;
            left += !ok;
        }
        Py_END_ALLOW_THREADS
    }
    free(regs_d);
    free(regs_ld);
    for (i = 0; i < 12; i++)
        if (views[i].obj)
            PyBuffer_Release(&views[i]);
    if (failed)
        return NULL;
    return Py_BuildValue("nnn", certified_d, certified_ld, left);
}

static PyMethodDef methods[] = {
    {"run", run, METH_VARARGS, "Evaluate and certify a bound program (see the module comment)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_vm", NULL, -1, methods};

PyMODINIT_FUNC PyInit__vm(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "OP_COUNT", OP_COUNT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
