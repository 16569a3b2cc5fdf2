"""Loading real CRM exports nobody here wrote (../shared/data), with no manual mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from icp_assistant.tools.core.schemas import DatasetCard
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

pytestmark = pytest.mark.shared_data


def _field(card: DatasetCard, name: str):  # type: ignore[no-untyped-def]
    return next(f for f in card.fields if f.field == name)


@pytest.fixture
def maven(shared_data: Path, workspace: Workspace) -> DatasetCard:
    folder = shared_data / "maven_crm"
    return load_accounts(folder / "accounts.csv", workspace, LoadOptions(deals_path=folder / "sales_pipeline.csv"))


def test_maven_accounts_and_pipeline_join_by_name_and_count_the_orphan_deals(maven: DatasetCard) -> None:
    assert maven.rows == 85
    assert maven.deals is not None
    assert maven.deals.deals == 8800
    assert maven.deals.joined_by == "name"
    assert maven.deals.outcomes == {"won": 4238, "lost": 2473, "open": 2089}
    assert maven.deals.stage_map == {"Engaging": "open", "Lost": "lost", "Prospecting": "open", "Won": "won"}
    assert maven.deals.without_account == 1425
    assert maven.deals.unknown_account == 0
    assert any("1,425 deals have no account" in w for w in maven.warnings)


def test_maven_headers_map_without_help(maven: DatasetCard) -> None:
    sources = {f.field: f.source for f in maven.fields}
    assert sources["name"] == "account"
    assert sources["industry"] == "sector"
    assert sources["employee_count"] == "employees"
    assert sources["annual_revenue"] == "revenue"
    assert sources["founded_year"] == "year_established"
    assert sources["country"] == "office_location"  # recognised from its values, not its header
    assert sources["parent_account"] == "subsidiary_of"


def test_maven_revenue_in_millions_is_detected_and_said(maven: DatasetCard, workspace: Workspace) -> None:
    revenue = open_dataset(workspace, maven.name).accounts["annual_revenue"]
    assert 1e9 < revenue.median() < 2e9  # 1,224 (USD millions) in the file
    assert any("in millions" in w for w in maven.warnings)


def test_maven_countries_are_normalised_including_the_typo(maven: DatasetCard, workspace: Workspace) -> None:
    data = open_dataset(workspace, maven.name).accounts
    assert "Philippines" in set(data["country"])
    assert "Philipines" not in set(data["country"])
    assert dict(_field(maven, "region").top or [])["North America"] == 71


def test_maven_card_says_deal_outcomes_support_a_win_rate_analysis(maven: DatasetCard, workspace: Workspace) -> None:
    assert any(s.startswith("won/lost deals present (4,238 won, 2,473 lost)") for s in maven.supports)
    data = open_dataset(workspace, maven.name).accounts
    assert data["win_rate"].between(0.5, 0.8).all()  # SOURCE.txt: account win rates 0.53-0.75
    assert data["won_value"].min() > 50_000


def test_olist_closed_deals_sentinel_zeros_and_empty_columns_are_reported(
    shared_data: Path, workspace: Workspace
) -> None:
    card = load_accounts(shared_data / "olist_b2b_funnel" / "olist_closed_deals_dataset.csv", workspace)
    assert card.rows == 842
    revenue = _field(card, "annual_revenue")
    assert revenue.source == "declared_monthly_revenue"
    assert any("sentinel zeros: 95%" in n for n in revenue.notes)
    assert card.cleaning["sentinel_zeros_to_missing"] == 797
    near_empty = next(w for w in card.warnings if w.startswith("Near-empty"))
    for column in ("has_company", "has_gtin", "average_stock", "declared_product_catalog_size"):
        assert column in near_empty
    profile = next(u for u in card.unmapped if u.column == "lead_behaviour_profile")
    assert profile.kind == "multi"
    assert card.outcomes.won == 842 and card.outcomes.lost == 0
    assert any("only customers" in s for s in card.supports)
    assert _field(card, "industry").source == "business_segment"
