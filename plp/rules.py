"""The School's rules, checked on every flush whichever way a change arrives.

Admin forms, inline edits, bulk actions, the import and the command line all
end in a flush of a SQLAlchemy session. Checking the rules here, rather than
in each way in, means none of them can forget one.

A flush can carry a whole School (the demo data loads tens of thousands of
programmes), so the checks look only at the attributes a flush changes and
read what the session already holds before asking the database; a new record
whose relatives are new too costs no query at all.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Date, Integer, Table, event, func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

# Imported as a module: plp.permissions imports the models, which import these
# rules, so its names are read when a rule runs, not when this module loads.
from plp import permissions
from plp.db import Base, ScaledDecimal, UTCDateTime
from plp.enums import (
    COMMITTING_AGREEMENTS,
    COMMITTING_PLACES,
    FUNDING_SECURED,
    MATCH_STATES_DISCLOSED,
    AgreementStatus,
    ConsentDecision,
    ConsentSide,
    MatchState,
    PeerRole,
    RolesOffered,
)
from plp.enums import ProgrammeStatus as Status
from plp.errors import InvalidValue, RecordInUse, RuleBroken
from plp.models import (
    AgendaItem,
    Agreement,
    AuditEvent,
    Budget,
    BudgetLine,
    BudgetRevision,
    CheckIn,
    Client,
    Consent,
    ExchangeRate,
    Expense,
    FundingApplication,
    LearningAgenda,
    Match,
    Mentor,
    MentoringSession,
    Need,
    NeedsAssessment,
    Programme,
    ProgressUpdate,
    Seminar,
    SeminarEnrolment,
    SeminarInterest,
    Shortlist,
    ShortlistCandidate,
    User,
)
from plp.values import (
    LARGEST_WHOLE_NUMBER,
    check_dates_in_order,
    check_plausible_date,
    parse_currency,
    parse_email,
    parse_exact,
)

_RULES: dict[type, list[Callable]] = defaultdict(list)

# Money columns that may hold a negative amount.
_SIGNED_MONEY = {(BudgetRevision, "amount_change")}

# Records that are written once and never changed or deleted.
_APPEND_ONLY = (
    AuditEvent,
    Consent,
    BudgetRevision,
    Shortlist,
    ShortlistCandidate,
)

# What to do instead, said when a record others depend on cannot be deleted.
_INSTEAD_OF_DELETING = {
    User: "Deactivate the account instead.",
    Mentor: "Mark the mentor unavailable instead.",
    Programme: "Withdraw the programme instead.",
    Match: "End the match instead: mark it declined, withdrawn or expired.",
}

# Why a match past the shortlist stays. It names no side and counts no one's
# word: before disclosure that would tell one side what the other decided.
MATCH_KEPT = (
    "only a shortlisted match that was never proposed can be deleted. A match "
    "that went further stays on the record: decline or withdraw it instead "
    "while it is open."
)

# The states an introduction passes through, in order, and those that end it.
MATCH_PROGRESSION = (
    MatchState.SHORTLISTED,
    MatchState.PROPOSED,
    *MATCH_STATES_DISCLOSED,
)
MATCH_STATES_ENDED = (MatchState.DECLINED, MatchState.WITHDRAWN, MatchState.EXPIRED)
BEFORE_DISCLOSURE = (MatchState.SHORTLISTED, MatchState.PROPOSED)

# A side's latest word that keeps the names undisclosed.
CONSENT_REFUSALS = (ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN)

# Rows read per query when ids are looked up in bulk.
_CHUNK = 500

ZERO = Decimal("0.00")


def rule(*model_classes: type) -> Callable:
    """Register a check to run on new and changed records of these classes."""

    def register(check: Callable) -> Callable:
        for model_class in model_classes:
            _RULES[model_class].append(check)
        return check

    return register


def label_of(obj_or_class) -> str:
    """Return how a kind of record is called in a message, e.g. budget line."""
    kind = obj_or_class if isinstance(obj_or_class, type) else type(obj_or_class)
    name = kind.__name__
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


def sentence(text: str) -> str:
    """Start a sentence with a capital, leaving the rest, e.g. a reference, as is."""
    return text[:1].upper() + text[1:]


def with_article(noun: str) -> str:
    """Put "A" or "An" before a noun, as a sentence starts."""
    article = "An" if noun[:1] in "aeiou" else "A"
    return f"{article} {noun}"


class PendingChanges:
    """What one flush is about to write, gathered once so the rules stay cheap."""

    def __init__(self, session: Session):
        self.session = session
        self.new = list(session.new)
        self.deleted = session.deleted
        self.dirty = [
            obj
            for obj in session.dirty
            if session.is_modified(obj, include_collections=False)
        ]
        self.changed = self.new + self.dirty
        self.agendas: dict[int, LearningAgenda] = {}
        self.revised_budgets: dict[int, Budget] = {}
        self.mentors: dict[int, Mentor] = {}
        self.mentor_ids: set[int] = set()
        self.commitments: dict[int, Agreement] = {}
        self.new_matches: list[Match] = []
        self._children: dict[tuple, dict] = {}
        self._stored: dict[type, set] = {}

    def changed_of(self, model: type) -> list:
        """Return the new and changed records of one class."""
        return [obj for obj in self.changed if isinstance(obj, model)]

    def children_of(self, parent, model: type, relation: str, key: str) -> list:
        """Return the new and changed records of a class that point at a parent."""
        index_key = (model, relation)
        if index_key not in self._children:
            index = defaultdict(list)
            for child in self.changed_of(model):
                index[parent_ref(child, relation, key)].append(child)
            self._children[index_key] = index
        index = self._children[index_key]
        found = list(index.get(parent, ()))
        if parent.id is not None:
            found += index.get(parent.id, ())
        return found

    def stored_ids_in_session(self, model: type) -> set:
        """Return the ids of stored records of a class this flush changes or deletes.

        The database's copy of these rows is out of date: the session's counts.
        """
        if model not in self._stored:
            self._stored[model] = {
                inspect(obj).identity[0]
                for obj in [*self.dirty, *self.deleted]
                if isinstance(obj, model) and inspect(obj).identity
            }
        return self._stored[model]

    def recheck_agenda(self, agenda: LearningAgenda | None) -> None:
        """Check once, at the end of the flush, that an agenda fits its budget."""
        if agenda is not None and agenda not in self.deleted:
            self.agendas[id(agenda)] = agenda

    def recheck_mentor(self, mentor: Mentor | int | None) -> None:
        """Count a mentor's active agreements once, at the end of the flush.

        A mentor known only by id is loaded then, with the others, in one query.
        """
        if isinstance(mentor, Mentor):
            self.mentors[id(mentor)] = mentor
        elif mentor is not None:
            self.mentor_ids.add(mentor)

    def recheck_commitment(self, agreement: Agreement) -> None:
        """Check once, at the end of the flush, that an agreement's fee fits."""
        self.commitments[id(agreement)] = agreement


@event.listens_for(Session, "before_flush")
def _check_pending_changes(session: Session, flush_context, instances) -> None:
    """Refuse the whole flush if any pending change breaks a rule."""
    with session.no_autoflush:
        pending = PendingChanges(session)
        _check_deletions(pending)

        for obj in pending.dirty:
            if isinstance(obj, _APPEND_ONLY):
                kind = with_article(label_of(obj))
                raise RuleBroken(
                    f"{kind} is part of the record and cannot be "
                    "changed once written; record a new one instead."
                )

        for obj in pending.changed:
            _check_columns(obj)
            for check in _checks_for(type(obj)):
                check(pending, obj)

        _check_revised_budgets(pending)
        _check_agendas(pending)
        _check_capacities(pending)
        _check_commitments(pending)
        _check_new_matches(pending)


@cache
def _checks_for(model: type) -> list[Callable]:
    return [
        check
        for model_class, checks in _RULES.items()
        if issubclass(model, model_class)
        for check in checks
    ]


# What changed, and what a change points at.


def is_new(obj) -> bool:
    """Tell whether a record has not been written yet."""
    return instance_state(obj).key is None


def changed(obj, *keys: str) -> bool:
    """Tell whether a record is new or any of these attributes changed."""
    if is_new(obj):
        return True
    attrs = instance_state(obj).attrs
    return any(attrs[key].history.has_changes() for key in keys)


def value_of(obj, key: str):
    """Return an attribute, or for a new record the default the insert will use."""
    value = getattr(obj, key)
    if value is None and is_new(obj):
        default = inspect(type(obj)).columns[key].default
        if default is not None and default.is_scalar:
            return default.arg
    return value


def parent_ref(child, relation: str, key: str):
    """Return what a record points at: the parent object, or only its id.

    A relationship set in this session wins, as it does when the flush writes
    the foreign key; otherwise a loaded parent, otherwise the key itself.
    """
    if is_new(child):
        # Cheap, and what a new record's flush will write: nothing to compare.
        parent = child.__dict__.get(relation)
        return parent if parent is not None else child.__dict__.get(key)
    attrs = instance_state(child).attrs
    added = attrs[relation].history.added
    if added:
        return added[0]
    if relation in child.__dict__ and not attrs[key].history.has_changes():
        return child.__dict__[relation]
    return getattr(child, key)


def refers_to(ref, parent) -> bool:
    """Tell whether a reference from `parent_ref` is this parent."""
    if ref is None or parent is None:
        return False
    if isinstance(ref, Base):
        return ref is parent
    return parent.id is not None and ref == parent.id


def resolve(session: Session, child, relation: str, key: str, model: type):
    """Return the parent object a record points at, or None."""
    ref = parent_ref(child, relation, key)
    if ref is None or isinstance(ref, Base):
        return ref
    return session.get(model, ref)


def _name(programme: Programme | None) -> str:
    if programme is None:
        return "the programme"
    return programme.reference or "the new programme"


def _budget_name(pending: PendingChanges, budget: Budget) -> str:
    programme = resolve(pending.session, budget, "programme", "programme_id", Programme)
    return f"the budget of {_name(programme)}"


# Links a saved record keeps: to its programme and to the record it is part of.

_FIXED_LINKS = {
    NeedsAssessment: ("programme_id",),
    Budget: ("programme_id",),
    LearningAgenda: ("programme_id",),
    Expense: ("programme_id",),
    FundingApplication: ("programme_id",),
    Match: ("programme_id", "mentor_id"),
    Agreement: ("programme_id", "match_id"),
    CheckIn: ("programme_id",),
    SeminarEnrolment: ("programme_id",),
    SeminarInterest: ("programme_id",),
    Need: ("assessment_id",),
    BudgetLine: ("budget_id",),
    BudgetRevision: ("budget_id",),
    AgendaItem: ("agenda_id",),
    ProgressUpdate: ("item_id",),
    MentoringSession: ("agreement_id",),
    Consent: ("match_id",),
}


@cache
def _relation_of(model: type, key: str) -> str | None:
    """Return the relationship a foreign key column is set through, if any."""
    for relation in inspect(model).relationships:
        if relation.direction.name == "MANYTOONE" and any(
            column.key == key for column in relation.local_columns
        ):
            return relation.key
    return None


@rule(*_FIXED_LINKS)
def _links_stay(pending: PendingChanges, obj) -> None:
    if is_new(obj):
        return
    for key in _FIXED_LINKS[type(obj)]:
        relation = _relation_of(type(obj), key)
        keys = (key, relation) if relation else (key,)
        if not changed(obj, *keys):
            continue
        ref = parent_ref(obj, relation, key) if relation else getattr(obj, key)
        if ref is None:
            # Taken out of its parent: deleted as an orphan, or refused by
            # the database as a record that belongs nowhere.
            continue
        now = ref.id if isinstance(ref, Base) else ref
        if now is None or now != stored_value(obj, key):
            parent = (
                label_of(_related_model(type(obj), relation))
                if relation
                else key.removesuffix("_id").replace("_", " ")
            )
            raise RuleBroken(
                f"{sentence(parent)}: {with_article(label_of(obj)).lower()} "
                f"stays with the {parent} it was made for; create a new one "
                "instead."
            )


# Columns every record shares: exact amounts, moments in time, whole numbers
# and dates.


@cache
def _typed_columns(model: type) -> tuple[tuple[str, object], ...]:
    return tuple(
        (column_attr.key, column_attr.columns[0].type)
        for column_attr in inspect(model).column_attrs
        if _is_checked(column_attr.columns[0])
    )


def _is_checked(column) -> bool:
    # Only plain whole numbers: a BigInteger holds the stored amounts, whose
    # own type checks them, and record ids are the database's to give.
    kind = column.type
    if isinstance(kind, ScaledDecimal | UTCDateTime | Date):
        return True
    return type(kind) is Integer and not column.primary_key


def _check_columns(obj) -> None:
    """Refuse inexact amounts, unwanted negatives, moments without a zone,
    whole numbers too large to store and dates outside the plausible years."""
    for key, column_type in _typed_columns(type(obj)):
        value = getattr(obj, key)
        if value is None or not changed(obj, key):
            continue
        label = _field_label(key)
        if isinstance(column_type, UTCDateTime):
            _check_moment(value, label)
            continue
        if isinstance(column_type, Date):
            _field(label, check_plausible_date, value)
            continue
        if isinstance(column_type, Integer):
            _check_whole_number(value, label)
            continue
        amount = _exact(value, column_type.places, label)
        if amount < 0 and (type(obj), key) not in _SIGNED_MONEY:
            raise InvalidValue(f"{label}: {amount} is negative; give 0 or more")
        if amount != value or not isinstance(value, Decimal):
            setattr(obj, key, amount)


def _exact(value, places: int, label: str) -> Decimal:
    # Refused, never rounded: a rounded amount would silently differ from
    # the one the School was given.
    try:
        return parse_exact(value, places, "a number")
    except InvalidValue as problem:
        raise InvalidValue(f"{label}: {problem}") from None


def _check_moment(value, label: str) -> None:
    if not isinstance(value, datetime):
        raise InvalidValue(f"{label}: {value} is not a date and time")
    if value.utcoffset() is None:
        raise InvalidValue(
            f"{label}: {value} has no time zone; give the moment with its zone"
        )


def _check_whole_number(value, label: str) -> None:
    if isinstance(value, int) and abs(value) > LARGEST_WHOLE_NUMBER:
        raise InvalidValue(
            f"{label}: {value:,} is too large; give at most {LARGEST_WHOLE_NUMBER:,}"
        )


def _field_label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _field(label: str, parse: Callable, value):
    try:
        return parse(value)
    except InvalidValue as problem:
        raise InvalidValue(f"{label}: {problem}") from None


# Deleting.


def _check_deletions(pending: PendingChanges) -> None:
    """Refuse deletions of the record and of records others depend on."""
    for obj in pending.deleted:
        _check_deletable(pending, obj)
    doomed = _rows_of(pending.deleted)
    if not doomed or not _blocking_rows(pending.session, doomed):
        return

    for obj in pending.deleted:
        dependants = count_dependants(pending.session, obj)
        if dependants:
            raise RecordInUse(_in_use_message(obj, dependants))
    raise RecordInUse("These records cannot be deleted: other records depend on them.")


def _check_deletable(pending: PendingChanges, obj) -> None:
    if isinstance(obj, _APPEND_ONLY):
        kind = with_article(label_of(obj))
        raise RuleBroken(f"{kind} is part of the record and cannot be deleted.")
    if isinstance(obj, Budget) and was_agreed_before(obj):
        raise RuleBroken(
            f"{sentence(_budget_name(pending, obj))} is agreed with the client "
            "and cannot be deleted; withdraw the programme instead."
        )
    if isinstance(obj, BudgetLine):
        budget = obj.budget
        if budget not in pending.deleted and was_agreed_before(budget):
            raise RuleBroken(_lines_fixed_message(pending, budget))
    if isinstance(obj, Match) and not match_is_deletable(pending.session, obj):
        raise RuleBroken(f"This match cannot be deleted: {MATCH_KEPT}")


def match_is_deletable(session: Session, match: Match) -> bool:
    """Tell whether a stored match is still only a shortlisted name.

    Nothing about it went out and no side's word is recorded, so deleting it
    takes nothing from the record of an introduction.
    """
    if stored_value(match, "state") != MatchState.SHORTLISTED:
        return False
    if stored_value(match, "proposed_at") is not None:
        return False
    query = select(Consent.id).where(Consent.match_id == match.id).limit(1)
    return session.execute(query).first() is None


def _in_use_message(obj, dependants: dict[str, int]) -> str:
    listing = ", ".join(f"{count} {kind}" for kind, count in dependants.items())
    verb = "depends" if list(dependants.values()) == [1] else "depend"
    kept = {kind: n for kind, n in dependants.items() if kind in _kept_kinds()}
    instead = _INSTEAD_OF_DELETING.get(type(obj), "Remove or reassign those first.")
    if kept:
        # Written once and never removed: asking to remove them first would
        # ask for the impossible.
        kept_listing = " and ".join(f"{count} {kind}" for kind, count in kept.items())
        kept_verb = "is" if list(kept.values()) == [1] else "are"
        instead = _INSTEAD_OF_DELETING.get(
            type(obj), f"End or withdraw the {label_of(obj)} instead."
        )
        instead = f"{sentence(kept_listing)} {kept_verb} kept for the record. {instead}"
    return (
        f"This {label_of(obj)} cannot be deleted: {listing} still {verb} on it. "
        f"{instead}"
    )


@cache
def _kept_kinds() -> frozenset[str]:
    """Return how append-only records are called, one or several of them."""
    return frozenset(
        label for kind in _APPEND_ONLY for label in (_plural(kind, 1), _plural(kind, 2))
    )


def count_dependants(session: Session, obj) -> dict[str, int]:
    """Count, by kind, the records that stop this one from being deleted.

    Rows the database deletes along with it (ON DELETE CASCADE) are followed
    down to what refers to them in turn; rows already being deleted in this
    session do not count.
    """
    if not inspect(obj).identity:
        return {}
    blocking = _blocking_rows(session, _rows_of([obj]), _rows_of(session.deleted))
    kinds = _kind_of_table()
    return {
        _plural(kinds[table], len(ids)): len(ids)
        for table, ids in sorted(blocking.items(), key=lambda item: item[0].name)
    }


def _plural(kind: type, count: int) -> str:
    label = label_of(kind)
    if count == 1:
        return label
    return kind.__table__.name.replace("_", " ")


def _rows_of(objects: Iterable) -> dict[Table, set]:
    rows: dict[Table, set] = defaultdict(set)
    for obj in objects:
        identity = inspect(obj).identity
        if identity:
            rows[inspect(type(obj)).local_table].add(identity[0])
    return rows


def _blocking_rows(
    session: Session, rows: dict[Table, set], going: dict[Table, set] | None = None
) -> dict[Table, set]:
    """Return the rows that refer to these and are not deleted with them.

    `going` are rows deleted at the same time, which block nothing.
    """
    doomed, referring = _follow_cascades(session, rows)
    if going:
        also_doomed, _ = _follow_cascades(session, going)
        for table, ids in also_doomed.items():
            doomed.setdefault(table, set()).update(ids)
    blocking = {
        table: ids - doomed.get(table, set()) for table, ids in referring.items()
    }
    return {table: ids for table, ids in blocking.items() if ids}


def _follow_cascades(session: Session, rows: dict[Table, set]) -> tuple[dict, dict]:
    """Return the rows a deletion takes with it, and the rows referring to them."""
    doomed = {table: set(ids) for table, ids in rows.items()}
    referring: dict[Table, set] = defaultdict(set)
    frontier = dict(doomed)

    while frontier:
        next_frontier: dict[Table, set] = defaultdict(set)
        for table, ids in frontier.items():
            for key_column, cascades in _keys_referring_to(table):
                child = key_column.table
                found = _ids_where(session, child, key_column, ids)
                if not cascades:
                    referring[child] |= found
                    continue
                fresh = found - doomed.setdefault(child, set())
                doomed[child] |= fresh
                next_frontier[child] |= fresh
        frontier = {table: ids for table, ids in next_frontier.items() if ids}

    return doomed, referring


@cache
def _keys_referring_to(table: Table) -> tuple:
    # A key the database sets to NULL on delete blocks nothing.
    return tuple(
        (fk.parent, fk.ondelete == "CASCADE")
        for other in Base.metadata.sorted_tables
        for fk in other.foreign_keys
        if fk.column.table is table and fk.ondelete != "SET NULL"
    )


@cache
def _kind_of_table() -> dict[Table, type]:
    return {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}


def _ids_where(session: Session, table: Table, key_column, values: set) -> set:
    found: set = set()
    values = sorted(values)
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        query = select(table.c.id).where(key_column.in_(chunk))
        found.update(session.execute(query).scalars())
    return found


# People and staff.


@rule(User, Client, Mentor)
def _person_named_with_email(pending: PendingChanges, person) -> None:
    if changed(person, "name") and not (person.name or "").strip():
        raise InvalidValue("Name: a name is required")
    if changed(person, "email"):
        person.email = _field("Email", parse_email, person.email)


@rule(Mentor)
def _capacity_not_negative(pending: PendingChanges, mentor: Mentor) -> None:
    if not changed(mentor, "capacity"):
        return
    capacity = value_of(mentor, "capacity")
    if capacity is None or capacity < 0:
        raise InvalidValue(
            f"Capacity: {capacity} is not a number of clients; give 0 or more"
        )
    if not is_new(mentor):
        pending.recheck_mentor(mentor)


def active_agreement_count(session: Session, mentor_id: int) -> int:
    """Count a mentor's running agreements as the database holds them."""
    return len(_active_agreement_ids(session, [mentor_id]).get(mentor_id, ()))


def _active_agreement_ids(session: Session, mentor_ids: list[int]) -> dict:
    found: dict[int, set] = defaultdict(set)
    for start in range(0, len(mentor_ids), _CHUNK):
        query = select(Agreement.mentor_id, Agreement.id).where(
            Agreement.mentor_id.in_(mentor_ids[start : start + _CHUNK]),
            Agreement.status == AgreementStatus.ACTIVE,
        )
        for mentor_id, agreement_id in session.execute(query):
            found[mentor_id].add(agreement_id)
    return found


def _check_capacities(pending: PendingChanges) -> None:
    """Refuse a mentor more active agreements than their capacity."""
    if not pending.mentors and not pending.mentor_ids:
        return
    mentors = list(pending.mentors.values())
    by_id = {mentor.id: mentor for mentor in mentors if mentor.id is not None}
    missing = sorted(pending.mentor_ids - set(by_id))
    for start in range(0, len(missing), _CHUNK):
        query = select(Mentor).where(Mentor.id.in_(missing[start : start + _CHUNK]))
        for mentor in pending.session.execute(query).scalars():
            mentors.append(mentor)
            by_id[mentor.id] = mentor
    stored = _active_agreement_ids(pending.session, list(by_id))
    in_session = pending.stored_ids_in_session(Agreement)

    running: dict[int, int] = defaultdict(int)
    for mentor_id, ids in stored.items():
        running[id(by_id[mentor_id])] += len(ids - in_session)
    for agreement in pending.changed_of(Agreement):
        if value_of(agreement, "status") != AgreementStatus.ACTIVE:
            continue
        ref = parent_ref(agreement, "mentor", "mentor_id")
        mentor = ref if isinstance(ref, Base) else by_id.get(ref)
        if mentor is not None:
            running[id(mentor)] += 1

    for mentor in mentors:
        _check_capacity(mentor, running[id(mentor)])


def _check_capacity(mentor: Mentor, running: int) -> None:
    capacity = value_of(mentor, "capacity")
    if running <= capacity:
        return
    if not is_new(mentor) and changed(mentor, "capacity"):
        raise RuleBroken(
            f"Capacity: {mentor.alias_code} has {running} active agreements, "
            f"more than a capacity of {capacity}; end an agreement first."
        )
    places = "1 active agreement" if capacity == 1 else f"{capacity} active agreements"
    raise RuleBroken(
        f"{mentor.alias_code or 'The mentor'} is at capacity ({places} at most): "
        "end one of their agreements or raise their capacity first."
    )


# Programmes and what plans them.


@rule(Programme)
def _programme_is_consistent(pending: PendingChanges, programme: Programme) -> None:
    if changed(programme, "currency"):
        programme.currency = _field("Currency", parse_currency, programme.currency)
    if changed(programme, "start_date", "target_end_date"):
        check_dates_in_order(
            programme.start_date,
            programme.target_end_date,
            "Target end date",
            "start date",
        )
    if value_of(programme, "status") == Status.ACTIVE and changed(
        programme, "status", "facilitator_id", "facilitator"
    ):
        _check_may_be_active(pending, programme)


def _check_may_be_active(pending: PendingChanges, programme: Programme) -> None:
    if parent_ref(programme, "facilitator", "facilitator_id") is None:
        raise RuleBroken(
            f"{sentence(_name(programme))} cannot be active without a learning "
            "facilitator: assign one first."
        )
    budget = budget_of(pending, programme)
    if budget is None or budget.agreed_total is None:
        raise RuleBroken(
            f"{sentence(_name(programme))} cannot be active before its budget "
            "is agreed: agree the budget first."
        )


def budget_of(pending: PendingChanges, programme: Programme | None) -> Budget | None:
    """Return a programme's budget, one being added in this flush included."""
    if programme is None:
        return None
    added = pending.children_of(programme, Budget, "programme", "programme_id")
    budget = added[0] if added else programme.budget
    return None if budget in pending.deleted else budget


def agenda_of(pending: PendingChanges, programme: Programme | None):
    """Return a programme's learning agenda, one being added in this flush included."""
    if programme is None:
        return None
    added = pending.children_of(programme, LearningAgenda, "programme", "programme_id")
    agenda = added[0] if added else programme.agenda
    return None if agenda in pending.deleted else agenda


def was_agreed_before(budget: Budget | None) -> bool:
    """Tell whether a budget was already agreed before the pending changes."""
    if budget is None:
        return False
    if is_new(budget):
        return False
    return stored_value(budget, "agreed_total") is not None


def stored_value(obj, key: str):
    """Return what the database holds for an attribute of a stored record.

    An attribute set after a commit expired it has no old value in memory;
    only then is the database asked.
    """
    history = inspect(obj).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if not history.added:
        return getattr(obj, key)
    model = type(obj)
    query = select(getattr(model, key)).where(model.id == inspect(obj).identity[0])
    return inspect(obj).session.execute(query).scalar_one_or_none()


@rule(Budget)
def _agreed_total_is_a_baseline(pending: PendingChanges, budget: Budget) -> None:
    if not changed(budget, "agreed_total"):
        return
    if was_agreed_before(budget):
        raise RuleBroken(
            f"The agreed total of {_budget_name(pending, budget)} is a baseline: "
            "record a budget revision to change it."
        )
    if budget.agreed_total is not None:
        programme = resolve(
            pending.session, budget, "programme", "programme_id", Programme
        )
        pending.recheck_agenda(agenda_of(pending, programme))


@rule(BudgetLine)
def _lines_fixed_once_agreed(pending: PendingChanges, line: BudgetLine) -> None:
    budget = resolve(pending.session, line, "budget", "budget_id", Budget)
    if was_agreed_before(budget):
        raise RuleBroken(_lines_fixed_message(pending, budget))
    if not is_new(line) and changed(line, "budget_id", "budget"):
        former_id = stored_value(line, "budget_id")
        former = pending.session.get(Budget, former_id) if former_id else None
        if was_agreed_before(former):
            raise RuleBroken(_lines_fixed_message(pending, former))


def _lines_fixed_message(pending: PendingChanges, budget: Budget) -> str:
    return (
        f"{sentence(_budget_name(pending, budget))} is agreed: its lines no "
        "longer change. Record a budget revision instead."
    )


@rule(BudgetRevision)
def _revision_is_complete(pending: PendingChanges, revision: BudgetRevision) -> None:
    session = pending.session
    budget = resolve(session, revision, "budget", "budget_id", Budget)
    if budget is None:
        raise InvalidValue("Budget: a revision needs the budget it revises")
    if budget.agreed_total is None:
        raise RuleBroken(
            f"{sentence(_budget_name(pending, budget))} is not agreed yet: "
            "change its lines instead of recording a revision."
        )
    if not (revision.reason or "").strip():
        raise InvalidValue("Reason: say why the budget changes")
    if not revision.amount_change:
        raise InvalidValue(
            "Amount change: give the amount by which the budget changes (not zero)"
        )
    if revision.approved_on is None:
        raise InvalidValue("Approved on: give the date the revision was approved")
    _check_approver(resolve(session, revision, "approved_by", "approved_by_id", User))
    line = resolve(session, revision, "budget_line", "budget_line_id", BudgetLine)
    if line is not None and not refers_to(
        parent_ref(line, "budget", "budget_id"), budget
    ):
        raise InvalidValue("Budget line: the line belongs to another budget")
    pending.revised_budgets[id(budget)] = budget


def _check_approver(approver: User | None) -> None:
    if approver is None:
        raise InvalidValue(
            "Approved by: name the administrator or finance officer who approved it"
        )
    if approver.role not in permissions.REVISION_ROLES:
        raise RuleBroken(
            f"Approved by: {approver.name} is a {approver.role}; only an "
            "administrator or a finance officer can approve a budget revision."
        )


def revised_total(pending: PendingChanges, budget: Budget) -> Decimal | None:
    """Return a budget's agreed total with every revision applied, pending too."""
    if budget.agreed_total is None:
        return None
    stored = ZERO
    if budget.id is not None:
        query = select(BudgetRevision.amount_change).where(
            BudgetRevision.budget_id == budget.id
        )
        stored = sum(pending.session.execute(query).scalars(), ZERO)
    added = pending.children_of(budget, BudgetRevision, "budget", "budget_id")
    return budget.agreed_total + stored + sum((r.amount_change for r in added), ZERO)


def _check_revised_budgets(pending: PendingChanges) -> None:
    """Refuse revisions that leave a budget below zero; recheck the agenda."""
    for budget in pending.revised_budgets.values():
        total = revised_total(pending, budget)
        if total < 0:
            raise RuleBroken(
                f"The revision would bring {_budget_name(pending, budget)} to "
                f"{total}, below zero."
            )
        programme = resolve(
            pending.session, budget, "programme", "programme_id", Programme
        )
        pending.recheck_agenda(agenda_of(pending, programme))


@rule(AgendaItem)
def _agenda_item_is_consistent(pending: PendingChanges, item: AgendaItem) -> None:
    if changed(item, "planned_start", "due_date"):
        check_dates_in_order(item.planned_start, item.due_date, "Due date", "start")
    if changed(item, "percent_done"):
        _check_percent(item.percent_done)
    if changed(item, "cost", "agenda_id", "agenda"):
        agenda = resolve(pending.session, item, "agenda", "agenda_id", LearningAgenda)
        pending.recheck_agenda(agenda)
    if changed(item, "need_id", "need", "budget_line_id", "budget_line", "agenda"):
        programme = _programme_of(pending, item)
        _check_same_programme(pending, programme, item, "need", "Need")
        _check_same_programme(pending, programme, item, "budget_line", "Budget line")


@rule(ProgressUpdate)
def _progress_in_range(pending: PendingChanges, update: ProgressUpdate) -> None:
    if changed(update, "percent_done"):
        _check_percent(update.percent_done)


def _check_percent(percent: int | None) -> None:
    if percent is not None and not 0 <= percent <= 100:
        raise InvalidValue(f"Percent done: {percent} is not between 0 and 100")


def agenda_cost(pending: PendingChanges, agenda: LearningAgenda) -> Decimal:
    """Return what an agenda's items cost, the pending changes included."""
    in_session = pending.stored_ids_in_session(AgendaItem)
    total = ZERO
    if agenda.id is not None:
        query = select(AgendaItem.id, AgendaItem.cost).where(
            AgendaItem.agenda_id == agenda.id
        )
        for item_id, cost in pending.session.execute(query):
            if item_id not in in_session:
                total += cost
    for item in pending.children_of(agenda, AgendaItem, "agenda", "agenda_id"):
        total += value_of(item, "cost") or ZERO
    return total


def _check_agendas(pending: PendingChanges) -> None:
    """Refuse agenda costs above the agreed budget and its revisions."""
    for agenda in pending.agendas.values():
        programme = resolve(
            pending.session, agenda, "programme", "programme_id", Programme
        )
        budget = budget_of(pending, programme)
        if budget is None or budget.agreed_total is None:
            continue
        limit = revised_total(pending, budget)
        cost = agenda_cost(pending, agenda)
        if cost > limit:
            currency = programme.currency if programme else ""
            raise RuleBroken(
                f"The learning agenda of {_name(programme)} would cost {cost} "
                f"{currency}, more than its agreed budget of {limit} {currency}: "
                f"record a budget revision of at least {cost - limit} first, "
                "or lower the costs."
            )


# Which programme a record belongs to, to keep links within one programme.

_PROGRAMME_PATH = {
    NeedsAssessment: ("programme", "programme_id", Programme),
    Budget: ("programme", "programme_id", Programme),
    LearningAgenda: ("programme", "programme_id", Programme),
    Need: ("assessment", "assessment_id", NeedsAssessment),
    BudgetLine: ("budget", "budget_id", Budget),
    AgendaItem: ("agenda", "agenda_id", LearningAgenda),
    Match: ("programme", "programme_id", Programme),
    Agreement: ("programme", "programme_id", Programme),
    Expense: ("programme", "programme_id", Programme),
    SeminarEnrolment: ("programme", "programme_id", Programme),
}


def _programme_of(pending: PendingChanges, obj) -> Programme | None:
    """Return the programme a record belongs to, walking up through its parents."""
    while obj is not None and not isinstance(obj, Programme):
        relation, key, model = _PROGRAMME_PATH[type(obj)]
        obj = resolve(pending.session, obj, relation, key, model)
    return obj


@cache
def _related_model(model: type, relation: str) -> type:
    return inspect(model).relationships[relation].mapper.class_


def _target(obj, relation: str) -> type:
    return _related_model(type(obj), relation)


def _check_same_programme(
    pending: PendingChanges, programme, obj, relation: str, label: str
) -> None:
    linked = resolve(
        pending.session, obj, relation, f"{relation}_id", _target(obj, relation)
    )
    if linked is None or programme is None:
        return
    owner = _programme_of(pending, linked)
    if owner is not None and owner is not programme:
        raise InvalidValue(
            f"{label}: {linked} belongs to another programme; "
            f"choose one of {_name(programme)}"
        )


# Spending, funding and agreements.


@rule(Expense)
def _expense_is_consistent(pending: PendingChanges, expense: Expense) -> None:
    amount = expense.amount
    if changed(expense, "amount") and amount is not None and amount <= 0:
        raise InvalidValue(f"Amount: an expense must be more than zero, not {amount}")
    incurred = expense.incurred_on
    if changed(expense, "incurred_on") and incurred and incurred > date.today():
        raise InvalidValue(
            f"Incurred on: {incurred.isoformat()} is in the future; record spending "
            "once it happened"
        )
    if changed(expense, "programme_id", "programme", "budget_line_id", "budget_line"):
        programme = _programme_of(pending, expense)
        _check_same_programme(pending, programme, expense, "budget_line", "Budget line")


@rule(FundingApplication)
def _funding_is_consistent(pending: PendingChanges, application) -> None:
    check_dates_in_order(
        application.submitted_on, application.decided_on, "Decided on", "submitted on"
    )
    asked = application.amount_asked
    if changed(application, "amount_asked") and asked is not None and asked <= 0:
        raise InvalidValue(f"Amount asked: must be more than zero, not {asked}")
    awarded = application.amount_awarded
    if awarded is not None and asked is not None and awarded > asked:
        raise InvalidValue(f"Amount awarded: {awarded} is more than the {asked} asked")
    status = value_of(application, "status")
    if status in FUNDING_SECURED and awarded is None:
        raise InvalidValue(
            f"Amount awarded: an application that is {status} needs the amount"
        )


@rule(Agreement)
def _agreement_is_consistent(pending: PendingChanges, agreement: Agreement) -> None:
    if changed(agreement, "start_date", "end_date"):
        check_dates_in_order(
            agreement.start_date, agreement.end_date, "End date", "start date"
        )
    sessions = agreement.sessions_planned
    if changed(agreement, "sessions_planned") and sessions is not None and sessions < 0:
        raise InvalidValue(f"Sessions planned: {sessions} is negative; give 0 or more")
    if changed(
        agreement,
        "match_id",
        "match",
        "mentor_id",
        "mentor",
        "programme_id",
        "programme",
    ):
        _check_agreement_follows_match(pending, agreement)
    if changed(agreement, "budget_line_id", "budget_line", "programme_id"):
        programme = _programme_of(pending, agreement)
        _check_same_programme(
            pending, programme, agreement, "budget_line", "Budget line"
        )
    active = value_of(agreement, "status") == AgreementStatus.ACTIVE
    if active and changed(agreement, "status", "mentor_id", "mentor"):
        pending.recheck_mentor(parent_ref(agreement, "mentor", "mentor_id"))
    if _commits_more(agreement):
        pending.recheck_commitment(agreement)


def _commits_more(agreement: Agreement) -> bool:
    """Tell whether a change makes a stored agreement commit money it did not.

    Finalising checks a new agreement's fee; afterwards its fee is committed
    again when it is brought back from ended early, or moved or raised.
    """
    if is_new(agreement):
        return False
    if value_of(agreement, "status") not in COMMITTING_AGREEMENTS:
        return False
    brought_back = changed(agreement, "status") and (
        stored_value(agreement, "status") not in COMMITTING_AGREEMENTS
    )
    if brought_back:
        return True
    if changed(agreement, "budget_line_id", "budget_line"):
        return True
    return changed(agreement, "fee") and agreement.fee > stored_value(agreement, "fee")


def _check_commitments(pending: PendingChanges) -> None:
    """Refuse an agreement whose fee, committed again, overruns its line or budget."""
    session = pending.session
    for agreement in pending.commitments.values():
        line = resolve(session, agreement, "budget_line", "budget_line_id", BudgetLine)
        if line is not None:
            committed = _committed(pending, line, "budget_line")
            limit = _line_limit(pending, line)
            place = f"the budget line '{line.description}'"
            _check_room(pending, agreement, committed, limit, place, "line")
        programme = _programme_of(pending, agreement)
        budget = budget_of(pending, programme)
        limit = revised_total(pending, budget) if budget is not None else None
        if limit is not None:
            committed = _committed(pending, programme, "programme")
            place = f"the budget of {_name(programme)}"
            _check_room(pending, agreement, committed, limit, place, "budget")


def _committed(pending: PendingChanges, parent, relation: str) -> Decimal:
    """Return what agreements and places commit against a line or a programme.

    The database's copy of an agreement this flush changes is left out; the
    session's copy counts instead.
    """
    key = f"{relation}_id"
    total = ZERO
    if parent.id is not None:
        in_session = pending.stored_ids_in_session(Agreement)
        agreements = select(func.coalesce(func.sum(Agreement.fee), 0)).where(
            getattr(Agreement, key) == parent.id,
            Agreement.status.in_(COMMITTING_AGREEMENTS),
            Agreement.id.not_in(in_session),
        )
        places = select(func.coalesce(func.sum(SeminarEnrolment.fee), 0)).where(
            getattr(SeminarEnrolment, key) == parent.id,
            SeminarEnrolment.status.in_(COMMITTING_PLACES),
        )
        total += pending.session.execute(agreements).scalar_one()
        total += pending.session.execute(places).scalar_one()
    for agreement in pending.changed_of(Agreement):
        committing = value_of(agreement, "status") in COMMITTING_AGREEMENTS
        if committing and refers_to(parent_ref(agreement, relation, key), parent):
            total += value_of(agreement, "fee") or ZERO
    return total


def _line_limit(pending: PendingChanges, line: BudgetLine) -> Decimal:
    """Return a budget line's amount with its revisions, pending ones included."""
    query = select(BudgetRevision.amount_change).where(
        BudgetRevision.budget_line_id == line.id
    )
    stored = sum(pending.session.execute(query).scalars(), ZERO)
    added = pending.children_of(line, BudgetRevision, "budget_line", "budget_line_id")
    return line.amount + stored + sum((r.amount_change for r in added), ZERO)


def _check_room(
    pending: PendingChanges,
    agreement: Agreement,
    committed: Decimal,
    limit: Decimal,
    place: str,
    kind: str,
) -> None:
    if committed <= limit:
        return
    fee = value_of(agreement, "fee") or ZERO
    others = committed - fee
    mentor = resolve(pending.session, agreement, "mentor", "mentor_id", Mentor)
    alias = mentor.alias_code if mentor is not None else "its mentor"
    programme = _programme_of(pending, agreement)
    currency = programme.currency if programme is not None else ""
    if changed(agreement, "status"):
        change = f"Status: the agreement with {alias} cannot become "
        change += str(value_of(agreement, "status"))
    else:
        change = f"Fee: the agreement with {alias} cannot commit more"
    raise RuleBroken(
        f"{change}: its fee of {fee:,.2f} {currency} does not fit {place}, "
        f"where {others:,.2f} of its {limit:,.2f} is committed already, leaving "
        f"{limit - others:,.2f}. Revise the {kind} first, or end another "
        "agreement it pays for."
    )


def _check_agreement_follows_match(pending: PendingChanges, agreement) -> None:
    match = resolve(pending.session, agreement, "match", "match_id", Match)
    if match is None:
        raise InvalidValue("Match: an agreement needs the match it finalises")
    if value_of(match, "state") not in MATCH_STATES_DISCLOSED:
        raise RuleBroken(
            "An agreement can only be made once both sides have agreed to "
            f"disclosure; this match is still {value_of(match, 'state')}."
        )
    mentor = parent_ref(match, "mentor", "mentor_id")
    programme = parent_ref(match, "programme", "programme_id")
    same_mentor = _same_ref(parent_ref(agreement, "mentor", "mentor_id"), mentor)
    same_programme = _same_ref(
        parent_ref(agreement, "programme", "programme_id"), programme
    )
    if not (same_mentor and same_programme):
        raise InvalidValue(
            "Match: the agreement must be between the programme and the mentor "
            "of its match"
        )


def _same_ref(first, second) -> bool:
    if isinstance(first, Base):
        return refers_to(second, first)
    if isinstance(second, Base):
        return refers_to(first, second)
    return first == second


@rule(MentoringSession)
def _session_has_a_length(pending: PendingChanges, held: MentoringSession) -> None:
    minutes = value_of(held, "duration_minutes")
    if changed(held, "duration_minutes") and minutes is not None and minutes <= 0:
        raise InvalidValue(f"Duration minutes: {minutes} is not a length of time")


@rule(Match)
def _match_need_is_the_programmes(pending: PendingChanges, match: Match) -> None:
    if changed(match, "need_id", "need", "programme_id", "programme"):
        programme = _programme_of(pending, match)
        _check_same_programme(pending, programme, match, "need", "Need")


@rule(Match)
def _match_terms_stay_once_proposed(pending: PendingChanges, match: Match) -> None:
    if is_new(match) or not changed(match, "role", "need_id", "need"):
        return
    if stored_value(match, "state") != MatchState.SHORTLISTED:
        raise RuleBroken(
            "Role and need: they went out with the anonymous profile and brief "
            "when the match was proposed, so they stay as they are; end this "
            "match and shortlist a new one instead."
        )


def is_step_back(before: MatchState, after: MatchState) -> bool:
    """Tell whether a match would go back to an earlier step of the workflow."""
    if before not in MATCH_PROGRESSION or after not in MATCH_PROGRESSION:
        return False
    return MATCH_PROGRESSION.index(after) < MATCH_PROGRESSION.index(before)


@rule(Match)
def _match_moves_on(pending: PendingChanges, match: Match) -> None:
    if not changed(match, "state"):
        return
    state = value_of(match, "state")
    if state in MATCH_STATES_DISCLOSED:
        _check_no_refusal(match)
    if is_new(match):
        return
    before = stored_value(match, "state")
    if before == state:
        return
    if before in MATCH_STATES_ENDED:
        raise RuleBroken(
            f"State: the match was {before}; an ended match is not reopened. "
            "Propose a new match instead."
        )
    if before in MATCH_STATES_DISCLOSED and state in BEFORE_DISCLOSURE:
        raise RuleBroken(
            "State: the names are already disclosed; disclosure cannot be "
            "undone, but the match can be ended."
        )
    if is_step_back(before, state):
        raise RuleBroken(
            f"State: the match is already {before}; it cannot go back to {state}."
        )


def _check_no_refusal(match: Match) -> None:
    for side in ConsentSide:
        decision = match.current_consent(side)
        if decision in CONSENT_REFUSALS:
            raise RuleBroken(
                f"State: the {side} side's consent is {decision}; the names "
                "cannot be disclosed without both sides' consent."
            )


# Who may be matched with a programme. Shortlists leave out the same mentors
# for the same reasons, so that a candidate offered can always be added.

# A match in one of these states keeps its mentor in play for the programme:
# a second match of the two would be a duplicate.
MATCH_STATES_IN_PLAY = MATCH_PROGRESSION
# A declined match means one side said no: that mentor is not approached for
# the programme again. A withdrawn or expired one leaves them approachable.
MATCH_STATES_NOT_RETRIED = (MatchState.DECLINED,)

# Programmes that no longer look for mentors: no match is made for them.
PROGRAMMES_NOT_MATCHING = (Status.COMPLETED, Status.WITHDRAWN)

# Why a mentor may not be matched with a programme, in the order checked.
DO_NOT_APPROACH = "marked do not approach"
ALREADY_MATCHED = "already matched with this programme"
DECLINED_BEFORE = "declined with this programme before"
ROLE_NOT_OFFERED = "does not offer the role"

# How a message names what a role means for the client.
ROLE_WORK = {PeerRole.MENTOR: "mentoring", PeerRole.COACH: "coaching"}


def why_not_approachable(do_not_approach: bool, states: Iterable) -> str | None:
    """Say why a mentor may not be matched with a programme, or return None.

    `states` are those of the mentor's other matches with the programme.
    """
    states = set(states)
    if do_not_approach:
        return DO_NOT_APPROACH
    if states.intersection(MATCH_STATES_IN_PLAY):
        return ALREADY_MATCHED
    if states.intersection(MATCH_STATES_NOT_RETRIED):
        return DECLINED_BEFORE
    return None


def offers_role(roles_offered: RolesOffered | None, role: PeerRole) -> bool:
    """Tell whether a mentor offering these roles takes this one."""
    return roles_offered in (RolesOffered.BOTH, role)


@rule(Match)
def _match_approaches_whom_it_may(pending: PendingChanges, match: Match) -> None:
    state = value_of(match, "state")
    if state in MATCH_STATES_ENDED:
        # An ended introduction, such as one imported as history, approaches
        # nobody now.
        return
    if is_new(match):
        # Checked with every other new match at the end of the flush, so that
        # two of one mentor and programme in one flush are seen too.
        pending.new_matches.append(match)
        return
    approached = changed(match, "state") and state != MatchState.SHORTLISTED
    if approached and stored_value(match, "state") == MatchState.SHORTLISTED:
        # Proposing is the moment the mentor is approached.
        mentor = resolve(pending.session, match, "mentor", "mentor_id", Mentor)
        if mentor is not None and mentor.do_not_approach:
            programme = _programme_of(pending, match)
            raise RuleBroken(_not_approachable(DO_NOT_APPROACH, mentor, programme))
    if changed(match, "role"):
        mentor = resolve(pending.session, match, "mentor", "mentor_id", Mentor)
        _check_role_offered(mentor, value_of(match, "role"))


def _check_new_matches(pending: PendingChanges) -> None:
    """Refuse new matches with a mentor the programme may not approach."""
    if not pending.new_matches:
        return
    mentors = _mentors_of(pending, pending.new_matches)
    states = _states_by_pair(pending)

    for match in pending.new_matches:
        if value_of(match, "state") == MatchState.SHORTLISTED:
            # A match being made now; one arriving further on is history
            # brought in (an import), which a finished programme may have.
            _check_programme_matching(_programme_of(pending, match))
        mentor = mentors.get(_key_of(parent_ref(match, "mentor", "mentor_id")))
        if mentor is None:
            continue
        pair = _pair_of(match)
        others = [state for other, state in states.get(pair, ()) if other is not match]
        reason = why_not_approachable(mentor.do_not_approach, others)
        if reason:
            programme = _programme_of(pending, match)
            raise RuleBroken(_not_approachable(reason, mentor, programme, others))
        _check_role_offered(mentor, value_of(match, "role"))


def _check_programme_matching(programme: Programme | None) -> None:
    if programme is not None and programme.status in PROGRAMMES_NOT_MATCHING:
        raise RuleBroken(not_matching_message(programme))


def not_matching_message(programme: Programme) -> str:
    """Say that a programme no longer looks for mentors."""
    return (
        f"{programme.reference} is {programme.status}; only a running programme "
        "looks for mentors."
    )


def _check_role_offered(mentor: Mentor | None, role: PeerRole | None) -> None:
    if mentor is None or role is None or offers_role(mentor.roles_offered, role):
        return
    offered = mentor.roles_offered
    offered_work = ROLE_WORK.get(offered, offered)
    raise RuleBroken(
        f"Role: {_alias(mentor)} does not offer {ROLE_WORK[PeerRole(role)]}; "
        f"they offer {offered_work} only."
    )


def _not_approachable(reason: str, mentor, programme, states=()) -> str:
    alias, name = _alias(mentor), _name(programme)
    if reason == DO_NOT_APPROACH:
        return f"Mentor: {alias} is marked do not approach; nobody may approach them."
    if reason == ALREADY_MATCHED:
        listed = ", ".join(sorted({s for s in states if s in MATCH_STATES_IN_PLAY}))
        return (
            f"Mentor: {alias} is already matched with {name} ({listed}); open "
            "that match instead."
        )
    return (
        f"Mentor: {alias} has a declined match with {name}; they are not "
        "approached for it again."
    )


def _alias(mentor: Mentor) -> str:
    return mentor.alias_code or "the new mentor"


def _key_of(ref):
    """Return what identifies a referred record: its id, or the new object."""
    if isinstance(ref, Base):
        # The identity, not the id: reading an expired record's id reloads it.
        identity = inspect(ref).identity
        return identity[0] if identity else ref
    return ref


def _pair_of(match: Match) -> tuple:
    return (
        _key_of(parent_ref(match, "programme", "programme_id")),
        _key_of(parent_ref(match, "mentor", "mentor_id")),
    )


def _mentors_of(pending: PendingChanges, matches: list[Match]) -> dict:
    """Return the mentors of these matches by key, those stored in one query."""
    found = {}
    missing = set()
    for match in matches:
        ref = parent_ref(match, "mentor", "mentor_id")
        key = _key_of(ref)
        if isinstance(ref, Mentor) and "do_not_approach" in ref.__dict__:
            found[key] = ref
        elif key is not None:
            # Known by id only, or expired since a commit: loaded together.
            missing.add(key)
    missing = sorted(missing - set(found))
    for start in range(0, len(missing), _CHUNK):
        query = select(Mentor).where(Mentor.id.in_(missing[start : start + _CHUNK]))
        for mentor in pending.session.execute(query).scalars():
            found[mentor.id] = mentor
    return found


def _states_by_pair(pending: PendingChanges) -> dict[tuple, list]:
    """Return, by programme and mentor, each match of the two and its state.

    Matches this flush adds or changes count as the session holds them; the
    database is asked only about programmes and mentors already stored.
    """
    pairs = {_pair_of(match) for match in pending.new_matches}
    stored_pairs = {pair for pair in pairs if all(isinstance(key, int) for key in pair)}
    in_session = pending.stored_ids_in_session(Match)
    by_pair: dict[tuple, list] = defaultdict(list)

    programme_ids = sorted({programme_id for programme_id, _ in stored_pairs})
    for start in range(0, len(programme_ids), _CHUNK):
        query = select(Match.id, Match.programme_id, Match.mentor_id, Match.state)
        query = query.where(
            Match.programme_id.in_(programme_ids[start : start + _CHUNK])
        )
        for match_id, programme_id, mentor_id, state in pending.session.execute(query):
            pair = (programme_id, mentor_id)
            if pair in stored_pairs and match_id not in in_session:
                by_pair[pair].append((match_id, state))

    for match in pending.changed_of(Match):
        pair = _pair_of(match)
        if pair in pairs:
            by_pair[pair].append((match, value_of(match, "state")))
    return by_pair


@rule(SeminarEnrolment)
def _enrolment_line_is_the_programmes(pending: PendingChanges, enrolment) -> None:
    if changed(enrolment, "budget_line_id", "budget_line", "programme_id"):
        programme = _programme_of(pending, enrolment)
        _check_same_programme(
            pending, programme, enrolment, "budget_line", "Budget line"
        )


# Seminars and exchange rates.


@rule(Seminar)
def _seminar_is_consistent(pending: PendingChanges, seminar: Seminar) -> None:
    if changed(seminar, "currency"):
        seminar.currency = _field("Currency", parse_currency, seminar.currency)
    if changed(seminar, "starts_on", "ends_on"):
        check_dates_in_order(seminar.starts_on, seminar.ends_on, "Ends on", "starts on")
    places = value_of(seminar, "places")
    if changed(seminar, "places") and places is not None and places < 0:
        raise InvalidValue(f"Places: {places} is negative; give 0 or more")


@rule(ExchangeRate)
def _rate_is_consistent(pending: PendingChanges, rate: ExchangeRate) -> None:
    if changed(rate, "currency"):
        rate.currency = _field("Currency", parse_currency, rate.currency)
    if changed(rate, "reporting_currency"):
        rate.reporting_currency = _field(
            "Reporting currency", parse_currency, rate.reporting_currency
        )
    if changed(rate, "rate") and (rate.rate is None or rate.rate <= 0):
        raise InvalidValue("Rate: an exchange rate must be more than zero")
