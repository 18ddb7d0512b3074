"""Introductions, consents, agreements and the facilitators' check-ins.

A mentor appears on these pages only by alias code: in lists, details,
forms, search, sort, filters and the mentor picker alike.
"""

from flask_login import current_user

from admin.extensions import db
from admin.views.base import SchoolModelView, inline
from plp.enums import MatchState, Role
from plp.models import Match, Mentor, MentoringSession

MATCHERS = (Role.ADMINISTRATOR, Role.FACILITATOR)

# Matches far enough on for an agreement: the mentor has accepted.
READY_FOR_AGREEMENT = (MatchState.ACCEPTED, MatchState.AGREED)


def approachable_mentors():
    """Return the condition that leaves out mentors nobody may approach."""
    return Mentor.do_not_approach.is_(False)


def matches_ready_for_agreement():
    """Return the matches whose mentor accepted, the only ones an agreement ends."""
    # A legacy Query, because Flask-Admin's pickers filter and iterate one.
    return db.session.query(Match).filter(Match.state.in_(READY_FOR_AGREEMENT))


class MatchView(SchoolModelView):
    """Introductions between a programme's client and a mentor or coach.

    The state is shown but never set here: the matching workflow moves it.
    A new match starts shortlisted.
    """

    read_roles = (*MATCHERS, Role.COORDINATOR)
    write_roles = MATCHERS

    column_list = ("programme", "mentor", "need", "role", "state", "state_changed_at")
    column_details_list = (
        *column_list,
        "proposed_at",
        "disclosed_at",
        "end_reason",
        "created_at",
    )
    search_hint = "Search by programme reference or mentor alias code"
    column_searchable_list = ("programme.reference", "mentor.alias_code")
    column_filters = ("state", "role", "state_changed_at")
    column_sortable_list = (
        ("programme", "programme.reference"),
        ("mentor", "mentor.alias_code"),
        "role",
        "state",
        "state_changed_at",
    )
    column_default_sort = ("state_changed_at", True)
    column_labels = {
        "mentor": "Mentor or coach (alias)",
        "state_changed_at": "State since",
        "created_at": "Recorded",
    }
    form_columns = ("programme", "mentor", "need", "role", "state")
    form_readonly_columns = ("state",)
    form_fixed_columns = ("programme", "mentor")
    form_ajax_refs = {
        "mentor": {
            "fields": ("alias_code",),
            "where": approachable_mentors,
            "placeholder": "Type part of an alias code",
            "minimum_input_length": 0,
        }
    }
    column_descriptions = {
        "state": "Moved on only by the matching workflow; a new match is shortlisted.",
    }

    def on_model_change(self, form, model, is_created):
        """Start every new match at the first step of the workflow."""
        super().on_model_change(form, model, is_created)
        if is_created:
            model.state = MatchState.SHORTLISTED


class ConsentView(SchoolModelView):
    """Each side's recorded word on disclosure: read here, never changed."""

    read_roles = (*MATCHERS, Role.COORDINATOR)
    write_roles = ()

    column_list = (
        "match",
        "side",
        "decision",
        "channel",
        "recorded_by",
        "recorded_at",
        "imported",
    )
    column_details_list = (*column_list, "note")
    column_searchable_list = ("note",)
    column_filters = ("side", "decision", "channel", "recorded_at", "imported")
    column_sortable_list = ("side", "decision", "channel", "recorded_at")
    column_default_sort = ("recorded_at", True)


class AgreementView(SchoolModelView):
    """Finalised mentoring and coaching agreements and their logged sessions."""

    read_roles = (*MATCHERS, Role.COORDINATOR, Role.FINANCE)
    write_roles = MATCHERS

    column_list = (
        "programme",
        "mentor",
        "role",
        "fee",
        "programme.currency",
        "sessions_planned",
        "start_date",
        "end_date",
        "status",
    )
    column_details_list = (
        "match",
        *column_list,
        "budget_line",
        "finalised_at",
        "sessions",
    )
    search_hint = "Search by programme reference or mentor alias code"
    column_searchable_list = ("programme.reference", "mentor.alias_code")
    column_filters = ("status", "role", "start_date", "end_date")
    column_sortable_list = (
        ("programme", "programme.reference"),
        ("mentor", "mentor.alias_code"),
        "role",
        "fee",
        "start_date",
        "end_date",
        "status",
    )
    column_default_sort = ("start_date", True)
    column_labels = {"mentor": "Mentor or coach (alias)"}
    form_columns = (
        "match",
        "budget_line",
        "fee",
        "sessions_planned",
        "start_date",
        "end_date",
        "status",
    )
    form_fixed_columns = ("match",)
    form_args = {"match": {"query_factory": matches_ready_for_agreement}}
    column_descriptions = {
        "match": "Only matches whose mentor or coach has accepted can be agreed.",
    }
    inline_models = (inline(MentoringSession),)

    def on_model_change(self, form, model, is_created):
        """Take the programme, mentor and role from the match agreed."""
        super().on_model_change(form, model, is_created)
        if is_created:
            model.programme = model.match.programme
            model.mentor = model.match.mentor
            model.role = model.match.role


class CheckInView(SchoolModelView):
    """Facilitators' monitoring check-ins on their programmes."""

    read_roles = MATCHERS
    write_roles = MATCHERS

    column_list = ("programme", "held_on", "rating", "facilitator", "notes")
    column_searchable_list = ("programme.reference", "notes")
    column_filters = ("rating", "held_on")
    column_sortable_list = (
        ("programme", "programme.reference"),
        "held_on",
        "rating",
        ("facilitator", "facilitator.name"),
    )
    column_default_sort = ("held_on", True)
    column_labels = {"facilitator": "Recorded by"}
    form_columns = ("programme", "held_on", "rating", "notes")

    def on_model_change(self, form, model, is_created):
        """Record who held the check-in."""
        super().on_model_change(form, model, is_created)
        if is_created:
            model.facilitator = current_user._get_current_object()
