"""Signing in and out, and who the signed-in member of staff is."""

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from admin.extensions import db, limiter, login_manager
from dashboards import access as dashboards_access
from plp.enums import Role
from plp.models import User
from plp.services.accounts import authenticate
from plp.services.audit import act_as

logger = logging.getLogger(__name__)

blueprint = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    """The sign-in form: e-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def init_app(app) -> None:
    """Attach sign-in to the application."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.session_protection = "strong"
    app.register_blueprint(blueprint)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the active account stored in the session, if it still exists."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@blueprint.before_app_request
def _act_for_the_signed_in_user() -> None:
    """Name the signed-in member of staff in the audit trail for this request."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    act_as(db.session, user)


def is_safe_next(target: str | None) -> bool:
    """Tell whether a `next` address stays on this site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _login_limit() -> str:
    return current_app.config["PLP_LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    """Tell whether a sign-in attempt failed: only failures count to the limit."""
    return response.status_code != 302


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login():
    """Show the sign-in form and sign a member of staff in."""
    form = LoginForm()
    target = request.args.get("next")

    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            logger.info("user %s signed in", user.id)
            return redirect(target if is_safe_next(target) else _landing_of(user))
        logger.info("failed sign-in from %s", request.remote_addr)
        flash("That e-mail and password do not match an active account.", "error")

    return render_template("auth/login.html", form=form)


def landing() -> str:
    """Return where the signed-in member of staff starts, or the sign-in page."""
    if not current_user.is_authenticated:
        return url_for("auth.login")
    return _landing_of(current_user)


def _landing_of(user: User) -> str:
    """Return where a member of staff starts: directors read the dashboards."""
    if user.role == Role.DIRECTOR:
        return dashboards_access.home_of()
    return url_for("admin.index")


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign the current member of staff out."""
    logger.info("user %s signed out", current_user.id)
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
