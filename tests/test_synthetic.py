"""The synthetic CRM exports: deterministic, messy like real ones, and with the planted structure realised."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools import synthetic as S
from icp_assistant.tools.core.company_keys import normalize_name

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
DATA = EXAMPLES / "data"


@pytest.fixture(scope="module")
def clean() -> tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth]:
    return S.generate_accounts_and_deals(500, 3000, seed=7, messy=False)


@pytest.fixture(scope="module")
def messy() -> tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth]:
    return S.generate_accounts_and_deals(500, 3000, seed=7)


@pytest.fixture(scope="module")
def fresh_set(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return S.write_example_set(tmp_path_factory.mktemp("examples"), seed=7)


def _deal_table(accounts: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """Clean deals with their account's planted segment and churn, computed here, not by the generator."""
    segment = S.segment_labels(accounts)
    lookup = pd.Series(segment.to_numpy(), index=accounts["Company name"].to_numpy())
    table = deals.assign(segment=deals["Associated Company"].map(lookup))
    table["won"] = table["Deal Stage"].eq("Closed Won")
    table["closed"] = table["Deal Stage"].isin(["Closed Won", "Closed Lost"])
    table["cycle"] = (table["Close Date"] - table["Create Date"].dt.normalize()).dt.days
    return table


def _win_rate(table: pd.DataFrame) -> float:
    closed = table[table["closed"]]
    return float(closed["won"].mean())


# ------------------------------------------------------------------------------ determinism
def test_the_same_seed_gives_identical_frames_and_truth() -> None:
    for messy in (True, False):
        a1, d1, t1 = S.generate_accounts_and_deals(200, 800, seed=3, messy=messy)
        a2, d2, t2 = S.generate_accounts_and_deals(200, 800, seed=3, messy=messy)
        pd.testing.assert_frame_equal(a1, a2)
        pd.testing.assert_frame_equal(d1, d2)
        assert asdict(t1) == asdict(t2)
    p1, _ = S.generate_prospects(100, seed=5)
    p2, _ = S.generate_prospects(100, seed=5)
    pd.testing.assert_frame_equal(p1, p2)
    pd.testing.assert_frame_equal(S.generate_large_accounts(2000, seed=2), S.generate_large_accounts(2000, seed=2))


def test_a_different_seed_gives_different_frames() -> None:
    a1, d1, _ = S.generate_accounts_and_deals(200, 800, seed=3)
    a2, d2, _ = S.generate_accounts_and_deals(200, 800, seed=4)
    assert not set(a1["Record ID"]) & set(a2["Record ID"])
    assert a1["Company name"].tolist() != a2["Company name"].tolist()
    assert d1["Amount"].tolist() != d2["Amount"].tolist()
    assert not S.generate_large_accounts(500, seed=1).equals(S.generate_large_accounts(500, seed=2))


def test_messiness_does_not_change_the_underlying_accounts_and_deals(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
    messy: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    clean_accounts, clean_deals, clean_truth = clean
    messy_accounts, messy_deals, messy_truth = messy
    deduplicated = messy_accounts.drop_duplicates().set_index("Record ID")
    assert deduplicated.index.is_unique and len(deduplicated) == len(clean_accounts)
    names = deduplicated.loc[clean_accounts["Record ID"], "Company name"]
    assert names.tolist() == clean_accounts["Company name"].tolist()
    assert messy_deals["Deal ID"].tolist() == clean_deals["Deal ID"].tolist()
    assert messy_deals["Deal Stage"].tolist() == clean_deals["Deal Stage"].tolist()
    assert clean_truth.realised == messy_truth.realised
    assert clean_truth.segment_ids == messy_truth.segment_ids


# ------------------------------------------------------------------------------ shape and realism
def test_the_clean_frames_are_typed_and_complete(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    accounts, deals, _ = clean
    assert tuple(accounts.columns) == S.ACCOUNT_COLUMNS
    assert tuple(deals.columns) == S.DEAL_COLUMNS
    assert len(accounts) == 500 and len(deals) == 3000
    assert accounts["Record ID"].is_unique and accounts["Company name"].is_unique
    assert accounts["Company name"].map(normalize_name).is_unique
    for column in ("Number of Employees", "Annual Revenue", "Year Founded", "Lead Score (random)"):
        assert pd.api.types.is_integer_dtype(accounts[column]), column
    for column in ("Create Date", "Became a Customer Date", "Churn Date"):
        assert pd.api.types.is_datetime64_any_dtype(accounts[column]), column
    assert pd.api.types.is_datetime64_any_dtype(deals["Close Date"])
    assert deals["Associated Company"].isin(set(accounts["Company name"])).all()
    customers = accounts["Became a Customer Date"].notna()
    assert (
        accounts["Churn Date"].dropna() >= accounts.loc[accounts["Churn Date"].notna(), "Became a Customer Date"]
    ).all()
    assert accounts.loc[accounts["Churn Date"].notna(), "Lifecycle Stage"].isin(["Churned", "Former Customer"]).all()
    assert (
        accounts.loc[customers & accounts["Churn Date"].isna(), "Lifecycle Stage"]
        .isin(["Customer", "Evangelist"])
        .all()
    )
    assert accounts.loc[~customers, "NPS"].isna().all()
    assert (deals["Close Date"] >= deals["Create Date"].dt.normalize()).all()


def test_the_messy_export_looks_like_a_real_hubspot_export(
    messy: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    accounts, deals, truth = messy
    assert tuple(accounts.columns) == S.ACCOUNT_COLUMNS
    assert 0 < accounts.duplicated().sum() == truth.messiness["duplicate_rows"] <= 0.02 * len(accounts)
    employees = accounts["Number of Employees"].dropna()
    assert employees.str.fullmatch(r"\d+-\d+").any() and employees.str.contains(",").any()
    assert employees.isin(["unknown", "-", "Select", "#N/A", "N/A"]).any()
    revenue = accounts["Annual Revenue"].dropna()
    assert revenue.str.fullmatch(r"\$\d+(\.\d)?[KMB]").any()
    assert revenue.str.fullmatch(r"€\d+(\.\d)? Mio").any()
    assert revenue.str.fullmatch(r"\d{1,3}(,\d{3})+").any()
    assert {"USA", "US", "UK", "DE"} & set(accounts["Country/Region"].dropna())
    placeholders = sum(truth.messiness["placeholder_cells"].values())
    assert placeholders > 0
    for column in ("Industry", "Number of Employees", "Annual Revenue", "Country/Region"):
        share = truth.messiness["placeholder_cells"][column] / len(accounts)
        assert 0.01 <= share <= 0.08, column
    assert accounts["Web Technologies"].dropna().str.contains("; ").mean() > 0.8
    # Each date column keeps one format.
    assert pd.to_datetime(accounts["Create Date"], format="%Y-%m-%d %H:%M").notna().all()
    since = accounts["Became a Customer Date"].where(accounts["Became a Customer Date"] != "")
    assert pd.to_datetime(since, format="%m/%d/%Y").notna().sum() == since.notna().sum()
    assert pd.to_datetime(deals["Close Date"], format="%m/%d/%Y").notna().all()
    assert pd.to_datetime(deals["Create Date"], format="%Y-%m-%d %H:%M").notna().all()
    assert {"Closed Won", "Closed Lost", "Contract Sent", "Qualified To Buy"} <= set(deals["Deal Stage"])


def test_deal_references_join_only_after_name_normalisation_and_a_few_stay_unmatched(
    messy: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    accounts, deals, truth = messy
    exact = deals["Associated Company"].isin(set(accounts["Company name"])).mean()
    keys = set(accounts["Company name"].map(normalize_name))
    normalised = deals["Associated Company"].map(normalize_name).isin(keys)
    assert 0.97 <= exact < 0.99
    assert (~normalised).sum() == truth.messiness["unknown_company_references"] > 0
    assert normalised.mean() >= 0.99


def test_an_employee_range_is_used_only_when_its_midpoint_keeps_the_planted_band() -> None:
    edges = (50, 100, 1000)  # the planted rules' boundaries

    def midpoint(label: str) -> float:
        if label.endswith("+"):
            return float(label[:-1].replace(",", ""))
        low, high = label.split("-")
        return (int(low) + int(high)) / 2

    values = np.arange(1, 20_000)
    keeps = S._range_keeps_band(values)
    for value, keep in zip(values, keeps, strict=True):
        same_band = np.searchsorted(edges, midpoint(S._bucket_label(int(value))), side="right") == np.searchsorted(
            edges, value, side="right"
        )
        assert keep == same_band, value
    assert not keeps[[50 - 1, 99 - 1, 1000 - 1]].any()  # 11-50, 51-200 and 501-1000 would mislead there


# ------------------------------------------------------------------------------ planted structure
def test_the_segment_rules_select_exactly_the_planted_shares(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    accounts, _, truth = clean
    labels = S.segment_labels(accounts, truth.segments)
    counts = labels.value_counts()
    assert {name: int(counts[name]) for name in S.PROFILES} == {
        "best": 55,
        "churn": 55,
        "shift": 15,
        "other": 375,
    }
    ids = accounts["Record ID"].astype(str)
    for name in S.PROFILES:
        assert sorted(truth.segment_ids[name]) == sorted(ids[labels.eq(name)])


def test_the_best_segment_wins_about_65_percent_of_deals_against_about_20_elsewhere(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    table = _deal_table(*clean[:2])
    best, rest = table[table["segment"] == "best"], table[table["segment"] != "best"]
    assert _win_rate(best) == pytest.approx(0.65, abs=0.07)
    assert _win_rate(rest) == pytest.approx(0.20, abs=0.04)
    for name in ("churn", "shift", "other"):
        assert _win_rate(table[table["segment"] == name]) == pytest.approx(0.20, abs=0.06), name


def test_the_best_segment_closes_faster_and_bigger(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    table = _deal_table(*clean[:2])
    won = table[table["won"]]
    best, rest = won[won["segment"] == "best"], won[won["segment"] != "best"]
    assert best["cycle"].median() == pytest.approx(30, abs=8)
    assert rest["cycle"].median() == pytest.approx(75, abs=20)
    assert 1.6 <= best["Amount"].median() / won[won["segment"] == "other"]["Amount"].median() <= 2.6


def test_small_retail_customers_churn_far_more_than_the_rest(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    accounts, deals, _ = clean
    labels = S.segment_labels(accounts)
    customers = accounts["Became a Customer Date"].notna()
    churned = accounts["Churn Date"].notna()
    small_retail = labels.eq("churn")
    assert churned[customers & small_retail].mean() == pytest.approx(0.60, abs=0.15)
    assert churned[customers & ~small_retail].mean() == pytest.approx(0.10, abs=0.06)
    assert accounts.loc[small_retail, "NPS"].mean() < accounts.loc[~small_retail, "NPS"].mean() - 2
    table = _deal_table(accounts, deals)
    assert _win_rate(table[table["segment"] == "churn"]) == pytest.approx(0.20, abs=0.06)


def test_the_noise_columns_are_unrelated_to_winning(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    accounts, _, _ = clean
    customer = accounts["Became a Customer Date"].notna().astype(float)
    assert abs(np.corrcoef(accounts["Lead Score (random)"], customer)[0, 1]) < 0.1
    by_color = customer.groupby(accounts["Favorite Color"]).mean()
    assert by_color.max() - by_color.min() < 0.3
    assert abs(customer.groupby(accounts["Internal Notes"].isna()).mean().diff().iloc[-1]) < 0.15


def test_the_ground_truth_realised_rates_agree_with_an_independent_computation(
    clean: tuple[pd.DataFrame, pd.DataFrame, S.GroundTruth],
) -> None:
    accounts, deals, truth = clean
    table = _deal_table(accounts, deals)
    for name in S.PROFILES:
        group = table[table["segment"] == name]
        realised = truth.realised[name]
        assert realised["win_rate"] == pytest.approx(_win_rate(group), abs=1e-4)
        assert realised["median_cycle_days_won"] == pytest.approx(group[group["won"]]["cycle"].median())
        assert realised["accounts"] == int(S.segment_labels(accounts).eq(name).sum())
    assert truth.realised["all"]["deals"] == len(deals)
    json.loads(truth.to_json())  # JSON-serialisable


def test_a_shifted_quarter_takes_most_wins_from_large_healthcare_on_dynamics() -> None:
    _, _, shifted = S.generate_accounts_and_deals(
        150, 600, seed=8, start="2026-01-01", end="2026-03-31", drift="shift", messy=False
    )
    _, _, stable = S.generate_accounts_and_deals(
        150, 600, seed=9, start="2026-01-01", end="2026-03-31", drift="none", messy=False
    )
    assert shifted.realised["shift"]["share_of_wins"] > 0.6
    assert shifted.realised["shift"]["win_rate"] == pytest.approx(0.70, abs=0.1)
    assert stable.realised["shift"]["share_of_wins"] < 0.1
    assert stable.realised["best"]["win_rate"] == pytest.approx(0.65, abs=0.12)


def test_prospects_carry_firmographics_only_and_the_truth_lists_each_once() -> None:
    prospects, truth = S.generate_prospects(300, seed=11)
    assert tuple(prospects.columns) == S.PROSPECT_COLUMNS
    assert not set(S.OUTCOME_COLUMNS) & set(prospects.columns)
    listed = [i for ids in truth.segment_ids.values() for i in ids]
    assert sorted(listed) == sorted(prospects["Record ID"].drop_duplicates().astype(str))
    assert len(truth.segment_ids["best"]) == 45 and len(truth.segment_ids["churn"]) == 36
    clean, _ = S.generate_prospects(300, seed=11, messy=False)
    labels = S.segment_labels(clean, truth.segments)
    best_ids = set(clean.loc[labels.eq("best"), "Record ID"].astype(str))
    assert best_ids == set(truth.segment_ids["best"])


def test_bad_arguments_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="n_accounts"):
        S.generate_accounts_and_deals(0)
    with pytest.raises(ValueError, match="drift"):
        S.generate_accounts_and_deals(10, 10, drift="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="before start"):
        S.generate_accounts_and_deals(10, 10, start="2025-01-01", end="2024-01-01")
    with pytest.raises(ValueError, match="n must be"):
        S.generate_large_accounts(0)


# ------------------------------------------------------------------------------ large frames
def test_large_accounts_have_the_account_columns_and_the_planted_shares() -> None:
    messy = S.generate_large_accounts(100_000, seed=1)
    assert messy.shape == (101_000, len(S.ACCOUNT_COLUMNS))
    assert tuple(messy.columns) == S.ACCOUNT_COLUMNS
    assert messy.duplicated().sum() == 1000
    clean = S.generate_large_accounts(100_000, seed=1, messy=False)
    assert clean.shape == (100_000, len(S.ACCOUNT_COLUMNS))
    labels = S.segment_labels(clean)
    assert labels.value_counts(normalize=True).to_dict() == pytest.approx(
        {"best": 0.11, "churn": 0.11, "shift": 0.03, "other": 0.75}
    )
    customer = clean["Became a Customer Date"].notna()
    assert customer[labels.eq("best")].mean() == pytest.approx(0.65, abs=0.02)
    assert customer[labels.eq("other")].mean() == pytest.approx(0.20, abs=0.02)


@pytest.mark.slow
def test_a_million_large_accounts_build_in_seconds() -> None:
    started = time.perf_counter()
    frame = S.generate_large_accounts(1_000_000, seed=1)
    assert len(frame) == 1_010_000
    assert time.perf_counter() - started < 20


# ------------------------------------------------------------------------------ committed examples
def test_the_committed_example_files_equal_a_fresh_regeneration(fresh_set: dict[str, Path]) -> None:
    assert set(fresh_set) == set(S.EXAMPLE_FILES)
    for path in fresh_set.values():
        committed = DATA / path.name
        assert committed.exists(), f"{committed} is missing: run python examples/generate.py"
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs: run python examples/generate.py"


def test_the_examples_readme_shows_the_realised_ground_truth(fresh_set: dict[str, Path]) -> None:
    truth = json.loads(fresh_set["ground_truth"].read_text(encoding="utf-8"))
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- ground-truth:start")
    block = readme[readme.index("-->", start) + 3 : readme.index("<!-- ground-truth:end -->")]
    assert block.strip() == S.ground_truth_markdown(truth).strip(), "run python examples/generate.py"


def test_the_example_set_is_small_and_its_files_share_no_company_or_id() -> None:
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 1.5e6
    names: set[str] = set()
    ids: set[int] = set()
    for stem in ("accounts", "next_quarter_accounts", "stable_quarter_accounts", "prospects"):
        frame = pd.read_csv(DATA / f"{stem}.csv", keep_default_na=False).drop_duplicates()
        keys = set(frame["Company name"].map(normalize_name))
        assert not keys & names, stem
        assert not set(frame["Record ID"]) & ids, stem
        names |= keys
        ids |= set(frame["Record ID"])


def test_the_client_snippets_run_the_icp_assistant_serve_command() -> None:
    clients = EXAMPLES / "clients"
    for name in ("claude_desktop_config.json", "cursor_mcp.json"):
        server = json.loads((clients / name).read_text(encoding="utf-8"))["mcpServers"]["icp-assistant"]
        assert server["command"] == "icp-assistant"
        assert server["args"][:2] == ["serve", "--data-dir"]
        assert "ANTHROPIC_API_KEY" in server["env"]
    text = (clients / "claude_code.md").read_text(encoding="utf-8")
    assert "claude mcp add icp-assistant -- icp-assistant serve --data-dir" in text
    block = re.search(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert block is not None
    assert json.loads(block.group(1))["mcpServers"]["icp-assistant"]["args"][0] == "serve"
