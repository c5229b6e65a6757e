"""Run a tier's app under gunicorn from the ``sanji <tier> serve`` command."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from shared.ids.masking import mask_text

#: gunicorn's access-log line: no query string is written unmasked (see MaskingLogger).
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'


class MaskingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's logger with ID and mobile numbers starred in every access-log field.

    Personal data must never reach a log (个人信息保护法; docs/logging.md): an ID number
    typed into a query string, a phone in ``?phone=`` — whatever a client sends, the
    request line, path and query are masked before they are written.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        # Every field, not a chosen few: a format may log a header or an environ value too.
        return {k: mask_text(v) if isinstance(v, str) else v for k, v in found.items()}


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        import shared.search

        shared.search.PINYIN_IN_CHILD = True  # keep pypinyin's ~85 MB out of long-lived workers
        return self._factory()


def limit_malloc_arenas() -> None:
    """Re-execute this process with ``MALLOC_ARENA_MAX=2`` (and a metrics folder) if unset.

    glibc gives each thread of a gthread worker its own malloc arena, and memory freed
    after a large sync batch stays mapped in them: a worker that needs 80 MB grew past
    180 MB. Two arenas keep it near what it uses. glibc reads the variable only at
    start, hence the re-exec; the systemd units set it directly (deploy/systemd).

    prometheus-client likewise picks its multiprocess mode when it is first imported,
    which the command line has already done: the same re-exec gives the new process
    ``PROMETHEUS_MULTIPROC_DIR`` (a fresh folder per server start, see shared/web/metrics.py).
    """
    missing = not os.environ.get("MALLOC_ARENA_MAX") or not os.environ.get(MULTIPROC_ENV)
    if not missing:
        return
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    os.environ.setdefault(MULTIPROC_ENV, fresh_metrics_dir())
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])  # noqa: S606 - same command


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def fresh_metrics_dir() -> str:
    """An empty folder for the workers' metric files: counters start at 0 with the server."""
    return tempfile.mkdtemp(prefix="sanji-metrics-")


def worker_exited(_server: Any, worker: Any) -> None:
    """gunicorn ``child_exit``: a dead worker's live gauges leave the sums (counters stay)."""
    if os.environ.get(MULTIPROC_ENV):
        # Imported here, not at the top: prometheus-client fixes its mode at first import,
        # and deploy/gunicorn.conf.py imports this module before it sets the folder.
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # no hints


def server_exited(_server: Any) -> None:
    """gunicorn ``on_exit``: remove this start's metrics folder."""
    folder = os.environ.get(MULTIPROC_ENV, "")
    if os.path.basename(folder).startswith("sanji-metrics-"):
        shutil.rmtree(folder, ignore_errors=True)


def serve(
    factory: Callable[[], Flask], *, host: str, port: int, workers: int, threads: int
) -> None:
    """Serve ``factory()`` with gunicorn (the same server as production, see deploy/)."""
    _Gunicorn(
        factory,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": MaskingLogger,
            "child_exit": worker_exited,
            "on_exit": server_exited,
        },
    ).run()
