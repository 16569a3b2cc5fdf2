"""find_expansion: white space of ICP-fit customers against their peers, and the traits of customers that expanded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mcp import Client

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError
from icp_assistant.tools.model.bulk import score_prospects
from icp_assistant.tools.model.expansion import ExpansionReport, find_expansion
from icp_assistant.tools.model.icp import ICPVersion, build_icp
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace
from icp_assistant.tools.synthetic import generate_accounts_and_deals

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
REACHABLE = "Peers' 75th percentile (reachable)"  # money in the export's unstated currency: no unit in the header


def _generated(folder: Path, *, expansion: bool) -> tuple[Dataset, ICPVersion, dict[str, Any] | None]:
    accounts, deals, truth = generate_accounts_and_deals(4000, 5000, seed=5, expansion=expansion)
    folder.mkdir(parents=True, exist_ok=True)
    accounts.to_csv(folder / "accounts.csv", index=False)
    deals.to_csv(folder / "deals.csv", index=False)
    ws = Workspace(folder / "workspace")
    load_accounts(folder / "accounts.csv", ws, LoadOptions(deals_path=folder / "deals.csv", name="generated"))
    dataset = open_dataset(ws, "generated")
    return dataset, build_icp(dataset, ws, name="generated"), truth.realised.get("expansion")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExpansionReport, dict[str, Any] | None]:
    folder = tmp_path_factory.mktemp("planted")
    dataset, icp, truth = _generated(folder, expansion=True)
    return find_expansion(dataset, icp, Workspace(folder / "workspace")), truth


def test_the_planted_expansion_group_is_found_on_generated_data(
    planted: tuple[ExpansionReport, dict[str, Any] | None],
) -> None:
    report, truth = planted
    assert truth is not None and truth["group"]["rate"] > 2 * truth["elsewhere"]["rate"]
    history = report.history
    assert history is not None and history.reliable
    planted_group = "Industry is Software and Tech stack includes Google Analytics"
    strongest = max(history.traits, key=lambda t: t.lift)
    assert strongest.trait == planted_group
    assert strongest.expanded_with.rate is not None and history.expanded.rate is not None
    assert strongest.expanded_without.high is not None and strongest.expanded_with.low is not None
    assert strongest.expanded_with.low > strongest.expanded_without.high  # the intervals do not overlap
    assert strongest.lift == pytest.approx(strongest.expanded_with.rate / history.expanded.rate, rel=0.01)
    assert strongest.q_value < 0.05
    assert len(report.model_dump_json(exclude_none=True)) / 4 < 2000


def test_without_a_planted_group_no_reliable_pattern_is_reported(tmp_path: Path) -> None:
    dataset, icp, truth = _generated(tmp_path, expansion=False)
    report = find_expansion(dataset, icp, Workspace(tmp_path / "workspace"))
    assert truth is None
    assert report.history is not None and not report.history.reliable
    assert report.history.traits == [] and report.history.verdict.startswith("No reliable pattern")
    assert report.history.tested > 50  # many values were tested, and none held after correction


def _hand_built(folder: Path) -> tuple[Path, Path, dict[str, list[int]]]:
    """100 accounts of one size: 60 customers (30 Alpha, 24 Beta, 6 Gamma) with one won deal each of a known amount,
    40 with one lost deal. Salesforce marks the customers, so the ICP has a criterion to score with."""
    rows, deals, amounts = [], [], {"Alpha": [], "Beta": [], "Gamma": []}
    industries = ["Alpha"] * 30 + ["Beta"] * 24 + ["Gamma"] * 6 + ["Alpha", "Beta"] * 20
    for i, industry in enumerate(industries):
        customer = i < 60
        tech = "Salesforce" if (customer and i % 12 != 0) or (not customer and i % 8 == 0) else "HubSpot"
        rows.append({"Company": f"Co {i:03d}", "Industry": industry, "Employees": 50, "Technologies": tech})
        amount = 1000 * (i % 30 + 1) + 7 * i
        deals.append({"Deal": f"D{i}", "Company": f"Co {i:03d}", "Stage": "Closed Won" if customer else "Closed Lost",
                      "Amount": amount, "Close Date": "2025-03-01"})  # fmt: skip
        if customer:
            amounts[industry].append(amount)
    pd.DataFrame(rows).to_csv(folder / "hand_accounts.csv", index=False)
    pd.DataFrame(deals).to_csv(folder / "hand_deals.csv", index=False)
    return folder / "hand_accounts.csv", folder / "hand_deals.csv", amounts


def test_white_space_is_the_peers_75th_percentile_minus_the_value_and_small_groups_get_no_gap(
    tmp_path: Path, workspace: Workspace
) -> None:
    accounts, deals, amounts = _hand_built(tmp_path)
    load_accounts(accounts, workspace, LoadOptions(deals_path=deals, name="hand"))
    dataset = open_dataset(workspace, "hand")
    icp = build_icp(dataset, workspace, name="hand")
    report = find_expansion(dataset, icp, workspace, tiers=["green", "yellow", "red"], min_peers=10)
    listing = pd.read_csv(report.csv_path)
    assert report.fit_customers == 60 and len(listing) == 60
    for industry, values in amounts.items():
        reachable = float(np.percentile(values, 75))
        rows = listing[listing["Segment"].str.startswith(industry)]
        value = rows["Won revenue"]
        gap = rows["Gap to reachable"]
        if len(values) < 10:  # Gamma: 6 peers, small
            assert gap.isna().all() and rows[REACHABLE].notna().all()
            assert set(rows["Status"]) == {"small comparison group: no gap"}
            continue
        assert rows[REACHABLE].to_numpy() == pytest.approx(reachable)
        assert gap.to_numpy() == pytest.approx(np.clip(reachable - value.to_numpy(), 0, None))
    by_segment = {s.segment.split(" ")[0]: s for s in report.segments}
    assert by_segment["Gamma"].small and by_segment["Gamma"].white_space == 0
    expected = sum(float(np.clip(np.percentile(v, 75) - np.array(v), 0, None).sum()) for v in amounts.values()
                   if len(v) >= 10)  # fmt: skip
    assert report.white_space_total == pytest.approx(expected, abs=0.01)
    assert report.accounts_with_gap == int((listing["Status"] == "below reachable").sum())
    assert report.history is not None and report.history.expanded.hits == 0  # one won deal each: nobody expanded
    assert "Industry x Company size" in report.comparison


def test_the_tiers_are_those_of_the_prospect_list(example: Dataset, ws: Workspace) -> None:
    icp = build_icp(example, ws, name="truth")
    report = find_expansion(example, icp, ws, tiers=["green", "yellow", "red"])
    mine = pd.read_csv(report.csv_path)
    listed = score_prospects(icp, EXAMPLES / "accounts.csv", ws, LoadOptions())
    theirs = pd.read_csv(listed.csv_path)
    mine = mine.drop_duplicates("Company", keep=False).set_index("Company")
    theirs = theirs.drop_duplicates("Company name", keep=False).set_index("Company name")
    shared = mine.index.intersection(theirs.index)
    assert len(shared) > 200
    assert (mine.loc[shared, "Tier"] == theirs.loc[shared, "tier"]).all()
    assert (mine.loc[shared, "ICP score"] == theirs.loc[shared, "score"]).all()


def test_an_unknown_value_column_is_named_with_the_available_ones(example: Dataset, ws: Workspace) -> None:
    icp = build_icp(example, ws, name="values")
    with pytest.raises(ColumnError, match=r"No value column 'revnue'.*won_value.*Pass one of them"):
        find_expansion(example, icp, ws, value="revnue")


def test_a_dataset_without_deals_needs_a_value_and_then_gives_white_space_without_history(
    example: Dataset, ws: Workspace, tmp_path: Path
) -> None:
    icp = build_icp(example, ws, name="nodeals")
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(name="accounts-only"))
    alone = open_dataset(ws, "accounts-only")
    with pytest.raises(InsufficientDataError, match="Load a deals file"):
        find_expansion(alone, icp, ws)
    report = find_expansion(alone, icp, ws, value="annual_revenue", tiers=["green", "yellow"])
    assert report.history is None and any("No expansion history" in note for note in report.notes)
    assert report.customers > 0


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["modern", "legacy"])
async def test_find_expansion_over_mcp_stays_within_the_budget(server: Any, mode: str) -> None:
    client = Client(server, mode="legacy") if mode == "legacy" else Client(server)
    async with client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = loaded.structured_content["name"]
        await client.call_tool("build_icp", {"dataset": name, "name": "demo"})
        result = await client.call_tool("find_expansion", {"dataset": name, "icp": "demo", "tier": ["green", "yellow"]})
        bad = await client.call_tool("find_expansion", {"dataset": name, "icp": "demo", "value": "revnue"})
    text = "".join(getattr(block, "text", "") for block in result.content)
    assert not result.is_error, text
    assert len(text) / 4 < 2000
    assert Path(result.structured_content["csv_path"]).exists()
    assert result.structured_content["history"]["expanded"]["n"] > 0
    assert bad.is_error and "revnue" in bad.content[0].text and "won_value" in bad.content[0].text


def test_on_maven_fit_cannot_be_told_and_every_customer_bought_again(shared_data: Path, workspace: Workspace) -> None:
    maven = shared_data / "maven_crm"
    load_accounts(maven / "accounts.csv", workspace, LoadOptions(deals_path=maven / "sales_pipeline.csv", name="maven"))
    dataset = open_dataset(workspace, "maven")
    icp = build_icp(dataset, workspace, name="maven")
    default = find_expansion(dataset, icp, workspace)
    assert not icp.scorecard.scored and default.fit_customers == 0 and "tier=['unscored']" in default.notes[0]
    every = find_expansion(dataset, icp, workspace, tiers=["unscored"])
    assert every.fit_customers == every.customers == 85
    assert all(t.score is None and t.tier == "unscored" for t in every.top)
    history = every.history
    assert history is not None and not history.reliable and history.expanded.hits == history.expanded.n
    assert "repeat purchases are the norm" in history.verdict
