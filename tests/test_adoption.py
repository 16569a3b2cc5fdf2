"""Feature adoption: the planted usage pattern of the example set is found, noise is not, every file shape reads the
same, hostile inputs get readable errors, and the tool's result stays within the budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mcp import Client

from icp_assistant.tools.analysis.segments import segment_accounts
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, NotFoundError
from icp_assistant.tools.ingest.usage import read_usage
from icp_assistant.tools.model.adoption import FeatureAdoption, analyze_feature_adoption
from icp_assistant.tools.model.icp import ICPVersion, Learning, build_icp
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"

USAGE = EXAMPLES / "product_usage.csv"
TRUTH = json.loads((EXAMPLES / "ground_truth.json").read_text(encoding="utf-8"))["datasets"]["product_usage"]
NOISE = set(TRUTH["planted"]["noise"])


@pytest.fixture(scope="module")
def icp(example: Dataset, ws: Workspace) -> ICPVersion:
    segment_accounts(example, ws, dimensions=["industry"], name="by-industry")
    return build_icp(example, ws, name="core", learning=Learning(segmentation="by-industry"))


@pytest.fixture(scope="module")
def found(example: Dataset, icp: ICPVersion, ws: Workspace) -> FeatureAdoption:
    return analyze_feature_adoption(example, icp, USAGE, ws)


def _standout(result: FeatureAdoption, group: str, feature: str) -> Any:
    return next((s for s in result.standouts if s.group.startswith(group) and s.feature == feature), None)


def test_the_planted_segment_feature_stands_out_in_the_green_tier_and_the_best_segment(found: FeatureAdoption) -> None:
    feature = TRUTH["planted"]["segment"]["best"]
    green = _standout(found, "Green tier", feature)
    assert green is not None, found.standouts
    assert green.lift >= 1.5 and green.q_value < 0.05
    assert green.adopted.low > TRUTH["realised"]["adoption_other_customers"][feature]
    fintech = _standout(found, "Segment: Fintech", feature)
    assert fintech is not None and fintech.lift > 1.2, found.standouts


def test_alerts_separates_retained_from_churned_and_no_noise_feature_is_reported(found: FeatureAdoption) -> None:
    planted = TRUTH["planted"]["churn"]["feature"]
    alerts = next(s for s in found.churn_separators if s.feature == planted)
    assert alerts.low > 0.3  # retained minus churned, the whole interval well above zero
    assert alerts.retained.rate is not None and alerts.churned.rate is not None
    assert abs(alerts.retained.rate - TRUTH["realised"]["adoption_retained"][planted]) < 0.05
    assert not NOISE & {s.feature for s in found.churn_separators}
    assert not NOISE & {s.feature for s in found.standouts}


def test_green_customers_first_use_the_features_in_the_planted_order(found: FeatureAdoption) -> None:
    planted: dict[str, int] = TRUTH["planted"]["onboarding_order_best"]
    days = {step.feature: step.median_days for step in found.onboarding}
    order = [step.feature for step in found.onboarding if step.feature in planted]
    assert order == sorted(planted, key=planted.__getitem__)
    for feature, day in planted.items():
        median = days[feature]
        assert median is not None and abs(median - day) <= 0.5 * day + 3, (feature, median)
    assert found.onboarding_group.startswith("Green-tier customers")


def test_accounts_not_in_the_dataset_are_counted_and_named(found: FeatureAdoption) -> None:
    assert "3 accounts (3 rows) are not in the dataset" in found.join
    assert "Trial Workspace Alpha" in found.join


def test_the_rates_are_over_the_dataset_s_customers(found: FeatureAdoption, example: Dataset) -> None:
    customers = int(example.accounts["outcome"].eq("won").sum())
    assert found.customers == customers
    assert all(r.adopted.n == customers for r in found.overall)


def _event_log(path: Path) -> Path:
    """One row per use: a use on the first-use date and one on the last-use date."""
    long = pd.read_csv(USAGE, dtype=str)
    first = long[["Account ID", "Account Name", "Feature", "First Used"]].rename(columns={"First Used": "Timestamp"})
    last = long[["Account ID", "Account Name", "Feature", "Last Used"]].rename(columns={"Last Used": "Timestamp"})
    events = pd.concat([first, last]).sample(frac=1.0, random_state=1)
    events["Timestamp"] = events["Timestamp"] + "T09:30:00Z"
    events.to_csv(path, index=False)
    return path


def _wide(path: Path, how: str) -> Path:
    long = pd.read_csv(USAGE, dtype=str).fillna({"Account ID": ""})
    values = long["First Used"] if how == "dates" else np.where(long["Events"].astype(int) > 0, "Yes", "No")
    wide = long.assign(value=values).pivot_table(
        index=["Account ID", "Account Name"], columns="Feature", values="value", aggfunc="first"
    )
    wide = wide.fillna("" if how == "dates" else "No").reset_index()
    wide["Plan"] = "Enterprise"  # a text column: not a feature
    wide.to_parquet(path, index=False) if path.suffix == ".parquet" else wide.to_csv(path, index=False)
    return path


def _summary(result: FeatureAdoption) -> tuple[object, ...]:
    return (
        {r.feature: (r.adopted.hits, r.adopted.n) for r in result.overall},
        {(s.group, s.feature) for s in result.standouts},
        {s.feature for s in result.churn_separators},
        result.customers,
    )


@pytest.mark.parametrize("shape", ["events", "wide-dates", "wide-flags"])
def test_the_three_file_shapes_give_the_same_result(
    shape: str, example: Dataset, icp: ICPVersion, ws: Workspace, found: FeatureAdoption, tmp_path: Path
) -> None:
    if shape == "events":
        path = _event_log(tmp_path / "events.csv")
    else:
        path = _wide(tmp_path / f"wide-{shape}.{'parquet' if shape == 'wide-flags' else 'csv'}", shape[5:])
    result = analyze_feature_adoption(example, icp, path, ws)
    assert result.shape == shape.split("-")[0]
    assert _summary(result) == _summary(found)
    if shape != "wide-flags":  # flags carry no dates: no onboarding order
        assert [s.feature for s in result.onboarding] == [s.feature for s in found.onboarding]
    else:
        assert any("no dates" in note for note in result.notes)


def test_a_file_naming_accounts_by_company_name_joins_by_normalised_name(
    example: Dataset, icp: ICPVersion, ws: Workspace, found: FeatureAdoption, tmp_path: Path
) -> None:
    long = pd.read_csv(USAGE, dtype=str).drop(columns="Account ID")
    long["Account Name"] = long["Account Name"].str.upper().str.replace(" INC.", " INCORPORATED", regex=False)
    long.rename(columns={"Account Name": "Customer"}).to_csv(tmp_path / "by_name.csv", index=False)
    result = analyze_feature_adoption(example, icp, tmp_path / "by_name.csv", ws)
    assert "by company name (column 'Customer')" in result.join
    assert _summary(result) == _summary(found)


def test_usage_without_a_pattern_gets_no_reliable_pattern(
    example: Dataset, icp: ICPVersion, ws: Workspace, tmp_path: Path
) -> None:
    """Every customer adopts every feature with one probability, whatever its tier, segment or churn."""
    ids = example.accounts["account_id"].to_numpy()
    rng = np.random.default_rng(3)
    features = ["Dashboards", "Integrations", "Alerts", "Reports", "SSO"]
    used = rng.random((len(ids), len(features))) < 0.4
    rows = [(i, f, 1 + int(rng.integers(50))) for a, i in enumerate(ids) for b, f in enumerate(features) if used[a, b]]
    pd.DataFrame(rows, columns=["Account ID", "Feature", "Events"]).to_csv(tmp_path / "null.csv", index=False)
    result = analyze_feature_adoption(example, icp, tmp_path / "null.csv", ws)
    assert result.standouts == [] and result.churn_separators == []
    assert result.churn_verdict.startswith("No reliable difference")
    assert any(note.startswith("No reliable pattern") for note in result.notes)


def test_a_usage_file_without_a_feature_column_names_the_shapes_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("Account ID,Account Name,Plan\n1,Acme,Pro\n2,Beta,Free\n", encoding="utf-8")
    with pytest.raises(ColumnError, match=r"no feature column.*Columns are: Account ID, Account Name, Plan"):
        read_usage(path)


def test_a_count_column_of_words_is_named_with_its_values(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    rows = "".join(f"{i},Acme {i},Dashboards,lots\n" for i in range(20))
    path.write_text("Account ID,Account Name,Feature,Usage Count\n" + rows, encoding="utf-8")
    with pytest.raises(ColumnError, match=r"column 'Usage Count' should hold usage counts.*'lots'"):
        read_usage(path)


def test_a_file_without_an_account_column_says_how_to_name_it(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("Feature,Events\nDashboards,3\n", encoding="utf-8")
    with pytest.raises(ColumnError, match=r"no account column.*mapping=\{'usage_account'"):
        read_usage(path)


def test_formula_like_feature_names_are_written_spreadsheet_safe(
    example: Dataset, icp: ICPVersion, ws: Workspace, tmp_path: Path
) -> None:
    long = pd.read_csv(USAGE, dtype=str)
    long["Feature"] = long["Feature"].replace({"Reports": '=HYPERLINK("http://x","Reports")', "SSO": "@SUM(A1)"})
    long.to_csv(tmp_path / "hostile.csv", index=False)
    result = analyze_feature_adoption(example, icp, tmp_path / "hostile.csv", ws)
    written = pd.read_csv(result.csv_path, dtype=str)
    features = set(written["Feature"])
    assert '\'=HYPERLINK("http://x","Reports")' in features and "'@SUM(A1)" in features
    assert not any(f.startswith(("=", "@", "+", "-")) for f in features)
    assert {"Adoption rate", "95% low", "q-value (Benjamini-Hochberg)"} <= set(written.columns)


def test_a_path_as_a_segmentation_name_is_looked_up_never_joined(
    example: Dataset, icp: ICPVersion, ws: Workspace
) -> None:
    with pytest.raises(NotFoundError, match=r"No segmentation named '\.\./x'.*not paths"):
        analyze_feature_adoption(example, icp, USAGE, ws, segmentation="../x")


def _text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["modern", "legacy"])
async def test_the_tool_runs_in_process_within_the_budget(server: Any, mode: str) -> None:
    async with Client(server, mode="legacy") if mode == "legacy" else Client(server) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = loaded.structured_content["name"]
        built = await client.call_tool("build_icp", {"dataset": name, "name": "core"})
        assert not built.is_error, _text(built)
        result = await client.call_tool(
            "analyze_feature_adoption", {"dataset": name, "icp": "core", "usage_path": "product_usage.csv"}
        )
        assert not result.is_error, _text(result)
        assert len(_text(result)) / 4 < 2000
        assert any(s["feature"] == "Alerts" for s in result.structured_content["churn_separators"])
        assert Path(result.structured_content["csv_path"]).exists()
        hostile = [
            {"dataset": "../x", "icp": "core", "usage_path": "product_usage.csv"},
            {"dataset": name, "icp": "../x", "usage_path": "product_usage.csv"},
            {"dataset": name, "icp": "core", "usage_path": "/etc/passwd"},
            {"dataset": name, "icp": "core", "usage_path": "../../../etc/passwd"},
        ]
        errors = [await client.call_tool("analyze_feature_adoption", arguments) for arguments in hostile]
    assert all(e.is_error for e in errors)
    assert "not paths" in _text(errors[0]) and "not paths" in _text(errors[1])
    assert all("allowed" in _text(e) or "outside" in _text(e) for e in errors[2:]), [_text(e) for e in errors[2:]]


def test_many_long_features_and_segments_stay_within_the_budget(
    example: Dataset, icp: ICPVersion, ws: Workspace, tmp_path: Path
) -> None:
    accounts = example.accounts[example.accounts["outcome"].eq("won")]
    rng = np.random.default_rng(5)
    features = [f"Feature number {i} with a very long descriptive name {'x' * 60}" for i in range(60)]
    green = accounts.index.isin(accounts.index[:60])
    rows = [
        {"Account ID": accounts.loc[key, "account_id"], "Feature": feature, "Used": "yes", "First Used": "2025-01-01"}
        for key, fit in zip(accounts.index, green, strict=True)
        for feature in features
        if rng.random() < (0.9 if fit and features.index(feature) % 2 else 0.3)
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "flags.csv", index=False)
    segment_accounts(example, ws, dimensions=["industry", "country"], name="fine", min_size=10)
    result = analyze_feature_adoption(example, icp, tmp_path / "flags.csv", ws, segmentation="fine")
    assert result.features_total == 60
    assert len(result.model_dump_json(exclude_none=True)) / 4 < 2000


def test_flags_in_a_wide_file_read_yes_no_and_not_in_use_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "services.csv"
    rows = ["C-1,Yes,No internet service,12", "C-2,No,Yes,0", "C-3,yes,No,3", "C-4,,Yes,1"]
    path.write_text("customerID,TechSupport,OnlineBackup,Logins\n" + "\n".join(rows) + "\n", encoding="utf-8")
    usage = read_usage(path)
    assert usage.shape == "wide" and usage.feature_columns == ["TechSupport", "OnlineBackup", "Logins"]
    uses = usage.rows.set_index(["account", "feature"])["uses"]
    assert uses[("C-1", "OnlineBackup")] == 0 and uses[("C-1", "TechSupport")] == 1 and uses[("C-1", "Logins")] == 12
    assert uses[("C-3", "TechSupport")] == 1 and np.isnan(uses[("C-4", "TechSupport")])


def test_a_usage_file_of_other_companies_says_none_of_its_accounts_is_known(
    example: Dataset, icp: ICPVersion, ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Account,Feature,Events\nNowhere Ltd,Dashboards,3\nElsewhere GmbH,Alerts,1\n", encoding="utf-8")
    with pytest.raises(InsufficientDataError, match=r"None of the 2 accounts in other.csv .*'Nowhere Ltd'"):
        analyze_feature_adoption(example, icp, path, ws)


def test_a_feature_no_customer_uses_is_reported_at_zero(
    example: Dataset, icp: ICPVersion, ws: Workspace, tmp_path: Path
) -> None:
    long = pd.read_csv(USAGE, dtype=str)
    unused = long.head(30).assign(Feature="Legacy export", Events="0")
    pd.concat([long, unused]).to_csv(tmp_path / "with_unused.csv", index=False)
    result = analyze_feature_adoption(example, icp, tmp_path / "with_unused.csv", ws)
    assert result.features_total == 9
    written = pd.read_csv(result.csv_path)
    legacy = written[(written["Feature"] == "Legacy export") & (written["Group"] == "All customers")]
    assert legacy["Adopters"].tolist() == [0] and legacy["Adoption rate"].tolist() == [0.0]


def test_a_feature_customers_that_expanded_use_is_found_and_noise_is_not(
    example: Dataset, icp: ICPVersion, ws: Workspace, tmp_path: Path
) -> None:
    """Expansion from the deals (a won deal after the first); a usage file where 'Seat manager' goes with it."""
    from icp_assistant.tools.analysis.expansion_history import expanded_customers

    won = example.accounts["outcome"].eq("won")
    found = expanded_customers(example, won)
    assert found is not None
    history = found[0]
    rng = np.random.default_rng(3)
    rows = []
    for key, grew in history.items():
        name = example.accounts.loc[key, "name"]
        if rng.random() < (0.8 if grew else 0.15):
            rows.append({"Account": name, "Feature": "Seat manager", "Events": 4})
        if rng.random() < 0.5:
            rows.append({"Account": name, "Feature": "Noise board", "Events": 2})
    path = tmp_path / "expansion_usage.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = analyze_feature_adoption(example, icp, path, ws)
    features = {s.feature: s for s in result.expansion_separators}
    assert "Seat manager" in features and "Noise board" not in features, result.expansion_verdict
    seat = features["Seat manager"]
    assert seat.low > 0.4 and seat.expanded.n == int(history.sum())
    assert "separate the" in result.expansion_verdict and "customers that expanded" in result.expansion_verdict


@pytest.mark.anyio
async def test_columns_the_headers_do_not_name_are_named_with_mapping_as_the_error_says(tmp_path: Path) -> None:
    from icp_assistant.server.app import build_server
    from icp_assistant.server.config import ServerConfig

    usage = pd.read_csv(USAGE, dtype=str).rename(columns={"Account Name": "Org", "Feature": "Module", "Events": "Hits"})
    usage.drop(columns=["Account ID"]).to_csv(tmp_path / "odd_usage.csv", index=False)
    config = ServerConfig(data_dirs=(EXAMPLES, tmp_path), workspace=tmp_path / "ws", raise_unexpected=True)
    async with Client(build_server(config)) as client:
        await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "ex"})
        await client.call_tool("build_icp", {"dataset": "ex", "name": "core"})
        arguments = {"dataset": "ex", "icp": "core", "usage_path": "odd_usage.csv"}
        refused = await client.call_tool("analyze_feature_adoption", arguments)
        mapping = {"usage_account": "Org", "usage_feature": "Module", "usage_count": "Hits"}
        named = await client.call_tool("analyze_feature_adoption", {**arguments, "mapping": mapping})
    assert refused.is_error and "mapping=" in _text(refused)
    assert not named.is_error, _text(named)
    assert any(s["feature"] == "Alerts" for s in named.structured_content["churn_separators"])
