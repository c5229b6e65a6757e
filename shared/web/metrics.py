"""GET /metrics: Prometheus text format, every name prefixed ``sanji_``, on every tier.

Two kinds of metric, collected so that any gunicorn worker answering a scrape gives the
same numbers:

- Node state (sync lag, queue, quarantine, last success, scheduler job runs and
  failures) is read from the database at scrape time by :class:`StateCollector` into a
  registry built for that one request. The scheduler is a separate process; it keeps
  its job counters in ``sync_state`` (``shared.sync.scheduler``) where any worker reads
  them.
- Request counts and latency by route (the Flask url_rule, never the raw path, which
  would carry case numbers and ID numbers) live in each worker's memory. Under
  ``sanji <tier> serve`` and the systemd units, ``PROMETHEUS_MULTIPROC_DIR`` is set before
  any worker starts (``shared.serve``, ``deploy/gunicorn.conf.py``), so prometheus-client's
  multiprocess mode sums every worker's files at scrape time; without it (the test
  client, ``flask run``) the one process's values are exposed.

Only the addresses in ``METRICS_ALLOW`` may scrape; everyone else gets 404 — nginx must
not forward /metrics from outside (deploy/nginx), since it connects from 127.0.0.1.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from datetime import datetime

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from shared.sync import state
from shared.sync.status import node_status
from shared.tier import Tier

#: Requests in memory (or in the multiprocess files); never registered globally, so a
#: second app in one process (tests) does not collide with the first.
REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "sanji_http_requests",
    "HTTP requests answered, by route (Flask url_rule), method and status",
    ["route", "method", "status"],
    registry=REQUEST_REGISTRY,
)
LATENCY = Histogram(
    "sanji_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (Flask url_rule) and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REQUEST_REGISTRY,
)


class StateCollector(Collector):
    """The node's sync state and the scheduler's job counters, read at scrape time."""

    def __init__(self, tier: Tier) -> None:
        self.tier = tier

    def collect(self) -> Iterator[Metric]:
        tier = self.tier
        with tier.sessions() as session:
            status = node_status(session, tier)
            jobs = state.get(session, state.JOB_STATS_KEY) or {}
        info = GaugeMetricFamily(
            "sanji_node_info",
            "This node: tier, region code and version",
            labels=["tier", "node", "version"],
        )
        info.add_metric([tier.name, tier.node_code, tier.version], 1.0)
        yield info
        lag = status["lag_seconds"]
        yield GaugeMetricFamily(
            "sanji_sync_lag_seconds",
            "Seconds since the last successful sync with the upstream (NaN: never)",
            value=float(lag) if lag is not None else math.nan,
        )
        last = status["last_success"]
        yield GaugeMetricFamily(
            "sanji_sync_last_success_timestamp_seconds",
            "Unix time of the last successful sync with the upstream (0: never)",
            value=datetime.fromisoformat(last).timestamp() if last else 0.0,
        )
        yield GaugeMetricFamily(
            "sanji_sync_queue_length",
            "Case events written here and not yet acknowledged by the upstream",
            value=float(status["queue_depth"]),
        )
        yield GaugeMetricFamily(
            "sanji_sync_quarantined",
            "Received events held in quarantine and not yet resolved",
            value=float(status["quarantined"]),
        )
        yield GaugeMetricFamily(
            "sanji_sync_failures",
            "Failed sync attempts in a row (0 after a success)",
            value=float(status["failures"] or 0),
        )
        runs = CounterMetricFamily(
            "sanji_job_runs", "Scheduler job runs since the scheduler started", labels=["job"]
        )
        failures = CounterMetricFamily(
            "sanji_job_failures", "Scheduler job runs that raised", labels=["job"]
        )
        last_run = GaugeMetricFamily(
            "sanji_job_last_run_timestamp_seconds", "Unix time a job last ran", labels=["job"]
        )
        for job, stats in sorted(jobs.items()):
            runs.add_metric([job], float(stats.get("runs", 0)))
            failures.add_metric([job], float(stats.get("failures", 0)))
            last_run.add_metric([job], float(stats.get("last_run", 0.0)))
        yield runs
        yield failures
        yield last_run


def allowed(remote: str | None, allow: str) -> bool:
    """Is ``remote`` one of the comma-separated addresses of ``METRICS_ALLOW``?"""
    return remote is not None and remote in {a.strip() for a in allow.split(",") if a.strip()}


def scrape(tier: Tier) -> bytes:
    """One scrape: a registry built for this request (state read now, requests summed)."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # module without hints
    else:
        registry.register(REQUEST_REGISTRY)
    registry.register(StateCollector(tier))
    return generate_latest(registry)


def init_app(app: Flask) -> None:
    """Time every request by its route and serve /metrics (outside /api/v1)."""

    @app.before_request
    def _start_timer() -> None:
        g.sanji_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        started = g.get("sanji_started")
        if started is not None:
            # The rule, not the path: /api/v1/cases/<case_no>, never a case number.
            route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
            REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        if not allowed(request.remote_addr, str(app.config.get("METRICS_ALLOW", ""))):
            abort(404)
        return Response(scrape(app.extensions["sanji"]), content_type=CONTENT_TYPE_LATEST)
