"""Analysis tools: best customers, patterns, segments, segment ranking, red flags."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Literal

from mcp.types import ImageContent
from pydantic import BaseModel, Field

from icp_assistant.tools.analysis.schemas import METRICS, BestCustomers, Condition, PatternReport, RedFlags
from icp_assistant.tools.analysis.segment_schemas import Segmentation, SegmentRanking

from .params import Chart, DatasetName, TopShare
from .registry import Call, ToolTable
from .state import AppState

TOOLS = ToolTable()


def _image(model: BaseModel) -> list[ImageContent]:
    path = getattr(model, "chart_path", None)
    if not path or not Path(path).exists():
        return []
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return [ImageContent(type="image", data=data, mime_type="image/png")]


def _output(state: AppState, dataset: str) -> Path:
    return state.workspace.folder("analyses", dataset)


@TOOLS.tool("Find best customers", effect="writes", extra=_image)
async def find_best_customers(
    call: Call,
    dataset: DatasetName,
    top_share: TopShare = 0.2,
    weights: Annotated[
        dict[str, float] | None,
        Field(description=f"Metric weights, e.g. {{'won_value': 2, 'nps': 1}}; metrics: {', '.join(METRICS)}"),
    ] = None,
    chart: Chart = False,
) -> BestCustomers:
    """Rank customers by a value score built from whatever value data exists (contract / lifetime / won
    value, expansion, retention, NPS/CSAT, sales-cycle speed), with the definition and weights reported.
    Returns how many accounts are 'best' (top share), how concentrated value is, value by size band,
    firmographic value drivers (Spearman) and a capped list of top accounts with their reasons."""
    from icp_assistant.tools.analysis import best_customers as best

    data = await call.dataset(dataset)
    return await call.run(
        best.find_best_customers,
        data,
        _output(call.state, dataset),
        top_share=top_share,
        weights=weights,
        chart=chart,
    )


@TOOLS.tool("Find patterns", effect="writes", extra=_image)
async def find_patterns(
    call: Call,
    dataset: DatasetName,
    compare: Annotated[
        Literal["best", "won", "churned", "condition"],
        Field(
            description="best = best customers vs all; won = won vs lost (deals when loaded); churned = "
            "churned vs retained; condition = accounts matching `condition` vs the rest"
        ),
    ] = "best",
    condition: Annotated[
        list[Condition] | None, Field(description="For compare='condition': tests combined with AND")
    ] = None,
    top_share: TopShare = 0.2,
    include_leaky: Annotated[
        bool, Field(description="Also test columns set after the outcome (not advised: they leak)")
    ] = False,
    chart: Chart = False,
) -> PatternReport:
    """What separates a group from the rest: for every attribute value (industry, size band, region, tech
    stack values, any column) its share in the group vs overall, lift, counts and a Benjamini-Hochberg
    corrected test; numbers compared by median and IQR. Returns the few strongest reliable patterns in
    plain words, or the verdict 'no reliable pattern' when nothing separates the group beyond chance."""
    from icp_assistant.tools.analysis import patterns

    data = await call.dataset(dataset)
    return await call.run(
        patterns.find_patterns,
        data,
        _output(call.state, dataset),
        compare=compare,
        condition=condition,
        top_share=top_share,
        include_leaky=include_leaky,
        chart=chart,
    )


@TOOLS.tool("Segment accounts", effect="writes", extra=_image)
async def segment_accounts(
    call: Call,
    dataset: DatasetName,
    dimensions: Annotated[
        list[str] | None,
        Field(
            description="Columns to segment by, e.g. ['industry', 'size', 'region'] (aliases: size, "
            "geography, revenue, tech). Omit to discover segments by clustering"
        ),
    ] = None,
    k: Annotated[int | None, Field(ge=2, le=12, description="Discovered mode: force this many segments")] = None,
    min_size: Annotated[
        int | None, Field(ge=2, description="Smallest segment in accounts (default 10 or 2-5% of accounts)")
    ] = None,
    name: Annotated[str | None, Field(description="Name to save the segmentation under")] = None,
    chart: Chart = False,
) -> Segmentation:
    """Segment accounts by the dimensions you name (rare values pooled, small combinations merged) or
    discover segments by clustering mixed firmographics (number of segments chosen by stability under
    resampling, minimum size and outcome separation). Each segment: accounts, share, a name from its
    distinctive traits ('Mixed' when none), traits with lift, medians, win rate with interval vs base,
    value, cycle days, churn, outliers. Saved by name for rank_segments."""
    from icp_assistant.tools.analysis import segments

    data = await call.dataset(dataset)
    return await call.run(
        segments.segment_accounts,
        data,
        call.workspace,
        dimensions=dimensions,
        k=k,
        min_size=min_size,
        name=name,
        chart=chart,
    )


@TOOLS.tool("Rank segments", effect="writes")
async def rank_segments(
    call: Call,
    dataset: DatasetName,
    segmentation: Annotated[str, Field(description="Segmentation name from segment_accounts")],
    weights: Annotated[
        dict[str, float] | None,
        Field(description="Criterion weights: profitability, likelihood, velocity (default 0.4 / 0.35 / 0.25)"),
    ] = None,
) -> SegmentRanking:
    """Rank the segments of a saved segmentation for targeting by profitability (median value),
    likelihood to convert (win rate, shrunk toward the base rate for small samples) and velocity (days to
    close), with the combined priority's weights stated, the evidence per segment, low-confidence
    segments ranked last, and the top accounts within each segment."""
    from icp_assistant.tools.analysis import ranking

    data = await call.dataset(dataset)
    return await call.run(ranking.rank_segments, data, call.workspace, segmentation, weights=weights)


@TOOLS.tool("Find red flags (anti-ICP)", effect="writes", extra=_image)
async def find_red_flags(call: Call, dataset: DatasetName, top_share: TopShare = 0.2, chart: Chart = False) -> RedFlags:
    """The anti-ICP: traits (and pairs of traits) over-represented among churned customers, lost deals
    and low-value customers, each with the bad-outcome rate of accounts that have it (Wilson interval),
    the base rate, lift and corrected significance, rendered as candidate disqualifiers."""
    from icp_assistant.tools.analysis import red_flags

    data = await call.dataset(dataset)
    return await call.run(
        red_flags.find_red_flags, data, _output(call.state, dataset), top_share=top_share, chart=chart
    )
