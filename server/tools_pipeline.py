"""Pipeline tools: review_pipeline (the open deals with fit, close likelihood and expected value, prioritised)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from icp_assistant.tools.model import icp as icp_engine
from icp_assistant.tools.model.pipeline import PipelineReview
from icp_assistant.tools.model.pipeline import review_pipeline as review_pipeline_engine
from icp_assistant.tools.store.datasets import open_dataset, read_deals

from .params import DatasetName, Sheet, Version
from .registry import Roots, State, ToolTable
from .state import off_loop, run_engine, sheet_arg

TOOLS = ToolTable()


@TOOLS.tool("Review the open pipeline", effect="writes")
async def review_pipeline(
    state: State,
    ctx: Context,
    roots: Roots,
    dataset: DatasetName,
    icp: Annotated[str | None, Field(description="ICP name from build_icp (default '<dataset>-icp')")] = None,
    version: Version = None,
    path: Annotated[
        str | None,
        Field(
            description="An open-pipeline file (a deals export with a stage column) to review instead of the "
            "dataset's own open deals; its deals are joined to the dataset's accounts, closed rows are left out"
        ),
    ] = None,
    sheet: Sheet = None,
) -> PipelineReview:
    """Prioritise the open deals: each deal's account fit from the ICP (score, tier, top reasons), and, only where
    fit predicts winning on held-out closed deals (the validate_icp split; AUC interval above 0.5), a close
    likelihood (Platt scaling or isotonic regression, chosen by cross-validation and fitted on half the held-out
    deals, checked per likelihood band on the other half)
    and expected value (amount x likelihood). Where fit does not predict winning it says so, gives no
    likelihoods and orders by stage (later first) then age, flagging deals older than won deals' 90th-percentile
    sales cycle. Returns counts, totals, the held-out win rate per score band with intervals, the top deals and
    the whole list as CSV and Parquet files."""
    data = await off_loop(open_dataset, state.workspace, dataset)
    name = icp if icp is not None else f"{data.name}-icp"  # the name build_icp gives by default
    chosen = await off_loop(icp_engine.open_icp, state.workspace, name, version)
    pipeline = source = None
    if path is not None:
        resolved = state.resolve(path, roots)
        pipeline = await off_loop(read_deals, resolved, sheet_arg(sheet), state.config.max_file_bytes, ("deal_stage",))
        source = resolved.name
    result = await run_engine(
        ctx, review_pipeline_engine, data, chosen, state.workspace, pipeline=pipeline, source=source
    )  # fmt: skip
    await off_loop(icp_engine.save_result, state.workspace, chosen, "pipeline", result)
    return result
