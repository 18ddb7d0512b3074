"""Clients, the mentor and coach pool, and the pool's anonymous profiles."""

from admin.views.base import SchoolModelView
from admin.views.fields import languages_args
from plp.enums import Role
from plp.models import MENTOR_IDENTITY_FIELDS, MENTOR_PROFILE_FIELDS, Mentor


class ClientView(SchoolModelView):
    """Clients: who they are, and the anonymous brief that can go to a mentor."""

    read_roles = (Role.ADMINISTRATOR, Role.FACILITATOR)
    write_roles = (Role.ADMINISTRATOR, Role.FACILITATOR)

    column_list = (
        "alias_code",
        "name",
        "email",
        "country",
        "region",
        "languages",
        "campaign",
        "created_at",
    )
    column_details_list = (
        "alias_code",
        "name",
        "email",
        "phone",
        "country",
        "region",
        "languages",
        "political_aims",
        "aims_summary",
        "campaign",
        "created_at",
        "updated_at",
    )
    column_searchable_list = ("alias_code", "name", "email", "campaign")
    column_filters = ("country", "region", "languages", "created_at")
    column_sortable_list = ("alias_code", "name", "email", "country", "region")
    column_default_sort = ("name", False)
    column_labels = {
        "alias_code": "Alias code",
        "aims_summary": "Anonymised summary of aims",
        "created_at": "Recorded",
    }
    form_columns = (
        "alias_code",
        "name",
        "email",
        "phone",
        "country",
        "region",
        "languages",
        "political_aims",
        "aims_summary",
        "campaign",
    )
    form_readonly_columns = ("alias_code",)
    form_args = {"languages": languages_args()}
    column_descriptions = {
        "alias_code": "Generated when the client is first saved.",
        "languages": "ISO 639 codes, separated by commas (en, fr, es).",
        "aims_summary": "What a mentor may read: no names, places or parties.",
    }


# A pool member's whole record as coordinators keep it: alias, identity, profile.
_POOL_RECORD = (
    "alias_code",
    *MENTOR_IDENTITY_FIELDS,
    *(field for field in MENTOR_PROFILE_FIELDS if field != "alias_code"),
    "do_not_approach",
)


class MentorPoolView(SchoolModelView):
    """The mentor and coach pool, identities included, for the network's staff."""

    read_roles = (Role.ADMINISTRATOR, Role.COORDINATOR)
    write_roles = (Role.ADMINISTRATOR, Role.COORDINATOR)

    column_list = (
        "alias_code",
        "name",
        "email",
        "country",
        "region",
        "roles_offered",
        "availability",
        "capacity",
        "do_not_approach",
    )
    column_details_list = (*_POOL_RECORD, "created_at", "updated_at")
    column_editable_list = ("availability", "capacity")
    column_searchable_list = ("alias_code", "name", "email", "expertise", "region")
    column_filters = (
        "roles_offered",
        "availability",
        "experience_band",
        "country",
        "region",
        "languages",
        "do_not_approach",
    )
    column_sortable_list = (
        "alias_code",
        "name",
        "email",
        "country",
        "region",
        "availability",
        "capacity",
    )
    column_default_sort = ("alias_code", False)
    column_labels = {
        "alias_code": "Alias code",
        "employer_or_party": "Employer or party",
    }
    column_descriptions = {
        "alias_code": "Generated when the mentor is first saved; the only name "
        "facilitators, finance and directors ever see.",
        "region": "A region, never a city.",
        "languages": "ISO 639 codes, separated by commas (en, fr, es).",
        "capacity": "How many agreements the mentor can run at once.",
    }
    form_columns = _POOL_RECORD
    form_readonly_columns = ("alias_code",)
    form_args = {"languages": languages_args()}


class MentorProfileView(SchoolModelView):
    """The pool's anonymous profiles, for finding mentors without naming them."""

    read_roles = (Role.ADMINISTRATOR, Role.FACILITATOR)
    write_roles = ()

    # Only profile fields, on every surface: list, details, export, search,
    # sort and filters. Nothing here may name a mentor.
    column_list = MENTOR_PROFILE_FIELDS
    column_details_list = MENTOR_PROFILE_FIELDS
    column_export_list = MENTOR_PROFILE_FIELDS
    column_searchable_list = ("alias_code", "expertise", "languages", "region")
    column_filters = (
        "roles_offered",
        "availability",
        "experience_band",
        "region",
        "languages",
    )
    column_sortable_list = (
        "alias_code",
        "roles_offered",
        "region",
        "experience_band",
        "availability",
        "capacity",
    )
    column_default_sort = ("alias_code", False)
    column_labels = {"alias_code": "Alias code"}
    form_columns = MENTOR_PROFILE_FIELDS

    def narrow(self, query):
        """Leave out mentors the network has asked nobody to approach."""
        return query.filter(Mentor.do_not_approach.is_(False))
