"""The optional compiled kernels (actlab/catalog/_fast.c) and the exact formulas' interpreter
(actlab/formula/_vm.c); everything else is in pyproject.toml.

``optional=True``: where no C compiler is found the build goes on without the extension and
actlab runs on its NumPy kernels (actlab.catalog._compiled says which path is in use).
"""

from setuptools import Extension, setup

setup(
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
            depends=["src/actlab/formula/_vm_eval.h"],
            # the error bounds assume every + - * / sqrt is one IEEE operation rounded to the
            # working type: no FMA contraction, no -ffast-math (docs/exact.md)
            extra_compile_args=["-O2", "-fno-math-errno", "-ffp-contract=off"],
            optional=True,
        ),
    ]
)
