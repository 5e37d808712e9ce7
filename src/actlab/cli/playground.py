"""``actlab playground``: TF Playground's page, trained by actlab's engine, in your browser."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "playground",
        help="train small networks in the browser (TF Playground, with gradients)",
        description="Start a local web server with the playground and open it in the browser.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=int, default=None, help="port (default 8787, or a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (sessions spread over cores; default 1)",
    )
    p.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="where the MNIST page finds MNIST, Fashion-MNIST, CIFAR-10 (DIR/mnist, ... or the "
        "IDX files in DIR; default: the data cache of 'actlab data download')",
    )
    p.add_argument(
        "--device",
        default=None,
        help="where the MNIST page trains: auto (CUDA when present; the default), cpu, cuda[:N]",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.errors import ActlabError
    from actlab.web.server import serve

    if args.port is not None and not 0 <= args.port <= 65535:
        raise ActlabError(f"--port must be 0..65535, got {args.port}")
    if not 1 <= args.workers <= 64:
        raise ActlabError(f"--workers must be 1..64, got {args.workers}")
    if args.data is not None:
        import os
        from pathlib import Path

        from actlab.web.mnist.routes import DATA_VARIABLE

        if not Path(args.data).is_dir():
            raise ActlabError(f"--data {args.data}: not a directory")
        os.environ[DATA_VARIABLE] = str(Path(args.data).resolve())  # read by each worker
    if args.device is not None:
        import os

        from actlab.web.mnist.model import DEVICE_VARIABLE, device

        previous = os.environ.get(DEVICE_VARIABLE)
        os.environ[DEVICE_VARIABLE] = args.device
        try:
            device()  # a bad name stops here with one line, not in each page's connection
        except ActlabError:
            if previous is None:
                del os.environ[DEVICE_VARIABLE]
            else:
                os.environ[DEVICE_VARIABLE] = previous
            raise
    try:
        serve(args.host, args.port, open_browser=not args.no_browser, workers=args.workers)
    except KeyboardInterrupt:
        pass
    return 0
