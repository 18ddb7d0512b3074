"""Response headers that keep pages with personal data out of frames and caches."""

from flask import Flask, request

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "frame-ancestors 'none'",
}

# Scripts and styles that never hold a record; browsers may keep them.
CODE_PATHS = (
    "/static/",
    "/admin/static/",
    "/dashboards/_dash-component-suites/",
    "/dashboards/assets/",
)


def init_app(app: Flask) -> None:
    """Add the protective headers to every response."""
    app.after_request(_protect)


def _protect(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(CODE_PATHS):
        # Pages can hold identities: no browser or proxy should keep a copy.
        response.headers["Cache-Control"] = "no-store"
    return response
