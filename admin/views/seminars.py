"""Residential seminars, the places programmes take and the interest shown."""

from sqlalchemy.orm import selectinload

from admin.views.base import SchoolModelView
from admin.views.fields import currency_args
from plp.enums import EnrolmentStatus, Role
from plp.models import Seminar

ENROLLERS = (Role.ADMINISTRATOR, Role.FACILITATOR)


def places_taken(view, context, seminar, name) -> int:
    """Count the enrolments that still hold a place."""
    return sum(
        1 for place in seminar.enrolments if place.status != EnrolmentStatus.CANCELLED
    )


def interest_shown(view, context, seminar, name) -> int:
    """Count the expressions of interest recorded for the seminar."""
    return len(seminar.interests)


class SeminarView(SchoolModelView):
    """Residential action-learning seminars and the demand for them."""

    read_roles = tuple(Role)
    write_roles = (Role.ADMINISTRATOR,)

    column_list = (
        "title",
        "topic",
        "location",
        "starts_on",
        "ends_on",
        "places",
        "places_taken",
        "interest_shown",
        "fee_per_place",
        "currency",
        "status",
    )
    column_formatters = {"places_taken": places_taken, "interest_shown": interest_shown}
    column_searchable_list = ("title", "topic", "location")
    column_filters = ("status", "topic", "starts_on", "currency")
    column_sortable_list = ("title", "topic", "starts_on", "ends_on", "status")
    column_default_sort = ("starts_on", False)
    column_labels = {"interest_shown": "Expressions of interest"}
    form_columns = (
        "title",
        "topic",
        "location",
        "starts_on",
        "ends_on",
        "places",
        "fee_per_place",
        "currency",
        "status",
    )
    form_args = {"currency": currency_args()}

    def get_query(self):
        # The demand columns read every seminar's places and interest.
        return (
            super()
            .get_query()
            .options(selectinload(Seminar.enrolments), selectinload(Seminar.interests))
        )


class SeminarEnrolmentView(SchoolModelView):
    """Programmes' places at seminars, each committing its fee."""

    read_roles = (*ENROLLERS, Role.FINANCE)
    write_roles = ENROLLERS

    column_list = (
        "seminar",
        "programme",
        "enrolled_on",
        "fee",
        "seminar.currency",
        "budget_line",
        "status",
    )
    column_searchable_list = ("seminar.title", "programme.reference")
    column_filters = ("status", "enrolled_on")
    column_sortable_list = (
        ("seminar", "seminar.title"),
        ("programme", "programme.reference"),
        "enrolled_on",
        "fee",
        "status",
    )
    column_default_sort = ("enrolled_on", True)
    form_columns = (
        "seminar",
        "programme",
        "budget_line",
        "enrolled_on",
        "fee",
        "status",
    )


class SeminarInterestView(SchoolModelView):
    """Interest in a seminar or a topic, so that demand is visible."""

    read_roles = ENROLLERS
    write_roles = ENROLLERS

    column_list = ("programme", "seminar", "topic", "expressed_on", "note")
    column_searchable_list = ("topic", "programme.reference", "note")
    column_filters = ("topic", "expressed_on")
    column_sortable_list = (
        ("programme", "programme.reference"),
        ("seminar", "seminar.title"),
        "topic",
        "expressed_on",
    )
    column_default_sort = ("expressed_on", True)
    form_columns = ("programme", "seminar", "topic", "expressed_on", "note")
