"""Who may read the dashboards, and the checks that keep everyone else out.

Every request under the dashboards' prefix passes `guard` first: pages send
a signed-out visitor to sign in, Dash's own endpoints (layout, dependencies,
callbacks, component scripts, assets) answer 401 with no data; staff whose
role may not read dashboards get 403. Finance officers read spending only:
the guard keeps them off the other pages and `for_page` refuses the other
pages' callbacks, whichever way a request arrives.
"""

import functools
import logging

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

from plp.enums import Role

logger = logging.getLogger(__name__)

PREFIX = "/dashboards/"

OVERVIEW, PROGRESS, SPENDING, MATCHING = "overview", "progress", "spending", "matching"

# Each page's path below the prefix.
PAGE_PATHS = {
    OVERVIEW: "",
    PROGRESS: "progress",
    SPENDING: "spending",
    MATCHING: "matching",
}

DIRECTORS = (Role.DIRECTOR, Role.ADMINISTRATOR)
PAGE_ROLES = {
    OVERVIEW: DIRECTORS,
    PROGRESS: DIRECTORS,
    SPENDING: (*DIRECTORS, Role.FINANCE),
    MATCHING: DIRECTORS,
}
DASHBOARD_ROLES = (Role.DIRECTOR, Role.ADMINISTRATOR, Role.FINANCE)

SIGN_IN_NEEDED = "Sign in to read the dashboards."
NOT_ALLOWED = "Your role may not read this dashboard."


def may_read(page: str) -> bool:
    """Tell whether the signed-in member of staff may read a page's figures."""
    if not current_user.is_authenticated:
        return False
    return current_user.role in PAGE_ROLES.get(page, ())


def pages_readable() -> list[str]:
    """Return the pages the signed-in member of staff may read, in menu order."""
    return [page for page in PAGE_PATHS if may_read(page)]


def page_of(path: str) -> str | None:
    """Return the page an address below the prefix shows, or None for another one."""
    rest = path.removeprefix(PREFIX.rstrip("/")).strip("/")
    for page, page_path in PAGE_PATHS.items():
        if rest == page_path:
            return page
    return None


def home_of() -> str:
    """Return the first dashboard page the signed-in member of staff may read."""
    readable = pages_readable()
    return PREFIX + PAGE_PATHS[readable[0]] if readable else PREFIX


def guard():
    """Refuse any request under the prefix from staff who may not read it."""
    path = request.path
    if not (path == PREFIX.rstrip("/") or path.startswith(PREFIX)):
        return None
    resource = path.startswith((PREFIX + "_", PREFIX + "assets/"))

    if not current_user.is_authenticated:
        if resource:
            return jsonify(error=SIGN_IN_NEEDED), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in DASHBOARD_ROLES:
        logger.info("user %s refused the dashboards at %s", current_user.id, path)
        if resource:
            return jsonify(error=NOT_ALLOWED), 403
        abort(403, NOT_ALLOWED)
    if resource:
        return None

    page = page_of(path)
    if page == OVERVIEW and not may_read(OVERVIEW):
        query = request.query_string.decode()
        return redirect(home_of() + (f"?{query}" if query else ""))
    if page is not None and not may_read(page):
        logger.info("user %s refused the %s dashboard", current_user.id, page)
        abort(403, NOT_ALLOWED)
    return None


def for_page(page: str):
    """Refuse a page's callback to staff whose role may not read that page."""

    def decorate(callback):
        @functools.wraps(callback)
        def checked(*args, **kwargs):
            if not may_read(page):
                logger.info("user %s refused a %s callback", current_user.id, page)
                abort(403, NOT_ALLOWED)
            return callback(*args, **kwargs)

        return checked

    return decorate
