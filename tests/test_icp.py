"""The ICP scorecard: learned points, exact explanations, neutral unknowns, gates and versions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.analysis.conditions import Condition
from icp_assistant.tools.core.errors import NotFoundError, OptionError
from icp_assistant.tools.model.icp import ICPVersion, Settings, Thresholds, build_icp, edit_icp, open_icp, score_rows
from icp_assistant.tools.store.datasets import Dataset, LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.fixture(scope="module")
def icp(example: Dataset, ws: Workspace) -> ICPVersion:
    return build_icp(example, ws, name="example-icp")


def test_the_planted_traits_earn_the_most_points(icp: ICPVersion) -> None:
    positive = [c for c in icp.scorecard.criteria if c.points > 0]
    top_two = {c.id for c in sorted(positive, key=lambda c: -c.points)[:2]}
    assert top_two == {"industry=Fintech", "tech_stack=Salesforce"}
    assert icp.scorecard.method == "learned" and icp.scorecard.training_unit == "deals"
    assert "Industry is Fintech" in icp.best_fit[0]


def test_points_add_up_to_the_score(icp: ICPVersion, example: Dataset) -> None:
    scored = score_rows(icp, add_bands(example.accounts))
    points = scored.drop(columns=["score", "raw_score", "tier", "gate"])
    assert (icp.scorecard.base + points.sum(axis=1) == scored["raw_score"]).all()
    assert scored["score"].between(0, 100).all()
    assert (scored["score"] == scored["raw_score"].clip(0, 100)).all()  # no gates set


def test_green_accounts_win_more_than_red_ones_in_the_training_data(icp: ICPVersion, example: Dataset) -> None:
    frame = add_bands(example.accounts).join(score_rows(icp, add_bands(example.accounts))[["tier"]])
    totals = frame.groupby("tier")[["deals_won", "deals_lost"]].sum()
    win = totals["deals_won"] / (totals["deals_won"] + totals["deals_lost"])
    assert win["green"] > 2 * win["red"]


def test_an_unknown_attribute_is_neutral_not_bad(icp: ICPVersion, example: Dataset) -> None:
    rows = add_bands(example.accounts).head(50).copy()
    rows["industry"] = None
    scored = score_rows(icp, rows)
    industry = [c.id for c in icp.scorecard.criteria if c.attribute == "industry" and c.id in scored]
    assert (scored[industry] == 0).all().all()


def test_a_violated_must_have_and_a_disqualifier_cap_the_score_in_red(ws: Workspace, example: Dataset) -> None:
    gated = build_icp(
        example,
        ws,
        name="gated",
        settings=Settings(
            must_haves=[Condition(column="region", op="==", value="North America")],
            disqualifiers=[Condition(column="industry", op="==", value="Retail")],
        ),
    )
    scored = add_bands(example.accounts).join(score_rows(gated, add_bands(example.accounts)))
    outside = scored[scored["region"].ne("North America")]
    assert (outside["tier"] == "red").all()
    assert outside.loc[outside["industry"].ne("Retail"), "gate"].str.startswith("must-have not met").all()
    assert outside["gate"].ne("").all()
    assert (scored.loc[scored["industry"].eq("Retail"), "tier"] == "red").all()


def test_editing_thresholds_writes_a_new_version_and_keeps_the_old(ws: Workspace, icp: ICPVersion) -> None:
    edited = edit_icp(ws, "example-icp", Settings(thresholds=Thresholds(green=70, yellow=50)))
    assert edited.version == icp.version + 1
    assert open_icp(ws, "example-icp", icp.version).thresholds == Thresholds()
    assert open_icp(ws, "example-icp").thresholds == Thresholds(green=70, yellow=50)
    assert edited.scorecard == icp.scorecard
    with pytest.raises(NotFoundError, match=r"has no version 99\. Versions: 1, 2"):
        open_icp(ws, "example-icp", 99)
    with pytest.raises(OptionError, match="Nothing to change"):
        edit_icp(ws, "example-icp")


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"yellow \(80\) must be below green \(60\)"):
        Thresholds(green=60, yellow=80)


def test_an_unknown_icp_lists_the_existing_ones(ws: Workspace, icp: ICPVersion) -> None:
    with pytest.raises(NotFoundError, match=r"No ICP named 'nope'.*example-icp"):
        open_icp(ws, "nope")


def test_the_same_data_gives_the_same_points(example: Dataset, tmp_path: Path) -> None:
    first = build_icp(example, Workspace(tmp_path / "a"), name="x")
    second = build_icp(example, Workspace(tmp_path / "b"), name="x")
    assert first.scorecard == second.scorecard


def test_customers_without_lost_accounts_get_lift_points_and_say_so(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 400
    industry = rng.choice(["Fintech", "Retail", "Software", "Media"], n)
    customer = rng.random(n) < np.where(industry == "Fintech", 0.6, 0.15)
    frame = pd.DataFrame(
        {
            "Company": [f"C{i}" for i in range(n)],
            "Industry": industry,
            "Lifecycle Stage": np.where(customer, "Customer", "Lead"),
        }
    )
    frame.to_csv(tmp_path / "crm.csv", index=False)
    ws = Workspace(tmp_path / "ws")
    load_accounts(tmp_path / "crm.csv", ws, LoadOptions(name="crm"))
    built = build_icp(open_dataset(ws, "crm"), ws)
    assert built.scorecard.method == "lift"
    assert built.scorecard.criteria[0].id == "industry=Fintech" and built.scorecard.criteria[0].points > 0
    assert any("not who wins" in note for note in built.notes)


def test_a_prospect_score_is_explained_point_by_point(icp: ICPVersion) -> None:
    from icp_assistant.tools.model.prospect import score_prospect

    result = score_prospect(
        icp, {"Company": "Acme Pay", "Industry": "Fintech", "Employees": "250", "Technologies": "Salesforce; Slack"}
    )
    assert result.score == icp.scorecard.base + sum(r.points for r in result.reasons)
    assert result.tier == "green"
    assert result.reasons[0].criterion == "Industry is Fintech"
    assert result.explanation.endswith(f"= {result.score}")
    assert "Company" in result.ignored


def test_field_names_in_any_common_naming_read_the_same(icp: ICPVersion) -> None:
    from icp_assistant.tools.model.prospect import score_prospect

    hubspot = score_prospect(icp, {"Industry": "Fintech", "Number of Employees": "250"})
    apollo = score_prospect(icp, {"industry": "fintech", "# Employees": "201-300"})
    salesforce = score_prospect(icp, {"Industry": "Fintech", "NumberOfEmployees": 250})
    assert hubspot.score == apollo.score == salesforce.score


def test_missing_attributes_are_listed_with_the_range_they_could_move(icp: ICPVersion) -> None:
    from icp_assistant.tools.model.prospect import score_prospect

    result = score_prospect(icp, {"employees": 450, "country": "Germany"})
    missing = {m.attribute: m for m in result.missing}
    assert "industry" in missing and missing["industry"].could_add > 0 and missing["industry"].could_remove < 0
    low, high = result.score_range
    assert low <= result.score <= high


def test_a_prospect_with_nothing_the_icp_scores_is_a_clear_error(icp: ICPVersion) -> None:
    from icp_assistant.tools.core.errors import InsufficientDataError
    from icp_assistant.tools.model.prospect import score_prospect

    with pytest.raises(InsufficientDataError, match=r"None of the given fields \(shoe size\).*It uses: .*industry"):
        score_prospect(icp, {"shoe size": 42})


def test_a_noise_column_carries_no_points(icp: ICPVersion) -> None:
    assert all(c.attribute not in ("Favorite Color", "Lead Score (random)") for c in icp.scorecard.criteria)


def test_out_of_sample_green_wins_clearly_more_than_red_on_a_time_split(icp: ICPVersion, example: Dataset) -> None:
    from icp_assistant.tools.model.validation import validate_icp

    report = validate_icp(example, icp)
    assert report.split.startswith("train: closed before")
    tiers = {t.tier: t for t in report.evaluation.tiers}
    green, red = tiers["green"].win_rate, tiers["red"].win_rate
    assert green is not None and red is not None and green.low is not None and red.high is not None
    assert green.low > red.high  # intervals do not overlap
    assert report.evaluation.auc_interval is not None and report.evaluation.auc_interval[0] > 0.5
    assert "separates winners" in report.verdict
    assert report.baselines[0].name == "base rate"


@pytest.mark.shared_data
def test_on_maven_firmographic_fit_does_not_predict_winning(shared_data: Path, tmp_path: Path) -> None:
    from icp_assistant.tools.model.validation import validate_icp

    ws = Workspace(tmp_path / "ws")
    folder = shared_data / "maven_crm"
    load_accounts(folder / "accounts.csv", ws, LoadOptions(deals_path=folder / "sales_pipeline.csv", name="maven"))
    data = open_dataset(ws, "maven")
    built = build_icp(data, ws)
    assert built.scorecard.criteria == []
    assert any("no attribute predicts the outcome in this data" in n.lower() for n in built.notes)
    report = validate_icp(data, built)
    assert report.evaluation.auc is not None and abs(report.evaluation.auc - 0.5) < 0.05
    assert report.evaluation.auc_interval is None  # never a zero-width [0.50, 0.50]
    assert report.verdict.startswith(("No better than chance", "Uninformative"))


@pytest.fixture(scope="module")
def quarters(ws: Workspace) -> dict[str, Dataset]:
    out = {}
    for name, prefix in (("shifted", "next_quarter"), ("stable", "stable_quarter")):
        options = LoadOptions(deals_path=EXAMPLES / f"{prefix}_deals.csv", name=name)
        load_accounts(EXAMPLES / f"{prefix}_accounts.csv", ws, options)
        out[name] = open_dataset(ws, name)
    return out


def test_check_drift_finds_the_planted_shift_in_a_later_quarter(
    icp: ICPVersion, example: Dataset, quarters: dict[str, Dataset]
) -> None:
    from icp_assistant.tools.model.drift import check_drift

    result = check_drift(example, icp, recent=quarters["shifted"])
    assert result.enough
    assert result.verdict.startswith("The ICP is getting stale")
    industry = next(a for a in result.attributes.attributes if a.attribute == "industry")
    assert industry.psi_level == "significant"
    assert any(label == "Healthcare" for label, _, _ in industry.top_shifts)
    assert result.red_share_now.rate is not None and result.red_share_before.rate is not None
    assert result.red_share_now.rate > result.red_share_before.rate


def test_check_drift_finds_none_in_an_unchanged_quarter(
    icp: ICPVersion, example: Dataset, quarters: dict[str, Dataset]
) -> None:
    from icp_assistant.tools.model.drift import check_drift

    result = check_drift(example, icp, recent=quarters["stable"])
    assert result.verdict.startswith("No meaningful drift")
    assert all(a.psi_level in ("none", None) for a in result.attributes.attributes)


def test_check_drift_needs_a_recent_sample_or_a_date(icp: ICPVersion, example: Dataset) -> None:
    from icp_assistant.tools.model.drift import check_drift

    with pytest.raises(OptionError, match="Give recent"):
        check_drift(example, icp)
    with pytest.raises(OptionError, match=r"since='last quarter' is not a date"):
        check_drift(example, icp, since="last quarter")


def test_intent_signals_place_a_prospect_on_the_fit_and_readiness_grid(icp: ICPVersion) -> None:
    from icp_assistant.tools.model.prospect import score_prospect

    fields = {"Industry": "Fintech", "Employees": "250", "Technologies": "Salesforce"}
    ready = score_prospect(icp, {**fields, "6sense Buying Stage": "Decision", "Composite Score": "85"})
    unknown = score_prospect(icp, fields)
    assert ready.score == unknown.score  # readiness never changes fit
    assert ready.readiness == 80 and ready.cell == "green / ready"
    assert ready.action.startswith("Prioritise now")
    assert unknown.readiness is None and unknown.cell == "green / readiness unknown"


def test_the_fast_value_matcher_agrees_with_trait_mask_and_with_the_exported_sql(
    icp: ICPVersion, example: Dataset
) -> None:
    import duckdb

    from icp_assistant.tools.analysis.attributes import Attribute, ValueMatcher, trait_mask
    from icp_assistant.tools.model.export import condition_sql

    rows = add_bands(example.accounts)
    for criterion in icp.scorecard.criteria:
        fast = ValueMatcher(rows[criterion.attribute], criterion.kind).mask(criterion.value)
        slow = trait_mask(rows, Attribute(criterion.attribute, criterion.kind), criterion.value)
        assert fast.tolist() == slow.tolist(), criterion.id
    messy = pd.DataFrame({"tech_stack": ["Salesforce; Slack", "slack", None, " SALESFORCE ", "Jira; Salesforce", ""],
                          "industry": [" fintech", "FinTech", None, "Retail", "fin tech", ""]})  # fmt: skip
    for criterion in icp.scorecard.criteria:
        if criterion.attribute in messy and criterion.attribute not in ("revenue_band", "age_band"):
            fast = ValueMatcher(messy[criterion.attribute], criterion.kind).mask(criterion.value)
            sql = f"SELECT COALESCE({condition_sql(criterion)}, FALSE) AS hit FROM messy"
            in_sql = duckdb.sql(sql).df()["hit"].tolist()
            assert fast.tolist() == in_sql, criterion.id


def test_above_the_fitting_cap_the_regression_sees_a_seeded_sample_of_whole_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every account is in or out whole, the sample is about the cap, the same seed draws the same rows, and
    below the cap every row is used."""
    from icp_assistant.tools.model import scorecard

    monkeypatch.setattr(scorecard, "MAX_FIT_ROWS", 1_000)
    rng = np.random.default_rng(2)
    groups = np.repeat([f"acct {i}" for i in range(900)], rng.integers(1, 5, 900))
    y = rng.integers(0, 2, len(groups))
    sample = scorecard.fit_sample(y, groups, random_state=0)
    assert sample is not None and 950 <= len(sample) <= 1_000
    taken = set(groups[sample])
    assert all((groups[groups == g].size == (groups[sample] == g).sum()) for g in taken)  # whole accounts
    assert np.array_equal(sample, scorecard.fit_sample(y, groups, random_state=0))
    assert not np.array_equal(sample, scorecard.fit_sample(y, groups, random_state=1))
    assert scorecard.fit_sample(y[:900], groups[:900], random_state=0) is None


def test_a_training_frame_of_the_attribute_columns_judges_every_column_as_the_whole_frame_does(
    example: Dataset, tmp_path: Path
) -> None:
    """Deals carry only the columns that may be attributes (a million deals need no copy of names and ids), yet
    every column gets the same verdict: a text that repeats only across an account's deals included."""
    from icp_assistant.tools.analysis.attributes import model_attributes
    from icp_assistant.tools.model.icp import training_frame

    rng = np.random.default_rng(0)
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i:03d}" for i in range(60)],
            "name": [f"Company {i}" for i in range(60)],
            "industry": rng.choice(["Software", "Retail", "Health"], 60),
            "Campaign": [f"Webinar series number {i} on pricing" for i in range(60)],  # one per account
        }
    )
    deals = pd.DataFrame(
        {
            "deal_id": range(360),
            "account_id": np.repeat(accounts["account_id"], 6),
            "stage": rng.choice(["Closed Won", "Closed Lost"], 360),
            "amount": 1000,
            "close_date": "2025-01-01",
        }
    )
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    deals.to_csv(tmp_path / "deals.csv", index=False)
    ws = Workspace(tmp_path / "ws")
    load_accounts(tmp_path / "accounts.csv", ws, LoadOptions(deals_path=tmp_path / "deals.csv", name="repeats"))
    for dataset in (example, open_dataset(ws, "repeats")):
        whole, narrow = training_frame(dataset)[0], training_frame(dataset, keep=[])[0]
        assert narrow.rows.shape[1] < whole.rows.shape[1] and len(narrow.rows) == len(whole.rows)
        assert model_attributes(dataset, narrow.rows) == model_attributes(dataset, whole.rows)
    assert "Campaign" in narrow.rows  # unique per account, repeated across its deals: judged as the deals see it


def test_levels_counted_on_distinct_cells_come_in_the_order_value_counts_gives_ties_included() -> None:
    from icp_assistant.tools.core.distinct import weighted_counts

    rng = np.random.default_rng(3)
    for _ in range(20):
        cells = rng.choice(np.array(["a", "b", "c", "d", "e", None], dtype=object), rng.integers(5, 200))
        codes, uniques = pd.factorize(pd.Series(cells, dtype=object))
        weights = np.bincount(codes[codes >= 0], minlength=len(uniques))
        counted = weighted_counts(np.asarray(uniques, dtype=object), weights)
        expected = pd.Series(cells, dtype=object).dropna().value_counts()
        assert list(counted.index) == list(expected.index) and counted.tolist() == expected.tolist()


def test_scores_without_the_points_block_are_the_scores_with_it(ws: Workspace, example: Dataset) -> None:
    """score_rows(points=False) sums the points without a column per criterion: the same score, tier and gate."""
    gated = build_icp(example, ws, name="gated", settings=Settings(must_haves=[Condition(column="size", op="!=",
                                                                                         value="1-10")]))  # fmt: skip
    rows = add_bands(example.accounts)
    for icp in (gated, build_icp(example, ws, name="plain")):
        full = score_rows(icp, rows)
        assert full.shape[1] > 4
        pd.testing.assert_frame_equal(score_rows(icp, rows, points=False), full[["score", "raw_score", "tier", "gate"]])


def test_a_dataset_opened_for_a_few_columns_holds_only_those_with_every_row(ws: Workspace, example: Dataset) -> None:
    narrow = open_dataset(ws, "example", accounts=["industry", "no such column", "outcome"], deals=["deal_amount"])
    assert list(narrow.accounts.columns) == ["industry", "outcome"]
    assert narrow.accounts.equals(example.accounts[["industry", "outcome"]])
    assert narrow.deals is not None and list(narrow.deals.columns) == ["deal_amount"]
    assert narrow.deals["deal_amount"].equals(example.deals["deal_amount"])
    assert set(narrow.kinds) == {"industry", "outcome", "deal_amount"} & set(example.kinds)


def test_validation_on_a_dataset_opened_with_only_the_deal_columns_training_reads_is_the_same(
    ws: Workspace, icp: ICPVersion
) -> None:
    from icp_assistant.tools.ingest.outcomes import OutcomeSpec
    from icp_assistant.tools.model.icp import training_deals
    from icp_assistant.tools.model.validation import validate_icp

    narrow = open_dataset(ws, "example", deals=training_deals(icp))
    assert narrow.deals is not None and set(narrow.deals.columns) <= {"outcome", "account_key", "deal_closed"}
    assert validate_icp(narrow, icp) == validate_icp(open_dataset(ws, "example"), icp)
    named = icp.model_copy(update={"outcome": OutcomeSpec(column="deal_stage", success=["Closed Won"])})
    assert training_deals(named) is None  # a named outcome may be a deal column: every column is opened
