"""gunicorn settings for any tier: `gunicorn -c deploy/gunicorn.conf.py county_hub.wsgi:app`."""

import os

bind = os.environ.get("SANJI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SANJI_WORKERS", "2"))
threads = int(os.environ.get("SANJI_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 10
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'
