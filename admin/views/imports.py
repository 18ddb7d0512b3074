"""The Import page: a School's existing records loaded from a workbook."""

import logging
from io import BytesIO

from flask import abort, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from admin.extensions import db
from plp.enums import Role
from plp.importer import SHEETS, ImportRefused, build_template, import_workbook

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    """The upload form: one workbook."""

    workbook = FileField(
        "Workbook (.xlsx)", validators=[FileRequired("Choose a workbook to import.")]
    )


class ImportView(BaseView):
    """Load a School's workbook, all of it or nothing, for administrators."""

    def is_accessible(self) -> bool:
        """Let in administrators only."""
        return current_user.is_authenticated and current_user.has_role(
            Role.ADMINISTRATOR
        )

    def inaccessible_callback(self, name, **kwargs):
        """Send signed-out visitors to sign in; refuse everybody else."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        """Show the upload form, and import the workbook sent with it."""
        form = ImportForm()
        report = refusal = None

        if form.validate_on_submit():
            actor = current_user._get_current_object()
            try:
                report = import_workbook(db.session, form.workbook.data.stream, actor)
            except ImportRefused as refused:
                refusal = refused

        return self.render(
            "admin/import.html",
            form=form,
            report=report,
            refusal=refusal,
            sheets=SHEETS,
        )

    @expose("/template")
    def template(self):
        """Send the empty import workbook."""
        return send_file(
            BytesIO(build_template()),
            mimetype=XLSX_TYPE,
            as_attachment=True,
            download_name="import-template.xlsx",
        )
