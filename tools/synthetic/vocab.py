"""Column names, vocabularies and constants of the synthetic CRM exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Drift = Literal["none", "shift"]
Mode = Literal["none", "shift", "prospects"]

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype
MISSING = np.iinfo(np.int64).min  # missing day offset
DEFAULT_START = "2024-01-01"
DEFAULT_END = "2025-12-31"
MAX_UNIQUE_ACCOUNTS = 20_000  # unique company names need room in the name space
OPEN_SHARE = 0.12  # share of deals still open at export time
BASE_AMOUNT = 15_000  # median deal amount (USD) outside planted segments
EUR_PER_USD = 1 / 1.08

ACCOUNT_COLUMNS = (
    "Record ID",
    "Company name",
    "Company Domain Name",
    "Industry",
    "Number of Employees",
    "Annual Revenue",
    "Country/Region",
    "City",
    "Year Founded",
    "Lifecycle Stage",
    "Company owner",
    "Create Date",
    "Web Technologies",
    "Became a Customer Date",
    "Churn Date",
    "NPS",
    "Favorite Color",
    "Lead Score (random)",
    "Internal Notes",
)
OUTCOME_COLUMNS = ("Lifecycle Stage", "Became a Customer Date", "Churn Date", "NPS")
PROSPECT_COLUMNS = tuple(c for c in ACCOUNT_COLUMNS if c not in OUTCOME_COLUMNS)
NOISE_COLUMNS = ("Favorite Color", "Lead Score (random)", "Internal Notes")
DEAL_COLUMNS = (
    "Deal ID",
    "Deal Name",
    "Associated Company",
    "Deal Stage",
    "Amount",
    "Create Date",
    "Close Date",
    "Deal owner",
    "Pipeline",
)

# ------------------------------------------------------------------------------------ vocabularies
INDUSTRIES = (
    "Fintech",
    "Financial Services",
    "Software",
    "Retail",
    "Healthcare",
    "Manufacturing",
    "Logistics",
    "Education",
    "Media",
    "Real Estate",
    "Professional Services",
    "Telecommunications",
    "Energy",
)
INDUSTRY_WEIGHTS = (0.06, 0.08, 0.16, 0.08, 0.09, 0.11, 0.07, 0.06, 0.06, 0.05, 0.10, 0.04, 0.04)
FINTECH, RETAIL, HEALTHCARE = (INDUSTRIES.index(i) for i in ("Fintech", "Retail", "Healthcare"))
DESCRIPTORS = (
    ("Payments", "Pay", "Ledger", "Lending", "Fintech"),
    ("Capital", "Advisors", "Wealth", "Bancorp", "Asset Management"),
    ("Software", "Labs", "Systems", "Cloud", "AI"),
    ("Goods", "Market", "Outfitters", "Boutique", "Stores"),
    ("Health", "Medical", "Care", "Clinics", "Bio"),
    ("Manufacturing", "Industries", "Components", "Machines", "Materials"),
    ("Logistics", "Freight", "Shipping", "Transport", "Supply"),
    ("Learning", "Academy", "Education", "Tutors", "EdTech"),
    ("Media", "Studios", "Publishing", "Digital", "Broadcasting"),
    ("Properties", "Realty", "Estates", "Homes", "Developments"),
    ("Consulting", "Advisory", "Legal", "Partners", "Solutions"),
    ("Telecom", "Networks", "Communications", "Mobile", "Broadband"),
    ("Energy", "Power", "Solar", "Utilities", "Renewables"),
)
PREFIXES = (
    "Blue Bright Silver Iron Green Clear Swift True Red Stone Oak Sun Cloud Peak River Star Nova Alpine "
    "Coral Ember Falcon Granite Harbor Indigo Juniper Kite Lumen Maple Nimbus Orbit Pine Quartz Summit "
    "Tidal Vector Willow Zenith Atlas Cedar North"
).split()
ROOTS = (
    "wave point line path bridge field gate mark works forge leaf stack bay ridge shift spark core loop "
    "view wise craft scale flow base hub nest port grid stream yard"
).split()
# Unknown companies in deals: words that never occur in generated names.
UNKNOWN_COMPANIES = (
    "Hollowbrook Trading",
    "Marlowe & Finch",
    "Quillon Dynamics",
    "Vesper Analytics",
    "Brackenridge Foods",
    "Tessaly Robotics",
    "Oakhurst & Pryce",
    "Calderon Imports",
)


@dataclass(frozen=True)
class _Country:
    name: str
    weight: float
    aliases: tuple[str, ...]
    cities: tuple[str, str, str, str]
    tld: str
    legal: tuple[str, ...]  # legal suffixes ("" = none)
    euro: bool = False


COUNTRIES = (
    _Country(
        "United States",
        0.40,
        ("USA", "US"),
        ("New York", "San Francisco", "Austin", "Chicago"),
        ".com",
        ("Inc.", "LLC", "Corp.", ""),
    ),
    _Country(
        "United Kingdom",
        0.10,
        ("UK", "GB"),
        ("London", "Manchester", "Edinburgh", "Bristol"),
        ".co.uk",
        ("Ltd", ""),
    ),
    _Country("Germany", 0.09, ("DE",), ("Berlin", "Munich", "Hamburg", "Frankfurt"), ".de", ("GmbH", "AG"), True),
    _Country("France", 0.06, ("FR",), ("Paris", "Lyon", "Toulouse", "Lille"), ".fr", ("SAS", "S.A."), True),
    _Country("Canada", 0.06, ("CA",), ("Toronto", "Vancouver", "Montreal", "Calgary"), ".ca", ("Inc.", "")),
    _Country("Netherlands", 0.05, ("NL",), ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"), ".nl", ("BV",), True),
    _Country("Australia", 0.05, ("AU",), ("Sydney", "Melbourne", "Brisbane", "Perth"), ".com.au", ("Pty Ltd", "")),
    _Country("India", 0.05, ("IN",), ("Bangalore", "Mumbai", "Delhi", "Pune"), ".in", ("Ltd", "")),
    _Country("Singapore", 0.05, ("SG",), ("Singapore", "Jurong", "Tampines", "Woodlands"), ".sg", ("Pte Ltd",)),
    _Country(
        "Brazil",
        0.05,
        ("BR",),
        ("São Paulo", "Rio de Janeiro", "Curitiba", "Belo Horizonte"),
        ".com.br",
        ("S.A.", ""),
    ),
    _Country("Japan", 0.04, ("JP",), ("Tokyo", "Osaka", "Fukuoka", "Nagoya"), ".jp", ("",)),
)
LEGAL = tuple(dict.fromkeys(s for c in COUNTRIES for s in c.legal))
TLDS = (".com", ".io", *dict.fromkeys(c.tld for c in COUNTRIES if c.tld != ".com"))

CRMS = ("Salesforce", "HubSpot", "Microsoft Dynamics 365", "Pipedrive", "Zoho CRM")
CRM_WEIGHTS = (0.30, 0.28, 0.14, 0.10, 0.06, 0.12)  # last: no CRM detected
SALESFORCE, HUBSPOT, DYNAMICS = 0, 1, 2
NO_CRM = len(CRMS)
TOOLS = (
    ("Slack", 0.45),
    ("Microsoft Teams", 0.30),
    ("Google Workspace", 0.45),
    ("Microsoft 365", 0.35),
    ("Zendesk", 0.20),
    ("Intercom", 0.15),
    ("Stripe", 0.20),
    ("Shopify", 0.08),
    ("AWS", 0.35),
    ("Google Analytics", 0.60),
    ("Segment", 0.10),
    ("Marketo", 0.10),
    ("WordPress", 0.30),
    ("Jira", 0.25),
    ("Zoom", 0.40),
    ("DocuSign", 0.20),
)
SHOPIFY = 7
OWNERS = ("Alex Morgan", "Priya Shah", "Jonas Weber", "Maria Garcia", "Tom Becker", "Chen Wei")
LIFECYCLE = (
    "Customer",
    "Evangelist",
    "Churned",
    "Former Customer",
    "Opportunity",
    "Lead",
    "Marketing Qualified Lead",
    "Subscriber",
)
CUSTOMER, EVANGELIST, CHURNED, FORMER, OPPORTUNITY, LEAD, MQL, SUBSCRIBER = range(len(LIFECYCLE))
STAGES = (
    "Closed Won",
    "Closed Lost",
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
)
OPEN_STAGE_WEIGHTS = (0.25, 0.25, 0.2, 0.15, 0.15)
WON, LOST, OPEN = 0, 1, 2
DEAL_KINDS = ("New Business", "Expansion", "Renewal", "Pilot")
DEAL_KIND_WEIGHTS = (0.6, 0.2, 0.1, 0.1)
PIPELINES = ("Sales Pipeline", "Partner Pipeline")
COLORS = ("Blue", "Green", "Red", "Purple", "Orange", "Teal", "Black", "Yellow")
NOTES = (
    None,
    "Met at SaaStr",
    "Call back next quarter",
    "Referred by partner",
    "Prefers email",
    "Asked for case studies",
    "Budget cycle starts in Q3",
    "Sent pricing deck",
    "Follow up after webinar",
)
NOTE_WEIGHTS = (0.6, *([0.05] * 8))
PLACEHOLDERS = ("", "-", "Select", "#N/A", "N/A")
EMPLOYEE_BUCKETS = (1, 11, 51, 201, 501, 1001, 5001, 10001)  # range lows; last one is "10,000+"
EMPLOYEE_BAND_EDGES = (50, 100, 1000)  # planted-rule boundaries a range must not straddle

PROFILES = ("best", "churn", "shift", "other")
BEST, CHURN, SHIFT, OTHER = range(len(PROFILES))
