"""What plans a programme: the needs assessment and the learning agenda."""

from flask_login import current_user

from admin.views.base import SchoolModelView, inline
from plp.enums import Role
from plp.models import AgendaItem, Need

PLANNERS = (Role.ADMINISTRATOR, Role.FACILITATOR)


class NeedsAssessmentView(SchoolModelView):
    """Needs assessments: the client's aims and the needs to address."""

    read_roles = PLANNERS
    write_roles = PLANNERS

    column_list = ("programme", "assessed_on", "needs", "updated_at")
    column_details_list = (
        "programme",
        "assessed_on",
        "political_aims",
        "objectives",
        "budget_parameters",
        "needs",
        "created_at",
        "updated_at",
    )
    column_searchable_list = ("programme.reference", "political_aims", "objectives")
    column_filters = ("assessed_on",)
    column_sortable_list = (("programme", "programme.reference"), "assessed_on")
    column_default_sort = ("assessed_on", True)
    column_labels = {"updated_at": "Last changed"}
    form_columns = (
        "programme",
        "assessed_on",
        "political_aims",
        "objectives",
        "budget_parameters",
    )
    inline_models = (inline(Need),)


class LearningAgendaView(SchoolModelView):
    """Learning agendas: the costed road map, item by item."""

    read_roles = PLANNERS
    write_roles = PLANNERS

    column_list = ("programme", "title", "items", "updated_at")
    column_details_list = ("programme", "title", "summary", "items", "updated_at")
    column_searchable_list = ("programme.reference", "title", "summary")
    column_sortable_list = (("programme", "programme.reference"), "title")
    column_default_sort = ("title", False)
    column_labels = {"updated_at": "Last changed"}
    form_columns = ("programme", "title", "summary")
    inline_models = (inline(AgendaItem, "progress_updates"),)


class AgendaItemView(SchoolModelView):
    """Agenda items, with their status and progress editable in the list."""

    read_roles = PLANNERS
    write_roles = PLANNERS

    column_list = (
        "agenda.programme",
        "agenda",
        "title",
        "activity_type",
        "planned_start",
        "due_date",
        "cost",
        "agenda.programme.currency",
        "status",
        "percent_done",
    )
    column_details_list = (
        "agenda.programme",
        "agenda",
        "title",
        "activity_type",
        "need",
        "budget_line",
        "planned_start",
        "due_date",
        "cost",
        "agenda.programme.currency",
        "status",
        "percent_done",
        "progress_updates",
    )
    column_editable_list = ("status", "percent_done", "cost")
    column_searchable_list = ("title", "agenda.title")
    column_filters = ("status", "activity_type", "planned_start", "due_date")
    column_sortable_list = (
        "title",
        "activity_type",
        "planned_start",
        "due_date",
        "cost",
        "status",
        "percent_done",
    )
    column_default_sort = ("due_date", False)
    column_labels = {
        "agenda.programme": "Programme",
        "agenda": "Learning agenda",
        "percent_done": "% done",
    }
    form_columns = (
        "agenda",
        "title",
        "activity_type",
        "need",
        "budget_line",
        "planned_start",
        "due_date",
        "cost",
        "status",
        "percent_done",
    )


class ProgressUpdateView(SchoolModelView):
    """Progress recorded against agenda items, by whom and when."""

    read_roles = PLANNERS
    write_roles = PLANNERS

    column_list = ("item", "recorded_at", "recorded_by", "percent_done", "note")
    column_searchable_list = ("note", "item.title")
    column_filters = ("recorded_at", "percent_done")
    column_sortable_list = ("recorded_at", "percent_done")
    column_default_sort = ("recorded_at", True)
    column_labels = {"item": "Agenda item", "percent_done": "% done"}
    form_columns = ("item", "percent_done", "note")

    def on_model_change(self, form, model, is_created):
        """Record who reported the progress."""
        super().on_model_change(form, model, is_created)
        if is_created:
            model.recorded_by = current_user._get_current_object()
