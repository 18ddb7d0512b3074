"""Settings, read from the environment when the application is created."""

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

# Days a proposal waits for both sides' answer before it expires.
DEFAULT_PROPOSAL_EXPIRY_DAYS = 30

# The name the School's letters and documents are signed with.
DEFAULT_SCHOOL_NAME = "Democracy School"

# Where the dashboards keep their figures: in each worker's memory, in a Redis
# server the workers share, or nowhere (every view works its figures out).
CACHE_TYPES = ("SimpleCache", "RedisCache", "NullCache")

# A kept figure is read until the records change; one kept under an older
# version of the records is never read again, and a day bounds its memory.
CACHE_SECONDS = 24 * 60 * 60


def load_settings(instance_path: str) -> dict:
    """Return the settings for this process from its environment."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    time_zone = os.environ.get("PLP_TIMEZONE", "Europe/London")
    ZoneInfo(time_zone)  # fails at start-up, not at the first page, if unknown
    expiry_days = proposal_expiry_days(
        os.environ.get("PLP_PROPOSAL_EXPIRY_DAYS", DEFAULT_PROPOSAL_EXPIRY_DAYS)
    )
    cache = cache_settings(
        os.environ.get("PLP_CACHE_TYPE") or CACHE_TYPES[0],
        os.environ.get("PLP_CACHE_REDIS_URL"),
    )

    return {
        "SECRET_KEY": os.environ.get("PLP_SECRET_KEY") or _stored_secret(instance),
        "SQLALCHEMY_DATABASE_URI": database_url(instance),
        # hide_parameters keeps the values of a refused statement (a mentor's
        # e-mail, say) out of error messages and so out of the log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "PLP_TIMEZONE": time_zone,
        "PLP_REPORTING_CURRENCY": os.environ.get("PLP_REPORTING_CURRENCY", "EUR"),
        "RATELIMIT_STORAGE_URI": os.environ.get("PLP_RATELIMIT_STORAGE", "memory://"),
        "PLP_LOGIN_RATE_LIMIT": os.environ.get("PLP_LOGIN_RATE_LIMIT", "10/minute"),
        "PLP_PROPOSAL_EXPIRY_DAYS": expiry_days,
        "PLP_SCHOOL_NAME": os.environ.get("PLP_SCHOOL_NAME") or DEFAULT_SCHOOL_NAME,
        **cache,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("PLP_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "FLASK_ADMIN_SWATCH": "cerulean",
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    }


def proposal_expiry_days(value) -> int:
    """Return the days a proposal waits, refusing anything but a whole number >= 1."""
    text = str(value).strip()
    if not (text.isdigit() and text.isascii()) or int(text) < 1:
        raise ValueError(
            f"PLP_PROPOSAL_EXPIRY_DAYS: {text or 'nothing'} is not a number of "
            "days; give a whole number of 1 or more"
        )
    return int(text)


def cache_settings(cache_type: str, redis_url: str | None) -> dict:
    """Return Flask-Caching's settings, refusing a store it cannot use."""
    if cache_type not in CACHE_TYPES:
        raise ValueError(
            f"PLP_CACHE_TYPE: {cache_type} is not a cache this application "
            f"knows; give one of {', '.join(CACHE_TYPES)}"
        )
    if cache_type == "RedisCache" and not redis_url:
        raise ValueError(
            "PLP_CACHE_REDIS_URL: RedisCache needs the Redis server's address, "
            "such as redis://127.0.0.1:6379/1"
        )

    return {
        "CACHE_TYPE": cache_type,
        "CACHE_REDIS_URL": redis_url,
        "CACHE_DEFAULT_TIMEOUT": CACHE_SECONDS,
        # NullCache is chosen on purpose (to time every view worked out afresh).
        "CACHE_NO_NULL_WARNING": True,
        # Keeps the figures apart from anything else the Redis server holds.
        "CACHE_KEY_PREFIX": "plp-dashboards:",
    }


def database_url(instance: Path) -> str:
    """Return the database's SQLAlchemy URL; SQLite in the instance folder if unset."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance / 'plp.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _stored_secret(instance: Path) -> str:
    """Keep one random secret key per installation, so sessions survive restarts."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
