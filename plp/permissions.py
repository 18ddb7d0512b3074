"""Who may see and do what: one place for every role check."""

from collections.abc import Collection

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from plp.enums import ConsentSide, Role
from plp.models import Match, Mentor, Programme, User

# Roles that may see the identities of the whole mentor pool.
POOL_IDENTITY_ROLES = (Role.ADMINISTRATOR, Role.COORDINATOR)

# Roles that may take a programme through its lifecycle.
LIFECYCLE_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR)

# Roles that may agree a budget or approve a revision of one.
BUDGET_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR, Role.FINANCE)
REVISION_ROLES = (Role.ADMINISTRATOR, Role.FINANCE)


def may_see_mentor_identity(
    session: Session,
    user: User,
    mentor: Mentor,
    disclosed: Collection[int] | None = None,
) -> bool:
    """Tell whether a user may see who a mentor is (name, contacts, party).

    Administrators and network coordinators see the whole pool; a facilitator
    sees a mentor once a match in one of their own programmes is disclosed;
    directors and finance officers never do. A page that shows many mentors
    passes `disclosed`, the ids from `mentor_ids_disclosed_to`, read once.
    """
    if user.role in POOL_IDENTITY_ROLES:
        return True
    if user.role != Role.FACILITATOR:
        return False
    if disclosed is None:
        disclosed = mentor_ids_disclosed_to(session, user)
    return mentor.id in disclosed


def mentor_ids_disclosed_to(session: Session, user: User) -> frozenset[int]:
    """Return the ids of the mentors disclosed in a facilitator's own programmes."""
    if user.role != Role.FACILITATOR:
        return frozenset()
    return frozenset(session.execute(disclosed_mentor_ids(user)).scalars())


def disclosed_mentor_ids(user: User) -> Select:
    """Select the mentors disclosed in a user's own programmes, as one query.

    Disclosure cannot be undone: a match that ended after it still counts.
    """
    return (
        select(Match.mentor_id)
        .join(Programme, Match.programme_id == Programme.id)
        .where(
            Programme.facilitator_id == user.id,
            Match.disclosed_at.is_not(None),
        )
        .distinct()
    )


# The side of an introduction whose consents each role records and reads:
# before disclosure neither side's staff learn which side declined.
CONSENT_SIDE_OF = {
    Role.FACILITATOR: ConsentSide.CLIENT,
    Role.COORDINATOR: ConsentSide.MENTOR,
}


def sees_all_programmes(user: User) -> bool:
    """Tell whether a user's work covers every programme, not only their own."""
    return user.role in (Role.ADMINISTRATOR, Role.FINANCE, Role.COORDINATOR)


def may_manage_programme(user: User, programme: Programme) -> bool:
    """Tell whether a user may change a programme and what belongs to it."""
    if user.role == Role.ADMINISTRATOR:
        return True
    if user.role == Role.FACILITATOR:
        return programme.facilitator_id == user.id
    return False


def restrict_to_programmes(query: Select, user: User, programme_id_column) -> Select:
    """Limit a query to the rows of programmes the user's work covers."""
    if sees_all_programmes(user):
        return query
    if user.role == Role.FACILITATOR:
        own = select(Programme.id).where(Programme.facilitator_id == user.id)
        return query.where(programme_id_column.in_(own))
    return query.where(false())


# How rows of a model that has no programme_id reach one: the key to the
# parent record, and the parent's model.
_PARENTS = {
    "Need": ("assessment_id", "NeedsAssessment"),
    "BudgetLine": ("budget_id", "Budget"),
    "BudgetRevision": ("budget_id", "Budget"),
    "AgendaItem": ("agenda_id", "LearningAgenda"),
    "ProgressUpdate": ("item_id", "AgendaItem"),
    "Consent": ("match_id", "Match"),
    "MentoringSession": ("agreement_id", "Agreement"),
    "ShortlistCandidate": ("shortlist_id", "Shortlist"),
}

# Records that name people but belong to no programme; directors see none.
_PERSONAL_RECORDS = ("Mentor", "User")


def _programme_link(model):
    """Return the column, or parent key and model, that ties rows to programmes.

    Returns None for records that belong to no programme (the mentor pool,
    seminars, exchange rates, staff).
    """
    from plp import models as m

    if model is m.Programme:
        return m.Programme.id
    if model.__name__ in _PARENTS:
        key, parent = _PARENTS[model.__name__]
        return getattr(model, key), getattr(m, parent)
    return getattr(model, "programme_id", None)


def scope_query(query: Select, model, user: User) -> Select:
    """Limit a query over any model to the rows the user's work covers.

    Administrators see everything. Each member of staff sees the audit events
    of what they did themselves; directors see no records that name people.
    """
    from plp import models as m

    if user.role == Role.ADMINISTRATOR:
        return query
    if model is m.AuditEvent:
        return query.where(m.AuditEvent.actor_id == user.id)
    if user.role == Role.DIRECTOR and model.__name__ in _PERSONAL_RECORDS:
        return query.where(false())
    if model is m.Consent and user.role in CONSENT_SIDE_OF:
        query = query.where(m.Consent.side == CONSENT_SIDE_OF[user.role])
    if sees_all_programmes(user):
        return query
    if model is m.Client:
        return _scope_clients(query, user)
    link = _programme_link(model)
    if link is None:
        return query
    return query.where(_in_scope(link, user))


def _in_scope(link, user: User):
    if not isinstance(link, tuple):
        return restrict_to_programmes(select(link), user, link).whereclause
    foreign_key, parent = link
    parent_ids = scope_query(select(parent.id), parent, user)
    return foreign_key.in_(parent_ids)


def _scope_clients(query: Select, user: User) -> Select:
    """Facilitators see their own clients and new enquirers with no programme."""
    from plp import models as m

    if user.role != Role.FACILITATOR:
        return query.where(false())
    own = select(m.Programme.client_id).where(m.Programme.facilitator_id == user.id)
    anyone = select(m.Programme.client_id)
    return query.where(m.Client.id.in_(own) | m.Client.id.not_in(anyone))
