"""The base of every admin view: access by role, row scope, rules and locking."""

import logging

from flask import abort, flash, redirect, request, url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.fields import InlineModelFormList
from flask_admin.helpers import is_form_submitted
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import FormField, HiddenField

from admin.extensions import db
from admin.formatting import DETAIL_FORMATTERS, EXPORT_FORMATTERS, LIST_FORMATTERS
from admin.views.export import csv_response, xlsx_response
from admin.views.fields import (
    ReadOnlyField,
    SchoolModelConverter,
    SchoolXEditableWidget,
    prettify_name,
)
from admin.views.filters import SchoolFilterConverter
from admin.views.scope import scope_to_user
from plp.db import utc_now
from plp.enums import Role
from plp.errors import DomainError
from plp.values import LARGEST_WHOLE_NUMBER, record_id

logger = logging.getLogger(__name__)

STALE_MESSAGE = (
    "Someone else saved this record after you opened it. Your changes were not "
    "saved: reload the record to see theirs, then make your changes again."
)

# The permission each way of changing records needs, by Flask-Admin view name.
_WRITE_PERMISSIONS = {
    "create_view": "can_create",
    "edit_view": "can_edit",
    "delete_view": "can_delete",
    "ajax_update": "can_edit",
    "ajax_lookup": "can_create_or_edit",
}

# Form pages whose refusals are also flashed at the top of the page.
_FORM_PAGES = ("create_view", "edit_view")

# Links from a record to the one it belongs to: chosen when the record is
# created, never moved to another parent by editing it.
PARENT_LINKS = frozenset(
    {"programme", "assessment", "budget", "agenda", "item", "match", "seminar"}
)


class SchoolForm(FlaskForm):
    """A form that carries the site's CSRF token and knows the record it edits.

    Flask-Admin's check that a value is unique (an e-mail) needs the record,
    or it would refuse a record's own unchanged value.
    """

    def __init__(self, *args, obj=None, **kwargs):
        self._obj = obj
        super().__init__(*args, obj=obj, **kwargs)


class SchoolModelView(ModelView):
    """A model view that knows who may use it and which rows they may touch.

    `read_roles` may open the view; `write_roles` may also edit and delete;
    `create_roles` and `delete_roles`, when given, narrow those two. Every way
    in (list, count, details, edit, delete, inline edit, export and the
    related-record pickers) sees only the rows in the user's scope
    (`plp.permissions.scope_query`).
    """

    read_roles: tuple[Role, ...] = (Role.ADMINISTRATOR,)
    write_roles: tuple[Role, ...] = (Role.ADMINISTRATOR,)
    create_roles: tuple[Role, ...] | None = None
    delete_roles: tuple[Role, ...] | None = None

    # Shown in the forms but never changed through them (a generated code).
    form_readonly_columns: tuple[str, ...] = ()
    # Chosen when the record is created, shown read-only when it is edited.
    form_fixed_columns: tuple[str, ...] = ()
    # What the list's search box says it searches, in the School's words.
    search_hint: str | None = None

    # Flask-WTF's form carries the same CSRF token the rest of the site checks.
    form_base_class = SchoolForm
    model_form_converter = SchoolModelConverter
    filter_converter = SchoolFilterConverter()
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

    def _handle_view(self, name, **kwargs):
        """Refuse a change the user's role does not allow, whatever the URL."""
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused

        permission = _WRITE_PERMISSIONS.get(name)
        if permission and not getattr(self, permission):
            abort(403)
        if name == "action_view" and not self.is_action_allowed(
            request.form.get("action", "")
        ):
            abort(403)
        if name == "action_view":
            return _refuse_unknown_rows(self.get_url(".index_view"))
        return None

    @property
    def can_create(self) -> bool:
        """Tell whether the user's role may add records here."""
        roles = self.write_roles if self.create_roles is None else self.create_roles
        return self._role() in roles

    @property
    def can_edit(self) -> bool:
        """Tell whether the user's role may change records here."""
        return self._role() in self.write_roles

    @property
    def can_delete(self) -> bool:
        """Tell whether the user's role may delete records here."""
        roles = self.write_roles if self.delete_roles is None else self.delete_roles
        return self._role() in roles

    @property
    def can_create_or_edit(self) -> bool:
        """Tell whether the user fills in this view's forms (and their lookups)."""
        return self.can_create or self.can_edit

    # Row scope, applied to every way in

    def narrow(self, query):
        """Restrict the rows further for this view; by default, not at all."""
        return query

    def get_query(self):
        """Return the rows this user may see, for lists, records and exports."""
        return scope_to_user(self.narrow(super().get_query()), self.model)

    def get_count_query(self):
        """Count only the rows this user may see."""
        return scope_to_user(self.narrow(super().get_count_query()), self.model)

    def get_one(self, id):
        """Return one record the user may see, or None for any other id."""
        wanted = record_id(id)
        if wanted is None:
            return None
        return self.get_query().filter(self.model.id == wanted).one_or_none()

    def _get_list_extra_args(self):
        """Read the list's page, refusing a page number no list can reach."""
        for name in ("page", "page_size"):
            asked = request.args.get(name, "0")
            if asked != "0" and record_id(asked) is None:
                abort(404)
        return super()._get_list_extra_args()

    def _prettify_name(self, name: str) -> str:
        """Name a column as the School writes it: "Sessions planned"."""
        return prettify_name(name)

    def prettify_name(self, name: str) -> str:
        """Name a form field as the School writes it: "Sessions planned"."""
        return prettify_name(name)

    def get_column_name(self, field: str) -> str:
        """Name a column; a related record's currency is simply "Currency"."""
        if field.endswith(".currency") and field not in (self.column_labels or {}):
            return "Currency"
        return super().get_column_name(field)

    def search_placeholder(self) -> str | None:
        """Say what the search box searches, never the columns' paths."""
        if self.search_hint:
            return self.search_hint
        if not self.column_searchable_list:
            return None
        names = [
            self.column_labels.get(column) or column.replace(".", " ").replace("_", " ")
            for column in self.column_searchable_list
        ]
        return "Search by " + ", ".join(str(name).lower() for name in names)

    @action("delete", "Delete", "Delete every selected record?")
    def action_delete(self, ids):
        """Delete the selected records that the user may see, one by one."""
        # Flask-Admin passes the ids as text, which PostgreSQL will not compare
        # with a number.
        super().action_delete([record_id(i) for i in ids if i])

    def _create_ajax_loader(self, name, options):
        return ScopedAjaxLoader.for_relation(self.model, name, options)

    # What the list, details and exports show

    def get_details_columns(self):
        """Return the columns the details page shows."""
        # Without an explicit list Flask-Admin shows every column; a view that
        # forgets to choose must show no more than its list does.
        only = self.column_details_list or self.column_list
        if only is None:
            return super().get_details_columns()
        return self.get_column_names(only, self.column_details_exclude_list)

    def _export_csv(self, return_url):
        return csv_response(self)

    def _export_tablib(self, export_type, return_url):
        if export_type == "xlsx":
            return xlsx_response(self)
        return super()._export_tablib(export_type, return_url)

    # Forms: read-only fields and the version the user saw

    def scaffold_form(self):
        """Build the record form, carrying the version of the record shown."""
        form_class = super().scaffold_form()
        if hasattr(self.model, "version"):
            form_class.seen_version = HiddenField()
        return form_class

    def scaffold_list_form(self, widget=None, validators=None):
        """Build the inline-edit form, with the School's field types."""
        return super().scaffold_list_form(widget or SchoolXEditableWidget(), validators)

    def get_create_form(self):
        """Return the new-record form, read-only columns shown as text."""
        return self._form_showing_read_only(self.form_readonly_columns)

    def get_edit_form(self):
        """Return the edit form; fixed, read-only and parent columns shown as text."""
        parents = [name for name in self.form_columns or () if name in PARENT_LINKS]
        fixed = (*self.form_readonly_columns, *self.form_fixed_columns, *parents)
        return self._form_showing_read_only(dict.fromkeys(fixed))

    def _form_showing_read_only(self, names):
        if not names:
            return self.get_form()
        extra = dict(self.form_extra_fields or {})
        for name in names:
            extra[name] = ReadOnlyField(self.get_column_name(name))
        saved, self.form_extra_fields = self.form_extra_fields, extra
        try:
            return self.get_form()
        finally:
            self.form_extra_fields = saved

    def edit_form(self, obj=None):
        """Return the edit form, noting the version of the record it shows."""
        form = super().edit_form(obj)
        if hasattr(form, "seen_version") and request.method == "GET" and obj:
            form.seen_version.data = obj.version
        return form

    def validate_form(self, form) -> bool:
        """Validate a submitted form, flashing each refusal with its field's name."""
        valid = super().validate_form(form)
        if not valid:
            in_school_words(form)
        if not valid and is_form_submitted() and _on_form_page():
            for message in field_messages(form):
                flash(message, "error")
        return valid

    def on_model_change(self, form, model, is_created):
        """Refuse a save based on an outdated version; move the version on."""
        seen = getattr(form, "seen_version", None)
        if is_created or seen is None:
            return
        if record_id(seen.data) != model.version:
            raise StaleRecordSeen(STALE_MESSAGE)
        if self.inline_models and hasattr(model, "updated_at"):
            # A save that changes only inline rows must still move the record's
            # version on, or a second stale form would overwrite those rows.
            model.updated_at = utc_now()

    # Errors: a clear message for the user, the detail for the log only

    def handle_view_exception(self, exc: Exception) -> bool:
        """Tell the user in plain words why a change was refused."""
        message = self._refusal_message(exc)
        if message is None:
            return super().handle_view_exception(exc)
        flash(message, "error")
        return True

    def _refusal_message(self, exc: Exception) -> str | None:
        if isinstance(exc, DomainError | StaleRecordSeen):
            return str(exc)
        if isinstance(exc, StaleDataError):
            return STALE_MESSAGE
        if isinstance(exc, SQLAlchemyError):
            # PostgreSQL refuses every later statement until the rollback.
            db.session.rollback()
            # The first line names the constraint; the rest may quote values,
            # a mentor's e-mail among them, so it stays out of the log.
            reason = str(getattr(exc, "orig", None) or type(exc).__name__)
            reason = reason.splitlines()[0]
            logger.warning("database refused a change in %s: %s", self.endpoint, reason)
            if isinstance(exc, IntegrityError):
                return integrity_message(reason)
            return "Not saved: the database could not store this change."
        if isinstance(exc, ValueError):
            return f"Not saved: {exc}"
        return None


class StaleRecordSeen(Exception):
    """The form carried an older version of the record than the database holds."""


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Look related records up for a form, only among those the user may see.

    The option `where` narrows the rows offered further (for example, leaving
    out mentors who must not be approached). A record posted by id outside it
    is left to the rules, which refuse it saying why; the user's scope holds
    for both.
    """

    @classmethod
    def for_relation(cls, model, name: str, options: dict) -> "ScopedAjaxLoader":
        """Return a loader for the records a relationship of `model` points to."""
        remote_model = getattr(model, name).property.mapper.class_
        return cls(name, db, remote_model, **options)

    def get_query(self):
        """Return the related records the user may see and pick."""
        query = super().get_query()
        where = self.options.get("where")
        if where is not None:
            query = query.filter(where())
        return scope_to_user(query, self.model)

    def get_list(self, term: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE):
        """Return a page of matching records; an offset past any list finds none."""
        offset = offset or 0
        if not 0 <= offset <= LARGEST_WHOLE_NUMBER:
            return []
        return super().get_list(term, offset, limit)

    def get_one(self, pk):
        """Return the picked record, if the user may see it."""
        wanted = record_id(pk)
        if wanted is None:
            return None
        query = scope_to_user(super().get_query(), self.model)
        with db.session.no_autoflush:
            return query.filter(self.model.id == wanted).one_or_none()


def _refuse_unknown_rows(list_url: str):
    """Send the user back to the list if an action names no possible row."""
    ids = request.form.getlist("rowid")
    wrong = [value for value in ids if record_id(value) is None]
    if not wrong:
        return None
    flash(f"Nothing was done: {wrong[0]!r} is not a record of this list.", "error")
    return redirect(list_url)


# The form library's own refusals, as the School says them.
SCHOOL_WORDS = {
    "Not a valid integer value.": "give a whole number",
    "Not a valid decimal value.": "give a number",
    "Not a valid float value.": "give a number",
    "Not a valid date value.": "give a date as YYYY-MM-DD",
    "Not a valid datetime value.": "give a date and time",
    "Not a valid choice.": "choose one of the options offered",
    "Not a valid choice": "choose one of the options offered",
    "Invalid Choice: could not coerce.": "choose one of the options offered",
    "This field is required.": "required",
}


def in_school_words(form) -> None:
    """Reword the form library's refusals on every field, inline rows included."""
    for field in form:
        if isinstance(field, InlineModelFormList):
            for entry in field.entries:
                in_school_words(entry.form)
        elif isinstance(field, FormField):
            in_school_words(field.form)
        elif isinstance(field.errors, list):
            field.errors[:] = [SCHOOL_WORDS.get(str(e), e) for e in field.errors]


def field_messages(form) -> list[str]:
    """Return every error of a form as 'Field: problem', inline rows included."""
    messages = []
    for field in form:
        if isinstance(field, InlineModelFormList):
            for entry in field.entries:
                messages.extend(
                    f"{field.label.text}: {message}"
                    for message in field_messages(entry.form)
                )
        elif isinstance(field, FormField):
            messages.extend(field_messages(field.form))
        else:
            messages.extend(f"{field.label.text}: {error}" for error in field.errors)
    return messages


def integrity_message(reason: str) -> str:
    """Say in the School's words why the database refused a change."""
    reason = reason.lower()
    if "unique" in reason or "duplicate" in reason:
        return "Not saved: another record already has this value (a duplicate)."
    if "foreign key" in reason:
        return "Not saved: other records depend on this one, or it refers to one gone."
    if "null" in reason:
        return "Not saved: a required value is missing."
    return "Not saved: a value is outside what the School's records allow."


def inline(model, *excluded: str) -> tuple:
    """Describe rows edited inside their parent's form, without their version."""
    return (model, {"form_excluded_columns": ("version", *excluded)})


def _on_form_page() -> bool:
    endpoint = request.endpoint or ""
    return endpoint.rsplit(".", 1)[-1] in _FORM_PAGES
