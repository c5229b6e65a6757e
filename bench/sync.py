"""Sync v1 benchmark: a real hub and town on 127.0.0.1, the targets of ARCHITECTURE §4.

Run ``.venv/bin/python bench/sync.py`` (or ``make bench``). It initialises a demo hub
(SQLite) and town 徐家坪镇 in a temporary directory, starts both web tiers under gunicorn,
enrolls the town with a one-time token (``hub enroll-node`` + ``town join``), then measures:

1. a push of 10,000 case events from the town to the hub on loopback (≥ 10,000 events/s);
2. the same through a proxy adding 300 ms of round trip (≥ 3,000 events/s);
3. the hub's ingest rate as a share of ``executemany`` of the same rows into a fresh
   SQLite file with the same schema (≥ 20 %);
4. the bytes on the wire of the feed request that brings one catalog change to the town
   (≤ 8 KB), and a 304 for a node with nothing new;
5. the resident memory of each tier's gunicorn workers (< 120 MB).

It prints the machine, the settings and a table, and exits 1 when a target is missed
(2 when the benchmark itself fails). Every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import requests
from benchkit import Row, add_smoke, apply_sizes, exit_status, print_table
from benchload import ItemFacts, PushResult, Signer, Workload, load_items, push
from benchnodes import (
    MemoryWatch,
    Node,
    Processes,
    children,
    cpu_seconds,
    free_port,
    sanji,
    wait_healthy,
)
from delayproxy import TcpProxy

from shared.sync.crypto import NodeKey

TOWN = "610727105"  # 徐家坪镇, as in the demo
COUNTY = "610727"
BENCH = Path(__file__).resolve().parent

# Targets (issue: sync v1 performance)
LOOPBACK_TARGET = 10_000  # events/s
DELAYED_TARGET = 3_000  # events/s
RATIO_TARGET = 0.20  # hub ingest / executemany
FEED_CHANGE_TARGET = 8 * 1024  # bytes on the wire
RSS_TARGET_MB = 120


#: The rows of the table, in order (tests/bench checks that each one is printed).
METRICS = (
    "push, loopback",
    "push, 300 ms RTT proxy",
    "hub ingest / executemany",
    "one catalog change, wire bytes",
    "nothing new → 304",
    "hub web worker RSS (peak)",
    "town web worker RSS (peak)",
)
FULL = {"events": 10_000, "batch": 1000, "repeat": 3}
SMOKE = {"events": 200, "batch": 100, "repeat": 1}


# --------------------------------------------------------------------------- arguments


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="sanji sync v1 benchmark (real processes on 127.0.0.1)"
    )
    parser.add_argument("--events", type=int, help="events per push run (10,000)")
    parser.add_argument(
        "--batch", type=int, help="events per request (≤ 5000; 1000, the client default)"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="batches in flight, loopback")
    parser.add_argument(
        "--delayed-concurrency", type=int, default=4, help="batches in flight through the proxy"
    )
    parser.add_argument("--delay", type=float, default=0.15, help="proxy delay each way (s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per tier")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--followups", type=float, default=0.1, help="share of 'accepted' events (rest: submitted)"
    )
    parser.add_argument(
        "--max-materials",
        type=int,
        default=None,
        help="cap the materials listed per 'submitted' event (default: all, as file_case)",
    )
    parser.add_argument(
        "--repeat", type=int, help="runs of each push measurement (median judged; 3)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    add_smoke(parser, SMOKE)
    args = apply_sizes(parser.parse_args(argv), FULL, SMOKE)
    if not 1 <= args.batch <= 5000:
        parser.error("--batch must be between 1 and 5000 (the hub's limit)")
    if args.events < 1 or args.repeat < 1 or args.concurrency < 1 or args.delayed_concurrency < 1:
        parser.error("--events, --repeat and the concurrencies must be at least 1")
    return args


# --------------------------------------------------------------------------- set-up


@dataclass
class Cluster:
    hub: Node
    town: Node
    hub_web: int  # gunicorn master pids
    town_web: int
    feed_proxy: TcpProxy  # counts the town's sync traffic (town joined through it)
    feed_url: str
    delayed_url: str
    signer: Signer


def start_cluster(args: argparse.Namespace, root: Path, procs: Processes) -> Cluster:
    hub = Node("hub", COUNTY, root / "hub", free_port())
    town = Node("town", TOWN, root / "town", free_port())
    step("initialising hub (demo catalog) and town databases")
    inits = [
        procs.start_piped("hub-init", sanji("hub", "init", "--demo"), hub.env()),
        procs.start_piped("town-init", sanji("town", "init"), town.env()),
    ]
    for name, proc in zip(("hub init", "town init"), inits, strict=True):
        proc.communicate(timeout=180)
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed ({proc.returncode}); logs in {procs.logs}")

    step(f"starting hub web on {hub.url} ({args.workers} workers × {args.threads} threads)")
    serve = ["serve", "--port", "", "--workers", str(args.workers), "--threads", str(args.threads)]
    hub_web = procs.start("hub-web", sanji("hub", *_port(serve, hub.port)), hub.env())
    wait_healthy(hub, hub_web)

    feed_proxy = TcpProxy("127.0.0.1", hub.port)
    feed_url = f"http://127.0.0.1:{feed_proxy.start_in_thread()}"
    step(f"enrolling town {TOWN} (joined through the byte-counting proxy {feed_url})")
    token = procs.run("hub-enroll", sanji("hub", "enroll-node", TOWN), hub.env()).split()[0]
    pin = procs.run("hub-fingerprint", sanji("hub", "fingerprint"), hub.env()).strip()
    join = [
        "join",
        "--hub",
        feed_url,
        "--token",
        token,
        "--hub-fingerprint",
        pin,
        "--url",
        town.url,
    ]
    procs.run("town-join", sanji("town", *join), town.env())

    step(f"starting town web on {town.url}")
    town_web = procs.start("town-web", sanji("town", *_port(serve, town.port)), town.env())
    wait_healthy(town, town_web)

    delay = procs.start_piped(
        "delay-proxy",
        [sys.executable, str(BENCH / "delayproxy.py"), "--target", f"127.0.0.1:{hub.port}",
         "--delay", str(args.delay)],
        dict(os.environ),
    )  # fmt: skip
    assert delay.stdout is not None
    line = delay.stdout.readline().decode().split()
    if len(line) != 2 or line[0] != "listening":
        raise RuntimeError(f"the delay proxy did not start: {line!r}")
    key = NodeKey.load_or_create(town.data_dir / "node_key.pem")
    return Cluster(
        hub=hub,
        town=town,
        hub_web=hub_web.pid,
        town_web=town_web.pid,
        feed_proxy=feed_proxy,
        feed_url=feed_url,
        delayed_url=f"http://127.0.0.1:{line[1]}",
        signer=Signer(TOWN, key),
    )


def _port(argv: list[str], port: int) -> list[str]:
    return [str(port) if a == "" else a for a in argv]


_watch: list[MemoryWatch] = []  # set once the web tiers run: progress lines show their RSS


def step(text: str) -> None:
    memory = f"  [workers' RSS: {_watch[0].current()}]" if _watch else ""
    print(f"· {text}{memory}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- 1–3 pushes


@dataclass
class Series:
    """Repeated runs of one measurement; the median is what the table judges."""

    runs: list[PushResult]
    hub_cpu: list[float] = field(default_factory=list)  # CPU seconds of the hub's workers

    @property
    def rates(self) -> list[float]:
        return sorted(r.rate for r in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    def detail(self) -> str:
        first = self.runs[0]
        encode = statistics.median(r.encode_seconds for r in self.runs)
        spread = f" ({self.rates[0]:,.0f}–{self.rates[-1]:,.0f})" if len(self.runs) > 1 else ""
        hub = ""
        if self.hub_cpu:
            busy = statistics.median(self.hub_cpu)
            hub = f"; hub workers' CPU {busy:.2f} s ({first.events / busy:,.0f} ev per CPU-s)"
        return (
            f"median of {len(self.runs)}{spread}; {first.events:,} events in {first.batches} "
            f"requests, {statistics.median(r.seconds for r in self.runs):.2f} s; "
            f"client JSON+gzip {encode * 1000:.0f} ms{hub}"
        )


def push_runs(
    args: argparse.Namespace, cluster: Cluster, workload: Workload
) -> tuple[Series, Series, list[dict[str, Any]], float]:
    """Warm up, then loopback and delayed runs, alternately; the proxy's measured RTT too."""
    sizes = _sizes(args.events, args.batch)
    status = {"last_success": None, "lag_seconds": None, "queue_depth": args.events,
              "quarantined": 0, "master_cursor": 0, "children": {}}  # fmt: skip
    step("warming up the hub's workers (4 small batches, not timed)")
    warm = [workload.batch(50) for _ in range(4)]
    _check(push(cluster.hub.url, cluster.signer, warm, concurrency=2, status=status), "warm-up")
    rtt = _measure_rtt(cluster.delayed_url)
    loopback, delayed = Series([]), Series([])
    first: list[dict[str, Any]] = []
    for run in range(1, args.repeat + 1):
        batches = [workload.batch(n) for n in sizes]
        first = first or [e for b in batches for e in b]
        step(
            f"run {run}/{args.repeat}: push {args.events} events in {len(sizes)} requests, loopback"
        )
        cpu = cpu_seconds(children(cluster.hub_web))
        result = push(cluster.hub.url, cluster.signer, batches, concurrency=args.concurrency,
                      status=status)  # fmt: skip
        loopback.runs.append(_check(result, "loopback push"))
        loopback.hub_cpu.append(cpu_seconds(children(cluster.hub_web)) - cpu)

        batches = [workload.batch(n) for n in sizes]
        step(f"run {run}/{args.repeat}: the same through the proxy (RTT {rtt * 1000:.0f} ms)")
        cpu = cpu_seconds(children(cluster.hub_web))
        result = push(cluster.delayed_url, cluster.signer, batches,
                      concurrency=args.delayed_concurrency, status=status)  # fmt: skip
        delayed.runs.append(_check(result, "delayed push"))
        delayed.hub_cpu.append(cpu_seconds(children(cluster.hub_web)) - cpu)
    return loopback, delayed, first, rtt


def _sizes(total: int, batch: int) -> list[int]:
    full, rest = divmod(total, batch)
    return [batch] * full + ([rest] if rest else [])


def _check(result: PushResult, what: str) -> PushResult:
    if result.rejected or result.duplicates or result.accepted != result.events:
        sample = result.rejected[:3]
        raise RuntimeError(
            f"{what}: {result.accepted}/{result.events} accepted, "
            f"{result.duplicates} duplicates, {len(result.rejected)} rejected {sample}"
        )
    return result


def _measure_rtt(url: str) -> float:
    """Time of a small request on a warm connection through the delay proxy."""
    with requests.Session() as http:
        http.get(f"{url}/api/v1/health", timeout=30)
        started = time.perf_counter()
        http.get(f"{url}/api/v1/health", timeout=30)
        return time.perf_counter() - started


def direct_insert_seconds(wire: Sequence[dict[str, Any]], root: Path, repeat: int) -> list[float]:
    """``executemany`` of the rows the hub stores for ``wire``, each time into a fresh file
    with the hub's schema (its migrations) and pragmas (WAL, synchronous=NORMAL)."""
    import county_hub
    from shared.db import make_engine
    from shared.migrate import upgrade

    received = _sqlite_time(datetime.now(UTC))
    rows = [
        (
            e["id"], e["case_id"], e["case_no"], e["origin"], e["lamport"], e["type"],
            _sqlite_time(datetime.fromisoformat(e["at"])), e["actor"], json.dumps(e["payload"]),
            e["v"], received, TOWN, 1, 0,
        )
        for e in wire
    ]  # fmt: skip
    columns = (
        "id, case_id, case_no, origin, lamport, type, at, actor, payload, v, received_at, "
        "received_from, acked, projected"
    )
    sql = f"INSERT INTO case_events ({columns}) VALUES ({', '.join('?' * 14)})"  # noqa: S608
    times = []
    for run in range(repeat):
        engine = make_engine(f"sqlite:///{root / f'direct-{run}.sqlite3'}")
        upgrade(Path(county_hub.__file__).parent / "migrations", engine)
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(sql, rows)
            cursor.execute("COMMIT")
            times.append(time.perf_counter() - started)
            count = cursor.execute("SELECT count(*) FROM case_events").fetchone()[0]
        finally:
            raw.close()
            engine.dispose()
        if count != len(wire):
            raise RuntimeError(f"direct insert stored {count} rows of {len(wire)}")
    return times


def _sqlite_time(value: datetime) -> str:
    """How SQLAlchemy's DateTime stores an aware UTC value in SQLite."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# --------------------------------------------------------------------------- 4 master feed


@dataclass
class FeedResult:
    full_changes: int
    full_bytes: int
    full_seconds: float
    idle_status: int
    idle_bytes: int
    change_applied: int
    change_bytes: int
    change_up: int
    change_down: int
    after_status: int
    after_bytes: int


def feed_runs(cluster: Cluster, item: ItemFacts) -> FeedResult:
    """The town pulls the whole feed, polls idle, gets one catalog change, polls again."""
    from shared.clock import SystemClock
    from shared.db import make_engine, make_sessionmaker
    from shared.sync.client import SyncClient

    engine = make_engine(f"sqlite:///{cluster.town.data_dir / 'town.sqlite3'}")
    client = SyncClient(
        make_sessionmaker(engine),
        me=TOWN,
        key=cluster.signer.key,
        clock=SystemClock(),
        county=COUNTY,
    )
    try:
        step("the town pulls the whole master feed (SyncClient.pull_master, 500 a page)")
        (full, full_bytes), full_seconds = _timed(lambda: _counted(cluster, client.pull_master))
        idle_status, idle_bytes = _conditional_poll(cluster, client)

        step(f"publishing one catalog change at the hub (item {item.code})")
        _publish_change(cluster.hub.url, item.code)
        before = cluster.feed_proxy.counters()
        applied = client.pull_master()
        after = cluster.feed_proxy.counters()
        after_status, after_bytes = _conditional_poll(cluster, client)
    finally:
        client.close()
        engine.dispose()
    up, down = after[0] - before[0], after[1] - before[1]
    return FeedResult(
        full_changes=full,
        full_bytes=full_bytes,
        full_seconds=full_seconds,
        idle_status=idle_status,
        idle_bytes=idle_bytes,
        change_applied=applied,
        change_bytes=up + down,
        change_up=up,
        change_down=down,
        after_status=after_status,
        after_bytes=after_bytes,
    )


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _counted(cluster: Cluster, fn: Callable[[], int]) -> tuple[int, int]:
    before = sum(cluster.feed_proxy.counters())
    value = fn()
    return value, sum(cluster.feed_proxy.counters()) - before


def _conditional_poll(cluster: Cluster, client: Any) -> tuple[int, int]:
    """The town's next feed request, with its cursor and stored ETag: (status, bytes)."""
    from shared.sync import state
    from shared.sync.client import PAGE

    with client.sessions() as session:
        cursor = int(state.get(session, "master_cursor", 0))
        etag = state.get(session, "master_etag")
    headers = {"If-None-Match": etag} if etag else {}
    before = sum(cluster.feed_proxy.counters())
    response = client._call(  # the client's own signed, compressed transport
        "GET", "/api/v1/sync/master", {"after": cursor, "limit": PAGE}, headers=headers
    )
    return response.status_code, sum(cluster.feed_proxy.counters()) - before


def _publish_change(hub_url: str, code: str) -> None:
    """As the county admin: a new draft of ``code`` with a changed note, then publish it."""
    from county_hub.catalog.schemas import ItemDataSchema, MaterialSchema

    api = f"{hub_url}/api/v1"
    with requests.Session() as http:
        login = http.post(
            f"{api}/auth/token", json={"username": "admin", "password": "demo"}, timeout=30
        )
        login.raise_for_status()
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        detail = http.get(f"{api}/catalog/items/{code}", timeout=30).json()
        item_fields = {n for n, f in ItemDataSchema().fields.items() if not f.dump_only}
        material_fields = {n for n, f in MaterialSchema().fields.items() if not f.dump_only}
        record = {k: v for k, v in detail.items() if k in item_fields}
        record["materials"] = [
            {k: v for k, v in m.items() if k in material_fields} for m in detail["materials"]
        ]
        record["note"] = f"基准测试修改 {datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
        for method, path, body in (
            ("PUT", f"{api}/catalog/items/{code}/draft", record),
            ("POST", f"{api}/catalog/items/{code}/publish", None),
        ):
            response = http.request(method, path, json=body, timeout=30)
            if response.status_code != 200:
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")


# --------------------------------------------------------------------------- report


def build_rows(
    loopback: Series,
    delayed: Series,
    direct_seconds: list[float],
    feed: FeedResult,
    memory: dict[str, dict[str, int]],
) -> list[Row]:
    events = loopback.runs[0].events
    direct = statistics.median(direct_seconds)
    direct_rate = events / direct
    ratio = loopback.median / direct_rate
    rows = [
        Row("push, loopback", f"{loopback.median:,.0f} ev/s", f"≥ {LOOPBACK_TARGET:,} ev/s",
            loopback.median >= LOOPBACK_TARGET, loopback.detail()),
        Row("push, 300 ms RTT proxy", f"{delayed.median:,.0f} ev/s",
            f"≥ {DELAYED_TARGET:,} ev/s", delayed.median >= DELAYED_TARGET, delayed.detail()),
        Row("hub ingest / executemany", f"{ratio:.0%}", f"≥ {RATIO_TARGET:.0%}",
            ratio >= RATIO_TARGET,
            f"executemany of the first run's rows: {direct_rate:,.0f} rows/s "
            f"({direct * 1000:.0f} ms, median of {len(direct_seconds)})"),
        Row("one catalog change, wire bytes", f"{feed.change_bytes:,} B",
            f"≤ {FEED_CHANGE_TARGET:,} B",
            feed.change_applied == 1 and feed.change_bytes <= FEED_CHANGE_TARGET,
            f"request {feed.change_up:,} B + response {feed.change_down:,} B; "
            f"{feed.change_applied} change applied"),
        Row("nothing new → 304", f"{feed.idle_status} / {feed.after_status}", "304 / 304",
            feed.idle_status == 304 and feed.after_status == 304,
            f"before / after the change: {feed.idle_bytes:,} B / {feed.after_bytes:,} B"),
    ]  # fmt: skip
    for tier in ("hub", "town"):
        mem = memory[tier]
        peak_mb = max(mem["hwm_kb"], mem["sampled_peak_kb"]) / 1024
        rows.append(
            Row(f"{tier} web worker RSS (peak)", f"{peak_mb:.0f} MB", f"< {RSS_TARGET_MB} MB",
                0 < peak_mb < RSS_TARGET_MB,
                f"{mem['workers']} workers; now {mem['rss_end_kb'] / 1024:.0f} MB (VmRSS), "
                "peak = VmHWM")
        )  # fmt: skip
    return rows


def print_report(
    args: argparse.Namespace,
    rows: Sequence[Row],
    loopback: Series,
    feed: FeedResult,
    rtt: float,
    mean_event: float,
) -> None:
    gzipped = loopback.runs[0].bytes_sent / loopback.runs[0].events
    payload = (
        "full payload"
        if args.max_materials is None
        else f"full payload but at most {args.max_materials} materials"
    )
    print()
    print(
        f"machine: nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )
    print(
        f"settings: batch {args.batch} events; in flight {args.concurrency} (loopback), "
        f"{args.delayed_concurrency} (proxy, delay {args.delay * 1000:.0f} ms each way, "
        f"measured RTT {rtt * 1000:.0f} ms); gunicorn {args.workers} workers × "
        f"{args.threads} threads per tier; hub DB SQLite"
    )
    print(
        f"events: mean {mean_event:,.0f} B as JSON; {args.followups:.0%} 'accepted', the rest "
        f"'submitted' ({payload}); gzip on the wire {gzipped:,.0f}"
        f" B/event; master feed first pull {feed.full_changes:,} changes, "
        f"{feed.full_bytes / 1024:,.0f} KB, {feed.full_seconds:.1f} s"
    )
    print_table(rows)
    print()
    missed = [r.metric for r in rows if not r.ok]
    print("all targets met" if not missed else "MISSED: " + ", ".join(missed))


# --------------------------------------------------------------------------- main


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    root = Path(tempfile.mkdtemp(prefix="sanji-bench-"))
    (root / "logs").mkdir()
    procs = Processes(root / "logs")
    cluster: Cluster | None = None
    failed = False
    try:
        cluster = start_cluster(args, root, procs)
        watch = MemoryWatch({"hub": cluster.hub_web, "town": cluster.town_web})
        watch.start()
        _watch.append(watch)
        items = load_items(cluster.hub.url, TOWN)
        workload = Workload(
            TOWN, items, actor=f"town-{TOWN}", followup_share=args.followups,
            max_materials=args.max_materials,
        )  # fmt: skip
        feed = feed_runs(cluster, items[0])
        loopback, delayed, wire, rtt = push_runs(args, cluster, workload)
        step("timing executemany of the same rows into a fresh SQLite file")
        direct = direct_insert_seconds(wire, root, args.repeat)
        step("done")
        memory = watch.finish()
        rows = build_rows(loopback, delayed, direct, feed, memory)
        mean = sum(len(json.dumps(e, ensure_ascii=False).encode()) for e in wire) / len(wire)
        print_report(args, rows, loopback, feed, rtt, mean)
        return exit_status(rows)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        failed = True
        traceback.print_exc()
        print("benchmark failed: see above and the processes' logs", file=sys.stderr)
        return 2
    finally:
        procs.stop_all()
        if cluster is not None:
            cluster.feed_proxy.stop_thread()
        if args.keep or failed:
            print(f"data and logs kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
