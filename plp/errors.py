"""The business problems PLP Manager can refuse a change for."""


class DomainError(Exception):
    """A change breaks one of the School's rules; the message says which."""


class InvalidValue(DomainError):
    """A value is not acceptable for the field it was given for."""


class RuleBroken(DomainError):
    """A change would leave the records in a state the School does not allow."""


class TransitionRefused(DomainError):
    """A step of a programme's lifecycle or of an introduction cannot be taken now."""


class NotPermitted(DomainError):
    """The member of staff may not do this."""


class StaleRecord(DomainError):
    """Someone else saved the record after this copy of it was read."""


class RecordInUse(DomainError):
    """The record cannot be deleted while other records depend on it."""
