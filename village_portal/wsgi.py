"""WSGI entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py village_portal.wsgi:app`."""

from village_portal import create_app

app = create_app()
