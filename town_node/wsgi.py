"""WSGI entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py town_node.wsgi:app`."""

from town_node import create_app

app = create_app()
