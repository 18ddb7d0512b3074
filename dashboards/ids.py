"""Every component id of the dashboards, in one place and one style.

Ids are kebab-case strings: the page they belong to, then what they show.
"""

# The frame shared by every page.
URL = "url"
PAGE = "page"
NAV = "nav"

# The filter bar, carried across pages in the address.
FILTER_BAR = "filter-bar"
FILTER_PERIOD = "filter-period"
FILTER_PERIOD_START = "filter-period-start"
FILTER_PERIOD_END = "filter-period-end"
FILTER_FACILITATOR = "filter-facilitator"
FILTER_PLACE = "filter-place"
FILTER_STATUS = "filter-status"
FILTER_MESSAGE = "filter-message"

# Overview.
OVERVIEW_TILES = "overview-tiles"
OVERVIEW_STAGES = "overview-stages"
OVERVIEW_BANDS = "overview-bands"

# Progress against agendas.
PROGRESS_PROGRAMMES = "progress-programmes"
PROGRESS_FACILITATORS = "progress-facilitators"
PROGRESS_OVERDUE = "progress-overdue"
PROGRESS_PROGRAMME = "progress-programme"
PROGRESS_TIMELINE = "progress-timeline"

# Spending against budgets.
SPENDING_TOTALS = "spending-totals"
SPENDING_PROGRAMMES = "spending-programmes"
SPENDING_NEAR_BUDGET = "spending-near-budget"
SPENDING_CATEGORIES = "spending-categories"
SPENDING_MONTHLY = "spending-monthly"

# Matching throughput.
MATCHING_FUNNEL = "matching-funnel"
MATCHING_MONTHLY = "matching-monthly"
MATCHING_SPANS = "matching-spans"
MATCHING_END_REASONS = "matching-end-reasons"
MATCHING_POOL_REGIONS = "matching-pool-regions"
MATCHING_POOL_LANGUAGES = "matching-pool-languages"
