"""The analyses on data with known answers: planted structure is found, no structure is not invented."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools.analysis.best_customers import find_best_customers
from icp_assistant.tools.analysis.conditions import Condition
from icp_assistant.tools.analysis.patterns import find_patterns
from icp_assistant.tools.analysis.ranking import rank_segments
from icp_assistant.tools.analysis.red_flags import find_red_flags
from icp_assistant.tools.analysis.segments import segment_accounts
from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, OptionError
from icp_assistant.tools.store.datasets import Dataset, LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
BUDGET_CHARS = 2000 * 4


def _noise(tmp_path: Path, n: int = 400, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "Company": [f"Company {i}" for i in range(n)],
            "Industry": rng.choice(["Software", "Retail", "Fintech", "Health", "Media"], n),
            "Employees": rng.integers(5, 5000, n),
            "Country": rng.choice(["United States", "Germany", "France", "Japan"], n),
            "Status": rng.choice(["Customer", "Closed Lost"], n),
            "ARR": rng.lognormal(10, 1, n).round(),
        }
    )
    path = tmp_path / "noise.csv"
    frame.to_csv(path, index=False)
    return path


def test_the_planted_best_segment_is_the_top_pattern_of_best_customers(example: Dataset, ws: Workspace) -> None:
    report = find_patterns(example, ws.folder("analyses", "example"), compare="best")
    assert report.reliable
    assert report.patterns[0].attribute == "industry" and report.patterns[0].value == "Fintech"
    assert report.patterns[0].in_group >= 5 and report.patterns[0].q_value < 0.05
    assert len(report.model_dump_json(exclude_none=True)) < BUDGET_CHARS


def test_won_versus_lost_finds_fintech_on_salesforce_on_deals_with_clustering(example: Dataset, ws: Workspace) -> None:
    report = find_patterns(example, ws.folder("analyses", "example"), compare="won")
    assert report.unit == "deals"
    assert report.effective_n is not None and report.effective_n < report.group.n
    top = report.patterns[0]
    assert "Fintech" in top.value
    assert top.group_rate.rate is not None and top.group_rate.rate > 0.45
    assert top.group_rate.low is not None and top.group_rate.low > 0.3


def test_the_planted_segment_tops_the_segment_ranking(example: Dataset, ws: Workspace) -> None:
    segmentation = segment_accounts(example, ws, dimensions=["industry", "size"], name="by-industry-size")
    ranking = rank_segments(example, ws, segmentation.name)
    first = ranking.ranked[0]
    assert first.name.startswith("Fintech · Midsize (100-999)")
    assert not first.low_confidence
    assert first.likelihood is not None and first.likelihood.low is not None
    assert first.likelihood.low > (ranking.base_win_rate or 0)
    assert len(ranking.model_dump_json(exclude_none=True)) < BUDGET_CHARS


def test_the_planted_churn_segment_is_the_top_red_flag(example: Dataset, ws: Workspace) -> None:
    flags = find_red_flags(example, ws.folder("analyses", "example"))
    top = flags.flags[0]
    assert top.source == "churned"
    assert "Retail" in top.value and "Small (<100)" in top.value
    assert top.bad_rate.rate is not None and top.bad_rate.rate > 2 * top.base_rate
    assert "disqualify" in top.disqualifier


def test_outcome_columns_are_never_reported_as_patterns(example: Dataset, ws: Workspace) -> None:
    report = find_patterns(example, ws.folder("analyses", "example"), compare="best")
    attributes = {p.attribute for p in report.patterns}
    assert not attributes & {"lifecycle_stage", "outcome", "churned", "won_value", "deals_won"}
    assert "lifecycle_stage" in report.excluded


def test_data_without_a_pattern_gets_no_reliable_pattern(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    load_accounts(_noise(tmp_path), ws, LoadOptions(name="noise"))
    data = open_dataset(ws, "noise")
    for compare in ("won", "best"):
        report = find_patterns(data, ws.folder("analyses", "noise"), compare=compare)  # type: ignore[arg-type]
        assert not report.reliable, [p.statement for p in report.patterns]
        assert report.verdict.startswith("No reliable pattern")
        assert report.patterns == []


def test_dimension_segments_add_up_to_every_account(example: Dataset, ws: Workspace) -> None:
    result = segment_accounts(example, ws, dimensions=["industry", "region", "size"], name="three-dims")
    saved = pd.read_csv(result.membership_path)
    assert len(saved) == len(example.accounts)
    assert saved["segment_id"].value_counts().sum() == len(example.accounts)
    assert all(s.accounts >= result.min_size for s in result.segments if s.name != "Other combinations")
    assert len(result.model_dump_json(exclude_none=True)) < BUDGET_CHARS


def test_segmenting_twice_gives_the_same_segments(example: Dataset, ws: Workspace) -> None:
    first = segment_accounts(example, ws, k=3, name="discovered-a")
    second = segment_accounts(example, ws, k=3, name="discovered-b")
    assert [s.accounts for s in first.segments] == [s.accounts for s in second.segments]
    assert [s.name for s in first.segments] == [s.name for s in second.segments]


def test_discovered_segments_report_how_k_was_chosen(example: Dataset, ws: Workspace) -> None:
    result = segment_accounts(example, ws, name="discovered")
    assert result.mode == "discovered"
    assert f"k={result.k}" in result.reason
    assert result.diagnostics and all("stability" in d for d in result.diagnostics)


def test_best_customers_states_its_definition_and_concentration(example: Dataset, ws: Workspace) -> None:
    result = find_best_customers(example, ws.folder("analyses", "example"))
    assert result.best == round(0.2 * result.candidates) or abs(result.best - 0.2 * result.candidates) <= 2
    assert abs(sum(m.weight for m in result.definition) - 1) < 0.01
    assert result.concentration and "hold" in result.concentration
    assert result.top_accounts and all(a.reasons for a in result.top_accounts)
    assert Path(result.table_path).exists()


def test_best_customer_weights_can_be_set_and_bad_metrics_are_named(example: Dataset, ws: Workspace) -> None:
    result = find_best_customers(example, ws.folder("analyses", "example"), weights={"won_value": 1})
    assert [m.metric for m in result.definition] == ["won_value"]
    with pytest.raises(OptionError, match=r"Unknown value metric\(s\) revenue\. Metrics: lifetime_value"):
        find_best_customers(example, ws.folder("analyses", "example"), weights={"revenue": 1})


def test_an_unknown_dimension_lists_the_valid_ones(example: Dataset, ws: Workspace) -> None:
    with pytest.raises(ColumnError, match=r"Unknown column or dimension 'sektor'. Valid ones: .*industry"):
        segment_accounts(example, ws, dimensions=["sektor"])


def test_a_comparison_without_outcomes_says_what_would_provide_them(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    frame = pd.DataFrame({"Company": [f"C{i}" for i in range(40)], "Industry": ["A", "B"] * 20})
    frame.to_csv(tmp_path / "plain.csv", index=False)
    load_accounts(tmp_path / "plain.csv", ws, LoadOptions(name="plain"))
    with pytest.raises(InsufficientDataError, match=r"No churned information.*churn date"):
        find_patterns(open_dataset(ws, "plain"), tmp_path, compare="churned")
    with pytest.raises(InsufficientDataError, match=r"No won information.*deals file"):
        find_patterns(open_dataset(ws, "plain"), tmp_path, compare="won")


def test_too_few_accounts_for_segments_is_a_clear_error(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    frame = pd.DataFrame({"Company": [f"C{i}" for i in range(12)], "Industry": ["A", "B", "C"] * 4})
    frame.to_csv(tmp_path / "tiny.csv", index=False)
    load_accounts(tmp_path / "tiny.csv", ws, LoadOptions(name="tiny"))
    with pytest.raises(InsufficientDataError, match=r"Too few accounts \(12\) for segments of at least 10"):
        segment_accounts(open_dataset(ws, "tiny"), ws)


def test_twenty_accounts_are_analysed_with_small_samples_said(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "Company": [f"C{i}" for i in range(20)],
            "Industry": rng.choice(["A", "B"], 20),
            "Status": rng.choice(["Customer", "Lost"], 20),
            "ACV": rng.integers(1000, 9000, 20),
        }
    )
    frame.to_csv(tmp_path / "twenty.csv", index=False)
    load_accounts(tmp_path / "twenty.csv", ws, LoadOptions(name="twenty"))
    data = open_dataset(ws, "twenty")
    report = find_patterns(data, tmp_path, compare="won")
    assert report.group.small_sample
    assert not report.reliable
    best = find_best_customers(data, tmp_path)
    assert any("Small sample" in n for n in best.notes)


def test_a_condition_compares_any_group(example: Dataset, ws: Workspace) -> None:
    condition = [Condition(column="tech_stack", op="contains", value="Salesforce")]
    report = find_patterns(example, ws.folder("analyses", "example"), compare="condition", condition=condition)
    assert "tech_stack contains 'Salesforce'" in report.comparison
    assert all(p.attribute != "tech_stack" for p in report.patterns)


@pytest.mark.shared_data
def test_maven_won_vs_lost_has_no_reliable_firmographic_pattern(shared_data: Path, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    folder = shared_data / "maven_crm"
    load_accounts(folder / "accounts.csv", ws, LoadOptions(deals_path=folder / "sales_pipeline.csv", name="maven"))
    data = open_dataset(ws, "maven")
    report = find_patterns(data, tmp_path, compare="won")
    assert report.unit == "deals"
    assert not report.reliable
    assert report.verdict.startswith("No reliable pattern")
    best = find_best_customers(data, tmp_path)
    assert {s.value for s in best.by_size} >= {"Large (1,000+)", "Midsize (100-999)"}
    employees = next(d for d in best.drivers if d.column == "employee_count")
    assert employees.spearman > 0.5 and employees.p_value < 0.001  # size predicts value (SOURCE.txt: 0.67)


@pytest.mark.shared_data
def test_olist_segments_by_business_segment_and_lead_type_read_well(shared_data: Path, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    load_accounts(shared_data / "olist_b2b_funnel" / "olist_closed_deals_dataset.csv", ws, LoadOptions(name="olist"))
    data = open_dataset(ws, "olist")
    result = segment_accounts(data, ws, dimensions=["business_segment", "lead_type"])
    assert result.dimensions == ["industry", "lead_source"]
    assert sum(s.accounts for s in result.segments) <= 842 and result.segments_total >= 5
    assert result.segments[0].definition is not None or result.segments[0].name == "Other combinations"
    names = [s.name for s in result.segments if s.definition]
    assert any("online_medium" in n for n in names)
    assert len(result.model_dump_json(exclude_none=True)) < BUDGET_CHARS


def test_segments_by_a_multi_valued_field_put_each_account_under_its_most_common_value(
    example: Dataset, ws: Workspace
) -> None:
    result = segment_accounts(example, ws, dimensions=["tech_stack"], name="by-stack")
    saved = pd.read_csv(result.membership_path)
    assert len(saved) == len(example.accounts) and saved["segment"].notna().all()
    common = example.accounts["tech_stack"].dropna().str.split("; ").explode().value_counts().index[0]
    assert any(common in s.name for s in result.segments)  # the most common tool names a segment
