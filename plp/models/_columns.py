"""Column helpers shared by the model modules."""

import secrets
from enum import StrEnum

from sqlalchemy import Enum

# Letters and digits that cannot be mistaken for one another when read aloud.
ALIAS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def enum_type(enum_class: type[StrEnum], name: str | None = None) -> Enum:
    """Return a portable column type that stores an enum by its value.

    The check constraint is named after the enum unless `name` is given, as it
    must be where one table has two columns of the same enum.
    """
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        name=name or enum_class.__name__.lower(),
    )


def new_alias(prefix: str) -> str:
    """Return a random code that names a person without identifying them."""
    letters = "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(8))
    return f"{prefix}-{letters[:4]}-{letters[4:]}"
