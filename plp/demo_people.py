"""The people of the demo School: facilitators, clients and the mentor pool."""

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from plp.demo_world import COUNTRIES, Country, DemoRandom
from plp.enums import Availability, ExperienceBand, PeerRole, Role, RolesOffered
from plp.models import Client, Mentor, User
from plp.services.accounts import hash_password
from plp.vocabulary import AREAS

STAFF_DOMAIN = "school.example.org"
MENTOR_DOMAIN = "mentors.example.org"
CLIENT_DOMAIN = "clients.example.org"

# Languages many politicians share besides their own.
SECOND_LANGUAGES = ("en", "fr", "es", "de", "ru")


@dataclass(frozen=True)
class Story:
    """What a client wants to achieve, told with and without naming them."""

    campaign: str
    aims: str
    summary: str
    areas: tuple[str, ...]


STORIES = (
    Story(
        "Run for {city} city council in {year}",
        "Win a seat on {city} city council in {year} and push for affordable housing.",
        "First-time candidate for a city council seat, focused on housing.",
        ("campaign strategy", "public speaking", "fundraising", "volunteer management"),
    ),
    Story(
        "Win the party nomination for mayor of {city}",
        "Secure the party's nomination for mayor of {city} and build a team that "
        "can win the {year} election.",
        "Seeking a party nomination for a mayoral race.",
        ("campaign strategy", "coalition building", "media", "fundraising"),
    ),
    Story(
        "Keep {city}'s public libraries open",
        "Stop the closure of {city}'s public libraries with a citizens' campaign "
        "before the {year} budget vote.",
        "Leads a citizens' campaign against the closure of public services.",
        ("community organising", "coalition building", "media"),
    ),
    Story(
        "Clean air for {city}",
        "Get a low-emission zone adopted by {city} council by {year}.",
        "Campaigns for cleaner air through local policy change.",
        ("policy", "coalition building", "digital organising"),
    ),
    Story(
        "Register young voters in {city}",
        "Register ten thousand young voters in {city} before the {year} elections.",
        "Runs a youth voter-registration drive.",
        ("digital organising", "volunteer management", "community organising"),
    ),
    Story(
        "Stand for parliament in {city} in {year}",
        "Be selected and elected as the member of parliament for a {city} "
        "constituency in {year}.",
        "Preparing a first parliamentary candidacy.",
        ("campaign strategy", "public speaking", "fundraising", "parliamentary work"),
    ),
    Story(
        "Open up public procurement in {city}",
        "Make every public contract {city} signs open to public scrutiny by {year}.",
        "Campaigns for transparency in public spending.",
        ("policy", "media", "parliamentary work"),
    ),
    Story(
        "Build a tenants' union in {city}",
        "Found a tenants' union in {city} strong enough to negotiate with the "
        "largest landlords by {year}.",
        "Organising tenants into a union.",
        ("community organising", "volunteer management", "public speaking"),
    ),
    Story(
        "Women into local politics in {city}",
        "Recruit and train thirty women to stand in {city}'s {year} local elections.",
        "Building a network of women candidates for local elections.",
        ("campaign strategy", "public speaking", "fundraising", "coalition building"),
    ),
    Story(
        "A safe cycling network for {city}",
        "Win council funding for a safe cycling network across {city} by {year}.",
        "Campaigns for safer streets and public transport.",
        ("policy", "community organising", "digital organising"),
    ),
)

OFFICES = (
    "City councillor",
    "Member of the regional assembly",
    "Former member of parliament",
    "Campaign director",
    "Founder of a civic movement",
    "Trade union organiser",
    "Former mayor",
    "Party chair",
)

PARTY_WORDS = (
    ("Green", "Social Democratic", "Liberal", "Civic", "Progressive", "Citizens'"),
    ("Alliance", "Movement", "Platform", "Union", "Party", "Coalition", "Forum"),
)


@dataclass
class PoolMember:
    """What matching needs to know of a mentor, without naming them."""

    mentor_id: int
    alias_code: str
    country: str
    roles: RolesOffered
    areas: tuple[str, ...]
    capacity: int
    running: int = 0

    def offers(self, role: PeerRole) -> bool:
        """Tell whether the mentor takes this peer role."""
        return self.roles == RolesOffered.BOTH or self.roles.value == role.value

    @property
    def has_room(self) -> bool:
        """Tell whether another active agreement stays within capacity."""
        return self.running < self.capacity


@dataclass
class MentorPool:
    """The mentors that may be approached, indexed for quick choosing."""

    rnd: DemoRandom
    members: list[PoolMember] = field(default_factory=list)
    by_area: dict[str, list[PoolMember]] = field(default_factory=dict)

    def add(self, member: PoolMember) -> None:
        """Make a mentor available for matching."""
        self.members.append(member)
        for area in member.areas:
            self.by_area.setdefault(area, []).append(member)

    def choose(
        self,
        area: str,
        role: PeerRole,
        client_country: str,
        taken: set[int],
        *,
        needs_room: bool,
    ) -> PoolMember | None:
        """Return a mentor abroad offering the role, an expert in the area if any."""

        def suits(member: PoolMember) -> bool:
            return (
                member.offers(role)
                and member.country != client_country
                and member.mentor_id not in taken
                and (member.has_room or not needs_room)
            )

        for candidates in (self.by_area.get(area, []), self.members):
            for _ in range(16):
                if candidates and suits(member := self.rnd.pick(candidates)):
                    return member
        # Random draws fail only when nearly everyone is at capacity.
        return next((member for member in self.members if suits(member)), None)


def add_facilitators(session: Session, rnd: DemoRandom, count: int) -> list[User]:
    """Add facilitator accounts nobody can sign in with (reusing any already there)."""
    existing = {user.email: user for user in session.execute(select(User)).scalars()}
    facilitators = []
    for _ in range(count):
        name, latin = rnd.person(rnd.pick(COUNTRIES))
        email = rnd.email(latin, STAFF_DOMAIN)
        user = existing.get(email)
        if user is None:
            user = _new_facilitator(name, email)
            session.add(user)
        if user.role == Role.FACILITATOR:
            facilitators.append(user)
    return facilitators


def _new_facilitator(name: str, email: str) -> User:
    # Nobody knows the token, so nobody can sign in as a generated facilitator.
    unusable = hash_password(secrets.token_urlsafe(32))
    return User(email=email, name=name, role=Role.FACILITATOR, password_hash=unusable)


def add_mentors(session: Session, rnd: DemoRandom, count: int) -> MentorPool:
    """Add the mentor and coach pool and return the part that may be approached."""
    mentors = [new_mentor(rnd) for _ in range(count)]
    for start in range(0, count, 2000):
        session.add_all(mentors[start : start + 2000])
        session.flush()

    pool = MentorPool(rnd)
    for mentor in mentors:
        if not mentor.do_not_approach:
            pool.add(_pool_member(mentor))
    return pool


def _pool_member(mentor: Mentor) -> PoolMember:
    return PoolMember(
        mentor_id=mentor.id,
        alias_code=mentor.alias_code,
        country=mentor.country,
        roles=mentor.roles_offered,
        areas=tuple(mentor.expertise.split(", ")),
        capacity=mentor.capacity,
    )


def new_mentor(rnd: DemoRandom) -> Mentor:
    """Return a fake politician or activist for the pool, identity and profile."""
    country = rnd.pick(COUNTRIES)
    fake = rnd.faker(country)
    name, latin = rnd.person(country)
    email = rnd.email(latin, MENTOR_DOMAIN)
    city = rnd.pick(country.cities)
    areas = rnd.rng.sample(AREAS, rnd.between(2, 4))
    capacity = rnd.weighted({0: 10, 1: 35, 2: 35, 3: 20})
    return Mentor(
        alias_code=rnd.code("M"),
        name=name,
        email=email,
        phone=fake.phone_number(),
        country=country.name,
        address=f"{fake.street_address()}, {city}",
        employer_or_party=_party(rnd),
        biography=f"{rnd.pick(OFFICES)} in {city}; works on {areas[0]} and {areas[1]}.",
        links=f"https://{email.split('@')[0]}.example.net",
        roles_offered=rnd.weighted(
            {RolesOffered.MENTOR: 45, RolesOffered.COACH: 20, RolesOffered.BOTH: 35}
        ),
        expertise=", ".join(areas),
        languages=languages_of(rnd, country),
        region=country.region,
        experience_band=rnd.pick(list(ExperienceBand)),
        availability=_availability(rnd, capacity),
        capacity=capacity,
        do_not_approach=rnd.chance(0.05),
    )


def _party(rnd: DemoRandom) -> str:
    adjectives, nouns = PARTY_WORDS
    return f"{rnd.pick(adjectives)} {rnd.pick(nouns)}"


def _availability(rnd: DemoRandom, capacity: int) -> Availability:
    if capacity == 0:
        return Availability.UNAVAILABLE
    return rnd.weighted(
        {
            Availability.AVAILABLE: 60,
            Availability.LIMITED: 32,
            Availability.UNAVAILABLE: 8,
        }
    )


def languages_of(rnd: DemoRandom, country: Country) -> str:
    """Return the language codes someone from a country is likely to speak."""
    codes = list(country.languages)
    if "en" not in codes and rnd.chance(0.8):
        codes.append("en")
    if rnd.chance(0.25):
        extra = rnd.pick(SECOND_LANGUAGES)
        if extra not in codes:
            codes.append(extra)
    return ", ".join(codes)


def new_client(rnd: DemoRandom, story: Story, year: int) -> Client:
    """Return a fake aspiring politician or activist with a campaign."""
    country = rnd.pick(COUNTRIES)
    name, latin = rnd.person(country)
    city = rnd.pick(country.cities)
    return Client(
        alias_code=rnd.code("C"),
        name=name,
        email=rnd.email(latin, CLIENT_DOMAIN),
        phone=rnd.faker(country).phone_number(),
        country=country.name,
        region=country.region,
        languages=languages_of(rnd, country),
        political_aims=story.aims.format(city=city, year=year),
        aims_summary=story.summary,
        campaign=story.campaign.format(city=city, year=year),
    )


def country_named(name: str) -> Country:
    """Return the demo country with this name."""
    return next(country for country in COUNTRIES if country.name == name)
