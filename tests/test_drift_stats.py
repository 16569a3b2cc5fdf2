"""The drift engine behind check_drift: PSI per attribute, coverage drift kept apart from mix drift."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, OptionError
from icp_assistant.tools.model.drift_stats import Kind, attribute_drift, compare_samples, psi


def _column(counts: dict[str | None, int]) -> list[str | None]:
    """A column with exactly ``counts`` of each value, interleaved so that row order carries no pattern."""
    values = [value for value, count in counts.items() for _ in range(count)]
    return [values[i] for i in np.random.default_rng(7).permutation(len(values))]


def _industries(healthcare: int, software: int, retail: int, fintech: int) -> pd.Series:
    return pd.Series(_column({"Healthcare": healthcare, "Software": software, "Retail": retail, "Fintech": fintech}))


def test_identical_samples_have_psi_near_zero_and_no_meaningful_drift() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "industry": _industries(10, 40, 30, 20),
            "employees": rng.lognormal(5, 1, 100),
            "tech_stack": _column({"Salesforce; HubSpot": 50, "Salesforce": 30, "Slack": 20}),
        }
    )
    report = compare_samples(
        frame, frame.copy(), {"industry": "category", "employees": "number", "tech_stack": "multi"}
    )
    assert report.enough
    assert report.verdict == "No meaningful drift (max PSI 0.00)"
    for drift in report.attributes:
        assert drift.psi == pytest.approx(0.0, abs=1e-9)
        assert drift.psi_level == "none"
        assert not drift.coverage_drift
        assert drift.top_shifts == []
        assert drift.effect == pytest.approx(0.0, abs=1e-9)


def test_a_planted_healthcare_shift_is_significant_and_named_in_top_shifts_and_the_statement() -> None:
    reference = pd.DataFrame({"industry": _industries(5, 45, 30, 20)})
    recent = pd.DataFrame({"industry": _industries(40, 25, 20, 15)})
    report = compare_samples(reference, recent, {"industry": "category"})
    drift = report.attributes[0]
    assert drift.psi_level == "significant"
    assert drift.test == "chi2"
    assert drift.p_value is not None and drift.p_value < 0.001
    assert drift.effect is not None and 0.3 < drift.effect <= 1
    assert drift.top_shifts[0] == ("Healthcare", 0.05, 0.4)
    assert "industry: significant mix drift" in drift.statement
    assert "Healthcare 5% -> 40%" in drift.statement
    assert report.verdict.startswith(f"Significant drift in 1 attribute: industry (PSI {drift.psi:.2f})")


def test_numbers_shifted_by_one_standard_deviation_are_significant_with_a_ks_effect_above_0_3() -> None:
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"employees": rng.normal(200, 50, 500)})
    recent = pd.DataFrame({"employees": rng.normal(250, 50, 300)})
    drift = compare_samples(reference, recent, {"employees": "number"}).attributes[0]
    assert drift.test == "ks"
    assert drift.psi_level == "significant"
    assert drift.effect is not None and drift.effect > 0.3
    assert len(drift.top_shifts) == 3
    assert "employees: significant mix drift" in drift.statement


def test_a_column_emptying_with_the_same_mix_is_coverage_drift_and_not_mix_drift() -> None:
    reference = pd.DataFrame({"tech_stack": _column({"Salesforce; HubSpot": 95, "Slack": 57, "HubSpot": 38, None: 10})})
    recent = pd.DataFrame({"tech_stack": _column({"Salesforce; HubSpot": 40, "Slack": 24, "HubSpot": 16, None: 120})})
    report = compare_samples(reference, recent, {"tech_stack": "multi"})
    drift = report.attributes[0]
    assert (drift.coverage_reference, drift.coverage_recent) == (0.95, 0.4)
    assert drift.coverage_drift and not drift.recoding
    assert drift.psi == pytest.approx(0.0, abs=1e-9)
    assert drift.psi_level == "none"
    assert drift.statement.startswith("coverage drift: tech_stack filled 95% -> 40% (likely an export change")
    assert report.verdict.startswith("No meaningful drift (max PSI 0.00); coverage drift")
    assert "tech_stack (filled 95% -> 40%)" in report.verdict


def test_renamed_values_are_flagged_as_a_recoding_and_not_counted_as_mix_drift() -> None:
    reference = pd.DataFrame({"industry": _column({"Fintech": 40, "Software": 35, "Retail": 25})})
    recent = pd.DataFrame({"industry": _column({"Financial Technology": 24, "Software": 21, "Retail": 15})})
    report = compare_samples(reference, recent, {"industry": "category"})
    drift = report.attributes[0]
    assert drift.new_values == ["Financial Technology"]
    assert drift.recoding and drift.coverage_drift
    assert drift.coverage_reference == drift.coverage_recent == 1.0
    assert "likely a recoding: 40% of recent filled rows" in drift.statement
    assert "Financial Technology" in drift.statement
    assert "Significant" not in report.verdict
    assert "industry (likely recoding)" in report.verdict


def test_a_few_new_values_are_listed_without_calling_a_recoding() -> None:
    reference = pd.DataFrame({"industry": _column({"Fintech": 40, "Software": 35, "Retail": 25})})
    recent = pd.DataFrame({"industry": _column({"Fintech": 17, "Software": 14, "Retail": 10, "Biotech": 4})})
    drift = compare_samples(reference, recent, {"industry": "category"}).attributes[0]
    assert drift.new_values == ["Biotech"]
    assert not drift.recoding and not drift.coverage_drift
    assert drift.statement.endswith("new values: Biotech")


def test_fewer_than_30_recent_rows_are_not_enough_and_the_verdict_says_so() -> None:
    reference = pd.DataFrame({"industry": _industries(5, 45, 30, 20)})
    recent = pd.DataFrame({"industry": ["Healthcare"] * 12})
    report = compare_samples(reference, recent, {"industry": "category"})
    assert not report.enough
    assert report.verdict == "Too few recent rows (12 < 30) to judge drift; re-run when there are more"
    assert report.attributes[0].psi is not None  # still measured, just not judged


def test_fewer_than_30_reference_rows_are_not_enough_either() -> None:
    reference = pd.DataFrame({"industry": ["Software"] * 20})
    report = compare_samples(reference, pd.DataFrame({"industry": ["Software"] * 40}), {"industry": "category"})
    assert not report.enough
    assert report.verdict.startswith("Too few reference rows (20 < 30)")


def test_the_report_is_deterministic() -> None:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"industry": _industries(5, 45, 30, 20), "employees": rng.normal(0, 1, 100)})
    recent = pd.DataFrame({"industry": _industries(20, 30, 30, 20), "employees": rng.normal(0.3, 1, 100)})
    kinds: dict[str, Kind] = {"industry": "category", "employees": "number"}
    first = compare_samples(reference, recent, kinds).model_dump()
    assert compare_samples(reference.copy(), recent.copy(), kinds).model_dump() == first
    shuffled = recent.sample(frac=1, random_state=0).reset_index(drop=True)
    assert compare_samples(reference, shuffled, kinds).model_dump() == first


def test_attributes_are_sorted_by_psi_and_capped_at_max_attributes() -> None:
    reference = pd.DataFrame({"a": _industries(5, 45, 30, 20), "b": _industries(5, 45, 30, 20), "c": [None] * 100})
    recent = pd.DataFrame({"a": _industries(6, 44, 30, 20), "b": _industries(40, 25, 20, 15), "c": [None] * 100})
    report = compare_samples(reference, recent, {"a": "category", "b": "category", "c": "category"})
    assert [d.attribute for d in report.attributes] == ["b", "a", "c"]
    assert report.attributes[2].psi is None and "mix not comparable" in report.attributes[2].statement
    capped = compare_samples(reference, recent, {"a": "category", "b": "category", "c": "category"}, max_attributes=1)
    assert capped.truncated and [d.attribute for d in capped.attributes] == ["b"]
    assert capped.verdict == report.verdict


def test_multi_valued_cells_are_compared_value_by_value() -> None:
    reference = pd.Series(_column({"Salesforce; HubSpot": 20, "Salesforce": 40, "Slack": 40}))
    recent = pd.Series(_column({"Salesforce; HubSpot": 60, "Salesforce": 20, "Slack": 20}))
    drift = attribute_drift(reference, recent, "multi", "tech_stack")
    shifts = {label: (ref, rec) for label, ref, rec in drift.top_shifts}
    assert shifts["HubSpot"] == (0.2, 0.6)
    assert shifts["Slack"] == (0.4, 0.2)
    assert drift.psi_level == "significant"


def test_a_column_missing_from_the_recent_export_is_coverage_drift() -> None:
    reference = pd.DataFrame({"industry": _industries(5, 45, 30, 20)})
    recent = pd.DataFrame({"other": range(40)})
    drift = compare_samples(reference, recent, {"industry": "category"}).attributes[0]
    assert drift.coverage_recent == 0.0 and drift.coverage_drift
    assert drift.psi is None and drift.test is None


def test_number_bins_merge_where_the_reference_has_ties() -> None:
    reference = pd.Series([0.0] * 80 + list(range(1, 21)))
    recent = pd.Series([0.0] * 40 + list(range(1, 61)))
    drift = attribute_drift(reference, recent, "number", "open_deals")
    # deciles 0, ..., 0, 0.2, 10.1: the tied zeros collapse and the empty (0, 0.2] bin merges into (0.2, 10.1],
    # leaving <= 0 / 0 to 10.1 / > 10.1 with shares 0.8 / 0.1 / 0.1 -> 0.4 / 0.1 / 0.5
    assert sorted(drift.top_shifts) == [("<= 0", 0.8, 0.4), ("> 10.1", 0.1, 0.5)]
    assert drift.psi == pytest.approx(-0.4 * math.log(0.5) + 0.4 * math.log(5), abs=1e-4)


def test_recent_numbers_above_a_constant_reference_still_drift() -> None:
    drift = attribute_drift(pd.Series([5.0] * 50), pd.Series([5.0] * 20 + [9.0] * 20), "number", "seats")
    assert [label for label, _, _ in drift.top_shifts] == ["<= 5", "> 5"]
    assert drift.psi_level == "significant"


def test_psi_matches_a_hand_computed_example() -> None:
    # (0.4 - 0.5) ln(0.4 / 0.5) + (0.4 - 0.3) ln(0.4 / 0.3) + 0 = 0.022314 + 0.028768
    assert psi(np.array([0.5, 0.3, 0.2]), np.array([0.4, 0.4, 0.2])) == pytest.approx(0.051083, abs=1e-6)
    # an empty reference cell counts as 1e-4: 0.022314 + (0.1 - 0.0001) ln(0.1 / 0.0001)
    assert psi(np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.4, 0.1])) == pytest.approx(0.712399, abs=1e-6)


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=12), st.data())
def test_psi_is_never_negative_and_zero_for_equal_shares(counts: list[int], data: st.DataObject) -> None:
    other = data.draw(st.lists(st.integers(0, 1000), min_size=len(counts), max_size=len(counts)))
    a, b = np.array(counts, dtype=float) + 1, np.array(other, dtype=float)
    a /= a.sum()
    b = b / b.sum() if b.sum() else a
    assert psi(a, b) >= 0
    assert psi(a, a.copy()) == 0.0


def test_psi_rejects_counts_and_mismatched_bins() -> None:
    with pytest.raises(OptionError, match="sum to 1"):
        psi(np.array([5.0, 3.0]), np.array([0.5, 0.5]))
    with pytest.raises(OptionError, match="same length"):
        psi(np.array([0.5, 0.5]), np.array([1.0]))


def test_bad_arguments_raise_errors_that_name_the_value() -> None:
    frame = pd.DataFrame({"industry": ["Software"] * 40})
    with pytest.raises(OptionError, match=r"'text'.*category, multi, number"):
        compare_samples(frame, frame, {"industry": "text"})  # type: ignore[dict-item]
    with pytest.raises(ColumnError, match=r"'sector'.*industry"):
        compare_samples(frame, frame, {"sector": "category"})
    with pytest.raises(OptionError, match="No attributes"):
        compare_samples(frame, frame, {})
    with pytest.raises(InsufficientDataError, match="recent 0"):
        compare_samples(frame, frame.iloc[:0], {"industry": "category"})


@pytest.mark.parametrize("kind", ["category", "multi", "number"])
def test_the_noise_floor_counts_each_sample_in_the_reference_bins_exactly_as_binning_it_anew(kind: str) -> None:
    """The reference is binned once; each random sample's PSI equals the PSI of a table built from the sample."""
    from icp_assistant.tools.model.drift_stats import _category_table, _filled, _noise, _number_table, psi

    rng = np.random.default_rng(4)
    if kind == "number":
        cells = pd.Series(rng.lognormal(3, 1, 3000))
    elif kind == "multi":
        tools = ["Slack", "Salesforce", "HubSpot", "Zoom", "Jira", "Notion"]
        cells = pd.Series(["; ".join(rng.choice(tools, rng.integers(0, 4), replace=False)) for _ in range(3000)])
    else:
        cells = pd.Series(rng.choice(["a", "b", "c", "Other", *[f"rare {i}" for i in range(30)]], 3000))
    ref = _filled(cells, kind)  # type: ignore[arg-type]
    draw = np.random.default_rng(0)
    values = []
    for _ in range(60):
        sample = ref.iloc[draw.integers(0, len(ref), 80)]
        table = _number_table(ref, sample) if kind == "number" else _category_table(ref, sample)
        values.append(psi(table.reference / table.reference.sum(), table.recent / table.recent.sum()))
    assert _noise(ref, 80, kind, 60, 0) == round(float(np.quantile(values, 0.95)), 4)  # type: ignore[arg-type]
