"""Printable documents of an introduction: profile, brief and letter.

Each is opened by match id, only for a match within the user's scope; any
other id is simply not found, so a page tells nothing of matches elsewhere.
"""

import logging
from zoneinfo import ZoneInfo

from flask import abort, current_app, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import select

from admin.extensions import db
from admin.formatting import local_moment
from plp import documents
from plp.db import utc_now
from plp.enums import Role
from plp.models import Match
from plp.permissions import may_see_mentor_identity, scope_query
from plp.values import record_id

logger = logging.getLogger(__name__)

# Staff who prepare documents for an introduction they can see.
DOCUMENT_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR, Role.COORDINATOR)


class DocumentView(BaseView):
    """The documents of an introduction, laid out for printing.

    Not in the menu: each is linked from its match.
    """

    def is_accessible(self) -> bool:
        """Let in the staff who work on introductions; never directors or finance."""
        return current_user.is_authenticated and current_user.role in DOCUMENT_ROLES

    def is_visible(self) -> bool:
        """Keep the documents out of the menu."""
        return False

    def inaccessible_callback(self, name, **kwargs):
        """Send signed-out visitors to sign in; refuse everybody else."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/")
    def index(self):
        """Send the user to the matches, where each match links its documents."""
        return redirect(url_for("match.index_view"))

    @expose("/mentor-profile/<match_id>/")
    def mentor_profile(self, match_id):
        """Show the anonymous profile of a match's mentor, for the client."""
        match = self._match_in_scope(match_id)

        document = documents.mentor_profile(match, _today())

        return self._render("document_mentor_profile", "Mentor profile", document)

    @expose("/client-brief/<match_id>/")
    def client_brief(self, match_id):
        """Show the anonymous brief of a match's client, for the mentor."""
        match = self._match_in_scope(match_id)

        document = documents.client_brief(match, _today())

        return self._render("document_client_brief", "Client brief", document)

    @expose("/introduction-letter/<match_id>/")
    def introduction_letter(self, match_id):
        """Show the letter introducing a disclosed match's client and mentor."""
        match = self._match_in_scope(match_id)
        user = current_user._get_current_object()

        try:
            document = documents.introduction_letter(match, _today(), _zone())
        except documents.NotYetDisclosed as refused:
            page = self.render(
                "admin/document_refused.html",
                heading="Introduction letter",
                message=str(refused),
            )
            return page, 409
        if not may_see_mentor_identity(db.session, user, match.mentor):
            # Scope and state already rule this out; a letter naming a
            # mentor is never sent on the strength of one check alone.
            logger.error("letter for match %s refused to user %s", match.id, user.id)
            abort(404)

        return self._render("document_introduction_letter", "Introduction", document)

    def _match_in_scope(self, match_id: str) -> Match:
        """Return the match if the user's work covers it; 404 for any other id."""
        wanted = record_id(match_id)
        if wanted is None:
            abort(404)
        query = scope_query(select(Match), Match, current_user)
        match = db.session.execute(query.where(Match.id == wanted)).scalar_one_or_none()
        if match is None:
            abort(404)
        return match

    def _render(self, template: str, heading: str, document):
        return self.render(
            f"admin/{template}.html",
            heading=heading,
            document=document,
            school_name=current_app.config["PLP_SCHOOL_NAME"],
        )


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PLP_TIMEZONE"])


def _today():
    """Return today's date in the School's time zone."""
    return local_moment(utc_now()).date()
