"""``actlab bench engine`` runs and reports every race (speeds are reported, never asserted)."""

from __future__ import annotations

import json

from actlab.bench import engine as bench
from actlab.cli import bench_engine


def test_bench_reports_all_races() -> None:
    races = bench.run(steps=1, rounds=1)
    names = [r.name for r in races]
    assert names[-1] == "stacked" and "fused" in names
    assert set(names) <= {"small", "medium", "fused", "fused-torch", "stacked"}
    for r in races:
        assert r.subject_ms > 0 and r.reference_ms > 0
        assert r.as_dict()["speedup"] == r.reference_ms / r.subject_ms


def test_bench_cli_json(capsys) -> None:  # type: ignore[no-untyped-def]
    import argparse

    parser = argparse.ArgumentParser()
    bench_engine.add_parser(parser.add_subparsers())
    args = parser.parse_args(["engine", "--steps", "1", "--rounds", "1", "--no-torch", "--json"])
    assert bench_engine.run(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in out] == ["fused", "stacked"]
