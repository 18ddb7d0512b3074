"""The School's rules through the panel's forms and inline edits: refused, said
clearly, and nothing written."""

from datetime import date
from decimal import Decimal

from admin.extensions import db
from plp.enums import ItemStatus, Role
from plp.models import (
    AgendaItem,
    Budget,
    BudgetLine,
    Client,
    ExchangeRate,
    Expense,
    Match,
    Mentor,
    NeedsAssessment,
    SeminarInterest,
)
from tests.integration import factories
from tests.integration.conftest import PASSWORD, Auth, csrf_token
from tests.integration.factories import (
    build_school,
    form_data,
    make_programme,
)

# One application for the module and an empty database for each test (see the
# factories module).
panel = factories.panel
app = factories.app


def _new_form(client, endpoint: str, **changes):
    page = client.get(f"/admin/{endpoint}/new/").get_data(as_text=True)
    return form_data(page, **changes)


def _edit_form(client, endpoint: str, record_id: int, **changes):
    page = client.get(f"/admin/{endpoint}/edit/?id={record_id}").get_data(as_text=True)
    return form_data(page, **changes)


def _page_after(client, response) -> str:
    """Return the page the user sees after a post, following a redirect."""
    if response.status_code == 302:
        return client.get(response.headers["Location"]).get_data(as_text=True)
    return response.get_data(as_text=True)


def _inline_edit(client, endpoint: str, record_id: int, **values):
    token = csrf_token(client, "/admin/")
    data = {"list_form_pk": record_id, "csrf_token": token, **values}
    return client.post(f"/admin/{endpoint}/ajax/update/", data=data)


class SecondBrowser:
    """Another member of staff, signed in with their own browser session."""

    def __init__(self, app, auth, role: str):
        self.app = app
        self.client = app.test_client()
        auth.make_user(role, f"second.{role}@school.example.org")
        self.sign_in(app, self.client, f"second.{role}@school.example.org")

    @staticmethod
    def sign_in(app, client, email: str, password: str = PASSWORD):
        """Sign in through the form from a browser of its own."""
        with app.app_context():
            return Auth(client).login(email, password)

    def call(self, step, *args, **kwargs):
        """Run a step with this browser, in its own application context.

        The tests' application context would otherwise hand this browser the
        first one's CSRF token.
        """
        with self.app.app_context():
            return step(self.client, *args, **kwargs)


def _count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def _fresh(record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


# Through the forms


def test_an_amount_with_more_than_two_decimals_is_refused_not_rounded(client, auth):
    auth.login_as("finance")
    school = build_school(db.session)
    before = _count(Expense)

    data = _new_form(
        client,
        "expense",
        programme=str(school.programme.id),
        incurred_on="2026-05-01",
        amount="120.005",
        payee="Hotel Europa",
    )
    response = client.post("/admin/expense/new/", data=data)

    page = response.get_data(as_text=True)
    assert "Amount: 120.005 has more than two decimals" in page
    assert _count(Expense) == before


def test_a_negative_amount_is_refused(client, auth):
    auth.login_as("finance")
    school = build_school(db.session)

    data = _edit_form(client, "expense", school.expense.id, amount="-120.00")
    response = client.post(f"/admin/expense/edit/?id={school.expense.id}", data=data)

    assert "Amount: -120.00 is negative" in response.get_data(as_text=True)
    assert _fresh(school.expense).amount == Decimal("120.00")


def test_an_end_date_before_the_start_is_refused(client, auth):
    user = auth.login_as("facilitator")
    programme = make_programme(db.session, user, start_date=date(2026, 3, 1))
    db.session.commit()

    data = _edit_form(client, "programme", programme.id, target_end_date="2026-02-28")
    response = client.post(f"/admin/programme/edit/?id={programme.id}", data=data)

    page = _page_after(client, response)
    assert "Target end date: 2026-02-28 is before" in page
    assert _fresh(programme).target_end_date is None


def test_a_line_of_an_agreed_budget_cannot_be_changed_in_the_budget_form(client, auth):
    auth.login_as("finance")
    school = build_school(db.session)

    data = _edit_form(
        client, "budget", school.budget.id, **{"lines-0-amount": "900.00"}
    )
    response = client.post(f"/admin/budget/edit/?id={school.budget.id}", data=data)

    page = _page_after(client, response)
    assert "is agreed: its lines no longer change" in page
    assert _fresh(school.line).amount == Decimal("1000.00")


def test_an_agenda_costing_more_than_the_agreed_budget_is_refused(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)
    before = _count(AgendaItem)

    data = _new_form(
        client,
        "agenda_item",
        agenda=str(school.agenda.id),
        title="Study visit to Brussels",
        activity_type="study visit",
        cost="700.00",
        status="planned",
        percent_done="0",
    )
    response = client.post("/admin/agenda_item/new/", data=data)

    page = _page_after(client, response)
    assert "more than its agreed budget of 1100.00 EUR" in page
    assert _count(AgendaItem) == before


def test_deleting_a_client_with_programmes_is_refused_with_the_reason(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    token = csrf_token(client, "/admin/")

    response = client.post(
        "/admin/client/delete/", data={"id": school.client.id, "csrf_token": token}
    )

    page = _page_after(client, response)
    assert "This client cannot be deleted: 1 programme" in page
    assert _fresh(school.client) is not None


def test_deleting_a_client_with_programmes_in_bulk_is_refused_too(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    token = csrf_token(client, "/admin/")

    response = client.post(
        "/admin/client/action/",
        data={"action": "delete", "rowid": school.client.id, "csrf_token": token},
    )

    assert "cannot be deleted" in _page_after(client, response)
    assert _count(Client) == 1


# Through inline edits in a list


def test_an_inline_edit_with_more_than_two_decimals_is_refused(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)

    response = _inline_edit(client, "agenda_item", school.item.id, cost="500.005")

    assert response.status_code == 500
    assert "500.005 has more than two decimals" in response.get_data(as_text=True)
    assert _fresh(school.item).cost == Decimal("500.00")


def test_an_inline_edit_that_overruns_the_budget_is_refused(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)

    response = _inline_edit(client, "agenda_item", school.item.id, cost="1100.01")

    assert response.status_code == 500
    assert "more than its agreed budget" in response.get_data(as_text=True)
    assert _fresh(school.item).cost == Decimal("500.00")


def test_an_inline_edit_of_progress_beyond_100_percent_is_refused(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)

    response = _inline_edit(client, "agenda_item", school.item.id, percent_done="150")

    assert "Percent done: 150 is not between 0 and 100" in response.get_data(
        as_text=True
    )
    assert _fresh(school.item).percent_done == 0


def test_an_inline_edit_of_status_and_progress_is_saved(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)

    first = _inline_edit(client, "agenda_item", school.item.id, status="in progress")
    second = _inline_edit(client, "agenda_item", school.item.id, percent_done="40")

    assert (first.status_code, second.status_code) == (200, 200)
    item = _fresh(school.item)
    assert (item.status, item.percent_done) == (ItemStatus.IN_PROGRESS, 40)


def test_a_capacity_below_the_active_agreements_is_refused(client, auth):
    auth.login_as("coordinator")
    school = build_school(db.session)

    response = _inline_edit(client, "mentor", school.mentor.id, capacity="0")

    message = response.get_data(as_text=True)
    assert f"Capacity: {school.mentor.alias_code} has 1 active agreements" in message
    assert _fresh(school.mentor).capacity == 2


# Two members of staff editing the same record


def test_the_second_of_two_saves_from_the_same_version_is_refused(client, app, auth):
    auth.login_as("administrator", "first@school.example.org")
    school = build_school(db.session)
    programme_id = school.programme.id
    url = f"/admin/programme/edit/?id={programme_id}"
    second = SecondBrowser(app, auth, "administrator")
    first_form = _edit_form(client, "programme", programme_id, campaign="First's")
    second_form = second.call(_edit_form, "programme", programme_id, campaign="2nd")

    first_save = client.post(url, data=first_form)
    second_page = second.call(lambda c: _page_after(c, c.post(url, data=second_form)))

    assert first_save.status_code == 302
    assert "Someone else saved this record" in second_page
    assert _fresh(school.programme).campaign == "First's"


def test_an_edit_that_does_not_say_which_version_it_saw_is_refused(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    data = _edit_form(client, "programme", school.programme.id, campaign="Changed")
    del data["seen_version"]

    response = client.post(
        f"/admin/programme/edit/?id={school.programme.id}", data=data
    )

    assert "Someone else saved this record" in _page_after(client, response)
    assert _fresh(school.programme).campaign == "Mayoral race"


def test_a_stale_save_of_budget_lines_is_refused_though_only_lines_changed(
    client, app, auth
):
    auth.login_as("finance", "first@school.example.org")
    line = BudgetLine(category="travel", description="Flights", amount="400.00")
    budget = Budget(programme=make_programme(db.session, None), lines=[line])
    db.session.add(budget)
    db.session.commit()
    url = f"/admin/budget/edit/?id={budget.id}"
    second = SecondBrowser(app, auth, "finance")
    first_form = _edit_form(client, "budget", budget.id, **{"lines-0-amount": "200.00"})
    second_form = second.call(
        _edit_form, "budget", budget.id, **{"lines-0-amount": "300.00"}
    )

    client.post(url, data=first_form)
    second_page = second.call(lambda c: _page_after(c, c.post(url, data=second_form)))

    assert "Someone else saved this record" in second_page
    assert _fresh(line).amount == Decimal("200.00")


# What the forms fill in themselves


def test_a_new_match_starts_shortlisted_whatever_the_form_says(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)
    mentor = Mentor(
        name="Second Mentor",
        email="second.mentor@mentors.example.org",
        roles_offered="coach",
        capacity=1,
    )
    db.session.add(mentor)
    db.session.commit()

    data = _new_form(
        client,
        "match",
        programme=str(school.programme.id),
        mentor=str(mentor.id),
        role="coach",
        state="agreed",
    )
    response = client.post("/admin/match/new/", data=data)

    assert response.status_code == 302
    created = db.session.execute(
        db.select(Match).where(Match.mentor_id == mentor.id)
    ).scalar_one()
    assert created.state == "shortlisted"


def test_a_revision_is_approved_by_whoever_records_it(client, auth):
    user = auth.login_as(Role.FINANCE.value)
    school = build_school(db.session)

    data = _new_form(
        client,
        "budget_revision",
        budget=str(school.budget.id),
        amount_change="-50.00",
        reason="Cheaper flights",
    )
    response = client.post("/admin/budget_revision/new/", data=data)

    assert response.status_code == 302
    revisions = _fresh(school.budget).revisions
    assert [(r.amount_change, r.approved_by_id) for r in revisions][-1] == (
        Decimal("-50.00"),
        user.id,
    )


def test_a_new_client_gets_an_alias_and_tidy_language_codes(client, auth):
    auth.login_as("facilitator")

    data = _new_form(
        client,
        "client",
        name="Nadia Haddad",
        email="nadia@example.org",
        languages="AR, fr",
    )
    response = client.post("/admin/client/new/", data=data)

    assert response.status_code == 302
    created = db.session.execute(
        db.select(Client).where(Client.email == "nadia@example.org")
    ).scalar_one()
    assert created.languages == "ar, fr"
    assert created.alias_code.startswith("C-")


def test_records_nothing_depends_on_can_be_deleted_in_bulk(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)
    token = csrf_token(client, "/admin/")

    client.post(
        "/admin/seminar_interest/action/",
        data={"action": "delete", "rowid": school.interest.id, "csrf_token": token},
    )

    assert _count(SeminarInterest) == 0


def test_an_administrator_gives_a_new_member_of_staff_a_password(client, app, auth):
    auth.login_as("administrator")

    data = _new_form(
        client,
        "user",
        name="Grace Mensah",
        email="grace@school.example.org",
        role="facilitator",
        active="y",
        new_password="a new long password",
    )
    response = client.post("/admin/user/new/", data=data)

    assert response.status_code == 302
    newcomer = app.test_client()
    signed_in = SecondBrowser.sign_in(
        app, newcomer, "grace@school.example.org", "a new long password"
    )
    assert signed_in.status_code == 302


def test_a_refused_lifecycle_step_says_why(client, auth):
    user = auth.login_as("facilitator")
    programme = make_programme(db.session, user)
    db.session.commit()
    token = csrf_token(client, "/admin/")

    response = client.post(
        "/admin/programme/action/",
        data={"action": "activate", "rowid": programme.id, "csrf_token": token},
    )

    page = _page_after(client, response)
    assert (
        f"Activate refused. {programme.reference}: it is at the enquiry stage" in page
    )
    assert _fresh(programme).status == "enquiry"


def test_a_second_assessment_for_a_programme_is_refused_in_plain_words(
    client, auth, caplog
):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)

    data = _new_form(client, "needs_assessment", programme=str(school.programme.id))
    response = client.post("/admin/needs_assessment/new/", data=data)

    page = _page_after(client, response)
    assert "Not saved: another record already has this value" in page
    assert _count(NeedsAssessment) == 1
    assert "needs_assessments" in caplog.text


def test_an_exchange_rate_with_more_than_eight_decimals_is_refused(client, auth):
    auth.login_as("finance")

    data = _new_form(
        client,
        "exchange_rate",
        currency="usd",
        reporting_currency="EUR",
        rate="0.923456789",
        valid_from="2026-01-01",
    )
    refused = client.post("/admin/exchange_rate/new/", data=data)
    data["rate"] = "0.92345678"
    saved = client.post("/admin/exchange_rate/new/", data=data)

    assert "Rate: 0.923456789 has more than eight decimals" in refused.get_data(
        as_text=True
    )
    rate = db.session.execute(db.select(ExchangeRate)).scalar_one()
    assert (saved.status_code, rate.currency, rate.rate) == (
        302,
        "USD",
        Decimal("0.92345678"),
    )


def test_the_form_librarys_refusals_are_said_in_the_schools_words(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    agreement_id = school.agreement.id
    sessions_before = school.agreement.sessions_planned

    url = f"/admin/agreement/edit/?id={agreement_id}"
    data = _edit_form(client, "agreement", agreement_id, sessions_planned="²")
    page = _page_after(client, client.post(url, data=data))

    assert "Sessions planned: give a whole number" in page
    assert "Not a valid integer value" not in page
    db.session.expire_all()
    assert db.session.get(type(school.agreement), agreement_id).sessions_planned == (
        sessions_before
    )


def test_a_version_seen_that_is_no_number_is_a_stale_save(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    agreement_id = school.agreement.id

    url = f"/admin/agreement/edit/?id={agreement_id}"
    data = _edit_form(client, "agreement", agreement_id, seen_version="²")
    page = _page_after(client, client.post(url, data=data))

    assert "Someone else saved this record after you opened it" in page
    assert "invalid literal" not in page


def test_fields_and_columns_are_named_in_sentence_case(client, auth):
    auth.login_as("administrator")
    build_school(db.session)

    form = client.get("/admin/expense/new/").get_data(as_text=True)
    listing = client.get("/admin/agreement/").get_data(as_text=True)

    assert "Incurred on" in form
    assert "Incurred On" not in form
    assert "Sessions planned" in listing
    assert "Sessions Planned" not in listing
