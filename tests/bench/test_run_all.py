"""The benchmarks' shared table and ``bench/run_all.py``, on stand-in benchmarks (fast).

The stand-ins print the table as text, in the format ``bench/benchkit.py`` documents, so
the parser is held to the format rather than to ``print_table``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from benchkit import Row, declared_metrics, exit_status, parse_table, print_table
from run_all import BENCH, BENCHMARKS, Benchmark, last_error, main

TABLE = """\
metric | value | target | ok  | detail
-------+-------+--------+-----+-------
one    | 1 ms  | ≤ 2 ms | yes | fine
two    | 9 ms  | ≤ 2 ms | NO  | slow
"""


def _stand_in(tmp_path: Path, name: str, metrics: tuple[str, ...], body: str) -> Benchmark:
    script = tmp_path / f"{name}.py"
    script.write_text(
        f'"""Stand-in benchmark {name}."""\n\nimport sys\n\nMETRICS = {metrics!r}\n{body}\n',
        encoding="utf-8",
    )
    return Benchmark(name, script)


def test_print_table_is_read_back_by_parse_table() -> None:
    rows = [
        Row("push, loopback", "12,000 ev/s", "≥ 10,000 ev/s", True, "median of 3"),
        Row("a | b", "3", "≤ 2", False),
        Row("warnings by department", "4.1 ms", detail="for information"),
    ]
    out = io.StringIO()
    out.write("EXPLAIN lines and other output before the table\n")
    print_table(rows, file=out)
    out.write("\nall targets met\n")
    parsed = parse_table(out.getvalue())
    assert parsed == [rows[0], Row("a / b", "3", "≤ 2", False, ""), rows[2]]
    assert exit_status(parsed) == 1
    assert exit_status([rows[0], rows[2]]) == 0


def test_parse_table_reads_the_last_table_and_stops_after_it() -> None:
    text = TABLE.replace("one ", "old ") + "\n" + TABLE + "schema dropped\n"
    assert [(r.metric, r.ok) for r in parse_table(text)] == [("one", True), ("two", False)]
    assert parse_table("no table here\n") == []


def test_every_benchmark_declares_its_rows_and_run_all_knows_them_all() -> None:
    declaring = {p.name for p in BENCH.glob("*.py") if "\nMETRICS" in p.read_text("utf-8")}
    assert {b.script.name for b in BENCHMARKS} == declaring
    for benchmark in BENCHMARKS:
        metrics = declared_metrics(benchmark.script)
        assert metrics, benchmark.name
        assert len(set(metrics)) == len(metrics), benchmark.name


def test_declared_metrics_wants_a_literal(tmp_path: Path) -> None:
    script = tmp_path / "computed.py"
    script.write_text('"""x."""\nMETRICS = tuple(n for n in "ab")\n', encoding="utf-8")
    with pytest.raises(ValueError, match="literal"):
        declared_metrics(script)


def test_last_error_is_the_exception_a_traceback_ended_with() -> None:
    lines = ["Traceback (most recent call last):\n", '  File "x.py"\n', "RuntimeError: no key\n",
             "data and logs kept in /tmp/x\n"]  # fmt: skip
    assert last_error(lines) == "RuntimeError: no key"
    assert last_error(["just a line\n"]) == "just a line"
    assert last_error([]) == ""


def test_run_all_runs_every_one_and_records_each_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stand_ins = [
        _stand_in(tmp_path, "missed", ("one", "two"), f"print({TABLE!r})\nsys.exit(1)"),
        _stand_in(tmp_path, "crashes", ("one",), "raise RuntimeError('no signing key')"),
        _stand_in(tmp_path, "short", ("one", "two", "three"), f"print({TABLE!r})\nsys.exit(1)"),
        _stand_in(tmp_path, "broken", ("one", "two"), f"print({TABLE!r})\nsys.exit(2)"),
        _stand_in(tmp_path, "met", ("one",), f"print({TABLE.split(chr(10) + 'two')[0]!r})"),
    ]
    out = tmp_path / "last-run.md"
    assert main(["--out", str(out)], benchmarks=stand_ins) == 2
    summary = out.read_text(encoding="utf-8")
    assert "| missed | 1 (missed) |" in summary
    assert "| crashes | 2 (failed) |" in summary
    assert "RuntimeError: no signing key" in summary
    assert "| short | 2 (failed) |" in summary
    assert "no row 'three'" in summary
    assert "| broken | 2 (failed) |" in summary
    assert "| met | 0 (met) |" in summary
    assert "| missed | two | 9 ms | ≤ 2 ms | NO |" in summary
    assert f"Python {sys.version.split()[0]}" in summary
    assert "PostgreSQL not used" in summary
    assert "exit status 2: failed" in summary
    assert "no signing key" in capsys.readouterr().err  # shown as it ran


def test_run_all_exits_1_when_a_target_is_only_missed(tmp_path: Path) -> None:
    missed = _stand_in(tmp_path, "missed", ("one", "two"), f"print({TABLE!r})\nsys.exit(1)")
    assert main(["--out", str(tmp_path / "s.md")], benchmarks=[missed]) == 1


def test_run_all_wants_a_postgres_url_for_postgres_benchmarks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BENCH_PG_URL", raising=False)
    monkeypatch.delenv("SANJI_BENCH_POSTGRES_URL", raising=False)
    pg = Benchmark("pg", tmp_path / "pg.py", postgres=True)
    with pytest.raises(SystemExit) as exit_:
        main(["--out", str(tmp_path / "s.md")], benchmarks=[pg])
    assert exit_.value.code == 2
    assert not (tmp_path / "s.md").exists()
