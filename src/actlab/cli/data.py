"""``actlab data list | info | download``: the dataset registry from the command line."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from actlab import data
from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("data", help="datasets: list them, describe one, download one")
    inner = p.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(p))
    q = inner.add_parser("list", help="every dataset with its kind and default model")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_list)
    q = inner.add_parser("info", help="a dataset's record, and its arrays when it can be loaded")
    q.add_argument("name")
    add_data_options(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_info)
    q = inner.add_parser("download", help="fetch the official files (checksums checked)")
    q.add_argument("name")
    q.add_argument("--dir", help="target folder (default: $ACTLAB_DATA/NAME, ~/.cache/actlab)")
    q.set_defaults(func=run_download)
    p.set_defaults(func=lambda args: _help(p))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def add_data_options(p: argparse.ArgumentParser) -> None:
    """``--data``, ``--label``, ``--noise``: shared with ``actlab compare``."""
    p.add_argument("--data", metavar="PATH", help="local file or folder for the dataset")
    p.add_argument("--label", help="CSV: the label column, by header name or 0-based index")
    p.add_argument("--noise", type=float, help="2-D toy sets: noise in percent (0..50)")
    p.add_argument(
        "--kind",
        choices=("auto", "classification", "regression"),
        help="CSV: the problem type (default auto: integer or text labels are classes)",
    )


def data_options(args: argparse.Namespace, record: data.DatasetInfo) -> dict[str, Any]:
    """The loader options the user set, refusing ones this dataset does not take."""
    given = {"label": args.label, "noise": args.noise, "kind": args.kind}
    options = {k: v for k, v in given.items() if v is not None}
    for key in options:
        if key not in record.options:
            raise ActlabError(f"--{key} does not apply to dataset {record.name}")
    return options


def run_list(args: argparse.Namespace) -> int:
    records = list(data.infos())
    if args.json:
        print(json_text([_record_dict(r) for r in records], indent=2))
        return 0
    width = max(len(r.name) for r in records)
    for r in records:
        d = r.defaults
        where = "needs --data" if r.needs_path else "built in"
        print(f"{r.name:<{width}}  {r.kind:<14}  {where:<12}  {d.model:<12}  {r.summary}")
    return 0


def _record_dict(r: data.DatasetInfo) -> dict[str, Any]:
    return {
        "name": r.name,
        "kind": r.kind,
        "summary": r.summary,
        "needs_path": r.needs_path,
        "path_help": r.path_help,
        "defaults": asdict(r.defaults),
        "files": [asdict(f) for f in r.files],
        "options": dict(r.options),
        "reference": r.reference,
    }


def run_info(args: argparse.Namespace) -> int:
    record = data.info(args.name)
    out = _record_dict(record)
    if args.data is not None or not record.needs_path or data.default_dir(record.name).is_dir():
        out["arrays"] = record.load(args.data, **data_options(args, record)).describe()
        out["kind"] = out["arrays"]["kind"]  # what training will see (a CSV decides by labels)
    if args.json:
        print(json_text(out, indent=2))
        return 0
    d = record.defaults
    print(f"{record.name}: {record.summary}")
    how = ""
    if "kind" in record.options:
        how = " (from the labels; --kind to choose)" if args.kind in (None, "auto") else ""
        how = how if "arrays" in out else " or regression, from the labels (--kind to choose)"
    print(f"  kind: {out['kind']}{how}")
    print(
        f"  defaults: --model {d.model} --epochs {d.epochs} --optimizer {d.optimizer} "
        f"--lr {d.lr:g} --batch-size {d.batch_size}"
        + (f" (target accuracy {d.target_accuracy:g})" if d.target_accuracy else "")
    )
    if d.why:
        print(f"  why: {d.why}")
    if record.needs_path:
        print(f"  --data: {record.path_help}")
    for f in record.files:
        print(f"  file: {f.url}  md5 {f.md5}")
    if record.reference:
        print(f"  reference: {record.reference}")
    arrays = out.get("arrays")
    if arrays:
        print(
            f"  loaded from {arrays['source']}: {arrays['n_train']} train, {arrays['n_test']} "
            f"test, {arrays['n_features']} features, {arrays['n_outputs']} outputs"
        )
        if "train_counts" in arrays:
            print(f"  training examples per class: {arrays['train_counts']}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    from actlab.data.download import download

    paths = download(args.name, args.dir, progress=lambda line: print(line, file=sys.stderr))
    print(paths[0].parent if paths else "")
    return 0
