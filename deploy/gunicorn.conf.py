"""gunicorn settings for any tier: `gunicorn -c deploy/gunicorn.conf.py county_hub.wsgi:app`.

Installed as /etc/sanji/gunicorn.conf.py and used by deploy/systemd/sanji-*-web.service.
Everything a node may change comes from the environment (the unit's EnvironmentFile):

- SANJI_BIND            address:port to listen on (default 127.0.0.1:8000)
- SANJI_WORKERS         worker processes (default 2; keep 1–4 on SQLite)
- SANJI_THREADS         threads per worker (default 4)
- SANJI_CONTROL_SOCKET  gunicorn's control socket for `gunicornc` (gunicorn ≥ 25.1); the
                        systemd units give each tier its own under /run, so two tiers on
                        one machine never share $HOME/.gunicorn/gunicorn.ctl
- FORWARDED_ALLOW_IPS   read by gunicorn itself: proxies whose X-Forwarded-* are trusted
                        (default 127.0.0.1,::1 — right for nginx on the same machine)
"""

import os

from shared.serve import (
    ACCESS_LOG_FORMAT,
    MULTIPROC_ENV,
    MaskingLogger,
    fresh_metrics_dir,
    server_exited,
    worker_exited,
)

# Workers sum their request metrics through files here (shared/web/metrics.py); the app is
# imported only in the workers, after this line, so prometheus-client sees the folder.
os.environ.setdefault(MULTIPROC_ENV, fresh_metrics_dir())
child_exit = worker_exited
on_exit = server_exited

bind = os.environ.get("SANJI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SANJI_WORKERS", "2"))
threads = int(os.environ.get("SANJI_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 10
accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
# ID and mobile numbers in a request line are starred before the access log is written.
logger_class = MaskingLogger

# Older gunicorn versions ignore names they do not know, so this is safe on gunicorn 22–24.
if os.environ.get("SANJI_CONTROL_SOCKET"):
    control_socket = os.environ["SANJI_CONTROL_SOCKET"]
