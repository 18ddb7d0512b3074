"""Staff accounts and their roles."""

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from plp.db import Base, Timestamped, Versioned
from plp.enums import Role
from plp.models._columns import enum_type


class User(Versioned, Timestamped, Base):
    """A member of the School's staff who signs in to PLP Manager."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name

    # The four members a sign-in session needs of an account.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Return the id a sign-in session stores for this account."""
        return str(self.id)

    def has_role(self, *roles: Role) -> bool:
        """Tell whether this user holds one of the given roles."""
        return self.role in roles
