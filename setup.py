"""The optional compiled kernels (actlab/catalog/_fast.c) and the exact formulas' interpreter
(actlab/formula/_vm.c); everything else is in pyproject.toml.

``optional=True``: where no C compiler is found the build goes on without the extension and
actlab runs on its NumPy kernels (actlab.catalog._compiled says which path is in use).
"""

import os
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

#: what the interpreter's block tier calls through glibc's libmvec (SIMD versions, glibc 2.35+)
MVEC_FUNCTIONS = "exp expm1 sinh cosh log log1p sin cos tan tanh atan erf erfc".split()

MVEC_PROBE = """
#include <math.h>
%s
double probe(const double *x, double *y, int n)
{
#pragma omp simd
    for (int i = 0; i < n; i++)
        y[i] = %s;
    return y[0];
}
int main(void) { double x[64] = {0.5}, y[64]; return probe(x, y, 64) > 100; }
"""


def _links_libmvec(compiler) -> bool:
    """Whether a loop over these functions compiles and links against libmvec (glibc >= 2.35;
    elsewhere the block tier's loops call the scalar functions)."""
    declarations = "\n".join(
        f"#pragma omp declare simd notinbranch\ndouble {f}(double);" for f in MVEC_FUNCTIONS
    )
    body = " + ".join(f"{f}(x[i])" for f in MVEC_FUNCTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w") as handle:
            handle.write(MVEC_PROBE % (declarations, body))
        try:
            flags = ["-O2", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math"]
            objects = compiler.compile([source], output_dir=tmp, extra_postargs=flags)
            compiler.link_executable(objects, "probe", output_dir=tmp, libraries=["mvec", "m"])
        except Exception:  # no libmvec, an old glibc, another compiler: scalar calls
            return False
    return True


def _accepts(compiler, flag: str) -> bool:
    """Whether the compiler takes this flag (a GCC-only one is left out where another compiler
    refuses it)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "flag.c")
        with open(source, "w") as handle:
            handle.write("int main(void) { return 0; }\n")
        try:
            compiler.compile([source], output_dir=tmp, extra_postargs=["-Werror", flag])
        except Exception:
            return False
    return True


#: GCC's generic tuning emulates gathers or gives up vectorising a loop that has one: the
#: double-double tier's exp reads a table per element (formula/_vm_dd.h)
GATHER = "-mtune-ctrl=use_gather"


class BuildExt(build_ext):
    def build_extension(self, ext):
        if ext.name == "actlab.formula._vm":
            if _links_libmvec(self.compiler):
                ext.define_macros = [*ext.define_macros, ("ACTLAB_MVEC", "1")]
                ext.libraries = [*ext.libraries, "mvec"]
            if _accepts(self.compiler, GATHER):
                ext.extra_compile_args = [*ext.extra_compile_args, GATHER]
        super().build_extension(ext)


setup(
    cmdclass={"build_ext": BuildExt},
    ext_modules=[
        Extension(
            "actlab.catalog._fast",
            sources=["src/actlab/catalog/_fast.c"],
            depends=["src/actlab/catalog/_f32.h"],
            # no -ffast-math: the kernels' NaN handling and accuracy rely on IEEE arithmetic.
            # -fno-trapping-math only lets the compiler compute both sides of a branch (what
            # vectorising the loops needs); FMA contraction changes float64 bits far below
            # the float32 result's rounding.
            extra_compile_args=[
                "-O3",
                "-fno-math-errno",
                "-fno-trapping-math",
                "-ffp-contract=fast",
            ],
            optional=True,
        ),
        Extension(
            "actlab.formula._vm",
            sources=["src/actlab/formula/_vm.c"],
            depends=[
                "src/actlab/formula/_vm_eval.h",
                "src/actlab/formula/_vm_block.h",
                "src/actlab/formula/_vm_dd.h",
                "src/actlab/formula/_vm_erf.h",
                "src/actlab/formula/_vm_tier.h",
            ],
            # the error bounds assume every + - * / sqrt is one IEEE operation rounded to the
            # working type: no FMA contraction, no -ffast-math (docs/exact.md);
            # -fno-trapping-math and -fopenmp-simd (its `omp simd` loops, no OpenMP runtime)
            # let the block tier's loops be vectorised, changing no operation's rounding
            extra_compile_args=[
                "-O2",
                "-fno-math-errno",
                "-fno-trapping-math",
                "-ffp-contract=off",
                "-fopenmp-simd",
            ],
            optional=True,
        ),
    ],
)
