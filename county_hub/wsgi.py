"""WSGI entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py county_hub.wsgi:app`."""

import shared.search
from county_hub import create_app

shared.search.PINYIN_IN_CHILD = True  # keep pypinyin's ~85 MB out of long-lived workers
app = create_app()
