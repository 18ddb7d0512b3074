"""The School's shared words for where people are and what they know.

Mentors, clients and needs are described with these words wherever they come
from (the forms, an imported workbook or the demo School), so that a search
for "media" or a filter on "West Africa" finds everyone it should.
"""

REGIONS = (
    "North America",
    "Central America",
    "South America",
    "Northern Europe",
    "Western Europe",
    "Central Europe",
    "Southern Europe",
    "Eastern Europe",
    "Western Asia",
    "Middle East",
    "North Africa",
    "West Africa",
    "East Africa",
    "Southern Africa",
    "South Asia",
    "East Asia",
    "South-East Asia",
    "Oceania",
)
"""World regions, UN-style, each person's taken from their country."""

AREAS = (
    "campaign strategy",
    "coalition building",
    "policy",
    "media",
    "fundraising",
    "public speaking",
    "digital organising",
    "community organising",
    "volunteer management",
    "parliamentary work",
)
"""Areas of expertise a mentor offers and a client's needs are assessed in."""
