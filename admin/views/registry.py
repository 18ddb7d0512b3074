"""Every admin view, in menu order, with the roles that use it."""

from admin.views.audit import AuditEventView
from admin.views.documents import DocumentView
from admin.views.imports import ImportView
from admin.views.introductions import IntroductionView
from admin.views.matching import AgreementView, CheckInView, ConsentView, MatchView
from admin.views.money import (
    BudgetRevisionView,
    BudgetView,
    ExchangeRateView,
    ExpenseView,
    FundingApplicationView,
)
from admin.views.people import ClientView, MentorPoolView, MentorProfileView
from admin.views.planning import (
    AgendaItemView,
    LearningAgendaView,
    NeedsAssessmentView,
    ProgressUpdateView,
)
from admin.views.programmes import ProgrammeView
from admin.views.seminars import SeminarEnrolmentView, SeminarInterestView, SeminarView
from admin.views.shortlists import (
    FindCandidatesView,
    MatchingWeightsView,
    ShortlistView,
)
from admin.views.staff import UserView
from plp import models as m


def build_views() -> list:
    """Return a fresh instance of every admin view, in menu order."""
    return [
        *_programme_views(),
        *_planning_views(),
        *_pool_views(),
        *_matching_views(),
        *_disclosure_views(),
        *_money_views(),
        *_seminar_views(),
        UserView(m.User, name="Staff", category="Administration"),
        AuditEventView(
            m.AuditEvent,
            name="Audit trail",
            category="Administration",
            endpoint="audit_event",
        ),
        ImportView(
            name="Import", category="Administration", endpoint="imports", url="import"
        ),
    ]


def _programme_views() -> list:
    category = "Programmes"
    return [
        ClientView(m.Client, name="Clients", category=category, endpoint="client"),
        ProgrammeView(m.Programme, name="Programmes", category=category),
        CheckInView(
            m.CheckIn, name="Check-ins", category=category, endpoint="check_in"
        ),
    ]


def _planning_views() -> list:
    category = "Planning"
    return [
        NeedsAssessmentView(
            m.NeedsAssessment,
            name="Needs assessments",
            category=category,
            endpoint="needs_assessment",
        ),
        LearningAgendaView(
            m.LearningAgenda,
            name="Learning agendas",
            category=category,
            endpoint="learning_agenda",
        ),
        AgendaItemView(
            m.AgendaItem, name="Agenda items", category=category, endpoint="agenda_item"
        ),
        ProgressUpdateView(
            m.ProgressUpdate,
            name="Progress updates",
            category=category,
            endpoint="progress_update",
        ),
    ]


def _pool_views() -> list:
    category = "Mentor pool"
    return [
        MentorPoolView(m.Mentor, name="Mentor pool", category=category),
        MentorProfileView(
            m.Mentor,
            name="Mentor profiles",
            category=category,
            endpoint="mentor_profile",
        ),
    ]


def _matching_views() -> list:
    category = "Matching"
    return [
        MatchView(m.Match, name="Matches", category=category),
        ConsentView(m.Consent, name="Consents", category=category),
        AgreementView(m.Agreement, name="Agreements", category=category),
        FindCandidatesView(
            name="Find candidates", category=category, endpoint="find_candidates"
        ),
        ShortlistView(m.Shortlist, name="Shortlists", category=category),
        MatchingWeightsView(
            name="Matching weights", category=category, endpoint="matching_weights"
        ),
    ]


def _disclosure_views() -> list:
    return [
        IntroductionView(
            m.Match, name="Introductions", category="Matching", endpoint="introduction"
        ),
        DocumentView(name="Documents", endpoint="documents", url="documents"),
    ]


def _money_views() -> list:
    category = "Money"
    return [
        BudgetView(m.Budget, name="Budgets", category=category),
        BudgetRevisionView(
            m.BudgetRevision,
            name="Budget revisions",
            category=category,
            endpoint="budget_revision",
        ),
        ExpenseView(m.Expense, name="Expenses", category=category),
        FundingApplicationView(
            m.FundingApplication,
            name="Funding applications",
            category=category,
            endpoint="funding_application",
        ),
        ExchangeRateView(
            m.ExchangeRate,
            name="Exchange rates",
            category=category,
            endpoint="exchange_rate",
        ),
    ]


def _seminar_views() -> list:
    category = "Seminars"
    return [
        SeminarView(m.Seminar, name="Seminars", category=category),
        SeminarEnrolmentView(
            m.SeminarEnrolment,
            name="Enrolments",
            category=category,
            endpoint="seminar_enrolment",
        ),
        SeminarInterestView(
            m.SeminarInterest,
            name="Expressions of interest",
            category=category,
            endpoint="seminar_interest",
        ),
    ]
