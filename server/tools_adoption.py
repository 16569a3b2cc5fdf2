"""Feature adoption: a product-usage export joined to a dataset's customers, by ICP tier and segment."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from icp_assistant.tools.model import icp as icp_engine
from icp_assistant.tools.model.adoption import FeatureAdoption
from icp_assistant.tools.model.adoption import analyze_feature_adoption as analyze_engine
from icp_assistant.tools.store.datasets import open_dataset

from .params import IcpName, Sheet, Version
from .registry import Roots, State, ToolTable
from .state import off_loop, run_engine, sheet_arg

TOOLS = ToolTable()


@TOOLS.tool("Analyze feature adoption", effect="writes")
async def analyze_feature_adoption(
    state: State,
    ctx: Context,
    roots: Roots,
    dataset: Annotated[str, Field(description="Dataset name from load_accounts whose customers used the product")],
    icp: IcpName,
    usage_path: Annotated[
        str,
        Field(
            description="Product-usage export (same formats as load_accounts), any common shape: long (account, "
            "feature, count or used flag, date), an event log (account, feature, timestamp per use) or wide (one "
            "row per account, one column per feature holding counts, flags or first-use dates)"
        ),
    ],
    sheet: Sheet = None,
    version: Version = None,
    segmentation: Annotated[
        str | None,
        Field(
            description="Segmentation (from segment_accounts) to break adoption down by; default: the ICP's segments"
        ),
    ] = None,
) -> FeatureAdoption:
    """Feature adoption among a dataset's customers: the adoption rate of each feature overall, per ICP tier (from
    the ICP's own scores) and per segment (of `segmentation`, else each customer's nearest ICP segment), with n,
    Wilson intervals and lift, and the tiers or segments that adopt a feature reliably more or less (Fisher's exact
    test, Benjamini-Hochberg across all); the features that separate retained from churned customers (difference
    with a Newcombe interval, or 'no reliable difference'); and the onboarding order of ICP-fit (green) customers:
    median days from becoming a customer to first use. Usage rows join to accounts by id or company name; accounts
    not in the dataset are counted and named. The full tables are written to a CSV file whose path is returned."""
    data = await off_loop(open_dataset, state.workspace, dataset)
    chosen = await off_loop(icp_engine.open_icp, state.workspace, icp, version)
    result = await run_engine(
        ctx, analyze_engine, data, chosen, state.resolve(usage_path, roots), state.workspace, sheet=sheet_arg(sheet),
        max_bytes=state.config.max_file_bytes, segmentation=segmentation,
    )  # fmt: skip
    await off_loop(icp_engine.save_result, state.workspace, chosen, "adoption", result)
    return result
