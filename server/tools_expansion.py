"""Expansion tool: find_expansion (white space among ICP-fit customers, and who expanded)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from icp_assistant.tools.model import icp as icp_engine
from icp_assistant.tools.model.expansion import ExpansionReport, FitTier
from icp_assistant.tools.model.expansion import find_expansion as find_expansion_engine
from icp_assistant.tools.store.datasets import open_dataset

from .params import DatasetName, IcpName, Version
from .registry import State, ToolTable
from .state import off_loop, run_engine

TOOLS = ToolTable()


@TOOLS.tool("Find expansion potential (white space)", effect="writes")
async def find_expansion(
    state: State,
    ctx: Context,
    dataset: DatasetName,
    icp: IcpName,
    version: Version = None,
    segmentation: Annotated[
        str | None,
        Field(
            description="Segmentation (from segment_accounts on this dataset) whose segments are the comparison "
            "groups; default: the ICP's segmentation, else same industry x company size"
        ),
    ] = None,
    value: Annotated[
        str | None,
        Field(
            description="Value column to compare (e.g. 'contract_value', 'won_value', a seats column, or 'products' "
            "for distinct won products); default: the first of contract value, MRR, won revenue, lifetime value"
        ),
    ] = None,
    min_peers: Annotated[
        int, Field(ge=2, le=1000, description="Fewest customers with a value a segment needs to give a gap")
    ] = 10,
    tier: Annotated[
        list[FitTier],
        Field(
            min_length=1,
            description="ICP tiers that count as fit, e.g. ['green'] or ['green', 'yellow']; ['unscored'] when the "
            "ICP has no criteria (then every customer is unscored)",
        ),
    ] = ["green"],  # noqa: B006 - the schema default; pydantic copies it per call
) -> ExpansionReport:
    """Expansion potential among ICP-fit customers. White space: each customer whose ICP tier counts as fit (tiers
    from the ICP's own scorer) compared with the customers of its segment: the peers' median and 75th percentile
    (what comparable customers reach), the account's value and the gap, in the value's unit; segments with fewer than
    min_peers peers are called small and get no gap. Totals per segment, the largest gaps, and every fit customer in
    a CSV. Expansion history when the data has it (a won deal after the first won deal, or an expansion value): how
    many customers expanded, with an interval, and the traits of those that expanded vs those that did not (rates
    with Wilson intervals, lift, Benjamini-Hochberg correction), or 'no reliable pattern'."""
    data = await off_loop(open_dataset, state.workspace, dataset)
    chosen = await off_loop(icp_engine.open_icp, state.workspace, icp, version)
    result = await run_engine(
        ctx, find_expansion_engine, data, chosen, state.workspace, segmentation=segmentation, value=value,
        min_peers=min_peers, tiers=tier,
    )  # fmt: skip
    await off_loop(icp_engine.save_result, state.workspace, chosen, "expansion", result)
    return result
