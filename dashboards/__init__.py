"""The directors' dashboards: a Dash app on the panel's own server, under /dashboards/.

Every page goes page -> query -> figure: a callback reads the filters, calls
one `plp.queries` function that aggregates in SQL, and hands its rows to a
pure function in `dashboards.figures`. Access is checked before any Dash
endpoint answers (`dashboards.access`).

Dash's callbacks are POSTs, and the site's CSRF protection stays on for them:
the page hands the signed CSRF token to Dash's renderer in a cookie the
renderer reads and sends back in the X-CSRFToken header, which Flask-WTF
checks like a form's hidden field. The cookie is SameSite=Strict and only
sent below /dashboards/.
"""

from dash import Dash
from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from dashboards import access, layout
from dashboards.pages import matching, overview, progress, spending

# The cookie and header that carry the CSRF token to and from Dash's renderer.
CSRF_COOKIE = "plp_dashboards_csrf"
CSRF_HEADER = "X-CSRFToken"

PAGES = {
    access.OVERVIEW: overview,
    access.PROGRESS: progress,
    access.SPENDING: spending,
    access.MATCHING: matching,
}

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
<footer>{%config%}{%scripts%}{%renderer%}</footer>
</body>
</html>"""


def init_app(app) -> Dash:
    """Mount the dashboards on the application, behind sign-in and roles."""
    # Refuse signed-out and unauthorised requests before anything else reads
    # them, the CSRF check included: they get 401 or 403, never a CSRF error.
    app.before_request_funcs.setdefault(None, []).insert(0, access.guard)
    dashboards = Dash(
        __name__,
        server=app,
        url_base_pathname=access.PREFIX,
        title="PLP Manager dashboards",
        update_title=None,
        index_string=INDEX,
        # Each page's components exist only once the router has drawn it.
        suppress_callback_exceptions=True,
        serve_locally=True,
        csrf_token_name=CSRF_COOKIE,
        csrf_header_name=CSRF_HEADER,
    )
    dashboards.layout = layout.frame
    layout.register(dashboards, {page: module.layout for page, module in PAGES.items()})
    for module in PAGES.values():
        module.register(dashboards)
    app.after_request(_hand_csrf_token)
    return dashboards


def _hand_csrf_token(response):
    """Give Dash's renderer the CSRF token to send with each callback."""
    if not request.path.startswith(access.PREFIX) or response.status_code >= 400:
        return response
    if not current_user.is_authenticated or request.path.startswith(
        access.PREFIX + "_dash-component-suites/"
    ):
        return response
    response.set_cookie(
        CSRF_COOKIE,
        generate_csrf(),
        path=access.PREFIX,
        samesite="Strict",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        # The renderer reads the token from script, as it reads a form field.
        httponly=False,
    )
    return response
