"""Bocage's wiki core: the Flask application of one territory's wiki.

`create_app(instance_dir)` builds the app for an instance folder (see `wiki.instance`).
The core knows nothing about federation: it emits content events (`wiki.events`) that
other layers subscribe to.
"""
from .app import create_app

__all__ = ["create_app"]
