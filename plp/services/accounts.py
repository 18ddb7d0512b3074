"""Staff accounts: creating them and checking their passwords."""

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plp.enums import Role
from plp.errors import DomainError, InvalidValue
from plp.models import User
from plp.values import parse_email

logger = logging.getLogger(__name__)

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10

# Checked against when the e-mail is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a real password")


def parse_role(value: str) -> Role:
    """Return the role with this exact name, or say which names exist."""
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise InvalidValue(f"{value} is not a role; the roles are {names}") from None


def hash_password(password: str) -> str:
    """Return an Argon2 hash of a password that is long enough."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidValue(
            f"Password: at least {MIN_PASSWORD_LENGTH} characters are needed"
        )
    return _hasher.hash(password)


def create_user(
    session: Session, email: str, role: str, password: str, name: str | None = None
) -> User:
    """Create a staff account, refusing a taken e-mail or an unknown role."""
    email = parse_email(email)
    role = parse_role(role)
    if find_user(session, email) is not None:
        raise InvalidValue(f"Email: {email} already has an account")

    user = User(
        email=email,
        role=role,
        name=name or email.split("@")[0],
        password_hash=hash_password(password),
    )
    session.add(user)
    try:
        session.commit()
    except DomainError:
        session.rollback()
        raise

    logger.info("created user %s with role %s", user.id, role)
    return user


def find_user(session: Session, email: str) -> User | None:
    """Return the account with this e-mail, whatever its case."""
    query = select(User).where(func.lower(User.email) == email.strip().lower())
    return session.execute(query).scalar_one_or_none()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active account these credentials open, or None."""
    user = find_user(session, email or "")
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password):
        return None

    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.commit()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Give an account a new password."""
    user.password_hash = hash_password(password)
    session.commit()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False
