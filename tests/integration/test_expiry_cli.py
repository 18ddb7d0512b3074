"""The expire-proposals command, as cron or an administrator runs it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from admin.extensions import db
from app import create_app
from plp.enums import MatchState, Role
from plp.models import AuditEvent, Match
from tests.integration.factories import (
    make_match_at,
    make_mentor,
    make_programme,
    make_user,
)


def proposed_days_ago(days: int) -> int:
    """Make a match proposed a number of days ago; return its id."""
    programme = make_programme(db.session, make_user(db.session, Role.FACILITATOR))
    match = make_match_at(
        db.session, programme, make_mentor(db.session), MatchState.PROPOSED
    )
    match.proposed_at = datetime.now(UTC) - timedelta(days=days)
    db.session.commit()
    return match.id


def state_of(match_id: int) -> MatchState:
    db.session.expire_all()
    return db.session.get(Match, match_id).state


def audit_count() -> int:
    return db.session.execute(select(func.count(AuditEvent.id))).scalar_one()


def test_proposals_past_the_configured_days_expire(runner):
    old, recent = proposed_days_ago(31), proposed_days_ago(29)

    result = runner.invoke(args=["plp", "expire-proposals"])

    assert result.exit_code == 0, result.output
    assert result.output == ("Expired 1 proposal unanswered for more than 30 days.\n")
    assert (state_of(old), state_of(recent)) == (
        MatchState.EXPIRED,
        MatchState.PROPOSED,
    )


def test_running_it_again_expires_nothing_more(runner):
    proposed_days_ago(40)
    runner.invoke(args=["plp", "expire-proposals"])
    events = audit_count()

    result = runner.invoke(args=["plp", "expire-proposals"])

    assert result.exit_code == 0, result.output
    assert "Expired 0 proposals" in result.output
    assert audit_count() == events


def test_days_given_on_the_command_line_win(runner):
    match_id = proposed_days_ago(15)

    result = runner.invoke(args=["plp", "expire-proposals", "--days", "10"])

    assert result.exit_code == 0, result.output
    assert "more than 10 days" in result.output
    assert state_of(match_id) == MatchState.EXPIRED


def test_the_days_come_from_the_setting(app, runner):
    match_id = proposed_days_ago(8)
    app.config["PLP_PROPOSAL_EXPIRY_DAYS"] = 7

    result = runner.invoke(args=["plp", "expire-proposals"])

    assert "Expired 1 proposal unanswered for more than 7 days." in result.output
    assert state_of(match_id) == MatchState.EXPIRED


@pytest.mark.parametrize("days", ["0", "-3", "soon"])
def test_days_that_are_not_a_wait_are_refused(runner, days):
    match_id = proposed_days_ago(400)

    result = runner.invoke(args=["plp", "expire-proposals", "--days", days])

    assert result.exit_code == 2
    assert "--days" in result.output
    assert state_of(match_id) == MatchState.PROPOSED


def test_a_bad_setting_is_refused_when_the_command_runs(app, runner):
    match_id = proposed_days_ago(400)
    app.config["PLP_PROPOSAL_EXPIRY_DAYS"] = "a month"

    result = runner.invoke(args=["plp", "expire-proposals"])

    assert result.exit_code == 1
    assert "PLP_PROPOSAL_EXPIRY_DAYS: a month is not a number of days" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert state_of(match_id) == MatchState.PROPOSED


@pytest.mark.parametrize(("value", "days"), [("12", 12), (" 45 ", 45)])
def test_the_setting_is_read_from_the_environment(monkeypatch, value, days):
    monkeypatch.setenv("PLP_SECRET_KEY", "test secret")
    monkeypatch.setenv("PLP_PROPOSAL_EXPIRY_DAYS", value)

    assert create_app({"TESTING": True}).config["PLP_PROPOSAL_EXPIRY_DAYS"] == days


@pytest.mark.parametrize("value", ["0", "1.5", "thirty", ""])
def test_a_bad_setting_in_the_environment_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("PLP_SECRET_KEY", "test secret")
    monkeypatch.setenv("PLP_PROPOSAL_EXPIRY_DAYS", value)

    with pytest.raises(ValueError, match=r"PLP_PROPOSAL_EXPIRY_DAYS: .* whole number"):
        create_app({"TESTING": True})
