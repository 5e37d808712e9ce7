"""``actlab compare --tune lr``: each activation at its own best learning rate, chosen on a
validation split, and the claims judged at tuned rates and at the shared one
(:mod:`actlab.compare.tune`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from actlab.cli.signals import exit_status, stopped_by
from actlab.errors import ActlabError


def tuning_options(args: argparse.Namespace) -> dict[str, Any] | None:
    """The --tune options, checked before anything runs; None without --tune."""
    from actlab.compare import tune
    from actlab.compare.tune import SEARCH_SEEDS, VALIDATION

    given = [
        flag
        for flag, value in (
            ("--tune-grid", args.tune_grid),
            ("--tune-seeds", args.tune_seeds),
            ("--validation", args.validation),
        )
        if value is not None
    ]
    if args.tune is None:
        if given:
            raise ActlabError(f"{given[0]} needs --tune (e.g. --tune lr)")
        return None
    seeds = SEARCH_SEEDS if args.tune_seeds is None else args.tune_seeds
    validation = VALIDATION if args.validation is None else args.validation
    tunable = tune.parse(args.tune)[0]
    grid = None
    if args.tune_grid is not None:
        try:
            values = [float(v) for v in args.tune_grid.split(",") if v.strip()]
        except ValueError:
            raise ActlabError(
                f"--tune-grid takes numbers such as 0.001,0.01,0.1, not {args.tune_grid!r}"
            ) from None
        grid = tune.check_grid(tunable, values)
    if not 1 <= seeds <= 1000:
        raise ActlabError(f"--tune-seeds must be 1..1000, got {seeds}")
    if not 0 < validation < 1:  # NaN fails too
        raise ActlabError(f"--validation must be a fraction in (0, 1), got {validation}")
    return {"setting": tunable.name, "grid": grid, "search_seeds": seeds, "validation": validation}


def run_tuned(
    args: argparse.Namespace,
    config: Any,
    tuning: dict[str, Any],
    plan: Any,
    progress: Any,
    executor: Any,
) -> int:
    from actlab.cli.compare import finish
    from actlab.compare import report
    from actlab.compare.tune import tune

    def stage(text: str) -> None:
        if not args.quiet:
            if hasattr(progress, "clear"):
                progress.clear()
            print(f"actlab compare: tuning: {text}", file=sys.stderr)

    try:
        tuned = tune(
            config,
            out=args.out,
            on_stage=stage,
            executor=executor,
            data_path=args.data,
            on_epoch=progress,
            force=args.force,
            repair=args.repair,
            **tuning,
        )
    except KeyboardInterrupt as exc:
        if hasattr(progress, "clear"):
            progress.clear()
        where = (
            f"saved in {args.out}; run the same command to resume" if args.out else "nothing saved"
        )
        print(f"actlab compare: {stopped_by(exc)}; {where}", file=sys.stderr)
        return exit_status(exc)
    if hasattr(progress, "clear"):
        progress.clear()
    return finish(
        args,
        plan,
        tuned.tuned,
        lambda: report.tune_json(tuned),
        lambda: report.tune_text(tuned),
        " (tuned study)",
    )
