"""Staff accounts, managed by administrators."""

from wtforms import PasswordField
from wtforms.validators import Optional

from admin.views.base import SchoolModelView
from plp.services.accounts import hash_password


class UserView(SchoolModelView):
    """Staff accounts and their roles."""

    column_list = ("name", "email", "role", "active", "created_at")
    column_searchable_list = ("name", "email")
    column_filters = ("role", "active")
    column_sortable_list = ("name", "email", "role", "active", "created_at")
    column_details_exclude_list = ("password_hash",)
    column_export_exclude_list = ("password_hash",)
    form_columns = ("name", "email", "role", "active", "new_password")
    form_extra_fields = {
        "new_password": PasswordField(
            "New password",
            validators=[Optional()],
            description="Leave empty to keep the current password.",
        )
    }
    can_delete = False

    def on_model_change(self, form, model, is_created):
        """Hash a newly typed password; a new account must be given one."""
        super().on_model_change(form, model, is_created)
        if form.new_password.data:
            model.password_hash = hash_password(form.new_password.data)
        elif is_created:
            model.password_hash = hash_password("")
