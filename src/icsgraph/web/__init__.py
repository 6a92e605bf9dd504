"""The officers' web app, the query API and the static site (see app.py)."""
from .app import WebApp, make_app

__all__ = ["WebApp", "make_app"]
