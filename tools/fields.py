"""Canonical fields: what the engine calls each column, its kind, and the headers it is known by.

A CRM export names the same thing many ways ("Number of Employees", "NumberOfEmployees",
"# Employees", "metrics.employees"). Headers are normalised (see :func:`normalize_header`) and looked
up in the synonyms below, which follow the documented export columns of HubSpot, Salesforce,
ZoomInfo, Apollo, LinkedIn Sales Navigator (Phantombuster exports), Clearbit / Breeze Intelligence,
Bombora, 6sense and Demandbase. Synonyms are stored already normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "id",  # identifier: kept as text, never analysed as a category
    "text",  # free text (name, description, url)
    "category",  # one value per cell
    "multi",  # several values per cell ("Salesforce; HubSpot")
    "number",  # plain number; ranges ("51-200") keep low/high and midpoint
    "money",  # currency amount; "$1.2M", "€5 Mio", ranges
    "percent",  # "12%" -> 0.12
    "year",  # four-digit year (or a date, from which the year is taken)
    "date",
    "bool",
]
Table = Literal["accounts", "deals"]
Role = Literal[
    "key",
    "firmographic",
    "technographic",
    "outcome",
    "value",
    "intent",
    "relationship",
    "deal",
    "other",
]


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field."""

    name: str
    kind: Kind
    table: Table
    role: Role
    description: str
    synonyms: tuple[str, ...] = ()
    # Set after the outcome is known (close value, churn date, rep notes): never fed to a fit model.
    post_outcome: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def normalize_header(header: object) -> str:
    """Normalise a column header for lookup.

    ``"NumberOfEmployees"`` -> ``"number of employees"``; ``"Company Domain Name"`` ->
    ``"company domain name"``; ``"metrics.employees"`` -> ``"metrics employees"``;
    ``"# Employees"`` -> ``"employees"``; ``"Revenue (in 000s USD)"`` -> ``"revenue in 000s usd"``.
    """
    text = str(header).strip().lstrip("\ufeff")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)  # camelCase -> camel Case
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)  # HTMLParser -> HTML Parser
    text = text.lower().replace("&", " and ").replace("#", " number ")
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    return re.sub(r"^number (?=employees|of employees)", "", text)


def _syn(*names: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalize_header(n) for n in names))


# Prefixes that vendors put in front of a field name; a header is also tried without them.
VENDOR_PREFIXES = (
    "company",
    "account",
    "organization",
    "organisation",
    "org",
    "billing",
    "hq",
    "clearbit",
    "breeze",
    "zoominfo",
    "zoom info",  # "ZoomInfo ..." normalises to "zoom info ..."
    "apollo",
    "6sense",
    "demandbase",
    "bombora",
    "hubspot",
    "hub spot",  # "HubSpot ..." normalises to "hub spot ..."
    "hs",  # HubSpot internal names: hs_employee_range, hs_country_code, hs_createdate
    "properties",
    "metrics",
    "category",
    "geo",
)

# Synonyms are written as the vendors spell them (see tests/data/vendors/README.md for the sources)
# and normalised by _syn, so "LinkedIn Company Page" is stored as "linked in company page".
FIELDS: tuple[FieldSpec, ...] = (
    # ---------------------------------------------------------------- identity
    FieldSpec(
        "account_id",
        "id",
        "accounts",
        "key",
        "Unique account identifier in the source system",
        _syn(
            "account id",
            "id",
            "record id",
            "company id",
            "hubspot id",
            "hs object id",
            "account number",
            "salesforce id",
            "sfdc id",
            "crm id",
            "ZoomInfo Company ID",
            "zoominfo company id",
            "apollo account id",
            "apollo record id",
            "organization id",
            "seller id",
        ),
    ),
    FieldSpec(
        "name",
        "text",
        "accounts",
        "key",
        "Company / account name",
        _syn(
            "name",
            "account",
            "account name",
            "company",
            "company name",
            "organization",
            "organization name",
            "business name",
            "legal name",
            "customer",
            "customer name",
            "client",
            "client name",
        ),
    ),
    FieldSpec(
        "domain",
        "text",
        "accounts",
        "key",
        "Web domain or website",
        # Not "site": Salesforce's Account Site (API name Site) is a location label, not a website.
        _syn(
            "domain",
            "website",
            "web site",
            "company domain name",
            "domain name",
            "website url",
            "company website",
            "url",
        ),
    ),
    FieldSpec(
        "linkedin_url",
        "text",
        "accounts",
        "key",
        "LinkedIn company page / handle (a match key; never taken for the web domain)",
        _syn(
            "LinkedIn Company Page",  # HubSpot
            "linkedin company page",
            "linkedin_company_page",
            "LinkedIn Company Profile URL",  # ZoomInfo
            "linkedin company profile url",
            "Company Linkedin Url",  # Apollo
            "company LinkedIn url",
            "regularCompanyUrl",  # Phantombuster (linkedin.com/company/...)
            "linkedin company url",
            "LinkedIn URL",
            "linkedin url",
            "Linkedin handle",  # HubSpot hs_linkedin_handle, Clearbit linkedin.handle
            "linkedin handle",
            "companyUrl",  # Phantombuster Sales Navigator export (linkedin.com/sales/company/...)
        ),
    ),
    # ---------------------------------------------------------------- firmographics
    FieldSpec(
        "industry",
        "category",
        "accounts",
        "firmographic",
        "Industry / sector / vertical",
        _syn(
            "industry",
            "sector",
            "vertical",
            "primary industry",
            "industry group",
            "hs industry group",
            "business segment",
            "segment",
            "market",
            "linkedin industry",
        ),
    ),
    FieldSpec(
        "sub_industry",
        "category",
        "accounts",
        "firmographic",
        "Sub-industry / niche",
        _syn(
            "sub industry",
            "subindustry",
            "primary sub industry",
            "sub sector",
            "sub vertical",
            "niche",
            "sic description",  # Salesforce SicDesc
            "sic desc",
        ),
    ),
    FieldSpec(
        "employee_count",
        "number",
        "accounts",
        "firmographic",
        "Number of employees (ranges keep low/high and a midpoint)",
        _syn(
            "employees",
            "employee count",
            "number of employees",
            "numberofemployees",  # HubSpot internal name
            "no of employees",
            "num employees",
            "headcount",
            "head count",
            "staff",
            "company size",
            "size",
            "employee range",
            "hs employee range",
            "employees range",
            "employee size",
            "employee count range",
            "employees count",
            "estimated num employees",
            "team size",
            "fte",
        ),
    ),
    FieldSpec(
        "annual_revenue",
        "money",
        "accounts",
        "firmographic",
        "Annual revenue of the company (not what it pays us)",
        _syn(
            "annual revenue",
            "annualrevenue",  # HubSpot internal name
            "revenue",
            "total annual revenue",  # Demandbase "Total Annual Revenue (USD)"
            "revenue range",
            "hs revenue range",
            "company revenue",
            "annual revenue usd",
            "estimated annual revenue",
            "yearly revenue",
            "turnover",
            "sales volume",
            "declared monthly revenue",
        ),
    ),
    FieldSpec(
        "country",
        "category",
        "accounts",
        "firmographic",
        "Country (headquarters / billing)",
        _syn(
            "country",
            "country region",
            "hq country",
            "billing country",
            "country code",
            "country region code",
            "hs country code",
            "nation",
        ),
    ),
    FieldSpec(
        "state",
        "category",
        "accounts",
        "firmographic",
        "State / province",
        _syn(
            "state",
            "state region",
            "province",
            "state province",
            "billing state province",
            "state code",
            "state region code",
            "hs state code",
            "county",
        ),
    ),
    FieldSpec(
        "region",
        "category",
        "accounts",
        "firmographic",
        "Sales region (derived from country when absent)",
        _syn(
            "region",
            "sales region",
            "geo",
            "geography",
            "territory",
            "territory name",
            "regional office",
            "office location",
        ),
    ),
    FieldSpec(
        "city",
        "category",
        "accounts",
        "firmographic",
        "City",
        _syn("city", "billing city", "town", "hq city", "location"),
    ),
    FieldSpec(
        "founded_year",
        "year",
        "accounts",
        "firmographic",
        "Year founded",
        _syn(
            "founded year",
            "year founded",
            "founded",
            "year established",
            "established",
            "year started",
            "founding year",
            "inception year",
        ),
    ),
    FieldSpec(
        "business_model",
        "category",
        "accounts",
        "firmographic",
        "Business model (B2B, B2C, SaaS, marketplace, reseller, manufacturer...)",
        _syn("business model", "business type", "model"),
    ),
    FieldSpec(
        "ownership",
        "category",
        "accounts",
        "firmographic",
        "Ownership (public, private, subsidiary...)",
        # "company type" is the legal form (Clearbit: private/public/nonprofit; LinkedIn: Privately Held).
        _syn("ownership", "ownership type", "is public", "public private", "company type"),
    ),
    FieldSpec(
        "parent_account",
        "text",
        "accounts",
        "relationship",
        "Parent company",
        _syn(
            "parent account",
            "parent company",
            "subsidiary of",
            "parent",
            "parent account id",
            "parent id",  # Salesforce ParentId
            "parent company id",  # HubSpot hs_parent_company_id
            "Entity Name (Immediate Parent)",  # ZoomInfo
            "Entity Name (Ultimate Parent)",
            "ultimate parent",
            "parent domain",  # Clearbit parent.domain
        ),
    ),
    FieldSpec(
        "funding_stage",
        "category",
        "accounts",
        "firmographic",
        "Latest funding round / stage",
        _syn(
            "funding stage",
            "latest funding",
            "latest funding round",
            "recent funding round",
            "last funding type",
            "funding round",
        ),
    ),
    FieldSpec(
        "total_funding",
        "money",
        "accounts",
        "firmographic",
        "Total funding raised",
        _syn("total funding", "total money raised", "total funding amount", "funding total", "raised"),
    ),
    FieldSpec(
        "last_funding_date",
        "date",
        "accounts",
        "intent",
        "Date of the latest funding event (a buying trigger)",
        _syn("last raised at", "last funding date", "latest funding date", "recent funding date"),
    ),
    FieldSpec(
        "sic_code",
        "category",
        "accounts",
        "firmographic",
        "SIC code",
        # A single (primary) code before a list of codes.
        _syn("sic code", "sic", "sic code 1", "primary sic code", "sic codes"),
    ),
    FieldSpec(
        "naics_code",
        "category",
        "accounts",
        "firmographic",
        "NAICS code",
        _syn("naics code", "naics", "naics code 1", "primary naics code", "naics codes"),
    ),
    FieldSpec(
        "employee_growth",
        "percent",
        "accounts",
        "intent",
        "Headcount growth over the last period",
        _syn(
            "employee growth",
            "headcount growth",
            "employee growth rate",
            "past 1 year employee growth rate",  # ZoomInfo
            "past 2 year employee growth rate",
            "growth",
        ),
    ),
    # ---------------------------------------------------------------- technographics
    FieldSpec(
        "tech_stack",
        "multi",
        "accounts",
        "technographic",
        "Technologies used",
        _syn(
            "tech stack",
            "technologies",
            "technology",
            "tech",
            "web technologies",
            "installed technologies",
            "technographics",
            "tools used",
            "crm",
        ),
    ),
    # ---------------------------------------------------------------- relationship / outcome
    FieldSpec(
        "lifecycle_stage",
        "category",
        "accounts",
        "outcome",
        "Status / lifecycle stage (customer, churned, lost, prospect...)",
        _syn(
            "lifecycle stage",
            "lifecyclestage",  # HubSpot internal name
            "lifecycle",
            "status",
            "account status",
            "customer status",
            "stage",
            "type",
            "account type",
            "relationship",
        ),
    ),
    FieldSpec(
        "contract_value",
        "money",
        "accounts",
        "value",
        "Annual contract value paid to us (ACV / ARR; MRR x 12)",
        _syn(
            "contract value",
            "acv",
            "arr",
            "annual contract value",
            "annual recurring revenue",
            "total contract value",
            "tcv",
            "deal size",
            "total revenue",  # HubSpot companies: total amount of the company's closed-won deals
            "customer revenue",
            "recent deal amount",  # HubSpot companies: amount of the last closed-won deal
        ),
        post_outcome=True,
    ),
    FieldSpec(
        "mrr",
        "money",
        "accounts",
        "value",
        "Monthly recurring revenue paid to us",
        _syn("mrr", "monthly recurring revenue", "monthly revenue", "monthly contract value"),
        post_outcome=True,
    ),
    FieldSpec(
        "lifetime_value",
        "money",
        "accounts",
        "value",
        "Customer lifetime value",
        _syn("lifetime value", "ltv", "clv", "customer lifetime value", "total spend", "lifetime revenue"),
        post_outcome=True,
    ),
    FieldSpec(
        "expansion_value",
        "money",
        "accounts",
        "value",
        "Expansion / upsell revenue",
        _syn("expansion", "expansion revenue", "expansion arr", "upsell", "upsell revenue", "net expansion"),
        post_outcome=True,
    ),
    FieldSpec(
        "nps",
        "number",
        "accounts",
        "value",
        "Net Promoter Score (-100..100 or 0..10)",
        _syn("nps", "net promoter score", "nps score"),
        post_outcome=True,
    ),
    FieldSpec(
        "csat",
        "number",
        "accounts",
        "value",
        "Customer satisfaction / health score",
        _syn("csat", "customer satisfaction", "health score", "customer health", "health", "satisfaction"),
        post_outcome=True,
    ),
    FieldSpec(
        "customer_since",
        "date",
        "accounts",
        "value",
        "Date the account became a customer",
        _syn(
            "customer since",
            "became a customer date",
            "first deal closed date",
            "close date",  # HubSpot companies: "the date the company was closed as a customer"
            "closedate",
            "start date",
            "contract start",
            "contract start date",
            "won date",
            "signup date",
            "date became customer",
        ),
    ),
    FieldSpec(
        "churn_date",
        "date",
        "accounts",
        "outcome",
        "Date the customer churned / cancelled",
        _syn("churn date", "churned date", "cancellation date", "cancel date", "churned on", "end date"),
        post_outcome=True,
    ),
    FieldSpec(
        "tenure_months",
        "number",
        "accounts",
        "value",
        "Months as a customer",
        _syn("tenure", "tenure months", "months as customer", "customer tenure", "customer age months"),
        post_outcome=True,
    ),
    FieldSpec(
        "created_date",
        "date",
        "accounts",
        "other",
        "Date the record was created",
        _syn(
            "create date",
            "created date",
            "createdate",  # HubSpot internal name
            "created",
            "created at",
            "date created",
            "first contact date",
        ),
    ),
    FieldSpec(
        "owner",
        "category",
        "accounts",
        "other",
        "Account owner / sales rep",
        _syn(
            "owner",
            "account owner",
            "company owner",
            "owner name",  # Demandbase
            "hubspot owner id",
            "owner id",  # Salesforce OwnerId
            "sales rep",
            "rep",
            "sales agent",
            "sdr id",
            "sr id",
        ),
    ),
    FieldSpec(
        "lead_source",
        "category",
        "accounts",
        "other",
        "Where the account came from (channel / source)",
        _syn(
            "lead source",
            "source",
            "original source",
            "account source",
            "original traffic source",  # HubSpot hs_analytics_source
            "hs analytics source",
            "origin",
            "channel",
            "lead type",
        ),
    ),
    # ---------------------------------------------------------------- intent / engagement
    FieldSpec(
        "intent_topics",
        "multi",
        "accounts",
        "intent",
        "Intent topics the account is researching",
        _syn(
            "intent topics",
            "topics",
            "topic name",
            "surging topics",
            "intent topic",
            "high intent keywords",  # Demandbase
            "intent keywords",
            "primary intent topic",  # Apollo
            "keywords researched",
        ),
    ),
    FieldSpec(
        "intent_score",
        "number",
        "accounts",
        "intent",
        "Intent strength (Bombora composite score, 6sense intent score, Demandbase intent)",
        _syn(
            "intent score",
            "composite score",
            "surge score",
            "primary intent score",  # Apollo
            "intent",
            "intent strength",
        ),
    ),
    FieldSpec(
        "buying_stage",
        "category",
        "accounts",
        "intent",
        "Buying stage / journey stage (6sense, Demandbase)",
        # Not "account stage": Salesforce's standard Account Site would fuzzy-match it (ratio .88).
        _syn("buying stage", "journey stage", "stage of buying"),
    ),
    FieldSpec(
        "engagement_score",
        "number",
        "accounts",
        "intent",
        "Engagement with us (marketing engagement score, engagement minutes, points)",
        _syn(
            "engagement score",
            "engagement",
            "engagement points",
            "Engagement Points (3 mo.)",  # Demandbase
            "engagement minutes",
            "account engagement",
            "Engagement Points (7 days)",
            "reach score",  # 6sense Account Reach Score (quality of our outreach)
        ),
    ),
    FieldSpec(
        "web_visits",
        "number",
        "accounts",
        "intent",
        "Website visits / sessions",
        _syn(
            "web visits",
            "website visits",
            "number of sessions",  # HubSpot hs_analytics_num_visits
            "hs analytics num visits",
            "page views",
            "sessions",
            "number of pageviews",  # HubSpot hs_analytics_num_page_views
            "hs analytics num page views",
            "visits",
        ),
    ),
    FieldSpec(
        "job_openings",
        "number",
        "accounts",
        "intent",
        "Open job postings (hiring signal)",
        _syn("job openings", "open jobs", "job postings", "hiring", "open positions"),
    ),
    FieldSpec(
        "description",
        "text",
        "accounts",
        "other",
        "Company description",
        _syn(
            "description",
            "about",
            "company description",
            "short description",
            "seo description",
            "about us",
            "summary",
        ),
    ),
    FieldSpec(
        "notes",
        "text",
        "accounts",
        "other",
        "Rep notes (written after contact: never fed to a fit model)",
        _syn("notes", "note", "comments", "rep notes", "sales notes"),
        post_outcome=True,
    ),
    # ================================================================ deals
    FieldSpec(
        "deal_id",
        "id",
        "deals",
        "key",
        "Deal / opportunity identifier",
        _syn(
            "deal id",
            "opportunity id",
            "opp id",
            "record id",
            "hs object id",
            "id",
            "opportunity number",
            "mql id",
        ),
    ),
    FieldSpec(
        "deal_account",
        "text",
        "deals",
        "key",
        "Account the deal belongs to (name or id)",
        _syn(
            "account",
            "account name",
            "company",
            "company name",
            "associated company",
            "associated company id",
            "account id",
            "customer",
            "organization",
            "seller id",
        ),
    ),
    FieldSpec(
        "deal_stage",
        "category",
        "deals",
        "outcome",
        "Deal stage (mapped to won / lost / open)",
        _syn(
            "deal stage",
            "stage",
            "stage name",
            "dealstage",  # HubSpot internal name
            "opportunity stage",
            "status",
            "outcome",
            "result",
            "won lost",
        ),
    ),
    FieldSpec(
        "deal_amount",
        "money",
        "deals",
        "value",
        "Deal value",
        # HubSpot's company-currency amount first: it is in one currency across deals.
        _syn(
            "amount in company currency",
            "amount in home currency",
            "amount",
            "deal amount",
            "close value",
            "value",
            "deal value",
            "opportunity amount",
            "revenue",
            "acv",
            "arr",
        ),
        post_outcome=True,
    ),
    FieldSpec(
        "deal_created",
        "date",
        "deals",
        "deal",
        "Date the deal was created / engaged",
        _syn(
            "create date",
            "created date",
            "createdate",  # HubSpot internal name
            "engage date",
            "created",
            "open date",
            "opportunity created date",
            "first contact date",
        ),
    ),
    FieldSpec(
        "deal_closed",
        "date",
        "deals",
        "deal",
        "Date the deal closed",
        _syn("close date", "closedate", "closed date", "closed", "won date", "date closed", "close"),
    ),
    FieldSpec(
        "deal_product",
        "category",
        "deals",
        "deal",
        "Product / plan sold",
        _syn("product", "product name", "plan", "sku", "line item"),
    ),
    FieldSpec(
        "deal_owner",
        "category",
        "deals",
        "deal",
        "Deal owner / sales rep",
        _syn(
            "deal owner",
            "owner",
            "opportunity owner",
            "hubspot owner id",
            "owner id",  # Salesforce OwnerId
            "sales agent",
            "sales rep",
            "rep",
            "sr id",
        ),
    ),
    FieldSpec(
        "deal_type",
        "category",
        "deals",
        "deal",
        "New business / renewal / expansion",
        _syn("deal type", "dealtype", "type", "opportunity type", "business type"),
    ),
    FieldSpec(
        "lost_reason",
        "text",
        "deals",
        "deal",
        "Why the deal was lost",
        _syn("lost reason", "closed lost reason", "loss reason", "reason lost"),
        post_outcome=True,
    ),
)

FIELD_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}


def fields_for(table: Table) -> tuple[FieldSpec, ...]:
    """The canonical fields of one table, in declaration order."""
    return tuple(f for f in FIELDS if f.table == table)
