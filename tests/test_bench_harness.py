"""The timing harness's logic, on a simulated machine (exact, no real timing asserted)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from actlab.bench import harness


class Machine:
    """A fake clock and fault counter: each variant costs a fixed time, and the variant that
    runs first in a round pays an extra ``penalty`` and ``faults`` page faults (the artifact of
    issue 13: a fresh allocation for whoever comes first)."""

    def __init__(self, costs: dict[str, float], penalty: float, faults: int = 0) -> None:
        self.costs, self.penalty, self.fault_cost = costs, penalty, faults
        self.now = 0.0
        self.faults = 0
        self.first_of_round: str | None = None

    def clock(self) -> float:
        return self.now

    def fault_count(self) -> int:
        return self.faults

    def variant(self, name: str):
        def run() -> None:
            self.now += self.costs[name]
            if name == self.first_of_round:
                self.now += self.penalty
                self.faults += self.fault_cost

        return run


def _measure(machine: Machine, names: list[str], order: str, rounds: int):
    variants = {name: machine.variant(name) for name in names}
    real_round_order = harness._round_order

    def spy(names_, r, order_, rng):  # mark who runs first in each timed round
        got = real_round_order(names_, r, order_, rng)
        machine.first_of_round = got[0]
        return got

    harness._round_order = spy
    try:
        return harness.measure(
            variants,
            rounds=rounds,
            order=order,
            clock=machine.clock,
            faults=machine.fault_count,
            min_sample_s=0.0,
            max_warmup=3,
        )
    finally:
        harness._round_order = real_round_order


COSTS = {"copy": 1.0, "relu": 1.5, "sigmoid": 4.0, "silu": 6.0}


@pytest.mark.parametrize("rounds", [8, 16, 24])
def test_reversing_the_variants_changes_no_ratio(rounds):
    names = list(COSTS)
    forward = _measure(Machine(COSTS, penalty=10.0), names, "rotate", rounds)
    backward = _measure(Machine(COSTS, penalty=10.0), names[::-1], "rotate", rounds)
    for a, b in itertools.permutations(names, 2):
        assert forward.ratio(a, b) == pytest.approx(backward.ratio(a, b), rel=1e-12)
    # and the artifact is spread evenly: every variant went first equally often
    firsts = [harness._round_order(names, r, "rotate", None)[0] for r in range(rounds)]
    assert len(set(firsts)) == len(names) and len({firsts.count(n) for n in names}) == 1


def test_a_fixed_order_would_flip_the_verdict():
    """The same machine timed in a fixed order: reversing it flips relu vs sigmoid (what the
    rotation above prevents), so the test above can fail."""
    names = ["relu", "sigmoid", "silu", "copy"]
    forward = _measure(Machine(COSTS, penalty=10.0), names, "fixed", 6)
    backward = _measure(Machine(COSTS, penalty=10.0), names[::-1], "fixed", 6)
    # relu goes first forward (and pays), copy first backward
    assert forward.ratio("relu", "sigmoid") > 1.0 > backward.ratio("relu", "sigmoid")
    rotated = _measure(Machine(COSTS, penalty=10.0), names, "rotate", 8)
    assert rotated.ratio("relu", "sigmoid") < 1.0


def test_shuffled_order_is_seeded_and_reversal_stays_within_noise():
    names = list(COSTS)
    a = _measure(Machine(COSTS, penalty=0.5), names, "shuffle", 40)
    b = _measure(Machine(COSTS, penalty=0.5), names[::-1], "shuffle", 40)
    for x, y in itertools.permutations(names, 2):
        noise = max(a.noise(x, y), b.noise(x, y))
        assert abs(a.ratio(x, y) / b.ratio(x, y) - 1) <= noise


def test_page_faults_and_spread_are_recorded_per_variant():
    m = _measure(Machine(COSTS, penalty=1.0, faults=2048), list(COSTS), "rotate", 8)
    # each variant went first in 2 of 8 rounds, paying 2048 faults each time: 512 a call on average
    assert all(t.faults == 512 for t in m.timings.values())
    assert all(len(t.samples) == 8 and t.min < max(t.samples) for t in m.timings.values())
    assert m["sigmoid"].min == 4.0 and m["sigmoid"].spread > 0
    always = Machine({"only": 1.0}, penalty=0.0, faults=7)
    always.first_of_round = "only"
    m = harness.measure(
        {"only": always.variant("only")},
        rounds=3,
        clock=always.clock,
        faults=always.fault_count,
        min_sample_s=0.0,
    )
    assert m["only"].faults == 7


def test_warm_up_waits_until_stable_and_batches_short_calls():
    machine = Machine({"x": 1e-4}, penalty=0.0)
    slow_first = iter([5e-3, 3e-3, 2e-3])
    run = machine.variant("x")

    def settling() -> None:  # three slow calls (cold), then steady
        machine.now += next(slow_first, 0.0)
        run()

    m = harness.measure({"x": settling}, rounds=4, clock=machine.clock, faults=machine.fault_count)
    t = m["x"]
    assert t.calls >= 20  # 2 ms samples of a 0.1 ms call
    assert t.warmup_calls > 3 and all(s == pytest.approx(1e-4) for s in t.samples)


def test_bad_arguments():
    with pytest.raises(ValueError, match="rounds"):
        harness.measure({"a": lambda: None}, rounds=0)
    with pytest.raises(ValueError, match="order"):
        harness.measure({"a": lambda: None}, order="sorted")


def test_prefault_touches_every_page():
    a = np.empty(1 << 16, np.float32)
    harness.prefault(a)
    assert not a.any()
