"""Human labels for the engine's column names: what a marketer reads in a document, workbook or message.

The engine names columns for code (``tech_stack``, ``revenue_band``); every output a person opens says
"Tech stack" and "Annual revenue" instead. Canonical and derived fields have a written label here;
any other column (an unmapped header of the user's file) is spelled from its own name, split at
underscores and camel case, so "LeadSource" reads "Lead source" and "MIS_Status" reads "MIS status".
"""

from __future__ import annotations

import re

FIELD_LABELS: dict[str, str] = {
    # keys and names
    "account_id": "Account ID",
    "name": "Company",
    "domain": "Website domain",
    "linkedin_url": "LinkedIn page",
    # firmographics
    "industry": "Industry",
    "sub_industry": "Sub-industry",
    "employee_count": "Employees",
    "annual_revenue": "Annual revenue",
    "country": "Country",
    "state": "State / province",
    "city": "City",
    "region": "Region",
    "founded_year": "Year founded",
    "company_age": "Company age (years)",
    "business_model": "Business model",
    "ownership": "Ownership",
    "parent_account": "Parent company",
    "funding_stage": "Funding stage",
    "total_funding": "Total funding",
    "last_funding_date": "Last funding date",
    "sic_code": "SIC code",
    "naics_code": "NAICS code",
    "employee_growth": "Headcount growth",
    "size_band": "Company size",
    "employee_band": "Employees (band)",
    "revenue_band": "Annual revenue (band)",
    "age_band": "Company age",
    # technographics and intent
    "tech_stack": "Tech stack",
    "intent_topics": "Intent topics",
    "intent_score": "Intent score",
    "buying_stage": "Buying stage",
    "engagement_score": "Engagement score",
    "web_visits": "Website visits",
    "job_openings": "Open jobs",
    # relationship and value
    "lifecycle_stage": "Lifecycle stage",
    "contract_value": "Contract value",
    "mrr": "Monthly recurring revenue",
    "lifetime_value": "Lifetime value",
    "expansion_value": "Expansion revenue",
    "nps": "NPS",
    "csat": "CSAT",
    "customer_since": "Customer since",
    "churn_date": "Churn date",
    "tenure_months": "Tenure (months)",
    "created_date": "Created",
    "owner": "Account owner",
    "lead_source": "Lead source",
    "description": "Description",
    "notes": "Notes",
    # deals
    "deal_id": "Deal ID",
    "deal_account": "Deal account",
    "deal_stage": "Deal stage",
    "deal_amount": "Deal amount",
    "deal_created": "Deal created",
    "deal_closed": "Deal closed",
    "deal_product": "Product",
    "deal_owner": "Deal owner",
    "deal_type": "Deal type",
    "lost_reason": "Lost reason",
    # outcomes and deal aggregates joined to accounts
    "outcome": "Outcome",
    "is_customer": "Customer",
    "deals": "Deals",
    "deals_won": "Deals won",
    "deals_lost": "Deals lost",
    "deals_open": "Open deals",
    "win_rate": "Win rate",
    "won_value": "Won revenue",
    "median_cycle_days": "Median sales cycle (days)",
    "cycle_days": "Sales cycle (days)",
    # scoring outputs
    "score": "ICP score",
    "tier": "Tier",
    "reasons": "Why",
}

_ACRONYMS = {"id", "url", "sic", "naics", "nps", "csat", "mrr", "arr", "acv", "ltv", "crm", "utm", "usd", "eur", "gbp"}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def field_label(column: str) -> str:
    """The label a person reads for a column: written for known fields, spelled from the name otherwise."""
    if column in FIELD_LABELS:
        return FIELD_LABELS[column]
    words = _WORD.findall(column)
    if not words:
        return column
    spelled = [w.upper() if w.lower() in _ACRONYMS or (w.isupper() and len(w) > 1) else w.lower() for w in words]
    first = spelled[0]
    spelled[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(spelled)


# -- conditions: a criterion or a segment value in words ----------------------------------------------------------
# Banded numbers whose value is a range ("51-200"): said as the quantity and the range, "Employees 51–200".

RANGE_BANDS = {"employee_band": "Employees", "revenue_band": "Annual revenue", "age_band": "Company age"}
_UNDER = re.compile(r"^<\s*(?P<x>.+)$")
_PLUS = re.compile(r"^(?P<x>[^+]+?)\+(?P<unit>\s+\w+)?$")
_SPAN = re.compile(r"^(?P<cur>[$€£]?)(?P<a>[\d.,]+[kKMB]?)\s*-\s*(?P<b>[\d.,]+[kKMB]?)(?P<unit>\s+\w+)?$")


def _with_currency(text: str, currency: str | None) -> str:
    """A band written with "$" (the engine's revenue bands) in the file's currency symbol, or none when unknown."""
    return text.replace("$", currency or "")


def band_phrase(column: str, value: str, currency: str | None = "$") -> str:
    """A band value in words: revenue "$10M-50M" -> "$10M to under $50M" (revenue bands are half-open),
    "<$1M" -> "under $1M", "10,001+" -> "10,001 or more", "21+ years" -> "21 years or more", "51-200" -> "51–200"."""
    text = _with_currency(value, currency) if column == "revenue_band" else value
    if under := _UNDER.match(text):
        return f"under {under['x']}"
    if plus := _PLUS.match(text):
        return f"{plus['x'].strip()}{plus['unit'] or ''} or more"
    if span := _SPAN.match(text):
        if column == "revenue_band":
            return f"{span['cur']}{span['a']} to under {span['cur']}{span['b']}"
        return f"{span['a']}–{span['b']}{span['unit'] or ''}"
    return text


def level_label(column: str, value: str, multi: bool = False, currency: str | None = "$") -> str:
    """A category level as a person says it: "Industry is Fintech", "Tech stack includes Salesforce",
    "Annual revenue $10M to under $50M", "Employees 51–200"."""
    if multi:
        return f"{field_label(column)} includes {value}"
    if column in RANGE_BANDS:
        return f"{RANGE_BANDS[column]} {band_phrase(column, value, currency)}"
    return f"{field_label(column)} is {value}"


def range_label(column: str, low: str | None, high: str | None) -> str:
    """A numeric bin: "Year founded below 1993", "Year founded 2011 to under 2013", "Employees 500 or more"."""
    name = field_label(column)
    if low is None and high is not None:
        return f"{name} below {high}"
    if high is None and low is not None:
        return f"{name} {low} or more"
    return f"{name} {low} to under {high}"


def missing_label(column: str) -> str:
    return f"{field_label(column)} not recorded"
