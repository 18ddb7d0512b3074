"""The Flask-Admin panel: its home page and every view, by role."""

from flask import redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user

from admin.views import registry
from dashboards import access as dashboards_access


class HomeView(AdminIndexView):
    """The panel's home page, open to every signed-in member of staff."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        """Show the signed-in user what their role lets them work on."""
        readable = dashboards_access.pages_readable()
        dashboards_url = dashboards_access.home_of() if readable else None
        return self.render("admin/home.html", dashboards_url=dashboards_url)


class DashboardsLink(MenuLink):
    """The menu's link to the dashboards, shown to the roles that may read them."""

    def is_accessible(self) -> bool:
        return bool(
            current_user.is_authenticated and dashboards_access.pages_readable()
        )

    def is_visible(self) -> bool:
        return self.is_accessible()


def init_app(app) -> None:
    """Build the admin panel and attach it to the application."""
    panel = Admin(
        name="PLP Manager",
        theme=Bootstrap4Theme(
            swatch="cerulean", base_template="admin/school_base.html", fluid=True
        ),
        index_view=HomeView(name="Home", url="/admin"),
    )
    for view in registry.build_views():
        panel.add_view(view)
    panel.add_link(DashboardsLink(name="Dashboards", url=dashboards_access.PREFIX))
    panel.init_app(app)
