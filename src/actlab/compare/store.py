"""The durable store of a study: one SQLite file, ``study.sqlite``, in the ``--out`` folder.

Tables:

``meta``     the configuration (JSON), the data fingerprint, the store format.
``runs``     one row per (activation, seed): epochs done, finished, and the complete state of
             the model in flight (weights, optimiser state, every random generator) as a blob.
``history``  one row per run and epoch (epoch 0 is the untrained model): train/test loss and
             accuracy, and the cumulative training seconds.

Each epoch boundary of the whole study is one transaction (all runs' states and history rows),
so a kill at any instant leaves the previous epoch boundary intact: SQLite's journal makes a
commit all-or-nothing, and ``synchronous=FULL`` makes it survive a power cut too. Without
``--out`` the same store lives in memory, so there is one code path.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab.compare.config import StudyConfig, differences
from actlab.errors import ActlabError

FORMAT = 1
FILENAME = "study.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run INTEGER PRIMARY KEY,
    activation TEXT NOT NULL,
    seed INTEGER NOT NULL,
    epochs_done INTEGER NOT NULL DEFAULT -1,
    finished INTEGER NOT NULL DEFAULT 0,
    state BLOB
);
CREATE TABLE IF NOT EXISTS history (
    run INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    train_loss REAL, train_accuracy REAL, test_loss REAL, test_accuracy REAL,
    seconds REAL NOT NULL,
    PRIMARY KEY (run, epoch)
);
"""

#: the metric columns of ``history``, in order
METRICS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds")


@dataclass(frozen=True)
class RunRow:
    run: int
    activation: str
    seed: int
    #: -1: nothing stored yet; 0: evaluated untrained; e: e epochs trained
    epochs_done: int
    finished: bool
    state: bytes | None


@dataclass(frozen=True)
class Update:
    """What one run contributes to an epoch-boundary commit."""

    run: int
    epoch: int
    #: train_loss, train_accuracy, test_loss, test_accuracy, seconds
    metrics: tuple[float, float, float, float, float]
    state: bytes | None
    finished: bool


class Store:
    """A study's SQLite file (or an in-memory database when ``folder`` is None)."""

    def __init__(self, folder: str | Path | None) -> None:
        self.path: Path | None = None
        if folder is None:
            target = ":memory:"
        else:
            self.path = Path(folder) / FILENAME
            try:
                Path(folder).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ActlabError(f"{folder}: cannot create the folder ({exc.strerror})") from None
            target = str(self.path)
        try:
            self.db = sqlite3.connect(target, isolation_level=None)
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ActlabError(f"{self.path}: not a usable study store ({exc})") from None

    def close(self) -> None:
        self.db.close()

    def bind(self, config: StudyConfig, data_fingerprint: str) -> None:
        """Record the configuration, or check it matches the one already stored."""
        current = {**config.to_dict(), "data_fingerprint": data_fingerprint}
        row = self.db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
        if row is None:
            with self._transaction():
                self.db.execute(
                    "INSERT INTO meta VALUES ('format', ?), ('config', ?)",
                    (str(FORMAT), json.dumps(current)),
                )
            return
        fmt = self.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if fmt is None or int(fmt[0]) != FORMAT:
            raise ActlabError(f"{self.path}: written by another version of actlab (format {fmt})")
        changed = differences(StudyConfig.completed(json.loads(row[0])), current)
        if changed:
            raise ActlabError(
                f"{self.path} holds a study with a different configuration ({'; '.join(changed)});"
                " run the same command to resume it, or choose another --out for other settings"
            )

    def runs(self, plan: Sequence[tuple[str, int]]) -> list[RunRow]:
        """The stored rows for ``plan`` (activation, seed), creating the missing ones."""
        with self._transaction():
            for run, (activation, seed) in enumerate(plan):
                self.db.execute(
                    "INSERT OR IGNORE INTO runs (run, activation, seed) VALUES (?, ?, ?)",
                    (run, activation, seed),
                )
        rows = self.db.execute(
            "SELECT run, activation, seed, epochs_done, finished, state FROM runs ORDER BY run"
        ).fetchall()
        return [RunRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    def commit(self, updates: Iterable[Update]) -> None:
        """One epoch boundary, atomically: every run's metrics, state and progress."""
        with self._transaction():
            for u in updates:
                self.db.execute(
                    "INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (u.run, u.epoch, *(_sql(v) for v in u.metrics)),
                )
                self.db.execute(
                    "UPDATE runs SET epochs_done = ?, finished = ?, state = ? WHERE run = ?",
                    (u.epoch, int(u.finished), None if u.finished else u.state, u.run),
                )

    def history(self, run: int) -> list[tuple[Any, ...]]:
        """(epoch, train_loss, train_accuracy, test_loss, test_accuracy, seconds) rows."""
        rows = self.db.execute(
            f"SELECT epoch, {', '.join(METRICS)} FROM history WHERE run = ? ORDER BY epoch",
            (run,),
        ).fetchall()
        return [tuple(math.nan if v is None else v for v in row) for row in rows]

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (Ctrl-C included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ActlabError(
                f"the study store is busy ({exc}): is another 'actlab compare' using this --out?"
            ) from None

    def __exit__(self, kind: Any, *_: Any) -> None:
        if kind is not None:
            self.db.execute("ROLLBACK")
            return
        try:
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # disk full, read-only folder, ...
            self.db.execute("ROLLBACK")
            raise ActlabError(f"cannot save the study's progress: {exc}") from None


def _sql(value: float) -> float | None:
    """NaN is stored as NULL (SQLite has no NaN); inf is kept."""
    return None if math.isnan(value) else float(value)
