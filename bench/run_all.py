"""Every benchmark, one after another, and one summary of them all in bench/last-run.md.

Run ``make bench-all BENCH_PG_URL=postgresql+psycopg://user:pw@host/db`` (or
``.venv/bin/python bench/run_all.py --pg-url …``; ``BENCH_PG_URL`` or
``SANJI_BENCH_POSTGRES_URL`` in the environment do too). It runs ``sync.py``,
``certs.py``, then ``figures.py`` and ``cert_lookup.py`` against that database (each in
a schema of its own), at full size (``--smoke`` passes ``--smoke`` to each: a check that
they all run, no figures). Each benchmark's output goes to this terminal as it runs; its
table (``bench/benchkit.py``) is read back and checked against its ``METRICS``.

A benchmark that misses a target or fails does not stop the others. The summary —
the machine line (CPU model, cores, memory, Python, PostgreSQL, git commit), each
benchmark's exit status and seconds, and every row as metric | value | target | ok — is
printed and written to ``--out`` (``bench/last-run.md``). A benchmark counts as failed
when it exits with anything but 0 (every target met) or 1 (one missed), or when its table
lacks a row of its ``METRICS``. Exit status: 2 when one failed, else 1 when a target was
missed, else 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from benchkit import Row, declared_metrics, parse_table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VERDICTS = {0: "met", 1: "missed", 2: "failed"}
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b")


@dataclass(frozen=True)
class Benchmark:
    """A benchmark script; a PostgreSQL one is given ``--url``."""

    name: str
    script: Path
    postgres: bool = False

    def command(self, *, smoke: bool, pg_url: str) -> list[str]:
        return [
            sys.executable,
            str(self.script),
            *(["--smoke"] if smoke else []),
            *(["--url", pg_url] if self.postgres else []),
        ]


BENCHMARKS = (
    Benchmark("sync", BENCH / "sync.py"),
    Benchmark("certs", BENCH / "certs.py"),
    Benchmark("figures", BENCH / "figures.py", postgres=True),
    Benchmark("cert_lookup", BENCH / "cert_lookup.py", postgres=True),
    Benchmark("audit", BENCH / "audit.py"),
    Benchmark("login", BENCH / "login.py"),
    Benchmark("backup", BENCH / "backup.py"),
    Benchmark("exchange", BENCH / "exchange.py", postgres=True),
)


@dataclass
class Result:
    """What one benchmark did: its exit code, its table, what its table lacks."""

    benchmark: Benchmark
    returncode: int
    seconds: float
    rows: list[Row] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    last_error: str = ""

    @property
    def status(self) -> int:
        """0 met, 1 missed, 2 failed (any other exit, or an incomplete table)."""
        if self.returncode in (0, 1) and not self.missing:
            return self.returncode
        return 2

    @property
    def note(self) -> str:
        notes = []
        if self.returncode not in (0, 1, 2):
            notes.append(f"exit code {self.returncode}")
        if self.missing:
            notes.append("no row " + ", ".join(repr(m) for m in self.missing))
        if self.status == 2 and self.last_error:
            notes.append(self.last_error)
        return "; ".join(notes)


def _copy(source: TextIO, sink: TextIO, kept: list[str]) -> None:
    for line in source:
        sink.write(line)
        sink.flush()
        kept.append(line)


def run_one(benchmark: Benchmark, *, smoke: bool = False, pg_url: str = "") -> Result:
    """Run ``benchmark``, its output shown as it comes, and read its table back."""
    started = time.perf_counter()
    out: list[str] = []
    err: list[str] = []
    with subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
        benchmark.command(smoke=smoke, pg_url=pg_url),
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        copies = [
            threading.Thread(target=_copy, args=(proc.stdout, sys.stdout, out), daemon=True),
            threading.Thread(target=_copy, args=(proc.stderr, sys.stderr, err), daemon=True),
        ]
        for copy in copies:
            copy.start()
        try:
            returncode = proc.wait()
        except BaseException:
            proc.terminate()
            proc.wait()
            raise
        for copy in copies:
            copy.join()
    rows = parse_table("".join(out))
    printed = {r.metric for r in rows}
    try:
        missing = [m for m in declared_metrics(benchmark.script) if m not in printed]
    except (OSError, SyntaxError, ValueError) as error:
        missing = [f"(METRICS unreadable: {error})"]
    return Result(benchmark, returncode, time.perf_counter() - started, rows, missing,
                  last_error(err))  # fmt: skip


def last_error(stderr: Sequence[str]) -> str:
    """The exception a traceback ended with, else the last line on stderr."""
    lines = [line.strip() for line in stderr if line.strip()]
    raised = [line for line in lines if EXCEPTION.match(line)]
    return (raised or lines or [""])[-1]


def overall(results: Sequence[Result]) -> int:
    """2 when a benchmark failed, else 1 when one missed a target, else 0."""
    return max((r.status for r in results), default=0)


# --------------------------------------------------------------------------- machine


def _first(path: str, key: str) -> str:
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return ""


def _git(*args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def postgres_version(pg_url: str) -> str:
    """``SHOW server_version`` of the database, with where it is (never the password)."""
    if not pg_url:
        return "PostgreSQL not used"
    try:
        url = make_url(pg_url)
        engine = create_engine(pg_url)
        try:
            with engine.connect() as conn:
                version = conn.scalar(text("SHOW server_version"))
        finally:
            engine.dispose()
    except Exception as error:  # any failure is reported in the line, not raised
        return f"PostgreSQL unreachable ({type(error).__name__})"
    where = f"{url.host or 'socket'}:{url.port or 5432}/{url.database}"
    return f"PostgreSQL {(version or '?').split()[0]} ({where})"


def machine_line(pg_url: str) -> str:
    """CPU model, cores, memory, OS, Python, PostgreSQL and git commit, on one line."""
    cpu = _first("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    memory = _first("/proc/meminfo", "MemTotal")
    memory = f"{int(memory.split()[0]) / 1024**2:.1f} GiB memory" if memory else "memory ?"
    commit = _git("rev-parse", "--short", "HEAD") or "?"
    branch = _git("rev-parse", "--abbrev-ref", "HEAD")
    changed = _git("status", "--porcelain", "--untracked-files=no")
    return " · ".join(
        (
            cpu,
            f"{cores} cores" + (f" ({usable} usable)" if usable != cores else ""),
            memory,
            f"{platform.system()} {platform.release()}",
            f"Python {platform.python_version()}",
            postgres_version(pg_url),
            f"git {commit}"
            + (f" ({branch})" if branch else "")
            + (" + uncommitted changes" if changed else ""),
        )
    )


# --------------------------------------------------------------------------- summary


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def load_average() -> str:
    """The 1-minute load average: above the number of cores, others were using them."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


def summary(
    results: Sequence[Result], machine: str, *, smoke: bool, when: datetime, load: str
) -> str:
    """The Markdown summary: machine, each benchmark's status, then every row."""
    total = sum(r.seconds for r in results)
    size = "smoke sizes (a check that they run, not figures)" if smoke else "full sizes"
    lines = [
        "# Benchmarks: last run",
        "",
        f"`make bench-all` (bench/run_all.py) on {when:%Y-%m-%d %H:%M} UTC, {size}, "
        f"{total:.0f} s in all; load average {load} at the start, {load_average()} at the end.",
        "",
        f"machine: {machine}",
        "",
        "| benchmark | exit | seconds | note |",
        "| --- | --- | --- | --- |",
    ]
    for r in results:
        verdict = f"{r.status} ({VERDICTS[r.status]})"
        lines.append(f"| {r.benchmark.name} | {verdict} | {r.seconds:.0f} | {_md(r.note)} |")
    lines += ["", "| benchmark | metric | value | target | ok |", "| --- | --- | --- | --- | --- |"]
    for r in results:
        for row in r.rows:
            cells = (r.benchmark.name, row.metric, row.value, row.target, row.ok_cell)
            lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    status = overall(results)
    lines += ["", f"exit status {status}: {VERDICTS[status]}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, benchmarks: Sequence[Benchmark] = BENCHMARKS) -> int:
    """Run the benchmarks, write the summary; the exit status is the worst of theirs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL") or os.environ.get("SANJI_BENCH_POSTGRES_URL", ""),
        help="PostgreSQL SQLAlchemy URL for the PostgreSQL benchmarks (BENCH_PG_URL)",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "last-run.md", help="the summary")
    parser.add_argument("--smoke", action="store_true", help="run each at its --smoke size")
    parser.add_argument(
        "--only", action="append", choices=[b.name for b in benchmarks], help="repeatable"
    )
    args = parser.parse_args(argv)
    chosen = [b for b in benchmarks if not args.only or b.name in args.only]
    needs_pg = [b.name for b in chosen if b.postgres]
    if needs_pg and not args.pg_url.startswith("postgresql"):
        parser.error(
            f"{', '.join(needs_pg)} need a PostgreSQL database: "
            "make bench-all BENCH_PG_URL=postgresql+psycopg://user:pw@host/db"
        )
    machine = machine_line(args.pg_url if needs_pg else "")
    print(f"machine: {machine}", flush=True)
    when, load = datetime.now(UTC), load_average()
    results = []
    for benchmark in chosen:
        shown = " ".join(benchmark.command(smoke=args.smoke, pg_url="…"))  # no password
        print(f"\n=== {benchmark.name}: {shown}", flush=True)
        result = run_one(benchmark, smoke=args.smoke, pg_url=args.pg_url)
        results.append(result)
        print(f"=== {benchmark.name}: exit {result.returncode} → {VERDICTS[result.status]}"
              f" ({result.seconds:.0f} s)", flush=True)  # fmt: skip
    report = summary(results, machine, smoke=args.smoke, when=when, load=load)
    args.out.write_text(report, encoding="utf-8")
    print(f"\n{report}\nwritten to {args.out}")
    return overall(results)


if __name__ == "__main__":
    sys.exit(main())
