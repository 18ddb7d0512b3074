"""Pages for the requests the application refuses or cannot answer."""

from flask import render_template
from flask_login import current_user
from werkzeug.exceptions import HTTPException

# What each refusal means to a member of staff, by status code.
EXPLANATIONS = {
    400: (
        "The request could not be read",
        "Something in the address or the form was not what this page expects.",
    ),
    403: (
        "Not open to you",
        "Your role does not give you access to this page or record.",
    ),
    404: (
        "Nothing here",
        "There is no page or record at this address that you may open.",
    ),
    405: (
        "Not possible this way",
        "This page cannot be used like that; go back and use its buttons.",
    ),
    429: (
        "Too many attempts",
        "There have been too many failed sign-ins from your address. "
        "Please wait a minute before trying again.",
    ),
    500: (
        "Something went wrong",
        "The School's staff have the details in the log; nothing was saved "
        "from the request that failed.",
    ),
}
# The refusals whose views may give a reason of their own, written for staff.
OWN_REASONS = {400, 403, 404}


def init_app(app) -> None:
    """Answer refusals and failures with the School's own pages."""
    for code in EXPLANATIONS:
        app.register_error_handler(code, _page)


def _page(error: HTTPException):
    """Render a refusal, with the view's own reason where it gave one."""
    title, explanation = EXPLANATIONS[error.code]
    if error.code in OWN_REASONS and error.description != type(error).description:
        explanation = error.description
    page = render_template(
        "errors/error.html",
        code=error.code,
        title=title,
        explanation=explanation,
        signed_in=current_user.is_authenticated,
    )
    return page, error.code
