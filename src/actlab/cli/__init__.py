"""The ``actlab`` command line: a thin layer over the library.

Each command lives in its own module under :mod:`actlab.cli` with two functions:
``add_parser(subparsers)`` which declares its arguments and sets ``func``, and the function it
sets, which takes the parsed ``argparse.Namespace`` and returns an exit status. Errors a user can
cause are :class:`actlab.ActlabError`: printed as one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from typing import Any

from actlab.errors import ActlabError

#: command modules, in the order ``actlab --help`` lists them
COMMANDS = (
    "catalog",
    "derive",
    "accuracy",
    "data",
    "compare",
    "reproduce",
    "gradients",
    "collapse",
    "bench",
    "report",
    "playground",
)


_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.I)
#: a formula written with a leading minus (-x*sigmoid(x)), which argparse takes for an option
_FORMULA_LIKE = re.compile(r"^-[^-=]*(x|\()")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2) instead of the usage block.

    It also reads ``-1e-3``, ``-inf`` and ``-nan`` as values, not as unknown options (stock
    argparse only recognises ``-1`` and ``-.5``), so ``actlab eval relu -inf -1e-3`` works.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER
        self._args: list[str] = []

    def error(self, message: str) -> None:  # type: ignore[override]
        # a formula that starts with '-' reads as an option: say where it goes
        dashed = [a for a in self._args if _FORMULA_LIKE.match(a)]
        if dashed:
            message += (
                f" ({dashed[0]!r} starts with '-' and reads as an option: put it after '--',"
                " or write --option=VALUE)"
            )
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._args = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)


def build_parser() -> argparse.ArgumentParser:
    from actlab import __version__

    parser = _Parser(prog="actlab", description="Activation Lab: activations you can check.")
    parser.add_argument("--version", action="version", version=f"actlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"actlab.cli.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    from actlab.cli.signals import exit_status, sigterm_as_interrupt, stopped_by

    try:
        with sigterm_as_interrupt():
            status: int = args.func(args)
    except ActlabError as exc:
        print(f"actlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # past the size checks with --force, or an estimate too low
        detail = f" ({exc})" if str(exc) else ""
        print(f"actlab {args.command}: error: out of memory{detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (signals.Terminated)
        print(f"actlab {args.command}: {stopped_by(exc)}", file=sys.stderr)
        return exit_status(exc)
    except BrokenPipeError:
        return 0
    return status
