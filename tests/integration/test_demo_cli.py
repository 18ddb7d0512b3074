"""The demo-data and demo-accounts commands, as a new administrator runs them."""

from datetime import date, timedelta

from sqlalchemy import func, select

from admin.extensions import db
from plp.demo import DEMO_ACCOUNTS
from plp.enums import MatchState, ProgrammeStatus, Role
from plp.models import Expense, Match, Programme, User
from plp.services.accounts import set_password


def programme_count() -> int:
    return db.session.execute(select(func.count(Programme.id))).scalar_one()


def printed_accounts(output: str) -> dict[str, tuple[str, str]]:
    """Read the e-mail, role and password columns of the printed table."""
    rows = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0].endswith("@school.example.org"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_demo_data_fills_an_empty_school_with_every_stage_and_step(runner):
    result = runner.invoke(args=["plp", "demo-data"])

    assert result.exit_code == 0, result.output
    assert "Wrote a demo School of 60 programmes" in result.output
    assert "programmes" in result.output and "mentors" in result.output
    statuses = set(db.session.execute(select(Programme.status)).scalars())
    states = set(db.session.execute(select(Match.state)).scalars())
    assert statuses == set(ProgrammeStatus)
    assert states == set(MatchState)


def test_demo_data_takes_a_size(runner):
    result = runner.invoke(args=["plp", "demo-data", "--size", "12", "--seed", "3"])

    assert result.exit_code == 0, result.output
    assert programme_count() == 12


def test_demo_data_refuses_a_school_that_already_has_programmes(runner):
    runner.invoke(args=["plp", "demo-data", "--size", "10"])

    result = runner.invoke(args=["plp", "demo-data", "--size", "10"])

    assert result.exit_code != 0
    assert "already has 10 programmes" in result.output
    assert "Traceback" not in result.output
    assert programme_count() == 10


def test_demo_data_if_empty_leaves_a_school_with_programmes_alone(runner):
    runner.invoke(args=["plp", "demo-data", "--size", "10"])

    result = runner.invoke(args=["plp", "demo-data", "--size", "10", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "already has data" in result.output
    assert programme_count() == 10


def test_demo_accounts_prints_one_account_per_role_that_signs_in(runner, auth):
    result = runner.invoke(args=["plp", "demo-accounts"])

    assert result.exit_code == 0, result.output
    printed = printed_accounts(result.output)
    assert {role for role, _ in printed.values()} == {role.value for role in Role}
    # Directors start at their dashboards, everyone else in the admin panel.
    starts = {Role.DIRECTOR.value: "/dashboards/"}
    for email, (role, password) in printed.items():
        response = auth.login(email, password)
        assert response.status_code == 302, email
        assert response.headers["Location"] == starts.get(role, "/admin/"), email
        auth.logout()


def test_demo_accounts_run_twice_creates_nothing_more_and_prints_again(runner):
    runner.invoke(args=["plp", "demo-accounts"])
    users = db.session.execute(select(func.count(User.id))).scalar_one()

    result = runner.invoke(args=["plp", "demo-accounts"])

    assert result.exit_code == 0, result.output
    assert db.session.execute(select(func.count(User.id))).scalar_one() == users
    assert len(printed_accounts(result.output)) == len(DEMO_ACCOUNTS)
    assert "These are the demo accounts" in result.output
    assert "ready" in result.output and "created" not in result.output
    assert DEMO_ACCOUNTS[0].password in result.output


def test_demo_accounts_after_demo_data_says_the_accounts_are_ready(runner):
    runner.invoke(args=["plp", "demo-data", "--size", "3"])

    result = runner.invoke(args=["plp", "demo-accounts"])

    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if "@school." in line]
    assert len(rows) == len(DEMO_ACCOUNTS)
    assert all(row[-1] == "ready" for row in rows)
    assert "already there" not in result.output


def test_demo_accounts_does_not_print_a_password_that_was_changed(runner):
    runner.invoke(args=["plp", "demo-accounts"])
    director = db.session.execute(
        select(User).where(User.email == "director@school.example.org")
    ).scalar_one()
    set_password(db.session, director, "a private new password")

    result = runner.invoke(args=["plp", "demo-accounts"])

    line = next(
        line for line in result.output.splitlines() if line.startswith("director@")
    )
    assert "demo-director-password" not in line
    assert "no longer opens it" in line


def test_demo_data_brings_a_reference_day_in_the_future_back_to_today(runner):
    later = date.today() + timedelta(days=400)

    result = runner.invoke(
        args=["plp", "demo-data", "--size", "12", "--today", later.isoformat()]
    )

    assert result.exit_code == 0, result.output
    assert "is in the future" in result.output
    latest = db.session.execute(select(func.max(Expense.incurred_on))).scalar_one()
    assert latest is not None and latest <= date.today()
