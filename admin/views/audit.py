"""The audit trail, for administrators to read and nobody to change."""

from admin.views.base import SchoolModelView
from plp.enums import Role
from plp.services.audit import performed_by


def _who(view, context, event, name) -> str:
    """Show the member of staff, or what acted when none did."""
    return performed_by(event)


class AuditEventView(SchoolModelView):
    """Every consent, disclosure and state change, in the order it happened."""

    read_roles = (Role.ADMINISTRATOR,)
    write_roles = ()

    column_list = (
        "occurred_at",
        "actor",
        "entity_type",
        "entity_id",
        "action",
        "from_state",
        "to_state",
        "note",
    )
    column_searchable_list = ("entity_type", "action", "note")
    column_filters = ("occurred_at", "entity_type", "entity_id", "action")
    column_sortable_list = (
        "occurred_at",
        ("actor", "actor.name"),
        "entity_type",
        "entity_id",
        "action",
    )
    column_default_sort = ("occurred_at", True)
    column_formatters = {"actor": _who}
    column_formatters_export = {"actor": _who}
    column_labels = {
        "occurred_at": "When",
        "actor": "Who",
        "entity_type": "Record",
        "entity_id": "Record id",
    }
