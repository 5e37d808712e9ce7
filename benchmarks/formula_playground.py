"""The playground with an exact formula as its activation (issue 12): setup and one epoch.

    PYTHONPATH=src python benchmarks/formula_playground.py [--activation SPEC ...]

Each activation runs in a fresh process (nothing cached from another), twice: with the exact
formulas' compiled tier and with it switched off (the NumPy float tiers). Setup: layers
[16]*8, 5000 points, batch size 1 (one weight update per point); ``setup s`` is the time of
the ``setup`` message that switches to the activation (the network is built and the
activation's properties measured), ``step s`` the median of three ``step`` messages (one
epoch each). A catalog activation (serf, which the formula tanh(erf(x)+x) is not, but of the
same cost class) is the yardstick.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

ACTIVATIONS = ["tanh(erf(x)+x)", "x*tanh(log(1+exp(x)))", "serf"]


def measure(spec: str, compiled: bool) -> dict[str, float]:
    """In this process: setup time and median step time."""
    import contextlib

    from actlab.catalog import _compiled
    from actlab.web import state
    from actlab.web.session import Session

    switch = contextlib.nullcontext() if compiled else _compiled.disabled()
    with switch:
        session = Session()
        setup = {**session.setup.to_dict(), "layers": [16] * 8, "points": 5000}
        setup.update(activation=spec, batch_size=1)
        start = time.perf_counter()
        replies = session.handle(state.parse_message({"type": "setup", "setup": setup}))
        setup_s = time.perf_counter() - start
        if any(r.get("type") == "error" for r in replies):
            raise SystemExit(f"{spec}: {replies}")
        steps = []
        for _ in range(3):
            start = time.perf_counter()
            session.handle(state.parse_message({"type": "step"}))
            steps.append(time.perf_counter() - start)
    return {"setup": setup_s, "step": statistics.median(steps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--activation", action="append", help="a spec (default: three)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1] == "on")))
        return
    print("layers [16]*8, 5000 points, batch 1; each row a fresh process")
    print(f"{'activation':<28}{'tier':<10}{'setup s':>9}{'step s':>9}")
    for spec in args.activation or ACTIVATIONS:
        for tier in ("on", "off"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", spec, tier],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            row = json.loads(out.stdout.strip().splitlines()[-1])
            name = "compiled" if tier == "on" else "numpy"
            print(f"{spec:<28}{name:<10}{row['setup']:>9.2f}{row['step']:>9.2f}")


if __name__ == "__main__":
    main()
