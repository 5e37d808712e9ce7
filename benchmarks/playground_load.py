"""Load test of ``actlab playground``: updates a second per session, one session and many at once.

An *update* is what the page draws per frame: at least one epoch of training on the default data
set (TF Playground's circle, 500 points, half for training, batch 10: 25 SGD steps) plus the full
evaluation (train and test loss, per-layer gradients, saturation) and every heatmap (the 100 x 100
output and a 50 x 50 thumbnail per unit). The goal from the issue: 60 updates a second per
session, with 10 sessions live on 2 cores.

The server runs as its own process (``actlab playground --no-browser``), as a user runs it; the
clients are WebSocket connections that acknowledge every frame at once, like a fast page. Each
phase reports medians over sessions and the server process's CPU use.

    PYTHONPATH=src python benchmarks/playground_load.py [--sessions 10] [--seconds 8] [--json]
        [--workers 2] [--setup '{"activation": "gelu"}']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import websockets

from actlab.errors import ActlabError
from actlab.web import wire
from actlab.web.state import DEFAULT, LIMITS

ROOT = Path(__file__).resolve().parent.parent


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = ["playground", "--no-browser", "--port", "0", "--workers", str(workers)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "actlab", *command],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://([\d.]+:\d+)/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, match.group(1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc)."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(c) for c in path.read_text().split()] if path.exists() else []
    return found + [g for c in found for g in _children(c)]


async def session(address: str, fps: int, warmup: float, seconds: float, changes: dict) -> dict:
    """One tab: the default setup with ``changes``, played at ``fps``; counts the updates that
    arrive in the measuring window."""
    async with websockets.connect(
        f"ws://{address}/ws", origin=f"http://{address}", max_size=8 * 2**20
    ) as ws:
        hello = json.loads(await ws.recv())
        setup = {**hello["defaults"], **changes, "fps": fps}
        await ws.send(json.dumps({"type": "setup", "setup": setup}))
        await ws.send(json.dumps({"type": "play"}))
        start = time.perf_counter()
        counted, epochs, first_epoch, last_epoch = 0, 0, None, None
        while True:
            message = wire.decode(await ws.recv())
            if message["type"] not in ("frame", "race_frame"):
                continue
            await ws.send(json.dumps({"type": "ack", "frame": message["frame"]}))
            now = time.perf_counter() - start
            if now < warmup:
                continue
            if now > warmup + seconds:
                break
            counted += 1
            first_epoch = message["epoch"] if first_epoch is None else first_epoch
            last_epoch = message["epoch"]
        await ws.send(json.dumps({"type": "pause"}))
        epochs = (last_epoch or 0) - (first_epoch or 0)
        return {"updates_per_s": counted / seconds, "epochs_per_s": epochs / seconds}


async def phase(
    address: str, count: int, fps: int, seconds: float, pid: int, changes: dict
) -> dict:
    warmup = 1.5
    cpu0, own0, t0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
    tabs = [session(address, fps, warmup, seconds, changes) for _ in range(count)]
    results = await asyncio.gather(*tabs)
    wall = time.perf_counter() - t0
    cpu = (cpu_seconds(pid) - cpu0) / wall
    clients = (time.process_time() - own0) / wall
    rates = sorted(r["updates_per_s"] for r in results)
    return {
        "sessions": count,
        "fps_asked": fps,
        "median_updates_per_s": statistics.median(rates),
        "min_updates_per_s": rates[0],
        "total_updates_per_s": sum(rates),
        "server_cpu_cores": cpu,
        # the load generator shares the machine: its own CPU, so the two add up to what was used
        "client_cpu_cores": clients,
        # contention-proof: updates the server makes per second of CPU it actually got
        "updates_per_cpu_second": sum(rates) / cpu if cpu > 0 else float("nan"),
    }


def in_process_costs(changes: dict, repeats: int = 60) -> dict:
    """Median milliseconds of each part of one update, measured side by side in this process."""
    sys.path.insert(0, str(ROOT / "src"))
    import numpy as np

    from actlab.web import network
    from actlab.web.session import Session

    s = Session()
    s.apply(s.setup.replace(**changes))
    parts = {
        "train_epoch": lambda: network.train_epochs(s.net, 1),
        "evaluate": lambda: network.evaluate(s.net),
        "heatmaps": lambda: network.heatmaps(s.net),
        "whole_update": lambda: s.tick(),
    }
    out = {}
    with np.errstate(all="ignore"):
        for name, fn in parts.items():
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            out[f"{name}_ms"] = 1e3 * statistics.median(times)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument(
        "--setup",
        default="{}",
        metavar="JSON",
        help='changes to the default setup, e.g. \'{"activation": "gelu", "layers": [8, 8]}\'',
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        changes = json.loads(args.setup)
        DEFAULT.replace(**changes)
        costs = in_process_costs(changes)  # builds the network: an unknown activation fails here
    except (ValueError, TypeError, ActlabError) as exc:
        parser.error(f"--setup: {exc}")
    proc, address = start_server(1)
    try:
        one = asyncio.run(phase(address, 1, LIMITS["max_fps"], args.seconds, proc.pid, changes))
        one_60 = asyncio.run(phase(address, 1, 60, args.seconds, proc.pid, changes))
        many_1 = asyncio.run(phase(address, args.sessions, 60, args.seconds, proc.pid, changes))
    finally:
        proc.terminate()
        proc.wait(10)
    proc, address = start_server(args.workers)
    try:
        time.sleep(2.0)  # the workers import actlab
        many = asyncio.run(phase(address, args.sessions, 60, args.seconds, proc.pid, changes))
    finally:
        proc.terminate()
        proc.wait(10)
    load = os.getloadavg()
    report = {
        "cpu_count": os.cpu_count(),
        "load_average_1min": load[0],
        "setup_changes": changes,
        "in_process": costs,
        "one_session_at_max_fps": one,
        "one_session_at_60": one_60,
        "many_sessions_at_60_one_process": many_1,
        "many_sessions_at_60_workers": {**many, "workers": args.workers},
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} (shared with others)")
    print(f"setup: the default{f' with {json.dumps(changes)}' if changes else ''}")
    print(
        "one update in process (median ms): "
        + ", ".join(f"{k[:-3]} {v:.2f}" for k, v in costs.items())
    )
    for name, r in (
        (f"1 session at {LIMITS['max_fps']}/s (the most)", one),
        ("1 session at 60/s", one_60),
        (f"{args.sessions} sessions at 60/s, 1 process", many_1),
        (f"{args.sessions} sessions at 60/s, {args.workers} workers", many),
    ):
        print(
            f"{name:32s} median {r['median_updates_per_s']:6.1f} updates/s per session, "
            f"min {r['min_updates_per_s']:6.1f}, total {r['total_updates_per_s']:6.1f}/s, "
            f"server CPU {r['server_cpu_cores']:.2f} cores, clients {r['client_cpu_cores']:.2f} "
            f"({r['updates_per_cpu_second']:.0f} updates per CPU-second)"
        )
    per_cpu = many["updates_per_cpu_second"]
    print(
        f"at {per_cpu:.0f} updates per CPU-second, 2 dedicated cores would give about "
        f"{2 * per_cpu / args.sessions:.0f} updates/s to each of {args.sessions} sessions "
        "(an estimate from the CPU the server got, not a measurement)"
    )
    goal = max(many["min_updates_per_s"], many_1["min_updates_per_s"]) >= 59
    print(
        "goal (60 updates/s in each of "
        f"{args.sessions} sessions): {'met' if goal else 'NOT met on this machine'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
