"""The filters every page shares, read from and written to the page's address.

The address carries `from`, `to` (YYYY-MM-DD), `facilitator` (an id),
`region` or `country`, and `status` (repeated), so that a view can be
bookmarked and shared. A value that cannot be read is left out with a
message saying why, never turned into an error.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlencode

from plp.enums import ProgrammeStatus
from plp.queries.filters import PortfolioFilter
from plp.values import record_id

# The place filter's values say which kind of place they name.
REGION = "region"
COUNTRY = "country"


@dataclass(frozen=True)
class FilterValues:
    """The filter bar's values as its components hold them."""

    start: str | None = None
    end: str | None = None
    facilitator: int | None = None
    place: str | None = None
    statuses: tuple[str, ...] = ()

    @classmethod
    def of(cls, start, end, facilitator, place, statuses) -> "FilterValues":
        """Gather the values the filter bar's components send to a callback."""
        return cls(
            start=_as_text(start),
            end=_as_text(end),
            facilitator=facilitator if facilitator not in ("", None) else None,
            place=_as_text(place),
            statuses=_as_tuple(statuses),
        )


def _as_text(value) -> str | None:
    # A hand-made request may send a number or a list where text belongs; it
    # is then read as text and refused like any other text that means nothing.
    if value in ("", None):
        return None
    return value if isinstance(value, str) else str(value)


def _as_tuple(values) -> tuple:
    # A hand-made request may send one status where a list belongs.
    if isinstance(values, str):
        return (values,)
    return tuple(values) if isinstance(values, list | tuple) else ()


def place_value(kind: str, name: str) -> str:
    """Return the place filter's value for a region or a country."""
    return f"{kind}:{name}"


def from_query(search: str | None) -> tuple[FilterValues, list[str]]:
    """Read the filter values from an address's query string, with any refusals."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    problems: list[str] = []

    def first(name: str) -> str | None:
        values = params.get(name)
        return values[0].strip() if values else None

    start = _day_text(first("from"), "start", problems)
    end = _day_text(first("to"), "end", problems)
    facilitator = _facilitator(first("facilitator"), problems)
    place = None
    if first(REGION):
        place = place_value(REGION, first(REGION))
    if first(COUNTRY):
        place = place_value(COUNTRY, first(COUNTRY))
    statuses = _statuses(params.get("status", []), problems)
    values = FilterValues(start, end, facilitator, place, statuses)
    return values, problems


def to_query(values: FilterValues) -> str:
    """Write filter values as a query string, "?" included, or "" for none."""
    pairs = []
    if values.start:
        pairs.append(("from", values.start))
    if values.end:
        pairs.append(("to", values.end))
    if values.facilitator is not None:
        pairs.append(("facilitator", str(values.facilitator)))
    if values.place:
        kind, _, name = values.place.partition(":")
        pairs.append((kind, name))
    pairs += [("status", status) for status in values.statuses]
    return "?" + urlencode(pairs) if pairs else ""


def to_portfolio(values: FilterValues) -> tuple[PortfolioFilter, list[str]]:
    """Build the portfolio filter the values describe, leaving out what cannot be read.

    A callback receives the components' values from the browser, so each is
    checked again here as if typed into the address.
    """
    problems: list[str] = []
    start = _day(values.start, "start", problems)
    end = _day(values.end, "end", problems)
    if start and end and end < start:
        problems.append(
            f"The period ends on {end}, before it starts on {start}: "
            "the period is not applied."
        )
        start = end = None
    facilitator = _facilitator(values.facilitator, problems)
    region = country = None
    if values.place:
        kind, _, name = str(values.place).partition(":")
        if kind == REGION and name:
            region = name
        elif kind == COUNTRY and name:
            country = name
        else:
            problems.append(f"“{values.place}” is not a region or a country.")
    statuses = _statuses(values.statuses, problems)
    portfolio = PortfolioFilter(
        period_start=start,
        period_end=end,
        facilitator_id=facilitator,
        region=region,
        country=country,
        statuses=tuple(ProgrammeStatus(status) for status in statuses),
    )
    return portfolio, problems


def _day(text, which: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        # The date picker may send a moment; its day is what counts.
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        problems.append(
            f"The period {which} “{text}” is not a date (YYYY-MM-DD): "
            "it is not applied."
        )
        return None


def _day_text(text, which: str, problems: list[str]) -> str | None:
    day = _day(text, which, problems)
    return day.isoformat() if day else None


def _facilitator(value, problems: list[str]) -> int | None:
    if value in (None, ""):
        return None
    facilitator_id = record_id(value)
    if facilitator_id is None:
        problems.append(f"“{value}” is not a facilitator: the filter is not applied.")
    return facilitator_id


def _statuses(values, problems: list[str]) -> tuple[str, ...]:
    known = {str(status) for status in ProgrammeStatus}
    unknown = [str(value) for value in values if str(value) not in known]
    if unknown:
        problems.append(
            f"Unknown programme status {', '.join(unknown)}: "
            "choose from " + ", ".join(str(status) for status in ProgrammeStatus) + "."
        )
    return tuple(dict.fromkeys(str(value) for value in values if str(value) in known))
