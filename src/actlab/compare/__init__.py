"""Compare activations by training: every activation x seed, with honest statistics.

>>> from actlab.compare import StudyConfig, compare
>>> result = compare(StudyConfig(activations=("relu", "sigmoid"), seeds=2, epochs=2))
>>> [s.activation for s in result.summary], len(result.runs)
(['relu', 'sigmoid'], 4)

:func:`compare` trains (or resumes, with ``out=DIR``) through :mod:`actlab.compare.runner`,
whose training backend is pluggable (:mod:`actlab.compare.backend`), then summarises
(:mod:`~actlab.compare.summary`) and judges the classic claims
(:mod:`~actlab.compare.verdict`). Reports (:mod:`~actlab.compare.report`) and the figure
(:mod:`~actlab.plots.compare`) only format the :class:`StudyResult` this returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab.compare.backend import Backend, register
from actlab.compare.config import DEFAULT_ACTIVATIONS, StudyConfig
from actlab.compare.executor import Executor
from actlab.compare.runner import EpochRecord, Progress, Run, Trained, train_studies
from actlab.compare.summary import Comparison, Summary, compare_pairs, summarise
from actlab.compare.timing import comparability
from actlab.compare.verdict import Evidence, Verdict, judge_all, named_activations

__all__ = [
    "DEFAULT_ACTIVATIONS",
    "Backend",
    "Comparison",
    "EpochRecord",
    "Executor",
    "Progress",
    "Run",
    "StudyConfig",
    "StudyResult",
    "Summary",
    "Verdict",
    "compare",
    "compare_many",
    "register",
]


@dataclass(frozen=True)
class StudyResult:
    """Everything a study found; reports and figures only format this."""

    config: StudyConfig
    #: the dataset's shapes and classes (:meth:`actlab.data.Dataset.describe`)
    dataset: dict[str, Any]
    runs: tuple[Run, ...]
    #: ranked, best first
    summary: tuple[Summary, ...]
    #: pairwise tests: final test accuracy (or loss) and training speed
    comparisons: tuple[Comparison, ...]
    verdicts: tuple[Verdict, ...]
    #: runs loaded from the store: {"finished": n, "partial": m, "loaded": n + m}
    resumed: dict[str, int]
    elapsed_seconds: float
    store: Path | None
    #: which speed figures compare between activations (:mod:`actlab.compare.timing`)
    timing: str = ""


def compare(
    config: StudyConfig,
    out: str | Path | None = None,
    *,
    data_path: str | Path | None = None,
    on_epoch: Callable[[Progress], None] | None = None,
    force: bool = False,
    repair: bool = False,
    executor: Executor | None = None,
) -> StudyResult:
    """Train every activation x seed of ``config`` (resuming from ``out``), and judge.

    ``force`` trains even when the models look too big for this machine's memory; ``repair``
    rebuilds a damaged store from what is intact (:mod:`actlab.compare.store`); ``executor``
    trains (:mod:`actlab.compare.executor`; default: this process).
    """
    return compare_many(
        [(config, out)],
        data_path=data_path,
        on_epoch=on_epoch,
        force=force,
        repair=repair,
        executor=executor,
    )[0]


def compare_many(
    studies: Sequence[tuple[StudyConfig, str | Path | None]], **options: Any
) -> list[StudyResult]:
    """:func:`compare` for several (config, out) studies, trained together (side by side on
    Ray); ``options`` are :func:`compare`'s."""
    return [_judged(t) for t in train_studies(studies, **options)]


def _judged(trained: Trained) -> StudyResult:
    cfg = trained.config
    regression = trained.dataset.kind == "regression"
    summary = summarise(trained.runs, cfg.target, regression)
    final = "test_loss" if regression else "test_accuracy"
    accuracy = compare_pairs(trained.runs, final)
    speed = compare_pairs(trained.runs, "train_loss_auc")
    assert cfg.epochs is not None
    evidence = Evidence(
        {s.activation: s for s in summary},
        speed,
        [] if regression else accuracy,
        named_activations(cfg.activations),
        cfg.seeds,
        cfg.epochs,
        int(trained.dataset.x_train.shape[0]),
    )
    return StudyResult(
        cfg,
        trained.dataset.describe(),
        trained.runs,
        tuple(summary),
        tuple(accuracy + speed),
        tuple(judge_all(evidence)),
        {
            "finished": trained.resumed_finished,
            "partial": trained.resumed_partial,
            "loaded": trained.resumed_finished + trained.resumed_partial,
        },
        trained.elapsed,
        trained.store_path,
        comparability(trained.runs),
    )
