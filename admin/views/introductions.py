"""Disclosed introductions: who each mentor is and how to reach them.

The one page where a facilitator reads a mentor's identity, and only for
mentors disclosed in their own programmes. Every identity cell, on the page
and in CSV and Excel exports, is written through
`plp.permissions.may_see_mentor_identity`, so a mentor not disclosed to the
user can never appear, whatever the query returns. Identity columns are
neither searched, sorted nor filtered.
"""

from flask import request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from admin.extensions import db
from admin.views.base import SchoolModelView
from plp.enums import Role
from plp.models import Match, Programme
from plp.permissions import may_see_mentor_identity, mentor_ids_disclosed_to

NOT_DISCLOSED = "Not disclosed to you"

# The parts of a mentor's identity this page shows, with their column titles.
IDENTITY_COLUMNS = {
    "mentor.name": "Name",
    "mentor.email": "E-mail",
    "mentor.phone": "Phone",
    "mentor.country": "Country",
    "mentor.employer_or_party": "Employer or party",
}


def _disclosed_to_user() -> frozenset[int]:
    """Read once per request the mentors disclosed to the signed-in user."""
    # Kept on the request, not on `g`: an application context can outlive a
    # request, and a disclosure read then must not be trusted later.
    this_request = request._get_current_object()
    disclosed = getattr(this_request, "plp_disclosed_mentor_ids", None)
    if disclosed is None:
        disclosed = mentor_ids_disclosed_to(db.session, current_user)
        this_request.plp_disclosed_mentor_ids = disclosed
    return disclosed


def identity_value(match: Match, name: str) -> str | None:
    """Return one part of a match's mentor's identity, or None if not for this user."""
    mentor = match.mentor
    if not may_see_mentor_identity(
        db.session, current_user, mentor, _disclosed_to_user()
    ):
        return None
    return getattr(mentor, name.removeprefix("mentor.")) or ""


def show_identity(view, context, match: Match, name: str):
    """Show one part of a mentor's identity on the page, if the user may see it."""
    value = identity_value(match, name)
    if value is None:
        return Markup("<em>{}</em>").format(NOT_DISCLOSED)
    return value


def export_identity(view, context, match: Match, name: str) -> str:
    """Write one part of a mentor's identity to an export, if the user may see it."""
    value = identity_value(match, name)
    return NOT_DISCLOSED if value is None else value


class IntroductionView(SchoolModelView):
    """Disclosed introductions of the user's programmes, with the mentor's contacts."""

    read_roles = (Role.ADMINISTRATOR, Role.FACILITATOR, Role.COORDINATOR)
    write_roles = ()

    column_list = (
        "programme",
        "programme.client",
        "mentor",
        *IDENTITY_COLUMNS,
        "role",
        "state",
        "disclosed_at",
    )
    column_details_list = (*column_list, "need")
    search_hint = "Search by programme reference or mentor alias code"
    column_searchable_list = ("programme.reference", "mentor.alias_code")
    column_filters = ("state", "role", "disclosed_at")
    column_sortable_list = (
        ("programme", "programme.reference"),
        ("mentor", "mentor.alias_code"),
        "role",
        "state",
        "disclosed_at",
    )
    column_default_sort = ("disclosed_at", True)
    column_labels = {
        "programme.client": "Client",
        "mentor": "Mentor or coach (alias)",
        "disclosed_at": "Disclosed",
        **IDENTITY_COLUMNS,
    }
    column_formatters = dict.fromkeys(IDENTITY_COLUMNS, show_identity)
    # Exports write each identity cell through the same check as the page.
    column_formatters_export = dict.fromkeys(IDENTITY_COLUMNS, export_identity)

    def narrow(self, query):
        """Keep only matches disclosed, including those ended since."""
        return query.filter(Match.disclosed_at.is_not(None))

    def get_query(self):
        """Return the disclosed matches the user may see, with mentor and client."""
        return (
            super()
            .get_query()
            .options(
                joinedload(Match.mentor),
                joinedload(Match.programme).joinedload(Programme.client),
            )
        )
