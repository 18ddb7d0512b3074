"""Matching throughput: the funnel, its pace, reasons, and the pool in use."""

from datetime import UTC, date, datetime, timedelta

from plp.enums import AgreementStatus, MatchState
from plp.models import AuditEvent
from plp.queries.filters import PortfolioFilter
from plp.queries.matching import (
    OTHER_REASONS,
    end_reasons,
    funnel,
    monthly_events,
    pool_use_by_language,
    pool_use_by_region,
    span_days,
)
from tests.unit.factories import (
    make_agreement,
    make_match,
    make_mentor,
    make_programme,
)

EVERYTHING = PortfolioFilter()
START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _match(session, state, proposed_after=None, disclosed_after=None, **fields):
    match = make_match(session, make_programme(session), make_mentor(session), state)
    match.created_at = START
    if proposed_after is not None:
        match.proposed_at = START + timedelta(days=proposed_after)
    if disclosed_after is not None:
        match.disclosed_at = START + timedelta(days=disclosed_after)
    for key, value in fields.items():
        setattr(match, key, value)
    session.flush()
    return match


def _reached(session, portfolio=EVERYTHING) -> dict[str, int]:
    return {str(stage.stage): stage.reached for stage in funnel(session, portfolio)}


def test_the_funnel_counts_each_match_at_every_stage_it_reached(session):
    _match(session, MatchState.SHORTLISTED)
    _match(session, MatchState.PROPOSED, 1)
    _match(session, MatchState.INTERVIEW, 1, 5)
    _match(session, MatchState.DECLINED, 2)
    _match(session, MatchState.EXPIRED)

    reached = _reached(session)

    assert reached == {
        "shortlisted": 5,
        "proposed": 3,
        "disclosed": 1,
        "interview": 1,
        "invited": 0,
        "accepted": 0,
        "agreed": 0,
    }


def test_conversion_is_the_share_of_the_stage_before(session):
    _match(session, MatchState.SHORTLISTED)
    _match(session, MatchState.PROPOSED, 1)
    _match(session, MatchState.PROPOSED, 1)
    _match(session, MatchState.DISCLOSED, 1, 3)

    stages = funnel(session, EVERYTHING)

    assert stages[0].conversion is None
    assert stages[1].conversion == 3 / 4
    assert stages[2].conversion == 1 / 3
    assert stages[3].conversion == 0


def test_an_ended_match_counts_as_far_as_the_audit_trail_shows(session):
    match = _match(session, MatchState.WITHDRAWN, 1, 4)
    for state in ("interview", "invited"):
        session.add(
            AuditEvent(
                entity_type="Match",
                entity_id=match.id,
                action=state,
                to_state=state,
            )
        )
    session.flush()

    reached = _reached(session)

    assert (reached["disclosed"], reached["interview"], reached["invited"]) == (
        1,
        1,
        1,
    )
    assert reached["accepted"] == 0


def test_the_period_picks_matches_begun_in_it(session):
    _match(session, MatchState.PROPOSED, 1)
    later = _match(session, MatchState.SHORTLISTED)
    later.created_at = datetime(2026, 5, 2, 23, 30, tzinfo=UTC)
    session.flush()

    march = PortfolioFilter(period_start=date(2026, 3, 1), period_end=date(2026, 3, 31))

    assert _reached(session, march)["shortlisted"] == 1


def test_spans_give_median_and_90th_percentile_days(session):
    for days in (2, 4, 6, 8, 10, 12, 14, 16, 18, 20):
        _match(session, MatchState.PROPOSED, days)

    spans = {span.span: span for span in span_days(session, EVERYTHING)}

    to_proposed = spans["shortlisted to proposed"]
    assert (to_proposed.matches, to_proposed.median, to_proposed.p90) == (10, 10, 18)
    assert spans["proposed to disclosed"].median is None


def test_the_span_to_agreement_runs_from_disclosure(session):
    programme, mentor = make_programme(session), make_mentor(session)
    agreement = make_agreement(session, programme, mentor)
    match = agreement.match
    match.created_at = START
    match.disclosed_at = START + timedelta(days=3)
    agreement.finalised_at = START + timedelta(days=10, hours=5)
    session.flush()

    spans = {span.span: span for span in span_days(session, EVERYTHING)}

    assert spans["disclosed to agreed"].median == 7


def test_monthly_events_count_proposals_disclosures_and_agreements(session):
    _match(session, MatchState.PROPOSED, 1)
    _match(session, MatchState.DISCLOSED, 40, 41)

    assert monthly_events(session, EVERYTHING) == [
        ("2026-03", "proposed", 1),
        ("2026-04", "disclosed", 1),
        ("2026-04", "proposed", 1),
    ]


def test_a_reason_given_for_few_matches_is_not_shown_as_written(session):
    for _ in range(3):
        _match(session, MatchState.EXPIRED, end_reason="No answer within 30 days.")
    _match(session, MatchState.DECLINED, end_reason="Ms Quargstone is moving abroad")

    rows = end_reasons(session, EVERYTHING)

    assert rows == [
        ("expired", "No answer within 30 days.", 3),
        ("declined", OTHER_REASONS, 1),
    ]


def test_pool_use_counts_places_and_running_agreements(session):
    busy = make_mentor(session, capacity=2, region="Western Europe", languages="en, fr")
    make_mentor(session, capacity=1, region="Western Europe", languages="EN")
    make_mentor(session, capacity=5, region="Balkans", do_not_approach=True)
    make_agreement(session, make_programme(session), busy)
    make_agreement(session, make_programme(session), busy, AgreementStatus.COMPLETED)

    [west] = pool_use_by_region(session)
    languages = {use.group: use for use in pool_use_by_language(session)}

    assert (west.group, west.mentors, west.places, west.in_use) == (
        "Western Europe",
        2,
        3,
        1,
    )
    assert (languages["English"].mentors, languages["English"].places) == (2, 3)
    assert languages["French"].in_use == 1


def _imported(session, match, before, state):
    session.add(
        AuditEvent(
            entity_type="Match",
            entity_id=match.id,
            action="imported",
            from_state=before,
            to_state=state,
        )
    )
    session.flush()


def test_moments_an_import_stamped_are_left_out_of_the_pace(session):
    _match(session, MatchState.DISCLOSED, 2, 5)
    imported_at = START + timedelta(days=60)
    brought_in = _match(session, MatchState.DISCLOSED, 60, 60, created_at=imported_at)
    _imported(session, brought_in, None, "disclosed")

    spans = {span.span: span for span in span_days(session, EVERYTHING)}

    assert spans["shortlisted to proposed"].matches == 1
    assert spans["shortlisted to proposed"].median == 2
    assert spans["proposed to disclosed"].matches == 1
    assert spans["proposed to disclosed"].median == 3
    assert monthly_events(session, EVERYTHING) == [
        ("2026-03", "disclosed", 1),
        ("2026-03", "proposed", 1),
    ]


def test_a_stage_reached_after_an_import_counts_towards_the_pace(session):
    imported_at = START
    match = _match(session, MatchState.PROPOSED, 9, created_at=imported_at)
    _imported(session, match, None, "shortlisted")

    spans = {span.span: span for span in span_days(session, EVERYTHING)}

    assert spans["shortlisted to proposed"].matches == 0
    assert monthly_events(session, EVERYTHING) == [("2026-03", "proposed", 1)]
