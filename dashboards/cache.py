"""Repeated views served from the cache, worked out afresh once the records change.

A callback's queries are kept under the query's name, its arguments (the
portfolio filter, and today and the reporting currency where the query takes
them) and the version of the School's records (`plp.records_version`), read
once per callback. Any committed change to a record moves the version in the
same transaction, so the next view, in whichever worker, works its figures
out again; entries of older versions are never read again and expire.

Nothing kept depends on who asks: the queries kept here (aggregates, and the
filter bar's choices) take no member of staff, so an answer is the same for
every role that may read the page, and the page's access check runs before
the cache is read.
The store is Flask-Caching's, set by the CACHE_* settings; NullCache keeps
nothing and works every figure out on every view.
"""

import hashlib
from functools import cached_property

from flask_caching.backends import NullCache
from sqlalchemy.orm import Session

from admin.extensions import cache
from plp.records_version import records_version


class CachedQueries:
    """Answer a callback's queries from the cache, at one version of the records."""

    def __init__(self, session: Session):
        self.session = session

    @cached_property
    def version(self) -> str | None:
        """Return the records' version, read on the first query asked."""
        return records_version(self.session)

    def __call__(self, query, *args):
        """Return `query(session, *args)`, worked out once per records version."""
        if isinstance(cache.cache, NullCache):
            # Nothing is kept, so the version would be read for nothing.
            return query(self.session, *args)

        key = entry_key(query, self.version, args)
        kept = cache.get(key)
        if kept is not None:
            return kept[0]

        answer = query(self.session, *args)
        # Kept in a tuple, so that an answer of None is told from a miss.
        cache.set(key, (answer,))
        return answer


def entry_key(query, version: str | None, args: tuple) -> str:
    """Return the cache key of a query's answer for its arguments at a version."""
    arguments = hashlib.sha256(repr(args).encode()).hexdigest()
    return f"{query.__module__}.{query.__qualname__}:{version}:{arguments}"
