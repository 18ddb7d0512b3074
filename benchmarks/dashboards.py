"""Time every dashboard callback against the bare SQL it runs.

A director signs in and each callback is posted to Dash's update endpoint
with the body the browser's renderer sends, under a handful of filter
settings. The statements a call runs are recorded, then run again with the
same parameters on a bare database connection: that time is the floor no
callback can beat, and the ratio of the two is what the application adds
(the ORM, the figures, JSON, Flask and Dash).

The cold section builds the application with caching switched off; the
repeated-view section builds it with its own cache settings and calls each
view again once it has been drawn. Run it with `bin/benchmark-dashboards`.
"""

import argparse
import json
import math
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, text

from admin.extensions import db
from app import create_app
from dashboards import CSRF_COOKIE, CSRF_HEADER, access, ids
from dashboards.context import today
from dashboards.filters import REGION, FilterValues, place_value, to_query
from plp.demo import DEMO_ACCOUNTS, build_demo_school, count_programmes, count_rows
from plp.enums import ProgrammeStatus, Role
from plp.queries.choices import facilitators, regions

DEFAULT_SIZE = 20_000
DEFAULT_REPEAT = 7

# The targets: the slowest call in twenty under 300 ms, and the application
# adding at most half again to the time of its bare SQL.
P95_TARGET = 0.300
RATIO_TARGET = 1.5

# Under a millisecond of SQL (the sign-in's look-up of the account, say), the
# ratio weighs a request's fixed cost against nothing and is not judged.
JUDGED_FLOOR = 0.001

UPDATE_URL = access.PREFIX + "_dash-update-component"
DEPENDENCIES_URL = access.PREFIX + "_dash-dependencies"

# Where the router is asked to go: the overview, the page a director lands on.
ROUTED_PATH = access.PREFIX

# The rows of the demo School the issue sizes the benchmark by.
SIZED_TABLES = ("programmes", "budget_lines", "expenses")


class BenchmarkRefused(Exception):
    """The benchmark cannot run against this database as it is."""


@dataclass(frozen=True)
class Callback:
    """One callback as the renderer knows it: what it draws and what it reads."""

    output: str
    inputs: tuple[tuple[str, str], ...]
    state: tuple[tuple[str, str], ...]

    @property
    def outputs(self) -> list[tuple[str, str]]:
        """Return the (component, property) pairs the callback draws."""
        # Dash writes several outputs as "..a.figure...b.figure..".
        parts = self.output.strip(".").split("...")
        return [tuple(part.rsplit(".", 1)) for part in parts]

    @property
    def name(self) -> str:
        """Return the callback's first output, and how many more it draws."""
        outputs = self.outputs
        first = ".".join(outputs[0])
        return first if len(outputs) == 1 else f"{first} +{len(outputs) - 1}"


@dataclass(frozen=True)
class View:
    """A setting of the filter bar the callbacks are timed under."""

    name: str
    values: FilterValues


@dataclass
class Timing:
    """The calls of one callback under one view, in seconds, with their floors."""

    callback: str
    view: str
    statements: int = 0
    server: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    size: int = 0

    def add(self, server: float, floor: float, statements: int, size: int) -> None:
        """Count one call: its time, its floor, its statements and answer's bytes."""
        self.server.append(server)
        self.floor.append(floor)
        self.statements = max(self.statements, statements)
        self.size = max(self.size, size)

    @property
    def median(self) -> float:
        """Return the median time of a call."""
        return statistics.median(self.server)

    @property
    def p95(self) -> float:
        """Return the 95th percentile of a call's time, by nearest rank."""
        ordered = sorted(self.server)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]

    @property
    def floor_median(self) -> float:
        """Return the median time of the call's statements on a bare connection."""
        return statistics.median(self.floor)

    @property
    def ratio(self) -> float | None:
        """Return the median call's time over the median floor, if there is one."""
        floor = self.floor_median
        return self.median / floor if floor > 0 else None

    def misses(self) -> list[str]:
        """Return the targets the calls miss."""
        missed = []
        if self.p95 > P95_TARGET:
            missed.append(f"p95 over {P95_TARGET * 1000:.0f} ms")
        judged = self.floor_median >= JUDGED_FLOOR
        if judged and self.ratio is not None and self.ratio > RATIO_TARGET:
            missed.append(f"over {RATIO_TARGET}x the floor")
        return missed


def pooled(timings: list["Timing"], view: str = "all views") -> Timing:
    """Return one callback's timings under every view, as one."""
    whole = Timing(timings[0].callback, view)
    for timing in timings:
        whole.server += timing.server
        whole.floor += timing.floor
        whole.statements = max(whole.statements, timing.statements)
        whole.size = max(whole.size, timing.size)
    return whole


class StatementLog:
    """Record the statements an engine runs, with their parameters, while on."""

    def __init__(self, engine):
        self.engine = engine
        self.recording = False
        self.statements: list[tuple[str, object, bool]] = []
        self._pending: dict[int, tuple] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording:
            self._pending[id(cursor)] = (statement, parameters, executemany)

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        # Only statements that ran to the end are run again for the floor.
        ran = self._pending.pop(id(cursor), None)
        if ran is not None:
            self.statements.append(ran)

    def start(self) -> None:
        """Begin recording, forgetting what was recorded before."""
        self.statements = []
        self._pending.clear()
        self.recording = True

    def stop(self) -> list[tuple[str, object, bool]]:
        """Stop recording and return the statements run meanwhile."""
        self.recording = False
        return self.statements

    def close(self) -> None:
        """Stop listening to the engine."""
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def floor_time(connection, statements) -> float:
    """Return the seconds the statements take on a bare connection, rows fetched."""
    cursor = connection.cursor()
    started = time.perf_counter()
    for statement, parameters, many in statements:
        if many:
            cursor.executemany(statement, parameters)
        else:
            cursor.execute(statement, parameters)
        if cursor.description is not None:
            cursor.fetchall()
    elapsed = time.perf_counter() - started

    cursor.close()
    # A callback only reads; nothing it ran may stay behind if one ever writes.
    connection.rollback()
    return elapsed


def views_of(session, on) -> list[View]:
    """Return the filter settings to time: none, a period, and one of each filter."""
    year_before = (on - timedelta(days=365)).isoformat()
    found = [
        View("no filter", FilterValues()),
        View("a period", FilterValues(start=year_before, end=on.isoformat())),
    ]
    people = facilitators(session)
    if people:
        found.append(View("a facilitator", FilterValues(facilitator=people[0][0])))
    places = regions(session)
    if places:
        found.append(
            View("a region", FilterValues(place=place_value(REGION, places[0])))
        )
    found.append(
        View("a status", FilterValues(statuses=(str(ProgrammeStatus.ACTIVE),)))
    )
    return found


def input_values(view: View, reference: str | None) -> dict[tuple[str, str], object]:
    """Return what the renderer sends for each input under a view.

    `reference` is the programme the progress page's drill-down shows.
    """
    values = view.values
    clicked = {"points": [{"y": reference}]} if reference else None
    return {
        (ids.FILTER_PERIOD, "start_date"): values.start,
        (ids.FILTER_PERIOD, "end_date"): values.end,
        (ids.FILTER_FACILITATOR, "value"): values.facilitator,
        (ids.FILTER_PLACE, "value"): values.place,
        (ids.FILTER_STATUS, "value"): list(values.statuses),
        (ids.URL, "pathname"): ROUTED_PATH,
        (ids.URL, "search"): to_query(values),
        (ids.PROGRESS_PROGRAMME, "value"): reference,
        (ids.PROGRESS_PROGRAMMES, "clickData"): clicked,
        (ids.PROGRESS_OVERDUE, "clickData"): None,
    }


def request_body(callback: Callback, values: dict) -> dict:
    """Return the body the renderer posts to run a callback with these values."""

    def given(pairs):
        missing = [f"{c}.{p}" for c, p in pairs if (c, p) not in values]
        if missing:
            raise BenchmarkRefused(
                f"The benchmark does not know what to send as {', '.join(missing)} "
                f"for {callback.name}: add it to input_values."
            )
        return [{"id": c, "property": p, "value": values[(c, p)]} for c, p in pairs]

    outputs = [{"id": c, "property": p} for c, p in callback.outputs]
    return {
        "output": callback.output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": given(callback.inputs),
        "state": given(callback.state),
        "changedPropIds": [f"{c}.{p}" for c, p in callback.inputs[:1]],
    }


class Browser:
    """A director's browser, signed in to the dashboards."""

    def __init__(self, app):
        self.client = app.test_client()
        director = next(a for a in DEMO_ACCOUNTS if a.role == Role.DIRECTOR)
        page = self.client.get("/login").get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        response = self.client.post(
            "/login",
            data={
                "email": director.email,
                "password": director.password,
                "csrf_token": found.group(1) if found else "",
            },
        )
        if response.status_code != 302:
            raise BenchmarkRefused(
                f"The demo director {director.email} could not sign in with the "
                "demo password: the benchmark reads a demo School "
                "(`flask --app app plp demo-accounts` makes the accounts)."
            )
        self.client.get(access.PREFIX)
        self.token = self.client.get_cookie(CSRF_COOKIE, path=access.PREFIX).value

    def callbacks(self) -> list[Callback]:
        """Return every callback the dashboards register, as the renderer reads them."""
        response = self.client.get(DEPENDENCIES_URL)
        return [
            Callback(
                output=found["output"],
                inputs=tuple((i["id"], i["property"]) for i in found["inputs"]),
                state=tuple((s["id"], s["property"]) for s in found["state"]),
            )
            for found in response.get_json()
        ]

    def post(self, callback: Callback, body: dict) -> tuple[float, bytes]:
        """Run a callback; return the seconds the server took and its answer."""
        started = time.perf_counter()
        response = self.client.post(
            UPDATE_URL, json=body, headers={CSRF_HEADER: self.token}
        )
        elapsed = time.perf_counter() - started

        if response.status_code not in (200, 204):
            raise BenchmarkRefused(
                f"{callback.name} answered {response.status_code}: "
                f"{response.get_data(as_text=True)[:300]}"
            )
        return elapsed, response.get_data()


def offered_reference(browser, callbacks, values) -> str | None:
    """Return the first programme the progress page offers to drill into."""
    for callback in callbacks:
        if (ids.PROGRESS_PROGRAMME, "options") in callback.outputs:
            _, answer = browser.post(callback, request_body(callback, values))
            options = json.loads(answer)["response"][ids.PROGRESS_PROGRAMME]["options"]
            return options[0] if options else None
    return None


def measure(app, repeat: int = DEFAULT_REPEAT) -> list[Timing]:
    """Time every callback under every view, `repeat` calls each, with its floor.

    Each view is drawn once before it is timed, as a browser draws a page
    before a director comes back to it: with caching on, the timed calls are
    repeated views.
    """
    with app.app_context():
        engine = db.engine
        views = views_of(db.session, today())
        db.session.remove()
    browser = Browser(app)
    callbacks = browser.callbacks()
    log = StatementLog(engine)
    connection = engine.raw_connection()
    timings = []
    try:
        for view in views:
            values = input_values(view, None)
            values = input_values(view, offered_reference(browser, callbacks, values))
            for callback in callbacks:
                body = request_body(callback, values)
                browser.post(callback, body)
                timing = Timing(callback.name, view.name)
                for _ in range(repeat):
                    log.start()
                    elapsed, answer = browser.post(callback, body)
                    statements = log.stop()
                    floor = floor_time(connection, statements)
                    timing.add(elapsed, floor, len(statements), len(answer))
                timings.append(timing)
    finally:
        connection.close()
        log.close()
    return timings


def by_callback(timings: list[Timing]) -> dict[str, list[Timing]]:
    """Group timings by callback, in the order they were taken."""
    grouped: dict[str, list[Timing]] = {}
    for timing in timings:
        grouped.setdefault(timing.callback, []).append(timing)
    return grouped


def ensure_school(app, size: int, out) -> dict[str, int]:
    """Build a demo School of `size` programmes if the database has none.

    Return the rows per table. On PostgreSQL, gather the planner's
    statistics too, as autovacuum would in time.
    """
    with app.app_context():
        if count_programmes(db.session) == 0:
            out(f"The database has no programmes: building a demo School of {size}.")
            started = time.perf_counter()
            build_demo_school(db.session, size)
            out(f"Built in {time.perf_counter() - started:.1f} s.")
        rows = count_rows(db.session)
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            # A School just loaded has no planner statistics until autovacuum
            # comes round, and without them PostgreSQL picks plans a settled
            # database never would.
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            out("Gathered PostgreSQL's planner statistics (ANALYZE).")
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


COLD_HEADING = (
    f"{'callback / view':<42} {'stmts':>5} {'median':>8} {'p95':>8} "
    f"{'floor':>8} {'ratio':>6} {'KiB':>7}  target missed"
)


def cold_lines(timings: list[Timing]) -> list[str]:
    """Return the cold table: per callback, a row per view and one for all views."""
    lines = [COLD_HEADING]
    for name, group in by_callback(timings).items():
        lines.append(name)
        for timing in [*group, pooled(group)]:
            ratio = f"{timing.ratio:6.2f}" if timing.ratio is not None else "     -"
            lines.append(
                f"  {timing.view:<40} {timing.statements:>5} {_ms(timing.median)} "
                f"{_ms(timing.p95)} {_ms(timing.floor_median)} {ratio} "
                f"{timing.size / 1024:7.1f}  {', '.join(timing.misses())}"
            )
    return lines


def warm_lines(warm: list[Timing], cold: list[Timing]) -> list[str]:
    """Return the repeated-view table, each callback beside its cold median."""
    cold_of = {name: pooled(group) for name, group in by_callback(cold).items()}
    lines = [
        f"{'callback (all views)':<42} {'stmts':>5} {'median':>8} {'p95':>8} "
        f"{'cold':>8}  target missed"
    ]
    for name, group in by_callback(warm).items():
        timing = pooled(group)
        over = f"p95 over {P95_TARGET * 1000:.0f} ms" if timing.p95 > P95_TARGET else ""
        lines.append(
            f"{name:<42} {timing.statements:>5} {_ms(timing.median)} "
            f"{_ms(timing.p95)} {_ms(cold_of[name].median)}  {over}"
        )
    return lines


def run(size: int, repeat: int, out=print) -> list[Timing]:
    """Benchmark the dashboards on the database DATABASE_URL names; print tables."""
    cold_app = create_app({"CACHE_TYPE": "NullCache"})
    rows = ensure_school(cold_app, size, out)
    with cold_app.app_context():
        dialect = db.engine.dialect.name
    counts = ", ".join(f"{rows[t]:,} {t.replace('_', ' ')}" for t in SIZED_TABLES)
    out(f"Database: {dialect}; {counts}.")
    out(
        f"Times in ms over {repeat} calls a view; p95 by nearest rank; floor: the "
        "same statements on a bare connection; KiB: the answer's JSON; "
        f"a floor under {JUDGED_FLOOR * 1000:.0f} ms is too small to judge a ratio by."
    )

    cold = measure(cold_app, repeat)
    out("")
    out("Cold views (caching off)")
    for line in cold_lines(cold):
        out(line)

    warm = measure(create_app(), repeat)
    out("")
    out("Repeated views (the application's cache settings)")
    for line in warm_lines(warm, cold):
        out(line)

    missing = [
        name for name, group in by_callback(cold).items() if pooled(group).misses()
    ]
    out("")
    out(
        f"{len(missing)} of {len(by_callback(cold))} callbacks miss a target when "
        f"cold{': ' + ', '.join(missing) if missing else '.'}"
    )
    return cold


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of 1 or more")
    return int(text)


def main(argv=None) -> int:
    """Time the dashboards' callbacks against their SQL and print the tables."""
    parser = argparse.ArgumentParser(
        prog="bin/benchmark-dashboards",
        description="Time every dashboard callback, as a director's browser calls "
        "it, against its bare SQL, on the database DATABASE_URL names.",
    )
    parser.add_argument(
        "--size",
        type=_positive,
        default=DEFAULT_SIZE,
        help="programmes in the demo School built if the database has none "
        f"(default {DEFAULT_SIZE})",
    )
    parser.add_argument(
        "--repeat",
        type=_positive,
        default=DEFAULT_REPEAT,
        help=f"calls of each callback under each view (default {DEFAULT_REPEAT})",
    )
    args = parser.parse_args(argv)
    try:
        run(args.size, args.repeat)
    except BenchmarkRefused as refusal:
        print(refusal, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
