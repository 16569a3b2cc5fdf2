"""User weights on the ICP (a 40/30/30-style rubric, hand-set points), target segments, nearest segment,
and validation on a second file."""

from __future__ import annotations

from pathlib import Path

import pytest

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.analysis.segments import segment_accounts
from icp_assistant.tools.core.errors import OptionError
from icp_assistant.tools.model.bulk import score_prospects
from icp_assistant.tools.model.icp import ICPVersion, Settings, build_icp, edit_icp, open_icp, score_rows
from icp_assistant.tools.model.prospect import score_prospect
from icp_assistant.tools.model.rubric import RubricGroup, apply_rubric
from icp_assistant.tools.model.scorecard import point_range
from icp_assistant.tools.model.validation import validate_on
from icp_assistant.tools.store.datasets import Dataset, LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.fixture(scope="module")
def icp(example: Dataset, ws: Workspace) -> ICPVersion:
    segment_accounts(example, ws, dimensions=["industry", "size_band"], name="by-industry-size")
    return build_icp(example, ws, name="weighted")


def rubric(icp: ICPVersion) -> list[RubricGroup]:
    other = [a for a in icp.scorecard.attributes if a not in ("industry", "size_band")]
    return [
        RubricGroup(name="must-have", attributes=["industry"], weight=40),
        RubricGroup(name="size", attributes=["size_band"], weight=30),
        RubricGroup(name="technical fit", attributes=other, weight=30),
    ]


def group_span(icp: ICPVersion, group: str) -> int:
    """Best minus worst points one account can get from a group's criteria."""
    attributes = {c.attribute for c in icp.scorecard.criteria if c.group == group}
    return sum(high - low for low, high in (point_range(icp.scorecard.criteria, a) for a in attributes))


def test_a_rubric_gives_each_group_its_weight_and_keeps_learned_ratios(icp: ICPVersion, ws: Workspace) -> None:
    weighted = edit_icp(ws, icp.name, Settings(rubric=rubric(icp)))
    assert weighted.version == icp.version + 1
    for group, weight in (("must-have", 40), ("size", 30), ("technical fit", 30)):
        assert abs(group_span(weighted, group) - weight) <= 2, group  # whole points: rounding only
    learned = {c.id: c.points for c in icp.scorecard.criteria if c.attribute == "industry"}
    now = {c.id: c.points for c in weighted.scorecard.criteria if c.attribute == "industry"}
    top = max(learned, key=lambda k: learned[k])
    assert max(now, key=lambda k: now[k]) == top  # the strongest industry stays the strongest
    assert weighted.learned is not None and weighted.learned.criteria == icp.scorecard.criteria
    assert any("Rubric" in note for note in weighted.weighting)
    assert open_icp(ws, icp.name, icp.version).rubric == []  # the earlier version is unchanged


def test_weighted_points_still_add_up_to_the_score(icp: ICPVersion, ws: Workspace, example: Dataset) -> None:
    weighted = edit_icp(ws, icp.name, Settings(rubric=rubric(icp)))
    rows = add_bands(example.accounts)
    scored = score_rows(weighted, rows)
    criteria = [c.id for c in weighted.scorecard.criteria if c.id in scored]
    raw = weighted.scorecard.base + scored[criteria].sum(axis=1)
    assert (scored["raw_score"] == raw).all()
    assert scored["score"].between(0, 100).all()


def test_rubric_weights_must_add_to_100_and_name_existing_attributes(icp: ICPVersion) -> None:
    with pytest.raises(OptionError, match=r"add up to 90.*must add up to 100"):
        apply_rubric(icp.scorecard, [RubricGroup(name="a", attributes=["industry"], weight=90)])
    with pytest.raises(OptionError, match=r"'growth'.*no criteria.*Attributes with points: .*industry"):
        apply_rubric(
            icp.scorecard,
            [
                RubricGroup(name="fit", attributes=["industry"], weight=70),
                RubricGroup(name="growth", attributes=["funding_stage"], weight=30),
            ],
        )


def test_hand_set_points_override_one_criterion(icp: ICPVersion, ws: Workspace) -> None:
    target = icp.scorecard.criteria[0]
    edited = edit_icp(ws, icp.name, Settings(rubric=[], points={target.id: 5}))
    pinned = next(c for c in edited.scorecard.criteria if c.id == target.id)
    assert pinned.points == 5 and pinned.pinned
    with pytest.raises(OptionError, match=r"No criterion industry=Nowhere.*attribute=value"):
        edit_icp(ws, icp.name, Settings(points={"industry=Nowhere": 5}))


def test_the_icp_describes_its_segments_and_targets_the_planted_one(icp: ICPVersion) -> None:
    assert icp.segmentation == "by-industry-size"
    targets = [s for s in icp.segments if s.target]
    assert targets, "the planted Fintech mid-market segment should be targeted"
    best = targets[0]
    assert "Fintech" in best.name
    assert best.who and best.why and best.examples
    assert any("win rate" in line and "CI" in line for line in best.why)
    assert all(s.median_score >= icp.thresholds.yellow for s in targets)
    assert all(s.median_score < icp.thresholds.yellow for s in icp.segments if not s.target)
    assert any(s.negative for s in icp.segments)


def test_a_prospect_gets_its_nearest_segment(icp: ICPVersion) -> None:
    result = score_prospect(icp, {"Industry": "Fintech", "Employees": "300", "Country": "Germany"})
    assert result.segment is not None
    assert "Fintech" in result.segment.name
    assert "industry Fintech" in result.segment.matched
    unknown_only = score_prospect(icp, {"Country": "Germany", "Employees": 300})
    assert unknown_only.segment is None or "industry Fintech" not in unknown_only.segment.matched


def test_the_prospect_list_counts_prospects_per_segment(icp: ICPVersion, ws: Workspace) -> None:
    result = score_prospects(icp, EXAMPLES / "prospects.csv", ws, LoadOptions(name="prospects"))
    assert sum(result.segments.values()) <= result.rows
    assert any("Fintech" in name for name in result.segments)


def test_validation_on_a_second_file_scores_the_saved_version_as_is(
    icp: ICPVersion, ws: Workspace, example: Dataset
) -> None:
    load_accounts(
        EXAMPLES / "stable_quarter_accounts.csv",
        ws,
        LoadOptions(deals_path=EXAMPLES / "stable_quarter_deals.csv", name="stable"),
    )
    report = validate_on(example, open_dataset(ws, "stable"), icp)
    assert report.split == "second file: dataset 'stable'"
    tiers = {t.tier: t for t in report.evaluation.tiers}
    green, red = tiers["green"].win_rate, tiers["red"].win_rate
    assert green.rate is not None and red.rate is not None
    assert green.low is not None and red.high is not None and green.low > red.high
    assert report.evaluation.tiers_separate is True
    assert report.evaluation.auc is not None and report.evaluation.auc > 0.5
