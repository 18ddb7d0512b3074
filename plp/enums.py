"""The fixed vocabularies of the programme, each stored by its value."""

from enum import StrEnum


class Role(StrEnum):
    """What a member of staff does at the School."""

    ADMINISTRATOR = "administrator"
    FACILITATOR = "facilitator"
    COORDINATOR = "coordinator"
    DIRECTOR = "director"
    FINANCE = "finance"


class ProgrammeStatus(StrEnum):
    """The stage a programme has reached."""

    ENQUIRY = "enquiry"
    ASSESSMENT = "assessment"
    BUDGET = "budget"
    AGENDA = "agenda"
    MATCHING = "matching"
    ACTIVE = "active"
    ON_HOLD = "on hold"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Priority(StrEnum):
    """How urgently a need should be addressed."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class BudgetCategory(StrEnum):
    """What a budget line pays for."""

    MENTORING = "mentoring"
    COACHING = "coaching"
    TRAVEL = "travel"
    RESIDENTIAL_SEMINAR = "residential seminar"
    FACILITATION = "facilitation"
    MATERIALS = "materials"
    TRANSLATION = "translation"
    OTHER = "other"


class ActivityType(StrEnum):
    """The kind of work an agenda item plans."""

    MENTORING = "mentoring"
    COACHING = "coaching"
    STUDY_VISIT = "study visit"
    SEMINAR = "seminar"
    TRAINING = "training"
    CAMPAIGN_TASK = "campaign task"
    OTHER = "other"


class ItemStatus(StrEnum):
    """Where an agenda item stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in progress"
    DONE = "done"
    DROPPED = "dropped"


class PeerRole(StrEnum):
    """What a member of the pool offers to a client."""

    MENTOR = "mentor"
    COACH = "coach"


class RolesOffered(StrEnum):
    """Which peer roles a member of the pool is willing to take."""

    MENTOR = "mentor"
    COACH = "coach"
    BOTH = "both"


class ExperienceBand(StrEnum):
    """Years of political experience, in bands that name nobody."""

    EMERGING = "under 5 years"
    ESTABLISHED = "5 to 15 years"
    SENIOR = "over 15 years"


class Availability(StrEnum):
    """Whether a member of the pool can take a client now."""

    AVAILABLE = "available"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


class MatchState(StrEnum):
    """The steps of an introduction between a client and a mentor or coach."""

    SHORTLISTED = "shortlisted"
    PROPOSED = "proposed"
    DISCLOSED = "disclosed"
    INTERVIEW = "interview"
    INVITED = "invited"
    ACCEPTED = "accepted"
    AGREED = "agreed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


MATCH_STATES_DISCLOSED = (
    MatchState.DISCLOSED,
    MatchState.INTERVIEW,
    MatchState.INVITED,
    MatchState.ACCEPTED,
    MatchState.AGREED,
)


class MatchingCriterion(StrEnum):
    """What a shortlist weighs when it ranks the pool against a programme."""

    EXPERTISE = "expertise"
    LANGUAGES = "languages"
    ROLE = "role"
    REGION = "region"
    CAPACITY = "free capacity"
    AVAILABILITY = "availability"


class ConsentSide(StrEnum):
    """Whose consent to disclosure a record holds."""

    CLIENT = "client"
    MENTOR = "mentor"


class ConsentDecision(StrEnum):
    """What a side said about disclosing names."""

    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Channel(StrEnum):
    """How a side's word reached the School."""

    MEETING = "meeting"
    EMAIL = "e-mail"
    PHONE = "phone"
    LETTER = "letter"
    IMPORT = "import"


class AgreementStatus(StrEnum):
    """Whether a mentoring or coaching agreement is running."""

    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED = "ended early"


# Agreements whose fee is committed: running or run to the end.
COMMITTING_AGREEMENTS = (AgreementStatus.ACTIVE, AgreementStatus.COMPLETED)


class SessionMode(StrEnum):
    """How a mentoring or coaching session was held."""

    IN_PERSON = "in person"
    VIDEO = "video"
    PHONE = "phone"


class ProgressRating(StrEnum):
    """A facilitator's judgement of how a programme is going."""

    ON_TRACK = "on track"
    AT_RISK = "at risk"
    BEHIND = "behind"


class FundingStatus(StrEnum):
    """Where an application to a trust or foundation stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWARDED = "awarded"
    PARTLY_AWARDED = "partly awarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


FUNDING_SECURED = (FundingStatus.AWARDED, FundingStatus.PARTLY_AWARDED)


class SeminarStatus(StrEnum):
    """Whether a residential seminar will go ahead."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    HELD = "held"
    CANCELLED = "cancelled"


class EnrolmentStatus(StrEnum):
    """Whether a programme's place at a seminar stands."""

    ENROLLED = "enrolled"
    ATTENDED = "attended"
    CANCELLED = "cancelled"


# Seminar places whose fee is committed: booked or attended.
COMMITTING_PLACES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED)
