"""Each activation at its own best setting: a search on a validation split, then the study.

"Sigmoid trains slowest" at one shared learning rate is partly a statement about that rate. The
fair test (``actlab compare --tune lr``):

1. **search**: for every value of the grid, a study of every activation with ``search_seeds``
   seeds that trains on the training data less a held-out validation split (a fixed random
   ``validation`` fraction of it, :func:`actlab.compare.runner.validation_split`) and is scored
   on that split; the test split is never seen;
2. **choose**: each activation's value with the best final validation accuracy (lowest
   validation loss for regression; a value where any seed diverged only if every value did);
3. **train** the final seeds twice, on all the training data, scored on the test split: at
   each activation's own value (*tuned*) and at the shared value (*shared*), and judge every
   claim at both (:func:`both`): it holds at tuned rates, at the shared rate, both or neither.

Every study is an ordinary ``actlab compare`` study with its own store (``DIR/search-lr-X``,
``DIR/tuned``, ``DIR/shared``), so the whole thing resumes after a kill, on either executor. The
searches and the shared-rate study train together (:func:`actlab.compare.compare_many`: side by
side on Ray), the tuned study after them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from actlab.compare import StudyResult, compare_many
from actlab.compare.config import StudyConfig
from actlab.compare.verdict import HOLDS, UNTESTED, Verdict
from actlab.errors import ActlabError
from actlab.registry import Registry

#: the default grid: the shared value times these (log-uniform, half a decade apart, from a
#: tenth up to 30x: a dataset's default rate is usually on the cautious side; on digits most
#: activations chose the top of a grid that stopped at 10x)
SPAN = (0.1, 10**-0.5, 1.0, 10**0.5, 10.0, 10**1.5)
SEARCH_SEEDS = 2
VALIDATION = 0.2
MAX_GRID = 50


@dataclass(frozen=True)
class Tunable:
    """A setting ``--tune`` can search: how to read it, set it, and give each activation its own."""

    name: str
    help: str
    value: Callable[[StudyConfig], float]
    #: the study with every activation at ``value``
    shared: Callable[[StudyConfig, float], StudyConfig]
    #: the study with each activation at its own value
    own: Callable[[StudyConfig, dict[str, float]], StudyConfig]
    low: float
    high: float


def _lr(config: StudyConfig) -> float:
    assert config.lr is not None
    return config.lr


#: the settings ``--tune`` knows
TUNABLE: Registry[Tunable] = Registry(
    "setting to tune",
    (
        Tunable(
            "lr",
            "learning rate",
            _lr,
            lambda c, v: replace(c, lr=v, lrs=()),
            lambda c, best: replace(c, lrs=tuple((a, best[a]) for a in c.activations)),
            0.0,
            100.0,
        ),
    ),
)


@dataclass(frozen=True)
class Trial:
    """One activation at one value of the grid, on the validation split (means over seeds)."""

    activation: str
    value: float
    validation_accuracy: float
    validation_loss: float
    diverged: int


@dataclass(frozen=True)
class Tuned:
    """What ``--tune`` found: the search, each activation's value, and both final studies."""

    setting: str
    grid: tuple[float, ...]
    validation: float
    search_seeds: int
    trials: tuple[Trial, ...]
    best: dict[str, float]
    tuned: StudyResult
    shared: StudyResult
    #: each claim judged at tuned values and at the shared value (:func:`both`)
    verdicts: tuple[Verdict, ...]


def parse(settings: str) -> list[Tunable]:
    """``"lr"`` -> the records; an unknown name is one line naming the choices."""
    names = [s.strip() for s in settings.split(",") if s.strip()]
    if not names:
        raise ActlabError(f"--tune needs a setting to tune ({', '.join(TUNABLE.names())})")
    found = [TUNABLE.lookup(n) for n in names]
    if len(found) > 1:
        raise ActlabError("--tune searches one setting at a time for now (lr)")
    return found


def default_grid(tunable: Tunable, config: StudyConfig) -> tuple[float, ...]:
    """The shared value times :data:`SPAN`, rounded to 3 significant digits, inside its range."""
    centre = tunable.value(config)
    grid = sorted({float(f"{centre * m:.3g}") for m in SPAN})
    return tuple(v for v in grid if tunable.low < v < tunable.high)


def check_grid(tunable: Tunable, grid: Sequence[float]) -> tuple[float, ...]:
    values = tuple(sorted(set(grid)))
    if not 2 <= len(values) <= MAX_GRID:
        raise ActlabError(f"--tune-grid needs 2 to {MAX_GRID} different values, got {len(values)}")
    bad = [v for v in values if not (tunable.low < v < tunable.high and math.isfinite(v))]
    if bad:
        raise ActlabError(
            f"--tune-grid: {tunable.name} must be in ({tunable.low:g}, {tunable.high:g}),"
            f" got {bad[0]:g}"
        )
    return values


def tune(
    config: StudyConfig,
    setting: str = "lr",
    out: str | Path | None = None,
    *,
    grid: Sequence[float] | None = None,
    search_seeds: int = SEARCH_SEEDS,
    validation: float = VALIDATION,
    on_stage: Callable[[str], None] | None = None,
    **options: Any,
) -> Tuned:
    """Search ``setting`` per activation, then train at tuned and shared values (see above).

    ``options`` go to every :func:`actlab.compare.compare` (``executor``, ``data_path``,
    ``on_epoch``, ``force``, ``repair``).
    """
    tunable = TUNABLE.lookup(setting)
    config = config.resolved()
    if config.lrs:
        raise ActlabError("a study with per-activation learning rates cannot be tuned again")
    values = check_grid(tunable, grid) if grid is not None else default_grid(tunable, config)
    if not 1 <= search_seeds <= 1000:
        raise ActlabError(f"--tune-seeds must be 1..1000, got {search_seeds}")
    if not 0 < validation < 1:
        raise ActlabError(f"--validation must be a fraction in (0, 1), got {validation}")
    folder = Path(out) if out is not None else None

    def where(name: str) -> Path | None:
        return folder / name if folder else None

    def stage(text: str) -> None:
        if on_stage is not None:
            on_stage(text)

    # the search and the shared-rate study do not depend on each other: they train together
    # (side by side on Ray, one after another locally); the tuned study needs the search
    searches = [
        (
            replace(tunable.shared(config, value), seeds=search_seeds, validation=validation),
            where(f"search-{tunable.name}-{value:g}"),
        )
        for value in values
    ]
    label = f"{tunable.name} {tunable.value(config):g}"
    stage(
        f"searching {len(values)} values of {tunable.name}; the final seeds at the shared {label}"
    )
    *found, shared = compare_many([*searches, (config, where("shared"))], **options)
    trials = [
        Trial(s.activation, value, s.test_accuracy_mean, s.test_loss_mean, s.diverged)
        for value, result in zip(values, found)
        for s in result.summary
    ]
    regression = shared.dataset["kind"] == "regression"
    best = {
        a: choose([t for t in trials if t.activation == a], regression).value
        for a in config.activations
    }
    stage(f"final seeds at each activation's {tunable.name}")
    (tuned,) = compare_many([(tunable.own(config, best), where("tuned"))], **options)
    return Tuned(
        tunable.name,
        values,
        validation,
        search_seeds,
        tuple(trials),
        best,
        tuned,
        shared,
        tuple(both(tuned.verdicts, shared.verdicts, label)),
    )


def choose(trials: Sequence[Trial], regression: bool) -> Trial:
    """The best trial: no diverged seed first, then the highest validation accuracy (lowest
    loss for regression), then the lowest loss, then the smaller value (a tie goes to the
    gentler setting)."""

    def key(t: Trial) -> tuple[float, ...]:
        accuracy = -math.inf if math.isnan(t.validation_accuracy) else t.validation_accuracy
        loss = math.inf if math.isnan(t.validation_loss) else t.validation_loss
        return (t.diverged == 0, -loss if regression else accuracy, -loss, -t.value)

    return max(trials, key=key)


def both(tuned: Sequence[Verdict], shared: Sequence[Verdict], label: str) -> list[Verdict]:
    """Every claim at tuned values and at the shared one, in one verdict each."""
    out = []
    for t, s in zip(tuned, shared):
        if t.verdict == s.verdict == HOLDS:
            word = f"holds at tuned rates and at the shared {label}"
        elif t.verdict == s.verdict == UNTESTED:
            word = UNTESTED
        elif t.verdict == HOLDS:
            word = f"holds at tuned rates only (at the shared {label}: {s.verdict})"
        elif s.verdict == HOLDS:
            word = f"holds at the shared {label} only (at tuned rates: {t.verdict})"
        else:
            word = f"holds at neither (tuned rates: {t.verdict}; shared {label}: {s.verdict})"
        out.append(Verdict(t.claim, t.text, word, f"tuned: {t.reason}. shared: {s.reason}"))
    return out


def at_edge(tuned: Tuned) -> list[str]:
    """The activations whose chosen value is the grid's smallest or largest: the best may lie
    beyond it."""
    ends = (min(tuned.grid), max(tuned.grid))
    return [a for a, v in tuned.best.items() if v in ends]
