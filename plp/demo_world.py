"""The world a demo School lives in: countries, currencies and seeded chance.

Every value of the demo School comes from one `random.Random` and one Faker
per locale, both seeded, so the same seed and size always give the same School.
The reference data here is fictional where it names organisations and
illustrative where it gives exchange rates.
"""

import functools
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from faker import Faker

from plp.db import Base
from plp.demo_names import person_name
from plp.models import User
from plp.models._columns import ALIAS_ALPHABET

if TYPE_CHECKING:
    from plp.demo_people import MentorPool

REPORTING_CURRENCY = "EUR"


@dataclass(frozen=True)
class Country:
    """Where a client or mentor lives, and what comes with it."""

    name: str
    locale: str
    region: str
    languages: tuple[str, ...]
    currency: str
    cities: tuple[str, ...]
    # Japanese, Hungarian, Korean and Chinese names give the family name first.
    family_first: str | None = None


COUNTRIES = (
    Country("United Kingdom", "en_GB", "Western Europe", ("en",), "GBP",
            ("Leeds", "Glasgow", "Cardiff", "Bristol", "Belfast")),
    Country("Ireland", "en_IE", "Western Europe", ("en", "ga"), "EUR",
            ("Cork", "Galway", "Limerick")),
    Country("France", "fr_FR", "Western Europe", ("fr",), "EUR",
            ("Lyon", "Lille", "Nantes", "Marseille")),
    Country("Germany", "de_DE", "Central Europe", ("de",), "EUR",
            ("Leipzig", "Hamburg", "Cologne", "Munich")),
    Country("Netherlands", "nl_NL", "Western Europe", ("nl",), "EUR",
            ("Utrecht", "Rotterdam", "Groningen")),
    Country("Sweden", "sv_SE", "Northern Europe", ("sv",), "SEK",
            ("Malmö", "Uppsala", "Gothenburg")),
    Country("Denmark", "da_DK", "Northern Europe", ("da",), "DKK",
            ("Aarhus", "Odense", "Aalborg")),
    Country("Finland", "fi_FI", "Northern Europe", ("fi", "sv"), "EUR",
            ("Tampere", "Turku", "Oulu")),
    Country("Spain", "es_ES", "Southern Europe", ("es", "ca"), "EUR",
            ("Valencia", "Seville", "Bilbao", "Zaragoza")),
    Country("Italy", "it_IT", "Southern Europe", ("it",), "EUR",
            ("Bologna", "Naples", "Turin", "Palermo")),
    Country("Greece", "el_GR", "Southern Europe", ("el",), "EUR",
            ("Thessaloniki", "Patras", "Heraklion")),
    Country("Poland", "pl_PL", "Central Europe", ("pl",), "PLN",
            ("Kraków", "Gdańsk", "Wrocław", "Lublin")),
    Country("Czechia", "cs_CZ", "Central Europe", ("cs",), "CZK",
            ("Brno", "Ostrava", "Plzeň")),
    Country("Hungary", "hu_HU", "Central Europe", ("hu",), "HUF",
            ("Debrecen", "Szeged", "Pécs"), family_first=" "),
    Country("Lithuania", "lt_LT", "Northern Europe", ("lt",), "EUR",
            ("Kaunas", "Klaipėda", "Šiauliai")),
    Country("Romania", "ro_RO", "Eastern Europe", ("ro",), "RON",
            ("Cluj-Napoca", "Iași", "Timișoara")),
    Country("Ukraine", "uk_UA", "Eastern Europe", ("uk",), "UAH",
            ("Lviv", "Kharkiv", "Odesa", "Dnipro")),
    Country("Georgia", "ka_GE", "Western Asia", ("ka",), "GEL",
            ("Kutaisi", "Batumi", "Rustavi")),
    Country("Türkiye", "tr_TR", "Western Asia", ("tr",), "TRY",
            ("İzmir", "Bursa", "Eskişehir")),
    Country("Brazil", "pt_BR", "South America", ("pt",), "BRL",
            ("Recife", "Porto Alegre", "Belo Horizonte")),
    Country("Mexico", "es_MX", "Central America", ("es",), "MXN",
            ("Guadalajara", "Puebla", "Monterrey")),
    Country("Nigeria", "en_NG", "West Africa", ("en", "yo"), "NGN",
            ("Lagos", "Ibadan", "Enugu")),
    Country("Kenya", "en_KE", "East Africa", ("en", "sw"), "KES",
            ("Nairobi", "Mombasa", "Kisumu")),
    Country("India", "en_IN", "South Asia", ("en", "hi"), "INR",
            ("Pune", "Jaipur", "Kochi", "Lucknow")),
    Country("Nepal", "ne_NP", "South Asia", ("ne", "en"), "NPR",
            ("Pokhara", "Biratnagar", "Lalitpur")),
    Country("Japan", "ja_JP", "East Asia", ("ja",), "JPY",
            ("Osaka", "Sendai", "Fukuoka"), family_first=" "),
    Country("South Korea", "ko_KR", "East Asia", ("ko",), "KRW",
            ("Busan", "Daegu", "Gwangju"), family_first=""),
    Country("Taiwan", "zh_TW", "East Asia", ("zh",), "TWD",
            ("Taichung", "Kaohsiung", "Tainan"), family_first=""),
    Country("Jordan", "ar_PS", "Middle East", ("ar",), "JOD",
            ("Irbid", "Zarqa", "Madaba")),
    Country("Canada", "en_CA", "North America", ("en", "fr"), "CAD",
            ("Halifax", "Winnipeg", "Ottawa")),
    Country("South Africa", "zu_ZA", "Southern Africa", ("en", "zu"), "ZAR",
            ("Durban", "Gqeberha", "Pietermaritzburg")),
    Country("Australia", "en_AU", "Oceania", ("en",), "AUD",
            ("Adelaide", "Hobart", "Brisbane")),
    Country("Austria", "de_AT", "Central Europe", ("de",), "EUR",
            ("Graz", "Linz", "Innsbruck")),
)  # fmt: skip

# Illustrative rates: euros that one unit of each currency buys.
RATES_TO_EUR = {
    "EUR": Decimal("1"),
    "GBP": Decimal("1.1650"),
    "USD": Decimal("0.8620"),
    "SEK": Decimal("0.0905"),
    "DKK": Decimal("0.1340"),
    "PLN": Decimal("0.2355"),
    "CZK": Decimal("0.0410"),
    "HUF": Decimal("0.00258"),
    "RON": Decimal("0.1965"),
    "UAH": Decimal("0.0205"),
    "GEL": Decimal("0.3180"),
    "TRY": Decimal("0.0205"),
    "BRL": Decimal("0.1610"),
    "MXN": Decimal("0.0470"),
    "NGN": Decimal("0.00059"),
    "KES": Decimal("0.00668"),
    "INR": Decimal("0.00985"),
    "NPR": Decimal("0.00615"),
    "JPY": Decimal("0.00560"),
    "KRW": Decimal("0.00059"),
    "TWD": Decimal("0.0270"),
    "JOD": Decimal("1.2150"),
    "CAD": Decimal("0.6200"),
    "ZAR": Decimal("0.0490"),
    "AUD": Decimal("0.5650"),
}

# Currencies funders often pay in, whatever the client's own.
FUNDER_CURRENCIES = ("EUR", "GBP", "USD")


CENT = Decimal("0.01")


@functools.cache
def _faker_for(locale: str) -> Faker:
    # Building a Faker takes a while; each run re-seeds the one it reuses.
    return Faker(locale)


class DemoRandom:
    """Seeded chance: the only source of names, amounts and dates in the demo."""

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self._seeded_locales: set[str] = set()
        self._codes: set[str] = set()
        self._email_numbers: dict[str, int] = {}

    def faker(self, country: Country) -> Faker:
        """Return the Faker of a country's locale, seeded for this run."""
        fake = _faker_for(country.locale)
        if country.locale not in self._seeded_locales:
            fake.seed_instance(self.seed * 1009 + COUNTRIES.index(country))
            self._seeded_locales.add(country.locale)
        return fake

    def chance(self, probability: float) -> bool:
        """Return True with the given probability."""
        return self.rng.random() < probability

    def pick(self, options):
        """Return one of the options."""
        return self.rng.choice(options)

    def weighted(self, weights: dict):
        """Return one key of a mapping of options to weights."""
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def between(self, low: int, high: int) -> int:
        """Return a whole number from low to high inclusive."""
        return self.rng.randint(low, high)

    def fraction(self, low: float, high: float) -> Decimal:
        """Return a decimal share between low and high, to three places."""
        return Decimal(self.rng.randint(round(low * 1000), round(high * 1000))) / 1000

    def day_between(self, first: date, last: date) -> date:
        """Return a day from first to last inclusive (first if last is earlier)."""
        span = (last - first).days
        return first + timedelta(days=self.rng.randint(0, span)) if span > 0 else first

    def moment_on(self, day: date, hour: int = 9) -> datetime:
        """Return a moment during office hours on a day, in UTC."""
        minutes = self.rng.randint(0, 7 * 60)
        return datetime.combine(day, time(hour), UTC) + timedelta(minutes=minutes)

    def moments_within(self, first: date, last: date, count: int) -> list[datetime]:
        """Return `count` strictly increasing moments from day first to day last."""
        days = sorted(self.day_between(first, last) for _ in range(count))
        moments: list[datetime] = []
        for day in days:
            moment = self.moment_on(day)
            if moments and moment <= moments[-1]:
                moment = moments[-1] + timedelta(minutes=self.rng.randint(5, 30))
            moments.append(moment)
        return moments

    def code(self, prefix: str) -> str:
        """Return an alias code or reference never returned before in this run."""
        while True:
            letters = "".join(self.rng.choice(ALIAS_ALPHABET) for _ in range(8))
            code = f"{prefix}-{letters[:4]}-{letters[4:]}"
            if code not in self._codes:
                self._codes.add(code)
                return code

    def person(self, country: Country) -> tuple[str, str]:
        """Return a fake full name as written in the country, and its Latin spelling."""
        return person_name(self.faker(country), country.locale, country.family_first)

    def email(self, latin_name: str, domain: str) -> str:
        """Return a unique e-mail address under a domain, spelt from a Latin name."""
        words = re.findall(r"[a-z0-9]+", latin_name.lower())
        stem = ".".join(words[:3]) or "person"
        number = self._email_numbers.get(stem, 0) + 1
        self._email_numbers[stem] = number
        suffix = "" if number == 1 else f".{number}"
        return f"{stem}{suffix}@{domain}"


def money_step(currency: str) -> Decimal:
    """Return the round sum a currency's budgets are planned in: a few euros' worth."""
    per_euro = int(1 / RATES_TO_EUR[currency])
    return Decimal(10) ** (len(str(per_euro)) if per_euro >= 1 else 1)


def euros_to(currency: str, euros: int) -> Decimal:
    """Return a round amount in a currency worth about so many euros."""
    step = money_step(currency)
    amount = Decimal(euros) / RATES_TO_EUR[currency]
    rounded = (amount / step).quantize(Decimal(1), ROUND_HALF_UP) * step
    return max(rounded, step).quantize(CENT)


def share_of(amount: Decimal, share: Decimal, currency: str) -> Decimal:
    """Return a share of an amount, in cents (whole units where cents are unused)."""
    places = Decimal(1) if currency in ("JPY", "KRW") else CENT
    return (amount * share).quantize(places, ROUND_HALF_UP).quantize(CENT)


def as_euros(amount: Decimal, currency: str) -> Decimal:
    """Return an amount's value in euros, to the cent."""
    return (amount * RATES_TO_EUR[currency]).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class PendingEvent:
    """An audit event to write once its record has an id."""

    actor: User | None
    entity: Base
    action: str
    moment: datetime
    from_state: str | None = None
    to_state: str | None = None
    note: str | None = None
    automated_by: str | None = None


@dataclass
class DemoContext:
    """What the builders of one demo School share while they write it."""

    rnd: DemoRandom
    today: date
    administrator: User
    finance: User
    coordinator: User
    facilitators: list[User]
    pool: "MentorPool | None" = None
    seminars: list = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)
    agreements: list = field(default_factory=list)
    unseen: dict[type, list] = field(default_factory=dict)
    currencies: dict[str, None] = field(default_factory=dict)
    invoices: int = 0
    # Invoices to insert in bulk once their programmes and lines have ids.
    expenses: list = field(default_factory=list)
    programmes: int = 0
    # Records no relationship of their programme lists, to add along with it.
    loose: list[Base] = field(default_factory=list)

    def cover(self, allowed, weights: dict):
        """Return an allowed value none of its kind had yet, or a weighted pick.

        Drawing the values not seen yet first puts every state into even a
        small demo School; `seen` marks a value once a record has it.
        """
        kind = type(next(iter(weights)))
        unseen = self.unseen.setdefault(kind, list(kind))
        for value in unseen:
            if value in allowed:
                return value
        return self.rnd.weighted({v: w for v, w in weights.items() if v in allowed})

    def seen(self, value) -> None:
        """Note that a value now exists, so it is not forced again."""
        unseen = self.unseen.setdefault(type(value), list(type(value)))
        if value in unseen:
            unseen.remove(value)
