"""Loading a School's existing records from a workbook, all of them or none.

The workbook has one sheet per kind of record (`docs/import.md` describes
every column; `build_template` makes an empty one). Every row of every sheet
is read and checked first, and every problem is collected with its sheet, row
and column. Only when there is none is anything written, in one transaction
that is committed once. Importing the same workbook again updates records
instead of duplicating them: people are found by e-mail, programmes by client
and start date, matches by programme, mentor and role.
"""

import logging
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from plp.db import utc_now
from plp.enums import (
    MATCH_STATES_DISCLOSED,
    Channel,
    ConsentDecision,
    ConsentSide,
    MatchState,
    PeerRole,
    ProgrammeStatus,
    Role,
    RolesOffered,
)
from plp.errors import DomainError, InvalidValue, NotPermitted
from plp.models import Budget, Client, Consent, Match, Mentor, Programme, User
from plp.rules import (
    CONSENT_REFUSALS,
    MATCH_STATES_ENDED,
    active_agreement_count,
    is_step_back,
)
from plp.services.audit import IMPORTED, act_as, record_event
from plp.values import (
    parse_currency,
    parse_date,
    parse_email,
    parse_languages,
    parse_money,
    split_list,
)

logger = logging.getLogger(__name__)

# Stages by which the client has agreed the budget, and stages before it.
AGREED_STAGES = (
    ProgrammeStatus.AGENDA,
    ProgrammeStatus.MATCHING,
    ProgrammeStatus.ACTIVE,
    ProgrammeStatus.COMPLETED,
)
UNAGREED_STAGES = (
    ProgrammeStatus.ENQUIRY,
    ProgrammeStatus.ASSESSMENT,
    ProgrammeStatus.BUDGET,
)
CLOSED_STAGES = (ProgrammeStatus.COMPLETED, ProgrammeStatus.WITHDRAWN)

# States of an introduction that come after the anonymous proposal.
PROPOSED_OR_LATER = (MatchState.PROPOSED, *MATCH_STATES_DISCLOSED)
BEFORE_DISCLOSURE = (MatchState.SHORTLISTED, MatchState.PROPOSED)

# Well below the largest whole number of cents a BIGINT column holds.
LARGEST_AMOUNT = Decimal("1000000000000000")
LARGEST_WHOLE_NUMBER = 2**31 - 1

# How far down the template offers its drop-down lists.
TEMPLATE_ROWS = 5000

IMPORT_NOTE = "Imported from the School's workbook."
CONSENT_NOTE = "Given before the School moved to PLP Manager; imported."


# What went wrong, and where


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workbook: the sheet, row and column, and what."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    @property
    def location(self) -> str:
        """Say where the problem is, as a spreadsheet user would look for it."""
        place = self.sheet or "Workbook"
        if self.row is not None:
            place += f" row {self.row}"
        if self.column:
            place += f", {self.column}"
        return place

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ImportRefused(DomainError):
    """The workbook has problems, so nothing in it was imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_problem_order)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"Nothing was imported: the workbook has {count} {noun}.")


def _problem_order(problem: Problem) -> tuple[int, int, int]:
    """Order problems as a reader goes through the workbook: sheet, row, column."""
    for sheet_index, spec in enumerate(SHEETS):
        if spec.name == problem.sheet:
            headers = [column.header for column in spec.columns]
            column = headers.index(problem.column) if problem.column in headers else -1
            return (sheet_index, problem.row or 0, column)
    return (-1, 0, -1)


@dataclass
class Tally:
    """How many records of one sheet were created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import wrote, sheet by sheet."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    consents_recorded: int = 0

    def tally(self, sheet: str) -> Tally:
        """Return the counts of one sheet, starting them at zero."""
        return self.tallies.setdefault(sheet, Tally())

    def count(self, sheet: str, outcome: str) -> None:
        """Count one record of a sheet as created, updated or unchanged."""
        tally = self.tally(sheet)
        setattr(tally, outcome, getattr(tally, outcome) + 1)

    def lines(self) -> list[str]:
        """Return the counts as lines a person can read."""
        lines = []
        for spec in SHEETS:
            tally = self.tally(spec.name)
            lines.append(
                f"{spec.name}: {tally.created} created, {tally.updated} updated, "
                f"{tally.unchanged} unchanged"
            )
        lines.append(f"Consents recorded as given: {self.consents_recorded}")
        return lines


# Reading one cell


def _cell_text(value) -> str:
    """Return a cell's value as the text a person typed, without outer spaces."""
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _within(limit: int | None, text: str) -> str:
    if limit is not None and len(text) > limit:
        raise InvalidValue(f"{len(text)} characters, more than the {limit} allowed")
    return text


def _limit(model, field_name: str) -> int | None:
    return getattr(model.__table__.c[field_name].type, "length", None)


def _text(model, field_name: str) -> Callable:
    """Return a reader of free text that fits the model's column."""
    limit = _limit(model, field_name)
    return lambda value: _within(limit, _cell_text(value))


def _email(value) -> str:
    return parse_email(_cell_text(value))


def _languages(model) -> Callable:
    """Return a reader of comma-separated ISO 639 codes for the model."""
    limit = _limit(model, "languages")
    return lambda value: _within(limit, parse_languages(_cell_text(value))) or None


def _expertise(value) -> str | None:
    areas = [area.lower() for area in split_list(_cell_text(value))]
    text = ", ".join(dict.fromkeys(areas))
    return _within(_limit(Mentor, "expertise"), text) or None


def _choice(enum_class, noun: str, plural: str) -> Callable:
    """Return a reader of one value of a vocabulary, listing it when refused."""

    def read(value):
        text = " ".join(_cell_text(value).split()).lower()
        try:
            return enum_class(text)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_class)
            raise InvalidValue(
                f"{_cell_text(value)} is not a known {noun}; the {plural} are {allowed}"
            ) from None

    return read


_read_roles_offered = _choice(RolesOffered, "role", "roles")


def _roles_offered(value) -> RolesOffered:
    parts = {part.lower() for part in split_list(_cell_text(value))}
    if parts == {RolesOffered.MENTOR.value, RolesOffered.COACH.value}:
        return RolesOffered.BOTH
    return _read_roles_offered(value)


def _whole_number(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _cell_text(value)
        try:
            number = int(text)
        except ValueError:
            raise InvalidValue(f"{text} is not a whole number") from None
    if number < 0:
        raise InvalidValue(f"{number} is negative")
    if number > LARGEST_WHOLE_NUMBER:
        raise InvalidValue(f"{number} is too large")
    return number


def _date(value) -> date:
    return parse_date(value if isinstance(value, date) else _cell_text(value))


def _amount(value) -> Decimal:
    amount = parse_money(value if isinstance(value, int | float) else _cell_text(value))
    if amount >= LARGEST_AMOUNT:
        raise InvalidValue(f"{amount} is too large for an amount")
    return amount


def _currency(value) -> str:
    return parse_currency(_cell_text(value))


# The sheets and their columns


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header, how its cells are read, what it needs."""

    header: str
    key: str
    read: Callable
    needs: str
    required: bool = False
    is_text: bool = True
    number_format: str = "@"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of the workbook: its name and its columns, in order."""

    name: str
    columns: tuple[Column, ...]
    describes: str


def _values(enum_class) -> tuple[str, ...]:
    return tuple(member.value for member in enum_class)


MENTORS = SheetSpec(
    "Mentors",
    (
        Column("Name", "name", _text(Mentor, "name"), "a name", required=True),
        Column("Email", "email", _email, "an e-mail address", required=True),
        Column("Phone", "phone", _text(Mentor, "phone"), "a phone number"),
        Column("Country", "country", _text(Mentor, "country"), "a country"),
        Column("Region", "region", _text(Mentor, "region"), "a region"),
        Column("Languages", "languages", _languages(Mentor), "language codes"),
        Column("Expertise", "expertise", _expertise, "areas of expertise"),
        Column(
            "Roles",
            "roles_offered",
            _roles_offered,
            "a role (mentor, coach or both)",
            required=True,
            choices=_values(RolesOffered),
        ),
        Column(
            "Capacity",
            "capacity",
            _whole_number,
            "a whole number",
            required=True,
            is_text=False,
            number_format="0",
        ),
        Column("Biography", "biography", _text(Mentor, "biography"), "a biography"),
    ),
    "the mentor and coach pool, one person a row",
)

CLIENTS = SheetSpec(
    "Clients",
    (
        Column("Name", "name", _text(Client, "name"), "a name", required=True),
        Column("Email", "email", _email, "an e-mail address", required=True),
        Column("Phone", "phone", _text(Client, "phone"), "a phone number"),
        Column("Country", "country", _text(Client, "country"), "a country"),
        Column("Region", "region", _text(Client, "region"), "a region"),
        Column("Languages", "languages", _languages(Client), "language codes"),
        Column(
            "Political aims",
            "political_aims",
            _text(Client, "political_aims"),
            "the political aims",
        ),
        Column("Campaign", "campaign", _text(Client, "campaign"), "a campaign"),
    ),
    "the clients, one person a row",
)

PROGRAMMES = SheetSpec(
    "Programmes",
    (
        Column(
            "Client email",
            "client_email",
            _email,
            "the client's e-mail address",
            required=True,
        ),
        Column(
            "Facilitator email",
            "facilitator_email",
            _email,
            "the facilitator's e-mail address",
        ),
        Column(
            "Status",
            "status",
            _choice(ProgrammeStatus, "status", "statuses"),
            "a status",
            required=True,
            choices=_values(ProgrammeStatus),
        ),
        Column(
            "Start date",
            "start_date",
            _date,
            "a date (YYYY-MM-DD)",
            required=True,
            is_text=False,
            number_format="yyyy-mm-dd",
        ),
        Column("Currency", "currency", _currency, "a currency code", required=True),
        Column(
            "Agreed budget",
            "agreed_total",
            _amount,
            "an amount",
            is_text=False,
            number_format="#,##0.00",
        ),
    ),
    "each client's programmes, one programme a row",
)

MATCHES = SheetSpec(
    "Matches",
    (
        Column(
            "Client email",
            "client_email",
            _email,
            "the client's e-mail address",
            required=True,
        ),
        Column(
            "Mentor email",
            "mentor_email",
            _email,
            "the mentor's e-mail address",
            required=True,
        ),
        Column(
            "Role",
            "role",
            _choice(PeerRole, "role", "roles"),
            "a role (mentor or coach)",
            required=True,
            choices=_values(PeerRole),
        ),
        Column(
            "State",
            "state",
            _choice(MatchState, "state", "states"),
            "a state",
            required=True,
            choices=_values(MatchState),
        ),
    ),
    "introductions already under way, one a row",
)

SHEETS = (MENTORS, CLIENTS, PROGRAMMES, MATCHES)


# Reading the workbook


@dataclass
class Row:
    """One record of a sheet: its row number and the values read from it.

    A value that could not be read is absent; an empty cell is None.
    """

    number: int
    values: dict[str, object] = field(default_factory=dict)

    def get(self, key: str):
        """Return the value read from a column, or None."""
        return self.values.get(key)

    def is_empty(self, key: str) -> bool:
        """Tell whether a column was read and found empty."""
        return key in self.values and self.values[key] is None


def read_workbook(source) -> tuple[dict[str, list[Row]], list[Problem]]:
    """Read every sheet of a workbook, returning its rows and the problems found.

    A file that is not a workbook, or is empty, is refused at once.
    """
    workbook = _open_workbook(source)
    if _is_blank(workbook):
        raise ImportRefused([Problem(None, None, None, "the workbook is empty")])

    problems: list[Problem] = []
    sheets = {spec.name: _read_sheet(workbook, spec, problems) for spec in SHEETS}
    workbook.close()

    if not problems and not any(sheets.values()):
        problems.append(
            Problem(None, None, None, "the workbook has headers but no records")
        )
    return sheets, problems


def _open_workbook(source) -> Workbook:
    try:
        with warnings.catch_warnings():
            # openpyxl warns of features it does not read (some styles and
            # extensions); they carry none of the records.
            warnings.simplefilter("ignore")
            return load_workbook(source, data_only=False, keep_links=False)
    except Exception as failure:
        # A file that is not an .xlsx workbook fails in many ways inside
        # openpyxl (zip, XML, missing parts); each means the same to the user.
        logger.info("import refused an unreadable file (%s)", type(failure).__name__)
        raise ImportRefused(
            [
                Problem(
                    None,
                    None,
                    None,
                    "the file is not an Excel workbook (.xlsx): save it from "
                    "Excel or LibreOffice as an .xlsx workbook and try again",
                )
            ]
        ) from None


def _is_blank(workbook: Workbook) -> bool:
    return not any(
        value is not None and str(value).strip()
        for worksheet in workbook.worksheets
        for row in worksheet.iter_rows(values_only=True)
        for value in row
    )


def _normal(header) -> str:
    return " ".join(str(header or "").split()).casefold()


def _read_sheet(workbook: Workbook, spec: SheetSpec, problems: list) -> list[Row]:
    worksheets = {_normal(sheet.title): sheet for sheet in workbook.worksheets}
    worksheet = worksheets.get(_normal(spec.name))
    if worksheet is None:
        problems.append(Problem(spec.name, None, None, "the sheet is missing"))
        return []

    positions = _header_positions(worksheet, spec, problems)

    rows = []
    for cells in worksheet.iter_rows(min_row=2):
        # Notes in columns the import does not read do not make a record.
        read = [cells[index] for index in positions.values() if index < len(cells)]
        if all(_is_empty_cell(cell) for cell in read):
            continue
        rows.append(_read_row(spec, positions, cells, problems))
    return rows


def _header_positions(worksheet, spec: SheetSpec, problems: list) -> dict[str, int]:
    headers = next(worksheet.iter_rows(max_row=1, values_only=True), ())
    found = {}
    for index, header in enumerate(headers):
        found.setdefault(_normal(header), index)

    positions = {}
    for column in spec.columns:
        if _normal(column.header) in found:
            positions[column.key] = found[_normal(column.header)]
        else:
            problems.append(
                Problem(spec.name, 1, column.header, "the column is missing")
            )
    return positions


def _is_empty_cell(cell) -> bool:
    value = cell.value
    return value is None or (isinstance(value, str) and not value.strip())


def _read_row(spec: SheetSpec, positions: dict, cells, problems: list) -> Row:
    row = Row(cells[0].row)
    for column in spec.columns:
        if column.key not in positions:
            continue
        index = positions[column.key]
        cell = cells[index] if index < len(cells) else None
        try:
            row.values[column.key] = _read_cell(column, cell)
        except InvalidValue as refusal:
            problems.append(Problem(spec.name, row.number, column.header, str(refusal)))
    return row


def _read_cell(column: Column, cell):
    """Return a cell's value read for its column, refusing formulas and errors."""
    if cell is not None and cell.data_type == "f":
        kind = "text" if column.is_text else "a value"
        raise InvalidValue(f"a formula, not {kind} ({column.needs} must be typed in)")
    if cell is not None and cell.data_type == "e":
        raise InvalidValue(f"{cell.value} is an error, not {column.needs}")

    if cell is None or _is_empty_cell(cell):
        if column.required:
            raise InvalidValue(f"{column.needs} is required")
        return None
    return column.read(cell.value)


# What the database already holds


@dataclass
class Existing:
    """The records already in the database that the workbook refers to."""

    clients: dict[str, Client]
    mentors: dict[str, Mentor]
    staff: dict[str, User]
    programmes: dict[tuple[str, date | None], Programme]
    matches: dict[tuple[int, int, PeerRole], Match]


def _emails(rows: list[Row], key: str) -> set[str]:
    return {row.get(key) for row in rows if row.get(key)}


def _load_existing(session: Session, sheets: dict[str, list[Row]]) -> Existing:
    client_emails = (
        _emails(sheets["Clients"], "email")
        | _emails(sheets["Programmes"], "client_email")
        | _emails(sheets["Matches"], "client_email")
    )
    mentor_emails = _emails(sheets["Mentors"], "email") | _emails(
        sheets["Matches"], "mentor_email"
    )
    staff_emails = _emails(sheets["Programmes"], "facilitator_email")

    clients = _by_email(session, Client, client_emails)
    programmes = _programmes_of(session, clients)
    return Existing(
        clients=clients,
        mentors=_by_email(session, Mentor, mentor_emails),
        staff=_by_email(session, User, staff_emails),
        programmes=programmes,
        matches=_matches_of(session, programmes),
    )


def _by_email(session: Session, model, emails: set[str]) -> dict:
    if not emails:
        return {}
    query = select(model).where(func.lower(model.email).in_(sorted(emails)))
    return {record.email.lower(): record for record in session.scalars(query)}


def _programmes_of(session: Session, clients: dict[str, Client]) -> dict:
    emails = {client.id: email for email, client in clients.items()}
    if not emails:
        return {}
    query = (
        select(Programme)
        .where(Programme.client_id.in_(sorted(emails)))
        .options(selectinload(Programme.budget))
        .order_by(Programme.id)
    )
    return {
        (emails[programme.client_id], programme.start_date): programme
        for programme in session.scalars(query)
    }


def _matches_of(session: Session, programmes: dict) -> dict:
    ids = sorted(programme.id for programme in programmes.values())
    if not ids:
        return {}
    query = (
        select(Match)
        .where(Match.programme_id.in_(ids))
        .options(selectinload(Match.consents))
    )
    return {
        (match.programme_id, match.mentor_id, match.role): match
        for match in session.scalars(query)
    }


# Checks across rows, sheets and the database


def _check_workbook(
    session: Session, sheets: dict[str, list[Row]], existing: Existing
) -> list[Problem]:
    problems: list[Problem] = []
    _check_mentors(session, sheets["Mentors"], existing, problems)
    _flag_repeats("Clients", sheets["Clients"], ("email",), "Email", "", problems)

    clients = _emails(sheets["Clients"], "email") | set(existing.clients)
    _check_programmes(sheets["Programmes"], clients, existing, problems)
    _check_matches(sheets, clients, existing, problems)
    return problems


def _flag_repeats(
    sheet: str, rows: list[Row], keys: tuple, column: str, what: str, problems: list
) -> None:
    """Refuse a later row that repeats the key of an earlier one."""
    first_rows: dict[tuple, int] = {}
    for row in rows:
        key = tuple(row.get(name) for name in keys)
        if None in key:
            continue
        if key in first_rows:
            message = f"the same {what}as row {first_rows[key]}"
            problems.append(Problem(sheet, row.number, column, message))
        else:
            first_rows[key] = row.number


def _check_mentors(session, rows: list[Row], existing: Existing, problems) -> None:
    _flag_repeats("Mentors", rows, ("email",), "Email", "", problems)

    for row in rows:
        mentor = existing.mentors.get(row.get("email"))
        capacity = row.get("capacity")
        if mentor is None or capacity is None:
            continue
        running = active_agreement_count(session, mentor.id)
        if running > capacity:
            message = (
                f"{capacity} is less than the mentor's {running} active agreements"
            )
            problems.append(Problem("Mentors", row.number, "Capacity", message))


def _check_programmes(rows: list[Row], clients: set, existing: Existing, problems):
    what = "client and start date "
    keys = ("client_email", "start_date")
    _flag_repeats("Programmes", rows, keys, "Start date", what, problems)

    for row in rows:
        for column, message in _programme_row_problems(row, clients, existing):
            problems.append(Problem("Programmes", row.number, column, message))


def _programme_row_problems(row: Row, clients: set, existing: Existing):
    """Yield (column, message) for what is wrong with a programme row as a whole."""
    client_email = row.get("client_email")
    if client_email and client_email not in clients:
        yield (
            "Client email",
            f"no such client: {client_email} is neither in the Clients sheet "
            "nor already a client",
        )

    facilitator_email = row.get("facilitator_email")
    if facilitator_email:
        problem = _facilitator_problem(existing.staff.get(facilitator_email))
        if problem:
            yield "Facilitator email", problem

    status = row.get("status")
    if status == ProgrammeStatus.ACTIVE and row.is_empty("facilitator_email"):
        yield "Facilitator email", "an active programme needs a facilitator"
    if status in AGREED_STAGES and row.is_empty("agreed_total"):
        yield "Agreed budget", f"a programme at stage {status} has an agreed budget"
    if status in UNAGREED_STAGES and row.get("agreed_total") is not None:
        yield (
            "Agreed budget",
            "a budget is agreed only from the agenda stage on; "
            f"leave it empty for a programme at stage {status}",
        )


def _facilitator_problem(user: User | None) -> str:
    if user is None:
        return "no staff account has this e-mail: create the facilitator first"
    if user.role != Role.FACILITATOR:
        return f"this account is a {user.role}, not a facilitator"
    return ""


def _check_matches(sheets: dict, clients: set, existing: Existing, problems) -> None:
    rows = sheets["Matches"]
    what = "client, mentor and role "
    keys = ("client_email", "mentor_email", "role")
    _flag_repeats("Matches", rows, keys, "Mentor email", what, problems)

    mentors = _emails(sheets["Mentors"], "email") | set(existing.mentors)
    candidates = _programme_candidates(sheets["Programmes"], existing)
    for row in rows:
        email = row.get("client_email")
        row.values["programme_key"] = _choose_programme(email, candidates)
        for column, message in _match_row_problems(
            row, clients, mentors, candidates, existing
        ):
            problems.append(Problem("Matches", row.number, column, message))


def _match_row_problems(row: Row, clients, mentors, candidates, existing):
    """Yield (column, message) for a match that refers to what is not there."""
    client_email, mentor_email = row.get("client_email"), row.get("mentor_email")
    if mentor_email and mentor_email not in mentors:
        yield (
            "Mentor email",
            f"no such mentor: {mentor_email} is neither in the Mentors sheet "
            "nor already in the pool",
        )
    if not client_email:
        return
    if client_email not in clients:
        yield (
            "Client email",
            f"no such client: {client_email} is neither in the Clients sheet "
            "nor already a client",
        )
        return

    programme_key = row.get("programme_key")
    if programme_key is None:
        # A programme row whose start date is wrong is reported on its own.
        if not candidates.get(client_email, {}).get("rows"):
            yield (
                "Client email",
                "the client has no programme: add one to the Programmes sheet",
            )
        return

    problem = _match_state_problem(row, programme_key, existing)
    if problem:
        yield "State", problem


def _programme_candidates(rows: list[Row], existing: Existing) -> dict:
    """Return, by client e-mail, each programme's start date and status."""
    candidates: dict = defaultdict(lambda: {"starts": {}, "rows": False})
    for (email, start), programme in existing.programmes.items():
        candidates[email]["starts"][start] = programme.status
    for row in rows:
        email = row.get("client_email")
        if email is None:
            continue
        candidates[email]["rows"] = True
        if row.get("start_date") is not None:
            candidates[email]["starts"][row.get("start_date")] = row.get("status")
    return candidates


def _choose_programme(email: str, candidates: dict):
    """Return the (client e-mail, start date) of the programme a match belongs to.

    A client with one programme: that one. With several: the latest-starting
    open one (neither completed nor withdrawn), or the latest-starting of all
    when none is open.
    """
    starts = candidates.get(email, {}).get("starts", {})
    if not starts:
        return None
    open_starts = [
        start for start, status in starts.items() if status not in CLOSED_STAGES
    ]
    chosen = max(open_starts or list(starts), key=lambda start: start or date.min)
    return (email, chosen)


def _match_state_problem(row: Row, programme_key, existing: Existing) -> str:
    """Say why the import may not move a recorded match to the row's state."""
    programme = existing.programmes.get(programme_key)
    mentor = existing.mentors.get(row.get("mentor_email"))
    if programme is None or mentor is None:
        return ""
    match = existing.matches.get((programme.id, mentor.id, row.get("role")))
    state = row.get("state")
    if match is None or state is None or match.state == state:
        return ""

    if match.state in MATCH_STATES_ENDED:
        ended_on = match.state_changed_at.date().isoformat()
        return (
            f"the match was {match.state} on {ended_on}; the import cannot change that"
        )
    if state in MATCH_STATES_DISCLOSED and _refusal_recorded(match):
        return "a consent refusal is recorded; the import cannot change that"
    disclosed = match.state in MATCH_STATES_DISCLOSED or match.disclosed_at
    if disclosed and state in BEFORE_DISCLOSURE:
        return "the introduction is already disclosed; that cannot be undone"
    if is_step_back(match.state, state):
        return (
            f"the match is already {match.state}; the import cannot move it "
            f"back to {state}"
        )
    return ""


def _refusal_recorded(match: Match) -> bool:
    return any(match.current_consent(side) in CONSENT_REFUSALS for side in ConsentSide)


# Writing


def import_workbook(session: Session, source, actor: User) -> ImportReport:
    """Load a School's records from a workbook, all of them or none.

    `source` is a path or a binary file object. `actor` is the administrator
    recorded as the importer. When any row is wrong, ImportRefused lists every
    problem and nothing is written; otherwise everything is committed at once.
    """
    if actor.role != Role.ADMINISTRATOR:
        raise NotPermitted("Only an administrator may import the School's records.")

    sheets, problems = read_workbook(source)
    existing = _load_existing(session, sheets)
    problems += _check_workbook(session, sheets, existing)
    if problems:
        logger.info("user %s: import refused, %s problems", actor.id, len(problems))
        raise ImportRefused(problems)

    act_as(session, actor)
    try:
        report = _write_all(session, sheets, existing, actor)
        session.commit()
    except ImportRefused:
        session.rollback()
        raise
    except SQLAlchemyError as failure:
        session.rollback()
        logger.warning(
            "user %s: import failed on commit (%s)", actor.id, type(failure).__name__
        )
        raise ImportRefused(
            [Problem(None, None, None, "the database refused the import")]
        ) from None

    _log_report(actor, report)
    return report


def _log_report(actor: User, report: ImportReport) -> None:
    # Counts only: the records themselves name people.
    for sheet, tally in report.tallies.items():
        logger.info(
            "user %s imported %s: %s created, %s updated, %s unchanged",
            actor.id,
            sheet,
            tally.created,
            tally.updated,
            tally.unchanged,
        )


def _write_all(session: Session, sheets: dict, existing: Existing, actor: User):
    report = ImportReport()
    _write_people(session, MENTORS, sheets["Mentors"], Mentor, existing.mentors, report)
    _write_people(session, CLIENTS, sheets["Clients"], Client, existing.clients, report)
    _write_programmes(session, sheets["Programmes"], existing, report)
    _write_matches(session, sheets["Matches"], existing, actor, report)
    return report


def _flush_row(session: Session, sheet: str, row: Row) -> None:
    """Write one row's changes now, so a refusal names the row it came from."""
    try:
        session.flush()
    except DomainError as refusal:
        raise ImportRefused([Problem(sheet, row.number, None, str(refusal))]) from None
    except (SQLAlchemyError, ValueError) as failure:
        # The database's own message quotes the row's values, which may name
        # a person: the log gets only the kind of failure.
        logger.warning(
            "import: the database refused %s row %s (%s)",
            sheet,
            row.number,
            type(failure).__name__,
        )
        message = "the database refused this row (a duplicate or a value too long)"
        raise ImportRefused([Problem(sheet, row.number, None, message)]) from None


def _assign(record, values: dict) -> bool:
    """Set the fields that differ, and tell whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _upsert(session: Session, model, known: dict, key, values: dict):
    """Create a record or update the one already known by this key."""
    record = known.get(key)
    if record is None:
        record = model(**values)
        session.add(record)
        known[key] = record
        return record, "created"
    return record, "updated" if _assign(record, values) else "unchanged"


def _write_people(session, spec: SheetSpec, rows, model, known: dict, report):
    for row in rows:
        values = {column.key: row.get(column.key) for column in spec.columns}
        _, outcome = _upsert(session, model, known, row.get("email"), values)
        report.count(spec.name, outcome)
        _flush_row(session, spec.name, row)


def _write_programmes(session, rows: list[Row], existing: Existing, report) -> None:
    for row in rows:
        key = (row.get("client_email"), row.get("start_date"))
        values = {
            "client": existing.clients[row.get("client_email")],
            "facilitator": existing.staff.get(row.get("facilitator_email")),
            "status": row.get("status"),
            "start_date": row.get("start_date"),
            "currency": row.get("currency"),
        }
        programme, outcome = _upsert(
            session, Programme, existing.programmes, key, values
        )

        if _write_agreed_budget(programme, row.get("agreed_total")) and (
            outcome == "unchanged"
        ):
            outcome = "updated"
        report.count("Programmes", outcome)
        _flush_row(session, "Programmes", row)


def _write_agreed_budget(programme: Programme, agreed_total: Decimal | None) -> bool:
    """Record the agreed total, agreed on the start date; tell if it changed.

    An agreed total that differs from one already agreed is refused at flush
    time by the rules: the baseline changes only through a revision.
    """
    if agreed_total is None:
        return False
    if programme.budget is None:
        programme.budget = Budget(
            agreed_total=agreed_total, agreed_on=programme.start_date
        )
        return True
    return _assign(
        programme.budget,
        {
            "agreed_total": agreed_total,
            "agreed_on": programme.budget.agreed_on or programme.start_date,
        },
    )


def _write_matches(session, rows: list[Row], existing: Existing, actor, report):
    moment = utc_now()
    for row in rows:
        programme = existing.programmes[row.get("programme_key")]
        mentor = existing.mentors[row.get("mentor_email")]
        key = (programme.id, mentor.id, row.get("role"))
        match = existing.matches.get(key)
        state = row.get("state")

        if match is not None and match.state == state:
            report.count("Matches", "unchanged")
            continue
        before = None if match is None else match.state
        if match is None:
            match = Match(programme=programme, mentor=mentor, role=row.get("role"))
            session.add(match)
            existing.matches[key] = match
        match.state = state
        match.state_changed_at = moment
        consents = _record_progress(session, match, actor, moment)
        report.consents_recorded += consents
        report.count("Matches", "created" if before is None else "updated")

        _flush_row(session, "Matches", row)
        note = IMPORT_NOTE
        if consents == len(ConsentSide):
            note += " Both sides' consent to disclosure recorded as given."
        elif consents:
            note += " The other side's consent to disclosure recorded as given."
        record_event(session, actor, match, IMPORTED, before, state, note=note)
        _flush_row(session, "Matches", row)


def _record_progress(session: Session, match: Match, actor: User, moment) -> int:
    """Stamp how far an introduction got; return the consents recorded."""
    if match.state in PROPOSED_OR_LATER and match.proposed_at is None:
        match.proposed_at = moment
    if match.state not in MATCH_STATES_DISCLOSED:
        return 0

    recorded = 0
    for side in ConsentSide:
        # Only a side with no word recorded takes the workbook's; a refusal
        # or a withdrawal recorded here is never overridden.
        if match.current_consent(side) is not None:
            continue
        session.add(
            Consent(
                match=match,
                side=side,
                decision=ConsentDecision.GIVEN,
                channel=Channel.IMPORT,
                note=CONSENT_NOTE,
                recorded_by=actor,
                recorded_at=moment,
                imported=True,
            )
        )
        recorded += 1
    if match.disclosed_at is None:
        match.disclosed_at = moment
    return recorded


# The empty template


def build_template() -> bytes:
    """Return the empty import workbook: a sheet per record, headers only."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Read me"
    for line in _template_notes():
        notes.append([line])
    notes.column_dimensions["A"].width = 100

    for spec in SHEETS:
        _add_template_sheet(workbook, spec)

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_notes() -> list[str]:
    lines = [
        "PLP Manager: import of a School's existing records",
        "",
        "Fill in one record a row below the header row of each sheet. Leave the "
        "headers as they are. This sheet is not read.",
        "Type values in: a cell holding a formula is refused.",
        "Lists in a cell are comma-separated. Dates are YYYY-MM-DD.",
        "The import is all or nothing: every problem is listed with its sheet, "
        "row and column, and nothing is written until none is left.",
        "",
    ]
    lines += [f"{spec.name}: {spec.describes}." for spec in SHEETS]
    return lines


def _add_template_sheet(workbook: Workbook, spec: SheetSpec) -> None:
    sheet = workbook.create_sheet(spec.name)
    sheet.append([column.header for column in spec.columns])
    sheet.freeze_panes = "A2"

    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(14, len(column.header) + 4)
        # A text-formatted column keeps what is typed as text, so a campaign
        # that begins with "=" does not turn into a formula.
        dimension.number_format = column.number_format
        if column.choices:
            _add_choice_list(sheet, letter, column.choices)


def _add_choice_list(sheet, letter: str, choices: tuple[str, ...]) -> None:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        errorStyle="warning",
        showErrorMessage=True,
        error="Choose one of: " + ", ".join(choices),
    )
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
    sheet.add_data_validation(validation)
