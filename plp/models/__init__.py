"""Every PLP Manager model, importable from one place."""

from plp.models.audit import AuditEvent
from plp.models.finance import ExchangeRate, Expense, FundingApplication
from plp.models.matching import (
    Agreement,
    CheckIn,
    Consent,
    Match,
    MatchingWeight,
    MentoringSession,
    Shortlist,
    ShortlistCandidate,
)
from plp.models.people import (
    CLIENT_BRIEF_FIELDS,
    CLIENT_IDENTITY_FIELDS,
    MENTOR_IDENTITY_FIELDS,
    MENTOR_PROFILE_FIELDS,
    Client,
    Mentor,
)
from plp.models.programmes import (
    AgendaItem,
    Budget,
    BudgetLine,
    BudgetRevision,
    LearningAgenda,
    Need,
    NeedsAssessment,
    Programme,
    ProgressUpdate,
)
from plp.models.seminars import Seminar, SeminarEnrolment, SeminarInterest
from plp.models.staff import User

__all__ = [
    "CLIENT_BRIEF_FIELDS",
    "CLIENT_IDENTITY_FIELDS",
    "MENTOR_IDENTITY_FIELDS",
    "MENTOR_PROFILE_FIELDS",
    "AgendaItem",
    "Agreement",
    "AuditEvent",
    "Budget",
    "BudgetLine",
    "BudgetRevision",
    "CheckIn",
    "Client",
    "Consent",
    "ExchangeRate",
    "Expense",
    "FundingApplication",
    "LearningAgenda",
    "Match",
    "MatchingWeight",
    "Mentor",
    "MentoringSession",
    "Need",
    "NeedsAssessment",
    "Programme",
    "ProgressUpdate",
    "Seminar",
    "SeminarEnrolment",
    "SeminarInterest",
    "Shortlist",
    "ShortlistCandidate",
    "User",
]

# The rules hold, changes kept up to date after a workflow step are audited,
# and the records' version moves, on every session that uses these models,
# whichever way a change arrives; importing them here means nobody can forget.
from plp import records_version, rules  # noqa: F401
from plp.services import audit  # noqa: F401
