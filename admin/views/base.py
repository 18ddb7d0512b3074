"""The base of every admin view: access by role, row scope, rules and locking."""

import logging

from flask import abort, flash, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from admin.extensions import db
from admin.formatting import DETAIL_FORMATTERS, EXPORT_FORMATTERS, LIST_FORMATTERS
from plp.enums import Role
from plp.errors import DomainError
from plp.permissions import scope_query

logger = logging.getLogger(__name__)

ALL_ROLES = tuple(Role)

STALE_MESSAGE = (
    "Someone else saved this record after you opened it. Your changes were not "
    "saved: reload the record to see theirs, then make your changes again."
)


class SchoolModelView(ModelView):
    """A model view that knows who may use it and which rows they may touch.

    `read_roles` may open the view; `write_roles` may also create, edit and
    delete. Every way in (list, count, details, edit, delete, inline edit,
    export and the related-record pickers) sees only the rows in the user's
    scope (`plp.permissions.scope_query`).
    """

    read_roles: tuple[Role, ...] = (Role.ADMINISTRATOR,)
    write_roles: tuple[Role, ...] = (Role.ADMINISTRATOR,)
    create_roles: tuple[Role, ...] | None = None
    delete_roles: tuple[Role, ...] | None = None

    # Flask-WTF's form carries the same CSRF token the rest of the site checks.
    form_base_class = FlaskForm
    can_view_details = True
    can_export = True
    export_types = ["csv", "xlsx"]
    page_size = 50
    can_set_page_size = True
    form_excluded_columns = ("version", "created_at", "updated_at")
    column_type_formatters = LIST_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS

    def __init__(self, model, session=None, **kwargs):
        super().__init__(model, session or db, **kwargs)

    # Access by role

    def _role(self) -> Role | None:
        if not current_user.is_authenticated:
            return None
        return current_user.role

    def is_accessible(self) -> bool:
        """Let in only signed-in staff whose role this view serves."""
        return self._role() in self.read_roles

    def inaccessible_callback(self, name, **kwargs):
        """Send signed-out visitors to sign in; refuse everybody else."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @property
    def can_create(self) -> bool:
        return self._role() in (self.create_roles or self.write_roles)

    @property
    def can_edit(self) -> bool:
        return self._role() in self.write_roles

    @property
    def can_delete(self) -> bool:
        return self._role() in (self.delete_roles or self.write_roles)

    # Row scope, applied to every way in

    def scoped(self, query):
        """Narrow a Flask-Admin query to the rows the current user may see."""
        if not current_user.is_authenticated:
            return query.filter(False)
        visible = scope_query(select(self.model.id), self.model, current_user)
        if visible.whereclause is None:
            return query
        return query.filter(self.model.id.in_(visible))

    def get_query(self):
        return self.scoped(super().get_query())

    def get_count_query(self):
        return self.scoped(super().get_count_query())

    def get_one(self, id):
        record = self.get_query().filter(self.model.id == id).one_or_none()
        return record

    # Forms: scoped pickers and the version the user saw

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if hasattr(self.model, "version"):
            form_class.seen_version = HiddenField()
        return form_class

    def create_form(self, obj=None):
        return self._scope_pickers(super().create_form(obj))

    def edit_form(self, obj=None):
        form = self._scope_pickers(super().edit_form(obj))
        if hasattr(form, "seen_version") and request.method == "GET" and obj:
            form.seen_version.data = obj.version
        return form

    def _scope_pickers(self, form):
        for field in form:
            if isinstance(field, QuerySelectField | QuerySelectMultipleField):
                field.query_factory = self._picker_query(field)
        return form

    def _picker_query(self, field):
        model = _picker_model(field)

        def visible_rows():
            query = scope_query(select(model), model, current_user)
            return db.session.execute(query).scalars().all()

        return visible_rows

    def on_model_change(self, form, model, is_created):
        """Refuse a save based on a version of the record that is out of date."""
        seen = getattr(form, "seen_version", None)
        if is_created or seen is None or not seen.data:
            return
        if int(seen.data) != model.version:
            raise StaleRecordSeen(STALE_MESSAGE)

    # Errors: a clear message for the user, the detail for the log only

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, DomainError | StaleRecordSeen):
            flash(str(exc), "error")
            return True
        if isinstance(exc, StaleDataError):
            flash(STALE_MESSAGE, "error")
            return True
        if isinstance(exc, ValueError):
            flash(f"Not saved: {exc}", "error")
            return True
        if isinstance(exc, IntegrityError | SQLAlchemyError):
            logger.exception("database refused a change in %s", self.endpoint)
            flash(
                "Not saved: the change conflicts with other records "
                "(a duplicate, or a record that others depend on).",
                "error",
            )
            return True
        return super().handle_view_exception(exc)


class StaleRecordSeen(Exception):
    """The form carried an older version of the record than the database holds."""


def _picker_model(field):
    query_factory = field.query_factory
    probe = query_factory()
    if hasattr(probe, "column_descriptions"):
        return probe.column_descriptions[0]["entity"]
    raise TypeError(f"cannot tell which model {field.name} picks from")


def link(url: str, text: str) -> Markup:
    """Return an HTML link with the text escaped."""
    return Markup('<a href="{}">{}</a>').format(url, text)
