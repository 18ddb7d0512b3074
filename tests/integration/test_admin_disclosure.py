"""Nothing that names a mentor reaches staff who may not see it, on any page.

Each role walks every GET page the application serves under /admin/, found
in its URL map rather than listed by hand: lists with searches, sorts and
column filters, details and edit pages of every record (others' included),
new-record forms, CSV and Excel exports, related-record lookups with a wide
query, and the printed documents of every match. The pool has a mentor at
every step of an introduction in the facilitator's programme, one disclosed
in another facilitator's programme, and one matched with nobody.

A page leaks if it shows a mentor's name, e-mail, phone, employer or party,
address or biography to a role that may not see it; or if a search, filter
or lookup finds mentors by those (its results change with a word only their
identities hold); or if a sort puts mentors in the order of their names.
"""

import re
from dataclasses import dataclass, field
from io import BytesIO

import pytest
from flask_admin.model.base import BaseModelView
from openpyxl import load_workbook
from sqlalchemy import select

from admin.extensions import db
from plp import documents
from plp.enums import ConsentSide, MatchState
from plp.models import Match, Shortlist
from plp.services.shortlists import build_shortlist
from tests.integration import factories
from tests.integration.factories import (
    build_school,
    make_match_at,
    make_mentor,
    make_programme,
    make_user,
)

# One application for the module and an empty database for each test (see the
# factories module).
panel = factories.panel
app = factories.app

# Every identity in the pool holds this word, and nothing else in the School
# does: a search or filter whose results change with it reads identities.
SHARED_WORD = "Quillfeather"
CONTROL_WORD = "Quillfeathex"
SHARED_DIGITS = "7946 3"
CONTROL_DIGITS = "7946 9"


@dataclass(frozen=True)
class PoolMember:
    """A mentor of the test pool: where their introduction stands, and who."""

    key: str
    state: MatchState | None
    given: str
    programme: str = "own"
    consenting: tuple[ConsentSide, ...] = ()
    ended_after_disclosure: bool = False

    @property
    def alias(self) -> str:
        return f"M-QF{POOL.index(self):02d}-TEST"

    @property
    def identity(self) -> dict[str, str]:
        surname = f"{SHARED_WORD}-{self.key.title().replace(' ', '')}"
        return {
            "name": f"{self.given} {surname}",
            "email": f"{self.given}.{surname}@pool.example.net".lower(),
            "phone": f"+44 20 {SHARED_DIGITS}{POOL.index(self):03d}",
            "employer_or_party": f"{surname} Civic League",
            "address": f"{POOL.index(self) + 1} {surname} Lane, Leeds",
            "biography": f"Twenty years an organiser for {surname} Civic League",
        }


# Given names sort in an order unlike the pool's, the states' or the aliases'.
POOL = [
    PoolMember("shortlisted", MatchState.SHORTLISTED, "Marguerite"),
    PoolMember("proposed", MatchState.PROPOSED, "Bartholomew"),
    PoolMember(
        "client consented",
        MatchState.PROPOSED,
        "Xanthe",
        consenting=(ConsentSide.CLIENT,),
    ),
    PoolMember(
        "mentor consented",
        MatchState.PROPOSED,
        "Desmond",
        consenting=(ConsentSide.MENTOR,),
    ),
    PoolMember("disclosed", MatchState.DISCLOSED, "Ottoline"),
    PoolMember("interview", MatchState.INTERVIEW, "Fenwick"),
    PoolMember("invited", MatchState.INVITED, "Ursula"),
    PoolMember("accepted", MatchState.ACCEPTED, "Cassius"),
    PoolMember("agreed", MatchState.AGREED, "Philippa"),
    PoolMember("declined", MatchState.DECLINED, "Aurelio"),
    PoolMember("withdrawn", MatchState.WITHDRAWN, "Tobias"),
    PoolMember("expired", MatchState.EXPIRED, "Henrietta"),
    PoolMember(
        "declined after interview",
        MatchState.DECLINED,
        "Wilhelmina",
        ended_after_disclosure=True,
    ),
    PoolMember("elsewhere", MatchState.DISCLOSED, "Leopold", programme="other"),
    PoolMember("unmatched", None, "Rosamund", programme=""),
]
BY_KEY = {member.key: member for member in POOL}

DISCLOSED_TO_FACILITATOR = {
    "disclosed",
    "interview",
    "invited",
    "accepted",
    "agreed",
    # Disclosure cannot be undone: the match ended, the name stays known.
    "declined after interview",
}

# Where a facilitator may read the identity of a mentor disclosed to them.
DISCLOSURE_PAGES = ("/admin/introduction/", "/admin/documents/introduction-letter/")

# Pages outside the record views that take a record id, and of which model.
ID_PAGES = {"find_candidates.shortlist_view": Shortlist}

# URL arguments the walk knows how to fill.
KNOWN_ARGUMENTS = {"match_id", "export_type"}

ALIAS = re.compile(r"M-QF\d{2}-TEST")


@dataclass
class Walk:
    """What a role saw: every page's text, and the pages to compare.

    Without `probing`, lists are read as they open, unsearched and unsorted:
    enough for roles that may see the whole pool.
    """

    probing: bool = True
    pages: dict[str, str] = field(default_factory=dict)
    # (URL with the pool's shared word, the same URL with a word nobody has)
    probes: list[tuple[str, str]] = field(default_factory=list)
    sorted_pages: list[str] = field(default_factory=list)


def build_pool(session, facilitator) -> None:
    """Put the pool around a School whose programme the facilitator runs."""
    members = {
        member.key: make_mentor(session, alias_code=member.alias, **member.identity)
        for member in POOL
    }
    school = build_school(session, facilitator, members["agreed"])
    other = make_programme(session, make_user(session, factories.Role.FACILITATOR))
    for member in POOL:
        if member.state is None or member.key == "agreed":
            continue
        programme = school.programme if member.programme == "own" else other
        make_match_at(
            session,
            programme,
            members[member.key],
            member.state,
            consenting=member.consenting,
            need=school.need if member.programme == "own" else None,
            ended_after_disclosure=member.ended_after_disclosure,
        )
    session.commit()
    build_shortlist(session, facilitator, school.programme.id)


def walk_app(app, client, only: str | None = None, probing: bool = True) -> Walk:
    """Fetch every GET page under /admin/ the application serves."""
    views = {view.endpoint: view for view in app.extensions["admin"][0]._views}
    walk = Walk(probing)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods:
            continue
        if rule.endpoint == "admin.static":
            continue
        unknown = set(rule.arguments) - KNOWN_ARGUMENTS
        assert not unknown, f"the walk cannot fill {unknown} in {rule.rule}"
        view = views.get(rule.endpoint.split(".")[0])
        if only and not rule.rule.startswith(only):
            continue
        for url in _urls_of(rule, view, walk):
            walk.pages[url] = _content(client.get(url))
    return walk


def _urls_of(rule, view, walk: Walk) -> list[str]:
    page = rule.endpoint.split(".")[-1]
    bases = _filled(rule, view)
    if not isinstance(view, BaseModelView):
        model = ID_PAGES.get(rule.endpoint)
        ids = _ids(model) if model else []
        return [*bases, *(f"{base}?id={i}" for base in bases for i in ids)]
    if page in ("details_view", "edit_view"):
        return [f"{base}?id={i}" for base in bases for i in _ids(view.model)]
    if page == "ajax_lookup":
        return _lookups(bases[0], view, walk)
    if not walk.probing:
        return bases
    if page == "index_view":
        return [
            bases[0],
            *_sorts(bases[0], view, walk),
            *_fishing(bases[0], view, walk),
        ]
    if page == "export" and view.column_searchable_list:
        return [*bases, *_searches(bases[0], walk)]
    return bases


def _filled(rule, view) -> list[str]:
    """Return the rule's URL once for every value its arguments can take."""
    if "match_id" in rule.arguments:
        return [rule.build({"match_id": i})[1] for i in _ids(Match)]
    if "export_type" in rule.arguments:
        return [rule.build({"export_type": t})[1] for t in view.export_types]
    return [rule.rule]


def _ids(model) -> list[int]:
    return list(db.session.execute(select(model.id).order_by(model.id)).scalars())


def _probe(walk: Walk, url: str, shared: str, control: str) -> list[str]:
    pair = (url.format(shared), url.format(control))
    walk.probes.append(pair)
    return list(pair)


def _searches(base: str, walk: Walk) -> list[str]:
    urls = []
    for shared, control in (
        (SHARED_WORD, CONTROL_WORD),
        (SHARED_DIGITS, CONTROL_DIGITS),
    ):
        urls += _probe(walk, base + "?search={}", shared, control)
    return urls


def _fishing(base: str, view, walk: Walk) -> list[str]:
    urls = _searches(base, walk) if view.column_searchable_list else []
    probed = set()
    for name, (_, column_filter) in (view._filter_args or {}).items():
        # A filter that refuses a word (a date, an amount, a choice) lists the
        # rows unfiltered whatever the word, so there is nothing to learn; and
        # one operation a column shows whether the column is read at all.
        if column_filter.name in probed or not column_filter.validate(SHARED_WORD):
            continue
        probed.add(column_filter.name)
        urls += _probe(walk, f"{base}?flt0_{name}={{}}", SHARED_WORD, CONTROL_WORD)
    return urls


def _sorts(base: str, view, walk: Walk) -> list[str]:
    # Ascending only: a page in descending name order is caught as well.
    urls = [
        f"{base}?sort={index}"
        for index, (column, _) in enumerate(view._list_columns)
        if column in view._sortable_columns
    ]
    walk.sorted_pages += urls
    return urls


def _lookups(base: str, view, walk: Walk) -> list[str]:
    urls = []
    for name in view._form_ajax_refs:
        url = f"{base}?name={name}&limit=1000&query="
        urls += [url, *_probe(walk, url + "{}", SHARED_WORD, CONTROL_WORD)]
    return urls


def _content(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        sheet = load_workbook(BytesIO(response.get_data())).active
        return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
    return response.get_data().decode("utf-8", "replace")


# What a role may see, and the leaks found


def may_see(role: str, url: str) -> set[str]:
    """Return the pool members whose identity a role may see on a page."""
    if role in ("administrator", "coordinator"):
        return set(BY_KEY)
    if role == "facilitator" and url.startswith(DISCLOSURE_PAGES):
        return DISCLOSED_TO_FACILITATOR
    return set()


def named_on(text: str) -> set[str]:
    """Return the pool members some part of whose identity a page shows."""
    text = text.lower()
    # Every part of an identity holds the shared word or the shared digits.
    if SHARED_WORD.lower() not in text and SHARED_DIGITS not in text:
        return set()
    return {
        member.key
        for member in POOL
        if any(value.lower() in text for value in member.identity.values())
    }


def leaks(walk: Walk, role: str) -> list[str]:
    """Return every way the walk found a mentor named to a role that may not see."""
    found = [
        f"{url} names the {key} mentor"
        for url, text in walk.pages.items()
        for key in sorted(named_on(text) - may_see(role, url))
    ]
    if role in ("administrator", "coordinator"):
        return found
    for with_word, without in walk.probes:
        if _aliases(walk.pages[with_word]) != _aliases(walk.pages[without]):
            found.append(f"{with_word} finds mentors by their identity")
    for url in walk.sorted_pages:
        if _in_name_order(walk.pages[url]):
            found.append(f"{url} sorts mentors by name")
    return found


def _aliases(text: str) -> set[str]:
    return set(ALIAS.findall(text))


def _in_name_order(text: str) -> bool:
    seen = list(dict.fromkeys(ALIAS.findall(text)))
    if len(seen) < 3:
        return False
    names = [_member_of(alias).identity["name"] for alias in seen]
    return names in (sorted(names), sorted(names, reverse=True))


def _member_of(alias: str) -> PoolMember:
    return POOL[int(alias[4:6])]


@pytest.fixture
def walk(app, client, auth):
    """Sign a role in with the pool around it; return what it sees on every page."""

    def walk_as(role: str, only: str | None = None, probing: bool = True) -> Walk:
        user = auth.login_as(role)
        facilitator = (
            user
            if role == "facilitator"
            else make_user(db.session, factories.Role.FACILITATOR)
        )
        build_pool(db.session, facilitator)
        return walk_app(app, client, only, probing)

    return walk_as


@pytest.fixture
def exposed(app):
    """Change a view's settings for one test, as a careless edit would."""
    changed = []

    def expose(endpoint: str, **settings):
        view = next(
            v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint
        )
        changed.append((view, {name: getattr(view, name) for name in settings}))
        for name, value in settings.items():
            setattr(view, name, value)
        view._refresh_cache()

    yield expose
    for view, saved in changed:
        for name, value in saved.items():
            setattr(view, name, value)
        view._refresh_cache()


# The walk of each role


@pytest.mark.parametrize("role", ["finance", "director"])
def test_no_page_names_a_mentor_to_finance_or_directors(walk, role):
    seen = walk(role)

    assert len(seen.pages) > 300
    assert leaks(seen, role) == []


def test_a_facilitator_reads_only_the_mentors_disclosed_in_their_own_programme(
    walk,
):
    seen = walk("facilitator")

    introductions = named_on(seen.pages["/admin/introduction/"])
    letters = set().union(
        *(
            named_on(text)
            for url, text in seen.pages.items()
            if url.startswith("/admin/documents/introduction-letter/")
        )
    )
    assert len(seen.pages) > 300
    assert leaks(seen, "facilitator") == []
    assert introductions == DISCLOSED_TO_FACILITATOR
    # An introduction that has ended gets no letter, though the name stays known.
    assert letters == DISCLOSED_TO_FACILITATOR - {"declined after interview"}


@pytest.mark.parametrize("role", ["administrator", "coordinator"])
def test_the_walk_sees_every_identity_where_the_role_may_see_the_pool(walk, role):
    seen = walk(role, probing=False)

    named = set().union(*(named_on(text) for text in seen.pages.values()))
    assert named == set(BY_KEY)


def test_every_argument_of_a_page_is_one_the_walk_fills(app):
    arguments = {
        argument
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin") and rule.endpoint != "admin.static"
        for argument in rule.arguments
    }

    assert arguments == KNOWN_ARGUMENTS


# The walk fails when a page gives a mentor away


def test_the_walk_reports_a_list_column_that_names_mentors(walk, exposed):
    exposed(
        "match",
        column_list=("programme", "mentor", "mentor.name", "state"),
    )

    found = leaks(walk("facilitator", only="/admin/match/"), "facilitator")

    assert "/admin/match/ names the proposed mentor" in found
    assert "/admin/match/export/csv/ names the shortlisted mentor" in found


def test_the_walk_reports_a_profile_that_names_its_mentor(walk, monkeypatch):
    monkeypatch.setattr(
        documents, "MENTOR_PROFILE_FIELDS", (*documents.MENTOR_PROFILE_FIELDS, "name")
    )
    monkeypatch.setitem(documents.PROFILE_LABELS, "name", "Name")

    seen = walk("facilitator", only="/admin/documents/")

    proposed = db.session.scalar(
        select(Match.id).join(Match.mentor).where(Match.state == MatchState.PROPOSED)
    )
    assert (
        f"/admin/documents/mentor-profile/{proposed}/ names the proposed mentor"
        in leaks(seen, "facilitator")
    )


def test_the_walk_reports_a_search_that_reads_mentors_names(walk, exposed):
    exposed("match", column_searchable_list=("programme.reference", "mentor.name"))

    found = leaks(walk("facilitator", only="/admin/match/"), "facilitator")

    assert (
        f"/admin/match/?search={SHARED_WORD} finds mentors by their identity" in found
    )


def test_the_walk_reports_a_sort_by_mentors_names(walk, exposed):
    exposed(
        "match",
        column_sortable_list=(("mentor", "mentor.name"), "state"),
    )

    found = leaks(walk("facilitator", only="/admin/match/"), "facilitator")

    assert "/admin/match/?sort=1 sorts mentors by name" in found


def test_the_walk_reports_a_filter_on_mentors_names(walk, exposed):
    exposed("mentor_profile", column_filters=("region", "name"))

    found = leaks(walk("facilitator", only="/admin/mentor_profile/"), "facilitator")

    assert any("/admin/mentor_profile/?flt0_" in leak for leak in found)
