"""Seeded synthetic CRM exports with planted, documented structure.

The examples, tests, demo and benchmarks need CRM data whose answer is known. This module writes
HubSpot-style companies and deals exports (messy like real ones when ``messy=True``) in which a few
segments were *planted* on purpose; :class:`GroundTruth` records what was planted and what the
generated frames actually realise.

Planted segments (rules on the clean columns, checked in this order; see :func:`planted_segments`):

* ``best``: Industry "Fintech", 100-999 employees, "Salesforce" in Web Technologies. Wins ~65% of
  closed deals (~20% elsewhere), ~30-day median sales cycle (~75 elsewhere), ~2x deal amounts.
  About 11% of accounts.
* ``churn``: Industry "Retail", fewer than 50 employees. Normal win rate, but ~60% of its customers
  churn (~10% elsewhere), low NPS, ~0.45x deal amounts. About 11% of accounts.
* ``shift``: Industry "Healthcare", 1000+ employees, "Microsoft Dynamics 365" in Web Technologies.
  Behaves like everyone else with ``drift="none"`` (3% of accounts); with ``drift="shift"`` it is 35%
  of the accounts and wins ~70% of their deals, so most new wins come from it.
* ``other``: everything else, with no pattern. The noise columns ("Favorite Color",
  "Lead Score (random)", "Internal Notes") are independent of everything.

Every draw comes from :class:`numpy.random.Generator` streams spawned from the seed (one stream per
concern, so messiness never changes the underlying data): same seed, same frames, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    _Country(
        "Germany", 0.09, ("DE",), ("Berlin", "Munich", "Hamburg", "Frankfurt"), ".de", ("GmbH", "AG"), True
    ),
    _Country("France", 0.06, ("FR",), ("Paris", "Lyon", "Toulouse", "Lille"), ".fr", ("SAS", "S.A."), True),
    _Country("Canada", 0.06, ("CA",), ("Toronto", "Vancouver", "Montreal", "Calgary"), ".ca", ("Inc.", "")),
    _Country(
        "Netherlands", 0.05, ("NL",), ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"), ".nl", ("BV",), True
    ),
    _Country(
        "Australia", 0.05, ("AU",), ("Sydney", "Melbourne", "Brisbane", "Perth"), ".com.au", ("Pty Ltd", "")
    ),
    _Country("India", 0.05, ("IN",), ("Bangalore", "Mumbai", "Delhi", "Pune"), ".in", ("Ltd", "")),
    _Country(
        "Singapore", 0.05, ("SG",), ("Singapore", "Jurong", "Tampines", "Woodlands"), ".sg", ("Pte Ltd",)
    ),
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


# -------------------------------------------------------------------------------- ground truth
@dataclass(frozen=True)
class SegmentSpec:
    """One planted segment: its rule on the clean columns and the rates planted for it."""

    name: str
    description: str
    industry: str | None  # Industry equals this
    min_employees: int | None  # Number of Employees >= this
    max_employees: int | None  # Number of Employees <= this
    technology: str | None  # listed in Web Technologies
    share: float  # planted share of accounts
    win_rate: float  # of closed deals
    median_cycle_days: float  # create -> close, closed deals
    amount_multiplier: float  # deal amount vs the base median of 15,000
    churn_rate: float  # of customers
    nps_mean: float

    @property
    def has_rule(self) -> bool:
        return any(
            v is not None for v in (self.industry, self.min_employees, self.max_employees, self.technology)
        )

    def matches(self, frame: pd.DataFrame) -> pd.Series:
        """Rows of a clean accounts frame (``messy=False``) that satisfy the rule."""
        mask = pd.Series(True, index=frame.index)
        if self.industry is not None:
            mask &= frame["Industry"].eq(self.industry).fillna(False)
        employees = pd.to_numeric(frame["Number of Employees"], errors="coerce")
        if self.min_employees is not None:
            mask &= employees.ge(self.min_employees).fillna(False)
        if self.max_employees is not None:
            mask &= employees.le(self.max_employees).fillna(False)
        if self.technology is not None:
            listed = frame["Web Technologies"].fillna("").astype("str").str.split("; ")
            mask &= listed.map(lambda items: self.technology in items).astype(bool)
        return mask


@dataclass(frozen=True)
class GroundTruth:
    """What a generator planted and what its frames realise. JSON-serialisable via ``asdict``."""

    dataset: str  # "accounts_and_deals" or "prospects"
    seed: int
    parameters: dict[str, Any]
    segments: tuple[SegmentSpec, ...]  # rules checked in order; "other" (no rule) last
    segment_ids: dict[str, list[str]]  # Record IDs per segment
    realised: dict[str, dict[str, Any]]  # per segment (and "all"), computed from the clean frames
    noise_columns: tuple[str, ...] = NOISE_COLUMNS
    messiness: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


_RATES: dict[str, dict[str, tuple[float, float, float, float, float, float]]] = {
    # share, win rate, median cycle days, amount multiplier, churn rate, mean NPS
    "none": {
        "best": (0.11, 0.65, 30, 2.0, 0.10, 8.0),
        "churn": (0.11, 0.20, 75, 0.45, 0.60, 4.0),
        "shift": (0.03, 0.20, 75, 1.0, 0.10, 7.5),
        "other": (0.75, 0.20, 75, 1.0, 0.10, 7.5),
    },
    "shift": {
        "best": (0.06, 0.30, 30, 2.0, 0.10, 8.0),
        "churn": (0.09, 0.20, 75, 0.45, 0.60, 4.0),
        "shift": (0.35, 0.70, 45, 2.5, 0.05, 8.5),
        "other": (0.50, 0.12, 75, 1.0, 0.10, 7.5),
    },
}
_RULES: dict[str, tuple[str | None, int | None, int | None, str | None]] = {
    "best": ("Fintech", 100, 999, "Salesforce"),
    "churn": ("Retail", None, 49, None),
    "shift": ("Healthcare", 1000, None, "Microsoft Dynamics 365"),
    "other": (None, None, None, None),
}
_DESCRIPTIONS = {
    "best": (
        "Mid-size fintech on Salesforce: Industry = Fintech, 100-999 employees, "
        "Salesforce in Web Technologies"
    ),
    "churn": "Small retail: Industry = Retail, fewer than 50 employees",
    "shift": (
        "Large healthcare on Dynamics: Industry = Healthcare, 1000+ employees, "
        "Microsoft Dynamics 365 in Web Technologies"
    ),
    "other": "Everything else (no rule matched)",
}
_PROSPECT_SHARES = {"best": 0.15, "churn": 0.12, "shift": 0.05, "other": 0.68}


def planted_segments(mode: Mode = "none") -> tuple[SegmentSpec, ...]:
    """The segment specs for a drift mode ("none", "shift") or for prospects (rates as in "none")."""
    rates = _RATES["none" if mode == "prospects" else mode]
    specs = []
    for name in PROFILES:
        share, win, cycle, amount, churn, nps = rates[name]
        if mode == "prospects":
            share = _PROSPECT_SHARES[name]
        industry, low, high, tech = _RULES[name]
        specs.append(
            SegmentSpec(
                name, _DESCRIPTIONS[name], industry, low, high, tech, share, win, cycle, amount, churn, nps
            )
        )
    return tuple(specs)


def segment_labels(accounts: pd.DataFrame, segments: Sequence[SegmentSpec] | None = None) -> pd.Series:
    """The planted segment of each row of a clean accounts frame (first matching rule, else "other")."""
    segments = planted_segments() if segments is None else segments
    labels = pd.Series("other", index=accounts.index, dtype="object")
    unlabelled = pd.Series(True, index=accounts.index)
    for spec in segments:
        if not spec.has_rule:
            continue
        hit = spec.matches(accounts) & unlabelled
        labels[hit] = spec.name
        unlabelled &= ~hit
    return labels


# ------------------------------------------------------------------------------------- helpers
_STREAMS = ("profiles", "firmographics", "names", "ids", "deals", "outcomes", "noise", "messy")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(_STREAMS, children, strict=True)}


@dataclass(frozen=True)
class _Window:
    start: np.datetime64  # first day
    days: int  # last day - first day

    @classmethod
    def parse(cls, start: str, end: str) -> _Window:
        first = np.datetime64(pd.Timestamp(start).date(), "D")
        last = np.datetime64(pd.Timestamp(end).date(), "D")
        if last < first:
            raise ValueError(f"end {end} is before start {start}")
        return cls(first, int((last - first) // np.timedelta64(1, "D")))

    @property
    def end_year(self) -> int:
        return int(str(self.start + np.timedelta64(self.days, "D"))[:4])


def _arrow(values: Iterable[str | None]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _take(vocab: Sequence[str | None], codes: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Strings by index into a vocabulary (fast for millions of rows); ``missing`` rows become null."""
    indices = pa.array(np.asarray(codes, dtype=np.int64), mask=missing)
    return _arrow(vocab).take(indices)


def _format_unique(
    keys: np.ndarray, fmt: Callable[[int], str | None], missing: np.ndarray | None = None
) -> pa.Array:
    """Format each distinct integer key once, then expand: Python work per distinct value, not per row."""
    keys = np.asarray(keys, dtype=np.int64)
    if missing is not None:
        keys = np.where(missing, keys[~missing].min(initial=0), keys)
    low, high = (int(keys.min()), int(keys.max())) if len(keys) else (0, 0)
    if high - low < min(len(keys), 20_000):  # dense: no sort needed
        return _take([fmt(k) for k in range(low, high + 1)], keys - low, missing)
    uniques, inverse = np.unique(keys, return_inverse=True)
    return _take([fmt(int(k)) for k in uniques], inverse, missing)


def _series(values: pa.Array | np.ndarray) -> pd.Series:
    if isinstance(values, pa.Array):
        return pd.Series(values, dtype=STR)
    return pd.Series(values)


def _counts(shares: Sequence[float], n: int) -> np.ndarray:
    """Integer counts proportional to shares that sum to n (largest remainder)."""
    raw = np.asarray(shares, dtype=float) / sum(shares) * n
    counts = np.floor(raw).astype(np.int64)
    short = n - int(counts.sum())
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def _unique_ids(
    rng: np.random.Generator, n: int, low: int = 2_000_000_000, high: int = 40_000_000_000
) -> np.ndarray:
    """n distinct HubSpot-like record ids, in draw order."""
    ids = np.empty(0, dtype=np.int64)
    while len(ids) < n:
        draw = np.concatenate([ids, rng.integers(low, high, n - len(ids) + n // 50 + 8)])
        _, first = np.unique(draw, return_index=True)
        ids = draw[np.sort(first)]
    return ids[:n]


def _pick(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _by_profile(segments: Sequence[SegmentSpec], attribute: str, profiles: np.ndarray) -> np.ndarray:
    return np.array([getattr(s, attribute) for s in segments], dtype=float)[profiles]


# ------------------------------------------------------------------------------- firmographics
@dataclass
class _Accounts:
    """Account attributes as arrays (codes into the vocabularies, day offsets from the window start)."""

    profile: np.ndarray
    ids: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray
    country: np.ndarray
    city: np.ndarray
    founded: np.ndarray
    owner: np.ndarray
    tech: np.ndarray  # crm code + 8 * tool bitmask; -1 = unknown
    prefix: np.ndarray
    root: np.ndarray
    descriptor: np.ndarray  # global index into the flattened DESCRIPTORS
    legal: np.ndarray  # index into LEGAL
    tld: np.ndarray  # index into TLDS
    create_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    create_minute: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    customer_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    churn_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    nps: np.ndarray = field(default_factory=lambda: np.empty(0, float))
    lifecycle: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    color: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    lead_score: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    note: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def __len__(self) -> int:
        return len(self.profile)


def _assign_profiles(rng: np.random.Generator, n: int, segments: Sequence[SegmentSpec]) -> np.ndarray:
    counts = _counts([s.share for s in segments], n)
    return rng.permutation(np.repeat(np.arange(len(segments)), counts))


def _log_uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high + 1), n)).astype(np.int64).clip(int(low), int(high))


def _industries(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    industry = _pick(rng, INDUSTRY_WEIGHTS, len(profile))
    forced = {BEST: FINTECH, CHURN: RETAIL, SHIFT: HEALTHCARE}
    for planted, value in forced.items():
        industry[profile == planted] = value
    return industry


def _employees(rng: np.random.Generator, profile: np.ndarray, industry: np.ndarray) -> np.ndarray:
    n = len(profile)
    other = np.exp(rng.normal(np.log(180), 1.3, n)).round().astype(np.int64).clip(1, 60_000)
    employees = np.select(
        [profile == BEST, profile == CHURN, profile == SHIFT],
        [_log_uniform(rng, 100, 999, n), _log_uniform(rng, 2, 49, n), _log_uniform(rng, 1000, 20_000, n)],
        other,
    )
    # Unplanted accounts never satisfy the churn rule.
    small_retail = (profile == OTHER) & (industry == RETAIL) & (employees < 50)
    return np.where(small_retail, rng.integers(50, 400, n), employees)


def _crm(
    rng: np.random.Generator, profile: np.ndarray, industry: np.ndarray, employees: np.ndarray
) -> np.ndarray:
    crm = _pick(rng, CRM_WEIGHTS, len(profile))
    crm = np.where(profile == BEST, SALESFORCE, np.where(profile == SHIFT, DYNAMICS, crm))
    # Unplanted accounts never satisfy the best or shift rules.
    unplanted = (profile == OTHER) | (profile == CHURN)
    mid_fintech = unplanted & (industry == FINTECH) & (employees >= 100) & (employees <= 999)
    large_health = unplanted & (industry == HEALTHCARE) & (employees >= 1000)
    crm = np.where(mid_fintech & (crm == SALESFORCE), HUBSPOT, crm)
    return np.where(large_health & (crm == DYNAMICS), SALESFORCE, crm)


def _technologies(
    rng: np.random.Generator, profile: np.ndarray, industry: np.ndarray, crm: np.ndarray
) -> np.ndarray:
    n = len(profile)
    bits = np.zeros(n, dtype=np.int64)
    for i, (_, weight) in enumerate(TOOLS):
        p = np.where(industry == RETAIL, 0.6, weight) if i == SHOPIFY else weight
        bits |= (rng.random(n) < p).astype(np.int64) << i
    unknown = ((profile == OTHER) | (profile == CHURN)) & (rng.random(n) < 0.05)
    code = crm + 8 * bits
    return np.where(unknown | (code == NO_CRM), -1, code)


def _tech_label(code: int) -> str | None:
    """Web Technologies cell for a code: the CRM first, then the tools in TOOLS order."""
    if code < 0:
        return None
    crm, bits = code % 8, code // 8
    names = [CRMS[crm]] if crm < len(CRMS) else []
    names += [name for i, (name, _) in enumerate(TOOLS) if bits >> i & 1]
    return "; ".join(names) if names else None


_HALF = 8  # tools in the first half of a tech code


@lru_cache(maxsize=1)
def _tech_vocab() -> tuple[pa.Array, pa.Array]:
    """Labels for (CRM + first 8 tools) and for (last 8 tools): two small tables instead of 393k labels."""
    head = _arrow(_tech_label(code) for code in range(8 << _HALF))
    tail = _arrow(_tech_label(NO_CRM + 8 * (bits << _HALF)) for bits in range(1 << (len(TOOLS) - _HALF)))
    return head, tail


def _tech_text(codes: np.ndarray) -> pa.Array:
    head, tail = _tech_vocab()
    unknown = pa.array(codes < 0)
    first = head.take(pa.array(np.where(codes < 0, NO_CRM, codes % (8 << _HALF))))
    second = tail.take(pa.array(np.maximum(codes, 0) >> (3 + _HALF)))
    # Not null_handling="skip": pyarrow drops rows where every part is null.
    both = pc.binary_join_element_wise(first, second, "; ")
    return pc.if_else(unknown, pa.scalar(None, pa.string()), pc.coalesce(both, first, second))


def _revenue(rng: np.random.Generator, employees: np.ndarray, industry: np.ndarray) -> np.ndarray:
    median = np.full(len(INDUSTRIES), 160_000.0)  # revenue per employee
    median[[INDUSTRIES.index("Software"), FINTECH, RETAIL]] = (220_000.0, 250_000.0, 120_000.0)
    revenue = employees * np.exp(rng.normal(np.log(median[industry]), 0.45))
    magnitude = 10.0 ** (np.floor(np.log10(revenue)) - 1)  # keep two significant digits
    return (np.round(revenue / magnitude) * magnitude).astype(np.int64)


def _firmographics(rng: np.random.Generator, profile: np.ndarray, end_year: int) -> dict[str, np.ndarray]:
    n = len(profile)
    industry = _industries(rng, profile)
    employees = _employees(rng, profile, industry)
    crm = _crm(rng, profile, industry, employees)
    country = _pick(rng, [c.weight for c in COUNTRIES], n)
    age = np.exp(rng.normal(np.log(np.where(industry == FINTECH, 7, 16)), 0.7))
    return {
        "industry": industry,
        "employees": employees,
        "revenue": _revenue(rng, employees, industry),
        "tech": _technologies(rng, profile, industry, crm),
        "country": country,
        "city": country * 4 + rng.integers(0, 4, n),
        "founded": (end_year - np.round(age)).astype(np.int64).clip(1900, end_year),
        "owner": rng.integers(0, len(OWNERS), n),
    }


# --------------------------------------------------------------------------------------- names
_DESCRIPTOR_WORDS = tuple(word for group in DESCRIPTORS for word in group)


def _base_name(prefix: int, root: int, descriptor: int) -> str:
    return f"{PREFIXES[prefix]}{ROOTS[root]} {_DESCRIPTOR_WORDS[descriptor]}"


def _name_key(name: str) -> str:
    """Company name without its legal suffix, lower case, letters and digits only."""
    text = str(name).strip()
    for suffix in sorted(filter(None, LEGAL), key=len, reverse=True):
        text = text.removesuffix(" " + suffix)
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _redraw_duplicates(
    rng: np.random.Generator, parts: dict[str, np.ndarray], exclude: frozenset[str]
) -> dict[str, np.ndarray]:
    prefix, root = parts["prefix"], parts["root"]
    for _ in range(200):
        keys = pd.Series(
            [_name_key(_base_name(*t)) for t in zip(prefix, root, parts["descriptor"], strict=True)]
        )
        bad = (keys.duplicated() | keys.isin(exclude)).to_numpy()
        if not bad.any():
            return parts
        prefix[bad] = rng.integers(0, len(PREFIXES), int(bad.sum()))
        root[bad] = rng.integers(0, len(ROOTS), int(bad.sum()))
    raise ValueError("could not draw unique company names; use fewer accounts")


def _name_parts(
    rng: np.random.Generator,
    industry: np.ndarray,
    country: np.ndarray,
    *,
    unique: bool,
    exclude: frozenset[str],
) -> dict[str, np.ndarray]:
    n = len(industry)
    legal_count = np.array([len(c.legal) for c in COUNTRIES])
    legal_local = np.floor(rng.random(n) * legal_count[country]).astype(np.int64)
    legal_table = np.full((len(COUNTRIES), max(legal_count)), -1)
    for i, c in enumerate(COUNTRIES):
        legal_table[i, : len(c.legal)] = [LEGAL.index(s) for s in c.legal]
    country_tld = np.array([TLDS.index(c.tld) for c in COUNTRIES])[country]
    techy = (industry == FINTECH) | (industry == INDUSTRIES.index("Software"))
    local = np.where(rng.random(n) < 0.5, country_tld, TLDS.index(".com"))
    tld = np.where(techy & (rng.random(n) < 0.3), TLDS.index(".io"), local)
    parts = {
        "prefix": rng.integers(0, len(PREFIXES), n),
        "root": rng.integers(0, len(ROOTS), n),
        "descriptor": industry * 5 + rng.integers(0, 5, n),
        "legal": legal_table[country, legal_local],
        "tld": tld,
    }
    return _redraw_duplicates(rng, parts, exclude) if unique else parts


def _base_codes(acc: _Accounts) -> np.ndarray:
    return (acc.prefix * len(ROOTS) + acc.root) * len(_DESCRIPTOR_WORDS) + acc.descriptor


def _split_base(code: int) -> tuple[int, int, int]:
    head, descriptor = divmod(code, len(_DESCRIPTOR_WORDS))
    prefix, root = divmod(head, len(ROOTS))
    return prefix, root, descriptor


@lru_cache(maxsize=1)
def _name_vocab() -> tuple[pa.Array, pa.Array]:
    """Every base name and its domain stem, indexed by base code (~78k of each)."""
    names = [
        _base_name(p, r, d)
        for p in range(len(PREFIXES))
        for r in range(len(ROOTS))
        for d in range(len(_DESCRIPTOR_WORDS))
    ]
    return _arrow(names), _arrow(name.replace(" ", "").lower() for name in names)


def _company_names(acc: _Accounts) -> pa.Array:
    base = _name_vocab()[0].take(pa.array(_base_codes(acc)))
    legal = _take(LEGAL, acc.legal, missing=np.asarray(LEGAL)[acc.legal] == "")
    return pc.binary_join_element_wise(base, legal, " ", null_handling="skip")


def _domains(acc: _Accounts) -> pa.Array:
    stem = _name_vocab()[1].take(pa.array(_base_codes(acc)))
    return pc.binary_join_element_wise(stem, _take(TLDS, acc.tld), "")


# --------------------------------------------------------------------------- outcomes and noise
def _status(
    rng: np.random.Generator,
    acc: _Accounts,
    segments: Sequence[SegmentSpec],
    window: _Window,
    customer_day: np.ndarray,
    activity: tuple[np.ndarray, np.ndarray],
) -> None:
    """Churn, NPS and lifecycle stage from who became a customer (``customer_day`` != MISSING)."""
    n = len(acc)
    has_open, has_deal = activity
    customer = customer_day != MISSING
    churned = customer & (rng.random(n) < _by_profile(segments, "churn_rate", acc.profile))
    span = window.days - np.where(customer, customer_day, 0)
    u = rng.random(n)
    offset = np.where(span > 30, 30 + np.floor(u * (span - 30)), np.floor(u * np.maximum(span, 0)))
    nps = np.clip(
        np.round(rng.normal(_by_profile(segments, "nps_mean", acc.profile) - 1.5 * churned, 1.5)), 0, 10
    )
    acc.customer_day = customer_day
    acc.churn_day = np.where(churned, customer_day + offset.astype(np.int64), MISSING)
    acc.nps = np.where(customer & (rng.random(n) < 0.85), nps, np.nan)
    v = rng.random(n)
    unengaged = np.select([v < 0.5, v < 0.8], [LEAD, MQL], SUBSCRIBER)
    acc.lifecycle = np.select(
        [churned & (v < 0.7), churned, customer & (nps >= 9) & (v < 0.25), customer, has_open, has_deal],
        [CHURNED, FORMER, EVANGELIST, CUSTOMER, OPPORTUNITY, LEAD],
        unengaged,
    )


def _noise(rng: np.random.Generator, acc: _Accounts) -> None:
    n = len(acc)
    acc.color = rng.integers(0, len(COLORS), n)
    acc.lead_score = rng.integers(0, 101, n)
    acc.note = _pick(rng, NOTE_WEIGHTS, n)


def _draw_accounts(
    streams: dict[str, np.random.Generator],
    n: int,
    segments: Sequence[SegmentSpec],
    window: _Window,
    *,
    unique_names: bool = True,
    exclude: frozenset[str] = frozenset(),
) -> _Accounts:
    profile = _assign_profiles(streams["profiles"], n, segments)
    firmo = _firmographics(streams["firmographics"], profile, window.end_year)
    names = _name_parts(
        streams["names"], firmo["industry"], firmo["country"], unique=unique_names, exclude=exclude
    )
    acc = _Accounts(profile=profile, ids=_unique_ids(streams["ids"], n), **firmo, **names)
    _noise(streams["noise"], acc)
    return acc


# ---------------------------------------------------------------------------------------- deals
@dataclass
class _Deals:
    ids: np.ndarray
    account: np.ndarray
    outcome: np.ndarray
    stage: np.ndarray
    create_day: np.ndarray
    create_minute: np.ndarray
    close_day: np.ndarray
    amount: np.ndarray
    owner: np.ndarray
    pipeline: np.ndarray
    kind: np.ndarray

    def sorted(self) -> _Deals:
        order = np.lexsort((self.create_minute, self.create_day))
        return _Deals(**{k: v[order] for k, v in vars(self).items()})


def _deal_accounts(rng: np.random.Generator, n_accounts: int, n_deals: int) -> np.ndarray:
    weights = rng.lognormal(0.0, 0.8, n_accounts)
    weights[rng.random(n_accounts) < 0.08] = 0.0  # accounts never worked
    if weights.sum() == 0:
        weights[:] = 1.0
    return rng.choice(n_accounts, size=n_deals, p=weights / weights.sum())


def _deal_timing(
    rng: np.random.Generator, cycle_median: np.ndarray, is_open: np.ndarray, window: _Window
) -> tuple[np.ndarray, np.ndarray]:
    n = len(is_open)
    cycle = np.maximum(1, np.round(rng.lognormal(np.log(cycle_median), 0.45))).astype(np.int64)
    closed_close = rng.integers(0, window.days + 1, n)
    open_create = window.days - rng.integers(0, 121, n)
    open_close = np.maximum(open_create + cycle, window.days + rng.integers(7, 61, n))
    create = np.where(is_open, open_create, closed_close - cycle)
    close = np.where(is_open, open_close, closed_close)
    return create, close


def _draw_deals(
    rng: np.random.Generator, acc: _Accounts, n_deals: int, segments: Sequence[SegmentSpec], window: _Window
) -> _Deals:
    account = _deal_accounts(rng, len(acc), n_deals)
    profile = acc.profile[account]
    is_open = rng.random(n_deals) < OPEN_SHARE
    won = rng.random(n_deals) < _by_profile(segments, "win_rate", profile)
    outcome = np.where(is_open, OPEN, np.where(won, WON, LOST))
    create, close = _deal_timing(rng, _by_profile(segments, "median_cycle_days", profile), is_open, window)
    amount_median = BASE_AMOUNT * _by_profile(segments, "amount_multiplier", profile)
    amount = (np.round(rng.lognormal(np.log(amount_median), 0.55) / 100) * 100).astype(np.int64)
    open_stage = 2 + _pick(rng, OPEN_STAGE_WEIGHTS, n_deals)
    other_owner = rng.integers(0, len(OWNERS), n_deals)
    return _Deals(
        ids=_unique_ids(rng, n_deals),
        account=account,
        outcome=outcome,
        stage=np.where(is_open, open_stage, outcome),
        create_day=create,
        create_minute=rng.integers(8 * 60, 19 * 60, n_deals),
        close_day=close,
        amount=np.maximum(amount, 500),
        owner=np.where(rng.random(n_deals) < 0.88, acc.owner[account], other_owner),
        pipeline=(rng.random(n_deals) < 0.15).astype(np.int64),
        kind=_pick(rng, DEAL_KIND_WEIGHTS, n_deals),
    ).sorted()


def _outcomes_from_deals(
    rng: np.random.Generator, acc: _Accounts, deals: _Deals, segments: Sequence[SegmentSpec], window: _Window
) -> None:
    n = len(acc)
    big = np.iinfo(np.int64).max
    won = deals.outcome == WON
    customer_day = np.full(n, big)
    np.minimum.at(customer_day, deals.account[won], deals.close_day[won])
    first_create = np.full(n, big)
    np.minimum.at(first_create, deals.account, deals.create_day)
    has_deal = first_create < big
    acc.create_day = np.where(
        has_deal, first_create - rng.integers(0, 181, n), rng.integers(-365, window.days + 1, n)
    )
    acc.create_minute = rng.integers(7 * 60, 20 * 60, n)
    has_open = np.bincount(deals.account[deals.outcome == OPEN], minlength=n) > 0
    customer_day = np.where(customer_day < big, customer_day, MISSING)
    _status(rng, acc, segments, window, customer_day, (has_open, has_deal))


def _outcomes_without_deals(
    rng: np.random.Generator, acc: _Accounts, segments: Sequence[SegmentSpec], window: _Window
) -> None:
    """Account-level outcomes for the large frame: P(customer) = the planted win rate."""
    n = len(acc)
    customer = rng.random(n) < _by_profile(segments, "win_rate", acc.profile)
    customer_day = np.where(customer, rng.integers(0, window.days + 1, n), MISSING)
    acc.create_day = np.where(customer, customer_day, window.days) - rng.integers(30, 400, n)
    acc.create_minute = rng.integers(7 * 60, 20 * 60, n)
    has_open = ~customer & (rng.random(n) < 0.3)
    has_deal = customer | has_open | (rng.random(n) < 0.4)
    _status(rng, acc, segments, window, customer_day, (has_open, has_deal))


# ------------------------------------------------------------------------------- date columns
def _dates(window: _Window, days: np.ndarray, minutes: np.ndarray | None = None) -> np.ndarray:
    """Typed datetimes (NaT where missing)."""
    missing = days == MISSING
    stamps = (window.start + np.where(missing, 0, days).astype("timedelta64[D]")).astype("datetime64[s]")
    if minutes is not None:
        stamps = stamps + (minutes * 60).astype("timedelta64[s]")
    return np.where(missing, np.datetime64("NaT", "s"), stamps)


def _date_text(window: _Window, days: np.ndarray, fmt: str, minutes: np.ndarray | None = None) -> pa.Array:
    missing = days == MISSING

    def day(code: int) -> str:
        return pd.Timestamp(window.start + np.timedelta64(code, "D")).strftime(fmt)

    text = _format_unique(days, day, missing)
    if minutes is None:
        return text
    clock = _take([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)], minutes, missing)
    return pc.binary_join_element_wise(text, clock, " ")


# ------------------------------------------------------------------------------------ messiness
class _Mess:
    """Messiness drawn from its own stream, with counts of what was done."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.counts: dict[str, Any] = {"placeholder_cells": {}}

    def sprinkle(self, column: str, values: pa.Array, tokens: Sequence[str] = PLACEHOLDERS) -> pa.Array:
        """Replace ~3-5% of cells with placeholders ("", "-", "Select", "#N/A", ...)."""
        mask = self.rng.random(len(values)) < self.rng.uniform(0.03, 0.05)
        k = int(mask.sum())
        self.counts["placeholder_cells"][column] = k
        filler = _take(tokens, self.rng.integers(0, len(tokens), k))
        return pc.replace_with_mask(values, pa.array(mask), filler)

    def variant(self, weights: Sequence[float], n: int) -> np.ndarray:
        return _pick(self.rng, weights, n)


def _bucket_label(value: int) -> str:
    i = int(np.searchsorted(EMPLOYEE_BUCKETS, value, side="right")) - 1
    if i == len(EMPLOYEE_BUCKETS) - 1:
        return "10,000+"
    return f"{EMPLOYEE_BUCKETS[i]}-{EMPLOYEE_BUCKETS[i + 1] - 1}"


def _range_keeps_band(employees: np.ndarray) -> np.ndarray:
    """True where a range's midpoint is on the same side of the planted boundaries as the value."""
    lows = np.asarray(EMPLOYEE_BUCKETS)
    highs = np.append(lows[1:] - 1, lows[-1])
    i = np.searchsorted(lows, employees, side="right") - 1
    mid = (lows[i] + highs[i]) / 2
    edges = np.asarray(EMPLOYEE_BAND_EDGES)
    return np.searchsorted(edges, mid, side="right") == np.searchsorted(edges, employees, side="right")


def _fmt_employees(key: int) -> str:
    value, variant = divmod(key, 4)
    if variant == 1:
        return f"{value:,}"
    if variant == 2:
        return _bucket_label(value)
    return str(value)


def _messy_employees(mess: _Mess, employees: np.ndarray) -> pa.Array:
    variant = mess.variant((0.7, 0.2, 0.1), len(employees))
    variant = np.where((variant == 2) & ~_range_keeps_band(employees), 0, variant)
    mess.counts["employee_ranges"] = int((variant == 2).sum())
    text = _format_unique(employees * 4 + variant, _fmt_employees)
    return mess.sprinkle("Number of Employees", text, (*PLACEHOLDERS, "unknown"))


def _short_money(value: float, symbol: str, mio: bool) -> str:
    if mio:
        return f"{symbol}{value / 1e6:.1f} Mio".replace(".0 ", " ")
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{symbol}{value / size:.1f}".removesuffix(".0") + suffix
    return f"{symbol}{value:.0f}"


def _fmt_revenue(key: int) -> str:
    value, variant = divmod(key, 4)
    if variant == 1:
        return f"{value:,}"
    if variant == 2:
        return _short_money(value, "$", mio=False)
    if variant == 3:
        return _short_money(round(value * EUR_PER_USD, -5), "€", mio=True)
    return str(value)


def _messy_revenue(mess: _Mess, revenue: np.ndarray, country: np.ndarray) -> pa.Array:
    variant = mess.variant((0.55, 0.2, 0.25), len(revenue))
    euro = np.array([c.euro for c in COUNTRIES])[country] & (revenue >= 1_000_000)
    variant = np.where(euro & (mess.rng.random(len(revenue)) < 0.4), 3, variant)
    mess.counts["revenue_in_eur"] = int((variant == 3).sum())
    text = _format_unique(revenue * 4 + variant, _fmt_revenue)
    return mess.sprinkle("Annual Revenue", text, PLACEHOLDERS)


def _messy_country(mess: _Mess, country: np.ndarray) -> pa.Array:
    spellings = [(i, name) for i, c in enumerate(COUNTRIES) for name in (c.name, *c.aliases)]
    offsets = np.array(
        [next(j for j, (i, _) in enumerate(spellings) if i == k) for k in range(len(COUNTRIES))]
    )
    n_alias = np.array([len(c.aliases) for c in COUNTRIES])[country]
    alias = np.where(
        mess.rng.random(len(country)) < 0.25, 1 + np.floor(mess.rng.random(len(country)) * n_alias), 0
    )
    mess.counts["country_aliases"] = int((alias > 0).sum())
    text = _take([name for _, name in spellings], offsets[country] + alias.astype(np.int64))
    return mess.sprinkle("Country/Region", text)


def _messy_industry(mess: _Mess, industry: np.ndarray) -> pa.Array:
    lower = mess.rng.random(len(industry)) < 0.02
    vocab = [*INDUSTRIES, *(i.lower() for i in INDUSTRIES)]
    mess.counts["industry_lower_case"] = int(lower.sum())
    return mess.sprinkle("Industry", _take(vocab, industry + len(INDUSTRIES) * lower))


def _messy_domains(mess: _Mess, domains: pa.Array) -> pa.Array:
    u = mess.rng.random(len(domains))
    www = pc.binary_join_element_wise(pa.scalar("www."), domains, "")
    https = pc.binary_join_element_wise(pa.scalar("https://www."), domains, "")
    text = pc.if_else(pa.array(u < 0.05), www, pc.if_else(pa.array(u > 0.97), https, domains))
    return mess.sprinkle("Company Domain Name", text, ("", "-"))


def _duplicate_rows(mess: _Mess, n: int) -> np.ndarray:
    """Row order with about 1% of rows appearing twice (exact duplicates), at random places."""
    k = round(0.01 * n)
    source = mess.rng.choice(n, size=k, replace=False) if k else np.empty(0, np.int64)
    places = np.sort(mess.rng.integers(0, n + 1, k))
    mess.counts["duplicate_rows"] = k
    return np.insert(np.arange(n), places, source)


def _rows(values: Any, rows: np.ndarray) -> Any:
    if isinstance(values, pa.Array):
        return values.take(pa.array(rows))
    return values[rows]


# ---------------------------------------------------------------------------------- frames
def _common_columns(acc: _Accounts, window: _Window, mess: _Mess | None) -> dict[str, Any]:
    names = _company_names(acc)
    tech = _tech_text(acc.tech)
    columns: dict[str, Any] = {
        "Record ID": acc.ids,
        "Company name": names,
        "Company Domain Name": _domains(acc),
        "Industry": _take(INDUSTRIES, acc.industry),
        "Number of Employees": acc.employees,
        "Annual Revenue": acc.revenue,
        "Country/Region": _take([c.name for c in COUNTRIES], acc.country),
        "City": _take([city for c in COUNTRIES for city in c.cities], acc.city),
        "Year Founded": acc.founded,
        "Company owner": _take(OWNERS, acc.owner),
        "Create Date": _dates(window, acc.create_day, acc.create_minute),
        "Web Technologies": tech,
    }
    if mess is not None:
        columns.update(_messy_common(mess, acc, window, columns))
    return columns


def _messy_common(mess: _Mess, acc: _Accounts, window: _Window, clean: dict[str, Any]) -> dict[str, Any]:
    return {
        "Company Domain Name": _messy_domains(mess, clean["Company Domain Name"]),
        "Industry": _messy_industry(mess, acc.industry),
        "Number of Employees": _messy_employees(mess, acc.employees),
        "Annual Revenue": _messy_revenue(mess, acc.revenue, acc.country),
        "Country/Region": _messy_country(mess, acc.country),
        "City": mess.sprinkle("City", clean["City"]),
        "Year Founded": mess.sprinkle("Year Founded", _format_unique(acc.founded, str)),
        "Company owner": mess.sprinkle("Company owner", clean["Company owner"], ("",)),
        "Create Date": _date_text(window, acc.create_day, "%Y-%m-%d", acc.create_minute),
        "Web Technologies": mess.sprinkle("Web Technologies", clean["Web Technologies"]),
    }


def _outcome_columns(acc: _Accounts, window: _Window, messy: bool) -> dict[str, Any]:
    if messy:
        since = _date_text(window, acc.customer_day, "%m/%d/%Y")
        churn = _date_text(window, acc.churn_day, "%Y-%m-%d")
    else:
        since, churn = _dates(window, acc.customer_day), _dates(window, acc.churn_day)
    return {
        "Lifecycle Stage": _take(LIFECYCLE, acc.lifecycle),
        "Became a Customer Date": since,
        "Churn Date": churn,
        "NPS": pd.Series(acc.nps).astype("Int64").array,
    }


def _accounts_frame(
    acc: _Accounts, window: _Window, mess: _Mess | None, columns: Sequence[str] = ACCOUNT_COLUMNS
) -> pd.DataFrame:
    data = _common_columns(acc, window, mess)
    if "Lifecycle Stage" in columns:
        data.update(_outcome_columns(acc, window, mess is not None))
    data["Favorite Color"] = _take(COLORS, acc.color)
    data["Lead Score (random)"] = acc.lead_score
    data["Internal Notes"] = _take(NOTES, acc.note)
    if mess is not None:
        rows = _duplicate_rows(mess, len(acc))
        data = {name: _rows(data[name], rows) for name in columns}
    return pd.DataFrame({name: _series(data[name]) for name in columns})


def _reference_variant(name: str, variant: int, legal: str) -> str:
    """A spelling of a company name that normalises to the same join key."""
    base = name.removesuffix(" " + legal) if legal else name
    options = (
        name.upper(),
        name.lower(),
        f" {base}  {legal}".rstrip() + " ",
        base,
        f"{base}, {legal.rstrip('.')}" if legal else base.upper(),
    )
    return options[variant]


def _messy_references(mess: _Mess, deals: _Deals, acc: _Accounts, names: pa.Array) -> pa.Array:
    n = len(deals.ids)
    u = mess.rng.random(n)
    variant = mess.rng.integers(0, 5, n)
    unknown_pick = mess.rng.integers(0, len(UNKNOWN_COMPANIES), n)
    refs = names.take(pa.array(deals.account)).to_numpy(zero_copy_only=False).astype(object)
    renamed, unknown = u < 0.015, (u >= 0.015) & (u < 0.02)
    legal = np.asarray(LEGAL, dtype=object)[acc.legal[deals.account]]
    for i in np.flatnonzero(renamed):
        refs[i] = _reference_variant(refs[i], int(variant[i]), legal[i])
    refs[unknown] = np.asarray(UNKNOWN_COMPANIES, dtype=object)[unknown_pick[unknown]]
    mess.counts["renamed_company_references"] = int(renamed.sum())
    mess.counts["unknown_company_references"] = int(unknown.sum())
    return pa.array(refs, type=pa.string())


def _deals_frame(deals: _Deals, acc: _Accounts, window: _Window, mess: _Mess | None) -> pd.DataFrame:
    names = _company_names(acc)
    company = names.take(pa.array(deals.account))
    kind = _take(DEAL_KINDS, deals.kind)
    amount = pd.array(deals.amount, dtype="Int64")
    data: dict[str, Any] = {
        "Deal ID": deals.ids,
        "Deal Name": pc.binary_join_element_wise(company, kind, " - "),
        "Associated Company": company,
        "Deal Stage": _take(STAGES, deals.stage),
        "Amount": amount,
        "Create Date": _dates(window, deals.create_day, deals.create_minute),
        "Close Date": _dates(window, deals.close_day),
        "Deal owner": _take(OWNERS, deals.owner),
        "Pipeline": _take(PIPELINES, deals.pipeline),
    }
    if mess is not None:
        blank = mess.rng.random(len(amount)) < 0.02
        mess.counts["blank_amounts"] = int(blank.sum())
        data["Amount"] = pd.Series(deals.amount).astype("Int64").mask(blank).array
        data["Associated Company"] = _messy_references(mess, deals, acc, names)
        data["Create Date"] = _date_text(window, deals.create_day, "%Y-%m-%d", deals.create_minute)
        data["Close Date"] = _date_text(window, deals.close_day, "%m/%d/%Y")
        data["Deal owner"] = mess.sprinkle("Deal owner", data["Deal owner"], ("",))
    return pd.DataFrame({name: _series(data[name]) for name in DEAL_COLUMNS})


# ------------------------------------------------------------------------------- realised rates
def _ratio(numerator: float, denominator: float) -> float | None:
    return round(float(numerator) / float(denominator), 4) if denominator else None


def _median(values: pd.Series) -> float | None:
    values = values.dropna()
    return round(float(values.median()), 1) if len(values) else None


def _group_stats(
    accounts: pd.DataFrame, deals: pd.DataFrame, in_accounts: pd.Series, in_deals: pd.Series
) -> dict:
    stage = deals["Deal Stage"]
    won, lost = stage.eq("Closed Won"), stage.eq("Closed Lost")
    cycle = (deals["Close Date"] - deals["Create Date"].dt.normalize()).dt.days
    customers = accounts["Became a Customer Date"].notna()
    churned = accounts["Churn Date"].notna()
    closed = int((in_deals & (won | lost)).sum())
    return {
        "accounts": int(in_accounts.sum()),
        "deals": int(in_deals.sum()),
        "closed_deals": closed,
        "won_deals": int((in_deals & won).sum()),
        "win_rate": _ratio((in_deals & won).sum(), closed),
        "median_cycle_days_won": _median(cycle[in_deals & won]),
        "median_amount_won": _median(deals["Amount"][in_deals & won].astype("float64")),
        "customers": int((in_accounts & customers).sum()),
        "churn_rate": _ratio((in_accounts & churned).sum(), (in_accounts & customers).sum()),
        "mean_nps": _mean(accounts["NPS"][in_accounts]),
    }


def _mean(values: pd.Series) -> float | None:
    values = values.dropna().astype("float64")
    return round(float(values.mean()), 2) if len(values) else None


def _with_elsewhere(inside: dict, outside: dict, total_wins: int, total_accounts: int) -> dict:
    out = dict(inside)
    out["share_of_accounts"] = _ratio(inside["accounts"], total_accounts)
    out["share_of_wins"] = _ratio(inside["won_deals"], total_wins)
    for key in ("win_rate", "median_cycle_days_won", "median_amount_won", "churn_rate", "mean_nps"):
        out[f"{key}_elsewhere"] = outside[key]
    return out


def realised_rates(
    accounts: pd.DataFrame, deals: pd.DataFrame, labels: pd.Series
) -> dict[str, dict[str, Any]]:
    """Per planted segment (and "all"): accounts, win rate, cycle, amounts, churn, NPS; from clean frames.

    Each segment also carries the same figures for all other accounts (``*_elsewhere``), its share of
    accounts and its share of all won deals.
    """
    segment_of = pd.Series(labels.to_numpy(), index=accounts["Company name"].to_numpy())
    deal_segment = deals["Associated Company"].map(segment_of)
    everyone = pd.Series(True, index=accounts.index)
    total = _group_stats(accounts, deals, everyone, deal_segment.notna())
    out = {}
    for name in PROFILES:
        in_accounts, in_deals = labels.eq(name), deal_segment.eq(name)
        inside = _group_stats(accounts, deals, in_accounts, in_deals)
        outside = _group_stats(accounts, deals, ~in_accounts, deal_segment.notna() & ~in_deals)
        out[name] = _with_elsewhere(inside, outside, total["won_deals"], total["accounts"])
    out["all"] = total
    return out


# ------------------------------------------------------------------------------------ public API
def _check(n: int, what: str, *, low: int = 1, high: int | None = None) -> None:
    if not isinstance(n, int | np.integer) or n < low or (high is not None and n > high):
        upper = f" and at most {high:,}" if high is not None else ""
        raise ValueError(f"{what} must be an integer of at least {low}{upper}, got {n!r}")


def _exclusion(names: Iterable[str]) -> frozenset[str]:
    return frozenset(_name_key(n) for n in names)


_NOTES = (
    "Segment rules are evaluated on the clean values (messy=False); in the messy export some of the "
    "defining cells are placeholders, ranges or differently spelled, as in real exports.",
    "Win rate = Closed Won / (Closed Won + Closed Lost) deals; cycle = Close Date - Create Date of won "
    "deals; churn rate = accounts with a Churn Date / accounts with a Became a Customer Date.",
    "Web Technologies cells list the CRM first; 'Salesforce' and 'Microsoft Dynamics 365' are the CRM "
    "values the rules look for.",
    "EUR revenues ('€5.1 Mio') are the USD value times 1/1.08; noise columns are independent of everything.",
)


def generate_accounts_and_deals(
    n_accounts: int = 500,
    n_deals: int = 3000,
    *,
    seed: int = 7,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
    drift: Drift = "none",
    messy: bool = True,
    exclude_names: Iterable[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, GroundTruth]:
    """A HubSpot-style companies export and deals export with planted segments.

    Closed deals close between ``start`` and ``end``; ~12% of deals are still open at ``end``.
    ``messy=False`` gives the clean, typed frames the messy ones were made from (same seed, same
    underlying data). ``drift="shift"`` plants the "shift" profile as the new source of wins.
    ``exclude_names``: company names not to reuse (e.g. those of another file of the same set).
    """
    _check(n_accounts, "n_accounts", high=MAX_UNIQUE_ACCOUNTS)
    _check(n_deals, "n_deals", low=0)
    if drift not in _RATES:
        raise ValueError(f"drift must be 'none' or 'shift', got {drift!r}")
    window = _Window.parse(start, end)
    segments = planted_segments(drift)
    streams = _streams(seed)
    acc = _draw_accounts(streams, n_accounts, segments, window, exclude=_exclusion(exclude_names))
    deals = _draw_deals(streams["deals"], acc, n_deals, segments, window)
    _outcomes_from_deals(streams["outcomes"], acc, deals, segments, window)
    clean_accounts = _accounts_frame(acc, window, None)
    clean_deals = _deals_frame(deals, acc, window, None)
    labels = segment_labels(clean_accounts, segments)
    mess = _Mess(streams["messy"]) if messy else None
    frames = (
        (_accounts_frame(acc, window, mess), _deals_frame(deals, acc, window, mess))
        if mess is not None
        else (clean_accounts, clean_deals)
    )
    truth = GroundTruth(
        dataset="accounts_and_deals",
        seed=seed,
        parameters={"n_accounts": n_accounts, "n_deals": n_deals, "start": start, "end": end, "drift": drift},
        segments=segments,
        segment_ids=_ids_by_segment(clean_accounts, labels),
        realised=realised_rates(clean_accounts, clean_deals, labels),
        messiness=mess.counts if mess is not None else {},
        notes=_NOTES,
    )
    return frames[0], frames[1], truth


def _ids_by_segment(frame: pd.DataFrame, labels: pd.Series) -> dict[str, list[str]]:
    ids = frame["Record ID"].astype("int64").astype(str)
    return {name: ids[labels.eq(name)].tolist() for name in PROFILES}


def generate_prospects(
    n: int = 300, *, seed: int = 11, messy: bool = True, exclude_names: Iterable[str] = ()
) -> tuple[pd.DataFrame, GroundTruth]:
    """Accounts to score: the firmographic columns of the accounts export, no outcomes.

    The true segment of each prospect is not a column; ``GroundTruth.segment_ids`` lists the Record
    IDs per planted segment, and the segment specs give the win rate each segment has in the
    accounts export (``drift="none"``).
    """
    _check(n, "n", high=MAX_UNIQUE_ACCOUNTS)
    window = _Window.parse(DEFAULT_START, DEFAULT_END)
    segments = planted_segments("prospects")
    streams = _streams(seed)
    acc = _draw_accounts(streams, n, segments, window, exclude=_exclusion(exclude_names))
    acc.create_day = window.days - streams["outcomes"].integers(0, 181, n)
    acc.create_minute = streams["outcomes"].integers(7 * 60, 20 * 60, n)
    clean = _accounts_frame(acc, window, None, PROSPECT_COLUMNS)
    labels = segment_labels(clean, segments)
    mess = _Mess(streams["messy"]) if messy else None
    frame = clean if mess is None else _accounts_frame(acc, window, mess, PROSPECT_COLUMNS)
    counts = labels.value_counts()
    realised = {
        name: {"prospects": int(counts.get(name, 0)), "share": _ratio(counts.get(name, 0), n)}
        for name in PROFILES
    }
    truth = GroundTruth(
        dataset="prospects",
        seed=seed,
        parameters={"n": n},
        segments=segments,
        segment_ids=_ids_by_segment(clean, labels),
        realised=realised,
        messiness=mess.counts if mess is not None else {},
        notes=(
            "A good fit score ranks 'best' prospects first and 'churn' prospects low: "
            "their planted win rate and churn rate are those of the accounts export (drift='none').",
        ),
    )
    return frame, truth


def generate_large_accounts(n: int, *, seed: int = 1, messy: bool = True) -> pd.DataFrame:
    """A large companies export (all account columns) for benchmarks; vectorised, ~seconds for 1M rows.

    Same planted segments and shares as ``drift="none"``; without deals, P(customer) per account is
    the segment's planted win rate. Company names are not unique (the name space is ~78k).
    """
    _check(n, "n")
    window = _Window.parse(DEFAULT_START, DEFAULT_END)
    segments = planted_segments("none")
    streams = _streams(seed)
    acc = _draw_accounts(streams, n, segments, window, unique_names=False)
    _outcomes_without_deals(streams["outcomes"], acc, segments, window)
    return _accounts_frame(acc, window, _Mess(streams["messy"]) if messy else None)


# ------------------------------------------------------------------------------------ example set
EXAMPLE_FILES = {
    "accounts": ("accounts.csv", "Companies export, 2024-2025 (messy, HubSpot style)"),
    "deals": ("deals.csv", "Deals export for accounts.csv (joins by company name)"),
    "prospects": ("prospects.csv", "Companies to score: firmographics only, no outcomes"),
    "next_quarter_accounts": (
        "next_quarter_accounts.csv",
        "Companies worked in the next quarter (drift='shift')",
    ),
    "next_quarter_deals": ("next_quarter_deals.csv", "Deals of the next quarter (drift='shift')"),
    "stable_quarter_accounts": (
        "stable_quarter_accounts.csv",
        "Control: the same next quarter without drift (drift='none')",
    ),
    "stable_quarter_deals": ("stable_quarter_deals.csv", "Control: deals of the quarter without drift"),
    "ground_truth": ("ground_truth.json", "What was planted and what the files realise"),
}


def _next_quarter(end: str) -> tuple[str, str]:
    first = pd.Timestamp(end) + pd.Timedelta(days=1)
    last = first + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    return first.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def write_example_set(
    folder: Path, *, n_accounts: int = 500, n_deals: int = 3000, seed: int = 7
) -> dict[str, Path]:
    """Write the example exports and ground_truth.json into ``folder``; returns {key: path}.

    Files (see ``EXAMPLE_FILES``): accounts/deals (``seed``), prospects (``seed + 4``), the next
    quarter with drift (``seed + 1``) and the same quarter without drift (``seed + 2``). Company names
    never repeat across the files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    q_start, q_end = _next_quarter(DEFAULT_END)
    q_accounts, q_deals = max(1, round(0.3 * n_accounts)), round(0.2 * n_deals)
    accounts, deals, main = generate_accounts_and_deals(n_accounts, n_deals, seed=seed)
    used = set(accounts["Company name"].dropna())
    next_a, next_d, shifted = generate_accounts_and_deals(
        q_accounts, q_deals, seed=seed + 1, start=q_start, end=q_end, drift="shift", exclude_names=used
    )
    used |= set(next_a["Company name"].dropna())
    stable_a, stable_d, stable = generate_accounts_and_deals(
        q_accounts, q_deals, seed=seed + 2, start=q_start, end=q_end, drift="none", exclude_names=used
    )
    used |= set(stable_a["Company name"].dropna())
    prospects, prospect_truth = generate_prospects(round(0.6 * n_accounts), seed=seed + 4, exclude_names=used)
    frames = {
        "accounts": accounts,
        "deals": deals,
        "prospects": prospects,
        "next_quarter_accounts": next_a,
        "next_quarter_deals": next_d,
        "stable_quarter_accounts": stable_a,
        "stable_quarter_deals": stable_d,
    }
    paths = {key: _write_csv(frame, folder / EXAMPLE_FILES[key][0]) for key, frame in frames.items()}
    truth = {
        "files": {name: description for name, description in EXAMPLE_FILES.values()},
        "datasets": {
            "accounts_and_deals": asdict(main),
            "next_quarter": asdict(shifted),
            "stable_quarter": asdict(stable),
            "prospects": asdict(prospect_truth),
        },
    }
    paths["ground_truth"] = folder / EXAMPLE_FILES["ground_truth"][0]
    paths["ground_truth"].write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths


# ----------------------------------------------------------------------------------- markdown
def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:,.0f}{suffix}"


def _nps(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _pair(r: Mapping[str, Any], key: str, fmt: Callable[[Any], str]) -> str:
    """ "inside (elsewhere)" for one realised figure."""
    return f"{fmt(r[key])} ({fmt(r[key + '_elsewhere'])})"


def _segment_rows(data: Mapping[str, Any]) -> list[str]:
    rows = [
        "| Segment | Rule | Accounts | Win rate planted | Win rate realised (elsewhere) | Share of wins "
        "| Median cycle, won (elsewhere) | Median won amount (elsewhere) | Churn planted | Churn realised "
        "(elsewhere) | Mean NPS (elsewhere) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for spec in data["segments"]:
        r = data["realised"][spec["name"]]
        cells = [
            spec["name"],
            spec["description"],
            f"{r['accounts']} ({_pct(r['share_of_accounts'])})",
            _pct(spec["win_rate"]),
            _pair(r, "win_rate", _pct),
            _pct(r["share_of_wins"]),
            _pair(r, "median_cycle_days_won", lambda v: _num(v, " d")),
            _pair(r, "median_amount_won", _num),
            _pct(spec["churn_rate"]),
            _pair(r, "churn_rate", _pct),
            _pair(r, "mean_nps", _nps),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _dataset_section(title: str, data: Mapping[str, Any]) -> list[str]:
    params = ", ".join(f"{k}={v}" for k, v in data["parameters"].items())
    total = data["realised"]["all"]
    lines = [f"#### {title}", "", f"seed={data['seed']}, {params}.", ""]
    lines += _segment_rows(data)
    lines += [
        "",
        f"All: {total['accounts']} accounts, {total['deals']} deals ({total['closed_deals']} closed), "
        f"win rate {_pct(total['win_rate'])}, churn {_pct(total['churn_rate'])} of "
        f"{total['customers']} customers.",
        "",
        "Messiness: " + _messiness_line(data["messiness"]),
        "",
    ]
    return lines


def _messiness_line(counts: Mapping[str, Any]) -> str:
    parts = [f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if not isinstance(v, dict)]
    cells = counts.get("placeholder_cells", {})
    if cells:
        parts.append("placeholder cells " + ", ".join(f"{k} {v}" for k, v in cells.items()))
    return "; ".join(parts) + "." if parts else "none."


def ground_truth_markdown(truth: Mapping[str, Any]) -> str:
    """Markdown tables of the planted and realised rates, from the example set's ground_truth.json."""
    sets = truth["datasets"]
    lines = []
    titles = {
        "accounts_and_deals": "accounts.csv + deals.csv",
        "next_quarter": "next_quarter_accounts.csv + next_quarter_deals.csv (drift)",
        "stable_quarter": "stable_quarter_accounts.csv + stable_quarter_deals.csv (no drift, control)",
    }
    for key, title in titles.items():
        lines += _dataset_section(title, sets[key])
    prospects = sets["prospects"]
    lines += [
        "#### prospects.csv",
        "",
        f"seed={prospects['seed']}, n={prospects['parameters']['n']}. True segment per Record ID: "
        "`datasets.prospects.segment_ids` in ground_truth.json.",
        "",
        "| Segment | Prospects | Share | Win rate of this segment in accounts.csv |",
        "|---|---|---|---|",
    ]
    realised = sets["accounts_and_deals"]["realised"]
    for spec in prospects["segments"]:
        r = prospects["realised"][spec["name"]]
        win_rate = _pct(realised[spec["name"]]["win_rate"])
        lines.append(f"| {spec['name']} | {r['prospects']} | {_pct(r['share'])} | {win_rate} |")
    return "\n".join(lines).rstrip() + "\n"
