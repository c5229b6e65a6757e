"""WSGI entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py county_hub.wsgi:app`."""

from county_hub import create_app

app = create_app()
