"""Every benchmark runs at its ``--smoke`` size and prints every row of its table.

Nothing rots between releases unnoticed: each benchmark ``make bench-all`` runs
(``bench/run_all.py``'s list) runs here as a subprocess, in a fresh temporary directory,
the PostgreSQL ones against ``SANJI_TEST_POSTGRES_URL`` (in schemas of their own, dropped
afterwards). A run must exit 0 or 1 — targets met or missed: smoke sizes say nothing
about speed — never 2 (the benchmark failed), and its table must hold exactly the rows of
its ``METRICS``. No timing is asserted.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from benchkit import declared_metrics, parse_table
from run_all import BENCHMARKS, Benchmark

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("SANJI_TEST_POSTGRES_URL", "")


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize(
    "benchmark",
    [
        pytest.param(
            b,
            id=b.name,
            marks=pytest.mark.skipif(
                b.postgres and not PG_URL, reason="SANJI_TEST_POSTGRES_URL not set"
            ),
        )
        for b in BENCHMARKS
    ],
)
def test_smoke_size_runs_and_prints_every_row(benchmark: Benchmark, tmp_path: Path) -> None:
    done = subprocess.run(
        benchmark.command(smoke=True, pg_url=PG_URL),
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    shown = f"stdout:\n{_tail(done.stdout)}\nstderr:\n{_tail(done.stderr)}"
    assert done.returncode in (0, 1), f"{benchmark.name} exited {done.returncode}\n{shown}"
    printed = [row.metric for row in parse_table(done.stdout)]
    assert printed == list(declared_metrics(benchmark.script)), shown
