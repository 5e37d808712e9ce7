"""Any CSV file: numeric feature columns and one label column.

The label column is the last one unless ``label`` names another (by header name or by 0-based
index; negative counts from the end). A first row is taken as a header when it has text where the
next row has numbers. Labels that are text or whole numbers make a classification task (classes
sorted); so do whole numbers that repeat (at most 100 distinct values, at most half as many as
rows); other numbers make a regression task, unless ``kind`` says which. Features are
standardised (training statistics), and so are regression targets, so that one learning rate
suits any file. The split is fixed: 25% test, stratified by class.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from actlab.data import Dataset
from actlab.data._prep import random_split, standardize, stratified_split
from actlab.errors import ActlabError

TEST_FRACTION = 0.25
SPLIT_SEED = 0


#: fewer data rows leave nothing to learn from once a quarter is held out for testing
MIN_ROWS = 4


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_rows(path: Path) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """The header (or None) and the data rows with their line numbers; ragged rows refused."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [
                (reader.line_num, [c.strip() for c in row])
                for reader in [csv.reader(fh)]
                for row in reader
                if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
            ]
    except UnicodeDecodeError:
        raise ActlabError(f"{path}: not a text CSV file (not UTF-8)") from None
    except csv.Error as exc:
        raise ActlabError(f"{path}: malformed CSV ({exc})") from None
    except OSError as exc:
        raise ActlabError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not rows:
        raise ActlabError(f"{path}: empty file (no rows)")
    first = [_is_number(c) for c in rows[0][1]]
    nxt = [_is_number(c) for c in rows[1][1]] if len(rows) > 1 else [True] * len(first)
    header = None
    if not all(first) and (not any(first) or any(b and not a for a, b in zip(first, nxt))):
        header = rows.pop(0)[1]
    if not rows:
        raise ActlabError(f"{path}: a header but no data rows")
    width = len(header) if header is not None else len(rows[0][1])
    for line, row in rows:
        if len(row) != width:
            raise ActlabError(f"{path}: line {line} has {len(row)} fields, expected {width}")
    if width < 2:
        raise ActlabError(f"{path}: needs at least one feature column and a label column")
    return header, rows


def _label_index(label: str | int | None, header: list[str] | None, width: int, path: Path) -> int:
    if label is None:
        return width - 1
    text = str(label).strip()
    if header is not None and text in header:
        return header.index(text)
    try:
        index = int(text)
    except ValueError:
        columns = ", ".join(header) if header else f"no header, {width} columns"
        raise ActlabError(f"{path}: no label column {text!r} (columns: {columns})") from None
    if not -width <= index < width:
        raise ActlabError(f"{path}: label column {index} out of range for {width} columns")
    return index % width


def load(
    path: Path | None,
    *,
    name: str = "csv",
    label: str | int | None = None,
    kind: str = "auto",
    **_: Any,
) -> Dataset:
    """Features and labels from a CSV file (see the module docstring for the rules)."""
    assert path is not None
    if path.is_dir():
        raise ActlabError(f"{path}: is a directory; --data should name a CSV file")
    if kind not in ("auto", "classification", "regression"):
        raise ActlabError(f"kind must be auto, classification or regression, not {kind!r}")
    header, rows = read_rows(path)
    width = len(rows[0][1])
    target = _label_index(label, header, width, path)
    names = header or [f"column {i}" for i in range(width)]
    features = np.empty((len(rows), width - 1), np.float64)
    for r, (line, row) in enumerate(rows):
        for c, j in enumerate(k for k in range(width) if k != target):
            features[r, c] = _number(row[j], path, line, names[j])
    labels = [row[target] for _, row in rows]
    if len(rows) < MIN_ROWS:
        raise ActlabError(
            f"{path}: {len(rows)} data row{'s' if len(rows) != 1 else ''}; a study needs at least"
            f" {MIN_ROWS} (a quarter are held out to test on)"
        )
    if kind == "auto":
        kind = "classification" if _classlike(labels) else "regression"
    if kind == "classification":
        return _classification(name, path, features, labels)
    y = np.array([[_number(v, path, rows[i][0], names[target])] for i, v in enumerate(labels)])
    train, test = random_split(len(y), TEST_FRACTION, SPLIT_SEED)
    x_train, x_test = standardize(features[train], features[test])
    y_train, y_test = standardize(y[train], y[test])
    return Dataset(name, "regression", x_train, y_train, x_test, y_test, source=str(path))


def _number(text: str, path: Path, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        what = "an empty cell" if not text else f"{text!r} is not a number"
        raise ActlabError(f"{path}: line {line}, {column}: {what}") from None
    if not math.isfinite(value):
        raise ActlabError(f"{path}: line {line}, {column}: {text!r} is not a finite number")
    return value


def _classlike(labels: list[str]) -> bool:
    """Text labels name classes; so do whole numbers that repeat (at most 100 distinct values,
    and at most half as many as rows): a column of counts or prices is a regression target."""
    if not all(_is_number(v) for v in labels):
        return True
    values = [float(v) for v in labels]
    if not all(math.isfinite(v) and v == int(v) for v in values):
        return False
    distinct = len(set(values))
    return distinct <= 100 and 2 * distinct <= len(values)


def _classification(name: str, path: Path, x: np.ndarray, labels: list[str]) -> Dataset:
    if any(not v for v in labels):
        raise ActlabError(f"{path}: empty label cell in row {labels.index('') + 1} of the data")
    numeric = all(_is_number(v) for v in labels)
    key = (lambda v: float(v)) if numeric else (lambda v: v)
    classes = sorted(set(labels), key=key)
    if len(classes) < 2:
        raise ActlabError(f"{path}: only one class ({classes[0]!r}); nothing to classify")
    if numeric:
        classes = [f"{float(c):g}" for c in classes]
        labels = [f"{float(v):g}" for v in labels]
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    if len(y) < 2 * len(classes):
        raise ActlabError(
            f"{path}: {len(y)} rows for {len(classes)} classes; need at least two rows per class"
        )
    train, test = stratified_split(y, TEST_FRACTION, SPLIT_SEED)
    x_train, x_test = standardize(x[train], x[test])
    return Dataset(
        name, "classification", x_train, y[train], x_test, y[test], tuple(classes), None, str(path)
    )
