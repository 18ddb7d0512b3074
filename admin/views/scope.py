"""The rows the signed-in member of staff may see, for Flask-Admin queries."""

from flask_login import current_user
from sqlalchemy import false, select

from plp.permissions import scope_query


def scope_to_user(query, model):
    """Narrow a Flask-Admin query over `model` to the rows the current user may see.

    Used for lists, counts, single records, exports, inline edits and every
    related-record picker, so no way in shows a row outside the user's work.
    """
    if not current_user.is_authenticated:
        return query.filter(false())

    visible = scope_query(select(model.id), model, current_user)
    if visible.whereclause is None:
        return query
    return query.filter(model.id.in_(visible))
