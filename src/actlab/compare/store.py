"""The durable store of a study: one SQLite file, ``study.sqlite``, in the ``--out`` folder.

Tables:

``meta``     the configuration (JSON), the data fingerprint, the store format.
``runs``     one row per (activation, seed): epochs done, finished, and the complete state of
             the model in flight (weights, optimiser state, every random generator) as a blob.
``history``  one row per run and epoch (epoch 0 is the untrained model): train/test loss and
             accuracy, the cumulative training seconds (wall and CPU), and the node and worker
             that trained the epoch (so timings are compared only where they are comparable).

Only the process that runs the study (the *driver*) writes here, whatever executor trains: Ray
workers return their results to it and never open the file.

A finished run keeps its final state, so a study can be *extended*: the same command with a
larger ``--epochs`` trains on from where each run stopped (bit for bit what a longer study would
have given) instead of starting again. A study with fewer epochs than stored is refused.

What can go wrong with the folder gets one line that says what and what to do: no permission
(checked before anything is written), another process using it (``study.lock``, an exclusive
:func:`fcntl.flock` held while the study runs and released by the kernel however the process
ends), and damage. A damaged file (not SQLite, or failing SQLite's own check) can only be moved
away; damaged settings (the ``meta`` JSON) or a damaged run state are named, and ``repair=True``
(``--repair``) rebuilds from what is intact: the settings are rewritten from the current command,
and only the runs whose state is damaged are trained again.

Each epoch boundary of the whole study is one transaction (all runs' states and history rows),
so a kill at any instant leaves the previous epoch boundary intact: SQLite's journal makes a
commit all-or-nothing, and ``synchronous=FULL`` makes it survive a power cut too. Without
``--out`` the same store lives in memory, so there is one code path.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab.compare.config import StudyConfig, differences
from actlab.errors import ActlabError
from actlab.outputs import check_folder

FORMAT = 1
FILENAME = "study.sqlite"
LOCKNAME = "study.lock"
#: what the user can do about a store they cannot write
_NOT_YOURS = "make it writable (chmod u+w) or copy the study to a folder of yours"

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
    cpu_seconds REAL, node TEXT, worker TEXT,
    PRIMARY KEY (run, epoch)
);
"""
#: columns added to ``history`` since the first format: a store written before them gains them
#: (NULL in its old rows) when it is opened
_ADDED = (("cpu_seconds", "REAL"), ("node", "TEXT"), ("worker", "TEXT"))

#: the metric columns of ``history``, in order
METRICS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds", "cpu_seconds")
#: where each epoch trained: the node and the worker (``local/PID`` or ``ray/PID``)
PLACES = ("node", "worker")


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
    #: train_loss, train_accuracy, test_loss, test_accuracy, seconds, cpu_seconds
    metrics: tuple[float, float, float, float, float, float]
    state: bytes | None
    finished: bool
    node: str = ""
    worker: str = ""


class Store:
    """A study's SQLite file (or an in-memory database when ``folder`` is None)."""

    def __init__(self, folder: str | Path | None, *, repair: bool = False) -> None:
        self.path: Path | None = None
        self.repair = repair
        self._lock: int | None = None
        if folder is None:
            target = ":memory:"
        else:
            check_folder(folder, "--out", hint=_NOT_YOURS)
            self.path = Path(folder) / FILENAME
            if self.path.exists() and not _writable(self.path):
                raise ActlabError(f"{self.path}: no permission to write; {_NOT_YOURS}")
            self._lock = _lock(Path(folder) / LOCKNAME)
            target = str(self.path)
        try:
            self._open(target)
        except BaseException:
            self.close()
            raise

    def _open(self, target: str) -> None:
        try:
            self.db = sqlite3.connect(target, isolation_level=None)
            self.db.execute("PRAGMA synchronous=FULL")
            check = self.db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"SQLite's check says: {check and check[0]}")
            self.db.executescript(_SCHEMA)
            have = {row[1] for row in self.db.execute("PRAGMA table_info(history)")}
            for column, kind in _ADDED:
                if column not in have:
                    self.db.execute(f"ALTER TABLE history ADD COLUMN {column} {kind}")
        except sqlite3.DatabaseError as exc:
            if "readonly" in str(exc) or "unable to open" in str(exc):
                raise ActlabError(f"{self.path}: no permission to write; {_NOT_YOURS}") from None
            raise ActlabError(
                f"{self.path}: damaged, not a readable study ({exc}); move it away and run again"
                " to start a new study, or choose another --out"
            ) from None

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            self.db.close()
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock = None

    def bind(self, config: StudyConfig, data_fingerprint: str) -> None:
        """Record the configuration, or check it matches the one already stored.

        A larger ``epochs`` than stored extends the study (its finished runs train on).
        """
        current = {**config.to_dict(), "data_fingerprint": data_fingerprint}
        row = self.db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
        fmt = self.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is None and fmt is None and not self._has_runs():
            self._write_meta(current)
            return
        stored = _settings(row, fmt)
        if stored is None:
            if not self.repair:
                raise ActlabError(
                    f"{self.path}: the study's settings (table meta) are damaged; run the same"
                    " command with --repair to rewrite them from it and keep the stored runs"
                    " that match it"
                )
            self._write_meta(current)
            self._reconcile(current["epochs"])
            return
        if int(fmt[0]) != FORMAT:
            raise ActlabError(f"{self.path}: written by another version of actlab (format {fmt})")
        changed = differences(
            {k: v for k, v in StudyConfig.completed(stored).items() if k != "epochs"},
            {k: v for k, v in current.items() if k != "epochs"},
        )
        if changed:
            raise ActlabError(
                f"{self.path} holds a study with a different configuration ({'; '.join(changed)});"
                " run the same command to resume it, or choose another --out for other settings"
            )
        if current["epochs"] < stored["epochs"]:
            raise ActlabError(
                f"{self.path} holds a study of {stored['epochs']} epochs; run it with --epochs"
                f" {stored['epochs']} (every epoch is in its runs.csv), or choose another --out"
            )
        if current["epochs"] > stored["epochs"]:
            self._extend(current)

    def _has_runs(self) -> bool:
        return self.db.execute("SELECT 1 FROM runs LIMIT 1").fetchone() is not None

    def _write_meta(self, current: dict[str, Any]) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM meta")
            self.db.execute(
                "INSERT INTO meta VALUES ('format', ?), ('config', ?)",
                (str(FORMAT), json.dumps(current)),
            )

    def _reconcile(self, epochs: int) -> None:
        """After rebuilt settings: runs short of ``epochs`` go on, runs past it start again."""
        past = [
            r for (r,) in self.db.execute("SELECT run FROM runs WHERE epochs_done > ?", (epochs,))
        ]
        self.restart(past)
        with self._transaction():
            self.db.execute("UPDATE runs SET finished = 0 WHERE epochs_done < ?", (epochs,))

    def _extend(self, current: dict[str, Any]) -> None:
        """More epochs: finished runs become unfinished, from their kept final state."""
        stateless = self.db.execute(
            "SELECT COUNT(*) FROM runs WHERE finished = 1 AND state IS NULL"
        ).fetchone()[0]
        if stateless:
            raise ActlabError(
                f"{self.path}: {stateless} finished runs were stored without their final state"
                " (by an older actlab), so they cannot train on; choose another --out"
            )
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET finished = 0 WHERE epochs_done < ?", (current["epochs"],)
            )
            self.db.execute(
                "UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(current),)
            )

    def runs(self, plan: Sequence[tuple[str, int]]) -> list[RunRow]:
        """The stored rows for ``plan`` (activation, seed), creating the missing ones.

        With ``repair``, stored runs that do not belong to the plan (kept under settings that
        were rebuilt) are dropped first.
        """
        with self._transaction():
            stored = self.db.execute("SELECT run, activation, seed FROM runs").fetchall()
            foreign = [r for r, a, s in stored if r >= len(plan) or plan[r] != (a, s)]
            if foreign and not self.repair:
                raise ActlabError(
                    f"{self.path}: {len(foreign)} stored runs do not match the study's settings;"
                    " run again with --repair to drop them and train them again"
                )
            for run in foreign:
                self._forget(run)
            for run, (activation, seed) in enumerate(plan):
                self.db.execute(
                    "INSERT OR IGNORE INTO runs (run, activation, seed) VALUES (?, ?, ?)",
                    (run, activation, seed),
                )
        rows = self.db.execute(
            "SELECT run, activation, seed, epochs_done, finished, state FROM runs ORDER BY run"
        ).fetchall()
        return [RunRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    def restart(self, runs: Iterable[int]) -> None:
        """Forget the progress of ``runs`` (damaged states): they train again from scratch."""
        with self._transaction():
            for run in runs:
                self.db.execute("DELETE FROM history WHERE run = ?", (run,))
                self.db.execute(
                    "UPDATE runs SET epochs_done = -1, finished = 0, state = NULL WHERE run = ?",
                    (run,),
                )

    def _forget(self, run: int) -> None:
        self.db.execute("DELETE FROM history WHERE run = ?", (run,))
        self.db.execute("DELETE FROM runs WHERE run = ?", (run,))

    def commit(self, updates: Iterable[Update]) -> None:
        """One epoch boundary, atomically: every run's metrics, state and progress."""
        with self._transaction():
            for u in updates:
                self.db.execute(
                    f"INSERT OR REPLACE INTO history (run, epoch, {', '.join(METRICS + PLACES)})"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (u.run, u.epoch, *(_sql(v) for v in u.metrics), u.node, u.worker),
                )
                self.db.execute(  # a finished run keeps its state: the study can be extended
                    "UPDATE runs SET epochs_done = ?, finished = ?, state = ? WHERE run = ?",
                    (u.epoch, int(u.finished), u.state, u.run),
                )

    def history(self, run: int) -> list[tuple[Any, ...]]:
        """(epoch, train_loss, train_accuracy, test_loss, test_accuracy, seconds, cpu_seconds,
        node, worker) rows; a missing number is NaN, a missing place ""."""
        rows = self.db.execute(
            f"SELECT epoch, {', '.join(METRICS + PLACES)} FROM history WHERE run = ?"
            " ORDER BY epoch",
            (run,),
        ).fetchall()
        numbers = 1 + len(METRICS)
        return [
            tuple(math.nan if v is None else v for v in row[:numbers])
            + tuple(v or "" for v in row[numbers:])
            for row in rows
        ]

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


def _settings(row: Any, fmt: Any) -> dict[str, Any] | None:
    """The stored configuration, or None when the meta table is damaged (missing or not JSON)."""
    if row is None or fmt is None:
        return None
    try:
        int(fmt[0])
        stored = json.loads(row[0])
    except (TypeError, ValueError):
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("epochs"), int):
        return None
    return stored


def _writable(path: Path) -> bool:
    effective = {"effective_ids": True} if os.access in os.supports_effective_ids else {}
    return os.access(path, os.W_OK, **effective)


def _lock(path: Path) -> int:
    """Hold ``study.lock`` exclusively, or say who holds it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ActlabError(
            f"{path}: cannot open the lock file ({exc.strerror}); {_NOT_YOURS}"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise ActlabError(
            f"{path.parent} is in use by another actlab compare (process {holder}); wait for it"
            " to finish, or choose another --out"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def _sql(value: float) -> float | None:
    """NaN is stored as NULL (SQLite has no NaN); inf is kept."""
    return None if math.isnan(value) else float(value)
