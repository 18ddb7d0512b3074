"""Logging, configured once for the whole application."""

import logging
import re

from flask import Flask

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# "GET /admin/mentor/?search=someone@example.org HTTP/1.1"
# The line may be wrapped in colour codes, so it is not anchored.
_REQUEST_LINE = re.compile(
    r"((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) [^?\s]*)\?.*?( HTTP/[\d.]+)"
)


class QueryStringRedactor(logging.Filter):
    """Drop query strings from access-log lines.

    Searches, filters and lookups carry what staff typed, which can be a
    mentor's name or e-mail; the access log is no place for it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        record.msg = _redact(record.msg)
        return True


def _redact(value):
    if not isinstance(value, str):
        return value
    return _REQUEST_LINE.sub(r"\1?[query hidden]\2", value)


def init_app(app: Flask) -> None:
    """Keep identities out of the access log and send the log to standard error."""
    access_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringRedactor) for f in access_log.filters):
        access_log.addFilter(QueryStringRedactor())
    if app.testing or logging.getLogger().handlers:
        return
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
