"""Every admin view, in menu order, with the roles that use it."""

from admin.views.imports import ImportView
from admin.views.programmes import ProgrammeView
from admin.views.staff import UserView
from plp import models as m


def build_views() -> list:
    """Return a fresh instance of every admin view, in menu order."""
    return [
        ProgrammeView(m.Programme, name="Programmes", category="Programmes"),
        UserView(m.User, name="Staff", category="Administration"),
        ImportView(
            name="Import", category="Administration", endpoint="imports", url="import"
        ),
    ]
