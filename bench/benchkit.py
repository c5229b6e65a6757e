"""What every benchmark shares: its result table, the parser of it, and its two sizes.

Every benchmark ends its output with one table in this format (``print_table``)::

    metric                   | value    | target   | ok  | detail
    -------------------------+----------+----------+-----+---------------------
    overdue list, first page | 41.2 ms  | ≤ 300 ms | yes | p50 38.0 ms; 30 runs
    warnings by department   | 12.0 ms  | —        | —   | p50 11.1 ms; 30 runs

one row per name in the benchmark's module-level ``METRICS`` tuple, in that order. ``ok``
is ``yes`` (target met), ``NO`` (missed) or ``—`` (for information, no target); cells never
hold ``|`` (``print_table`` replaces it). ``bench/run_all.py`` and ``tests/bench`` read the
table back with ``parse_table`` and the names with ``declared_metrics``, which reads the
source without importing it: a benchmark that no longer imports still has its rows
reported missing. Each benchmark exits 0 when every target is met, 1 when one is missed
and 2 when the benchmark itself failed.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

HEADER = ("metric", "value", "target", "ok", "detail")
NO_TARGET = "—"
OK_CELLS = {"yes": True, "NO": False, NO_TARGET: None}


@dataclass(frozen=True)
class Row:
    """One measurement: ``ok`` is None for a row shown for information only."""

    metric: str
    value: str
    target: str = NO_TARGET
    ok: bool | None = None
    detail: str = ""

    @property
    def ok_cell(self) -> str:
        return {True: "yes", False: "NO", None: NO_TARGET}[self.ok]


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def print_table(rows: Sequence[Row], file: TextIO | None = None) -> None:
    """The table in the one format ``parse_table`` reads, after a blank line."""
    out = file or sys.stdout
    cells = [HEADER] + [(r.metric, r.value, r.target, r.ok_cell, r.detail) for r in rows]
    table = [tuple(_cell(c) for c in row) for row in cells]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print(file=out)
    for i, row in enumerate(table):
        print(" | ".join(row[c].ljust(widths[c]) for c in range(4)) + " | " + row[4], file=out)
        if i == 0:
            print("-+-".join("-" * w for w in widths) + "-+-" + "-" * 20, file=out)
    out.flush()


def exit_status(rows: Iterable[Row]) -> int:
    """The exit status for a table: 1 when a target was missed, else 0."""
    return 1 if any(r.ok is False for r in rows) else 0


def parse_table(output: str) -> list[Row]:
    """The rows of the last table in ``output`` (empty when there is none)."""
    lines = output.splitlines()
    starts = [
        i for i, line in enumerate(lines) if tuple(c.strip() for c in line.split("|")) == HEADER
    ]
    if not starts:
        return []
    rows = []
    for line in lines[starts[-1] + 2 :]:  # after the header and the separator
        cells = [c.strip() for c in line.split("|", 4)]
        if len(cells) != 5 or cells[3] not in OK_CELLS:
            break
        rows.append(Row(cells[0], cells[1], cells[2], OK_CELLS[cells[3]], cells[4]))
    return rows


def declared_metrics(path: Path) -> tuple[str, ...]:
    """The literal module-level ``METRICS`` of the benchmark at ``path``, not importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            names, value = [node.target], node.value
        else:
            continue
        if any(isinstance(n, ast.Name) and n.id == "METRICS" for n in names):
            try:
                metrics = ast.literal_eval(value)
            except ValueError:
                break
            if isinstance(metrics, tuple | list) and all(isinstance(m, str) for m in metrics):
                return tuple(metrics)
            break
    raise ValueError(f"{path} has no literal module-level METRICS of metric names")


def add_smoke(parser: argparse.ArgumentParser, smoke: Mapping[str, Any]) -> None:
    """``--smoke``: the sizes of a run that takes seconds (and checks that it works)."""
    sizes = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in smoke.items())
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"small sizes, to check that it runs: {sizes} (options given win)",
    )


def apply_sizes(
    args: argparse.Namespace, full: Mapping[str, Any], smoke: Mapping[str, Any]
) -> argparse.Namespace:
    """Fill the sizes left unset (None) from ``smoke`` with ``--smoke``, else ``full``."""
    for key, value in {**full, **(smoke if args.smoke else {})}.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args
