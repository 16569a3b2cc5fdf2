"""Header mapping of the documented export columns of the systems marketers use.

Each file in ``tests/data/vendors/`` carries a vendor's real header row (sources in its README.md) over
made-up rows. The tests pin which column each canonical field is read from, that no documented header
needs a fuzzy guess, and that the ambiguous words (Type, Total Revenue, Amount, Site...) stay where they
belong.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from icp_assistant.tools.core.fields import FIELDS, Table, normalize_header
from icp_assistant.tools.ingest.mapping import map_headers

VENDORS = Path(__file__).parent / "data" / "vendors"


def _rows(name: str) -> list[list[str]]:
    with (VENDORS / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# file -> (table, {canonical field: source column}, columns that must stay unmapped)
CASES: dict[str, tuple[Table, dict[str, str], tuple[str, ...]]] = {
    "hubspot_companies.csv": (
        "accounts",
        {
            "account_id": "Record ID",
            "name": "Company name",
            "domain": "Company Domain Name",
            "linkedin_url": "LinkedIn Company Page",
            "industry": "Industry",
            "employee_count": "Number of Employees",
            "annual_revenue": "Annual Revenue",
            "country": "Country/Region",
            "state": "State/Region",
            "city": "City",
            "founded_year": "Year Founded",
            "ownership": "Is Public",
            "total_funding": "Total Money Raised",
            "tech_stack": "Web Technologies",
            "lifecycle_stage": "Lifecycle Stage",
            "contract_value": "Total Revenue",
            "customer_since": "Close Date",
            "created_date": "Create Date",
            "owner": "Company owner",
            "lead_source": "Original Traffic Source",
            "web_visits": "Number of Sessions",
            "description": "Description",
        },
        ("Type", "Lead Status", "Phone Number", "Street Address", "Postal Code", "Time Zone"),
    ),
    "hubspot_companies_api_names.csv": (
        "accounts",
        {
            "account_id": "hs_object_id",
            "name": "name",
            "domain": "domain",
            "linkedin_url": "linkedin_company_page",
            "industry": "industry",
            "employee_count": "numberofemployees",
            "annual_revenue": "annualrevenue",
            "country": "country",
            "state": "state",
            "city": "city",
            "founded_year": "founded_year",
            "ownership": "is_public",
            "total_funding": "total_money_raised",
            "tech_stack": "web_technologies",
            "lifecycle_stage": "lifecyclestage",
            "contract_value": "total_revenue",
            "customer_since": "closedate",
            "created_date": "createdate",
            "owner": "hubspot_owner_id",
            "lead_source": "hs_analytics_source",
            "web_visits": "hs_analytics_num_visits",
            "description": "description",
        },
        ("type", "zip", "first_deal_created_date"),
    ),
    "hubspot_deals.csv": (
        "deals",
        {
            "deal_id": "Record ID",
            "deal_account": "Associated Company",
            "deal_stage": "Deal Stage",
            "deal_amount": "Amount in company currency",
            "deal_created": "Create Date",
            "deal_closed": "Close Date",
            "deal_owner": "Deal owner",
            "deal_type": "Deal Type",
            "lost_reason": "Closed Lost Reason",
        },
        ("Deal Name", "Pipeline"),
    ),
    "salesforce_accounts.csv": (
        "accounts",
        {
            "account_id": "Account ID",
            "name": "Account Name",
            "domain": "Website",
            "industry": "Industry",
            "sub_industry": "SIC Description",
            "employee_count": "Employees",
            "annual_revenue": "Annual Revenue",
            "country": "Billing Country",
            "state": "Billing State/Province",
            "city": "Billing City",
            "founded_year": "Year Started",
            "ownership": "Ownership",
            "parent_account": "Parent Account",
            "sic_code": "SIC Code",
            "lifecycle_stage": "Type",
            "created_date": "Created Date",
            "owner": "Account Owner",
            "lead_source": "Account Source",
        },
        ("Account Site", "Rating", "Phone", "Billing Street", "Billing Zip/Postal Code"),
    ),
    "salesforce_accounts_api_names.csv": (
        "accounts",
        {
            "account_id": "Id",
            "name": "Name",
            "domain": "Website",
            "industry": "Industry",
            "sub_industry": "SicDesc",
            "employee_count": "NumberOfEmployees",
            "annual_revenue": "AnnualRevenue",
            "country": "BillingCountry",
            "state": "BillingState",
            "city": "BillingCity",
            "founded_year": "YearStarted",
            "ownership": "Ownership",
            "parent_account": "ParentId",
            "sic_code": "Sic",
            "naics_code": "NaicsCode",
            "lifecycle_stage": "Type",
            "created_date": "CreatedDate",
            "owner": "OwnerId",
            "lead_source": "AccountSource",
            "description": "Description",
        },
        ("Site", "Rating", "Phone", "BillingStreet", "BillingPostalCode"),
    ),
    "salesforce_opportunities.csv": (
        "deals",
        {
            "deal_id": "Opportunity ID",
            "deal_account": "Account Name",
            "deal_stage": "Stage",
            "deal_amount": "Amount",
            "deal_created": "Created Date",
            "deal_closed": "Close Date",
            "deal_owner": "Opportunity Owner",
            "deal_type": "Type",
        },
        ("Opportunity Name", "Probability (%)", "Lead Source", "Forecast Category", "Closed"),
    ),
    "salesforce_opportunities_api_names.csv": (
        "deals",
        {
            "deal_id": "Id",
            "deal_account": "AccountId",
            "deal_stage": "StageName",
            "deal_amount": "Amount",
            "deal_created": "CreatedDate",
            "deal_closed": "CloseDate",
            "deal_owner": "OwnerId",
            "deal_type": "Type",
        },
        ("Name", "Probability", "IsClosed", "IsWon", "ForecastCategoryName"),
    ),
    "zoominfo_companies.csv": (
        "accounts",
        {
            "account_id": "ZoomInfo Company ID",
            "name": "Company Name",
            "domain": "Website",
            "linkedin_url": "LinkedIn Company Profile URL",
            "industry": "Primary Industry",
            "sub_industry": "Primary Sub-Industry",
            "employee_count": "Employees",
            "annual_revenue": "Revenue (in 000s USD)",
            "country": "Company Country",
            "state": "Company State",
            "city": "Company City",
            "founded_year": "Founded Year",
            "business_model": "Business Model",
            "ownership": "Ownership Type",
            "parent_account": "Entity Name (Immediate Parent)",
            "funding_stage": "Recent Funding Round",
            "total_funding": "Total Funding Amount (in 000s USD)",
            "last_funding_date": "Recent Funding Date",
            "sic_code": "SIC Code 1",
            "naics_code": "NAICS Code 1",
        },
        (
            "Revenue Range (in USD)",
            "Employee Range",
            "ZoomInfo Company Profile URL",
            "Facebook Company Profile URL",
            "Recent Funding Amount (in 000s USD)",
            "Company ID (Ultimate Parent)",
        ),
    ),
    "apollo_accounts.csv": (
        "accounts",
        {
            "account_id": "Apollo Account Id",
            "name": "Company Name",
            "domain": "Website",
            "linkedin_url": "Company Linkedin Url",
            "industry": "Industry",
            "employee_count": "# Employees",
            "annual_revenue": "Annual Revenue",
            "country": "Company Country",
            "state": "Company State",
            "city": "Company City",
            "founded_year": "Founded Year",
            "parent_account": "Subsidiary of",
            "funding_stage": "Latest Funding",
            "total_funding": "Total Funding",
            "last_funding_date": "Last Raised At",
            "sic_code": "SIC Codes",
            "naics_code": "NAICS Codes",
            "tech_stack": "Technologies",
            "owner": "Account Owner",
            "intent_topics": "Primary Intent Topic",
            "intent_score": "Primary Intent Score",
            "description": "Short Description",
        },
        ("Company Name for Emails", "Latest Funding Amount", "Keywords", "Company Phone", "Facebook Url"),
    ),
    "salesnav_phantombuster.csv": (
        "accounts",
        {
            "account_id": "companyId",
            "name": "companyName",
            "linkedin_url": "companyUrl",
            "industry": "industry",
            "employee_count": "employeeCountRange",
            "description": "description",
        },
        ("query", "timestamp"),
    ),
    "clearbit_enrichment.csv": (
        "accounts",
        {
            "account_id": "company.id",
            "name": "company.name",
            "domain": "company.domain",
            "linkedin_url": "company.linkedin.handle",
            "industry": "company.category.industry",
            "sub_industry": "company.category.subIndustry",
            "employee_count": "company.metrics.employees",
            "annual_revenue": "company.metrics.annualRevenue",
            "country": "company.geo.country",
            "state": "company.geo.state",
            "city": "company.geo.city",
            "founded_year": "company.foundedYear",
            "ownership": "company.type",
            "parent_account": "company.parent.domain",
            "total_funding": "company.metrics.raised",
            "sic_code": "company.category.sicCode",
            "naics_code": "company.category.naicsCode",
            "tech_stack": "company.tech",
            "description": "company.description",
        },
        (
            "company.legalName",
            "company.category.sector",
            "company.metrics.estimatedAnnualRevenue",
            "company.metrics.employeesRange",
            "company.tags",
        ),
    ),
    "bombora_surge.csv": (
        "accounts",
        {
            "name": "Company Name",
            "domain": "Domain",
            "industry": "Industry",
            "employee_count": "Size",
            "annual_revenue": "Revenue",
            "country": "HQ Country",
            "state": "HQ State",
            "city": "HQ City",
            "intent_topics": "Topic Name",
            "intent_score": "Composite Score",
        },
        ("Topic ID", "Metro Area", "Domain Origin", "HQ Zip"),
    ),
    "sixsense_accounts.csv": (
        "accounts",
        {
            "account_id": "Account ID",
            "name": "Account Name",
            "domain": "Website",
            "industry": "Industry",
            "employee_count": "Employees",
            "annual_revenue": "Annual Revenue",
            "country": "Billing Country",
            "intent_score": "6sense Account Intent Score",
            "buying_stage": "6sense Account Buying Stage",
            "engagement_score": "6sense Account Reach Score",
        },
        # Profile fit / score are models trained on our own won deals: not a firmographic input.
        ("6sense Account Profile Fit", "6sense Account Profile Score", "6senseID", "6sense 6QA"),
    ),
    "demandbase_accounts.csv": (
        "accounts",
        {
            "account_id": "Id",
            "name": "Account Name",
            "domain": "Website",
            "industry": "Industry",
            "annual_revenue": "Total Annual Revenue (USD)",
            "country": "Billing Country",
            "region": "Territory Name",
            "owner": "Owner Name",
            "intent_topics": "High Intent Keywords",
            "buying_stage": "Journey Stage",
            "engagement_score": "Engagement Points (3 mo.)",
        },
        (
            "All Pipeline Predict Score",
            "All Qualification Score",
            "Account Grade",
            "Engagement Points (7 days)",
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_vendor_export_maps_its_documented_columns(name: str) -> None:
    table, expected, stay_unmapped = CASES[name]
    header = _rows(name)[0]
    mapping = map_headers(header, table)
    assert {field: match.column for field, match in mapping.matches.items()} == expected
    assert [m.column for m in mapping.matches.values() if m.match == "fuzzy"] == []
    assert set(stay_unmapped) <= set(mapping.unmapped)
    assert set(mapping.unmapped) == set(header) - set(expected.values())


def test_every_vendor_file_has_expectations() -> None:
    assert sorted(p.name for p in VENDORS.glob("*.csv")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vendor_files_are_small_and_rectangular(name: str) -> None:
    header, *rows = _rows(name)
    assert 5 <= len(rows) <= 8
    assert len(set(header)) == len(header)
    assert all(len(row) == len(header) for row in rows)


def test_zoominfo_thousands_are_scaled() -> None:
    mapping = map_headers(_rows("zoominfo_companies.csv")[0])
    assert mapping.matches["annual_revenue"].unit_scale == 1000
    assert mapping.matches["total_funding"].unit_scale == 1000


@pytest.mark.parametrize(
    ("columns", "table", "field", "column"),
    [
        # Salesforce Account Type is Customer/Prospect; Opportunity Type is New Business/Renewal.
        (["Account Name", "Type"], "accounts", "lifecycle_stage", "Type"),
        (["Opportunity Name", "Type"], "deals", "deal_type", "Type"),
        # HubSpot Total Revenue is what the company paid us, not the company's own revenue.
        (["Company name", "Total Revenue"], "accounts", "contract_value", "Total Revenue"),
        # Bombora Size is a company size band.
        (["Domain", "Size"], "accounts", "employee_count", "Size"),
        # A company's own revenue in a ZoomInfo file, in thousands.
        (
            ["Revenue (in 000s USD)", "Revenue Range (in USD)"],
            "accounts",
            "annual_revenue",
            "Revenue (in 000s USD)",
        ),
        # The legal form (Clearbit type, LinkedIn company type) is ownership, not the business model.
        (["company.type"], "accounts", "ownership", "company.type"),
    ],
)
def test_ambiguous_words_land_on_the_right_field(columns: list[str], table: Table, field: str, column: str) -> None:
    assert map_headers(columns, table).column_for(field) == column


@pytest.mark.parametrize(
    ("column", "table", "field"),
    [
        ("Amount", "accounts", "annual_revenue"),  # a deal value, never the company's revenue
        ("Total Revenue", "accounts", "annual_revenue"),
        ("Account Site", "accounts", "domain"),  # Salesforce Site: "Headquarters", "East region"
        ("companyUrl", "accounts", "domain"),  # Phantombuster: a linkedin.com/sales URL
        ("LinkedIn Company Profile URL", "accounts", "domain"),
    ],
)
def test_ambiguous_words_stay_off_the_wrong_field(column: str, table: Table, field: str) -> None:
    assert map_headers([column], table).column_for(field) is None


def test_synonyms_are_stored_normalised() -> None:
    for spec in FIELDS:
        for synonym in spec.synonyms:
            assert synonym == normalize_header(synonym), (spec.name, synonym)


def test_no_synonym_belongs_to_two_fields_of_one_table() -> None:
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for spec in FIELDS:
        for synonym in spec.synonyms:
            owners[(spec.table, synonym)].append(spec.name)
    assert {key: names for key, names in owners.items() if len(names) > 1} == {}
