"""Logging, configured once for the whole application."""

import logging

from flask import Flask

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def init_app(app: Flask) -> None:
    """Send the application's log to standard error, unless something else does."""
    if app.testing or logging.getLogger().handlers:
        return
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
