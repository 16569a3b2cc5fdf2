"""The ICP at work for each team: review_pipeline (sales: the open deals with fit, close likelihood and expected
value), analyze_feature_adoption (product: adoption by ICP tier and segment, retention and expansion features, the
onboarding order) and find_expansion (customer success: white space among ICP-fit customers, and who expanded).
Each review is kept beside the ICP version, for the document's team section."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from icp_assistant.tools.model.team_schemas import ExpansionReport, FeatureAdoption, FitTier, PipelineReview

from .params import DatasetName, IcpName, Sheet, Version
from .registry import Call, Roots, ToolTable
from .state import sheet_arg

TOOLS = ToolTable()


@TOOLS.tool("Review the open pipeline", effect="writes")
async def review_pipeline(
    call: Call,
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
    deals, checked per likelihood band on the other half) and expected value (amount x likelihood). Where fit does
    not predict winning it says so, gives no likelihoods and orders by stage (later first) then age, flagging deals
    older than won deals' 90th-percentile sales cycle. Returns counts, totals, the held-out win rate per score band
    with intervals, the top deals and the whole list as CSV and Parquet files."""
    from icp_assistant.tools.model.icp import save_result
    from icp_assistant.tools.model.pipeline import review_pipeline as review_pipeline_engine
    from icp_assistant.tools.store.datasets import read_deals

    data = await call.dataset(dataset)
    name = icp if icp is not None else f"{data.name}-icp"  # the name build_icp gives by default
    chosen = await call.icp(name, version)
    pipeline = source = None
    if path is not None:
        resolved = call.state.resolve(path, roots)
        pipeline = await call.off(read_deals, resolved, sheet_arg(sheet), call.config.max_file_bytes, ("deal_stage",))
        source = resolved.name
    result = await call.run(review_pipeline_engine, data, chosen, call.workspace, pipeline=pipeline, source=source)
    await call.off(save_result, call.workspace, chosen, "pipeline", result)
    return result


@TOOLS.tool("Analyze feature adoption", effect="writes")
async def analyze_feature_adoption(
    call: Call,
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
    mapping: Annotated[
        dict[str, str | None] | None,
        Field(
            description="Override which column is which: {field: column_in_file} with fields usage_account_id, "
            "usage_account (company name), usage_feature, usage_count, usage_date, usage_last; null unmaps one "
            "(e.g. {'usage_count': null} counts each row as one use)"
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
    from icp_assistant.tools.model.adoption import analyze_feature_adoption as analyze_engine
    from icp_assistant.tools.model.icp import save_result

    data = await call.dataset(dataset)
    chosen = await call.icp(icp, version)
    result = await call.run(
        analyze_engine,
        data,
        chosen,
        call.state.resolve(usage_path, roots),
        call.workspace,
        sheet=sheet_arg(sheet),
        max_bytes=call.config.max_file_bytes,
        segmentation=segmentation,
        mapping=mapping,
    )
    await call.off(save_result, call.workspace, chosen, "adoption", result)
    return result


@TOOLS.tool("Find expansion potential (white space)", effect="writes")
async def find_expansion(
    call: Call,
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
    from icp_assistant.tools.model.expansion import find_expansion as find_expansion_engine
    from icp_assistant.tools.model.icp import save_result

    data = await call.dataset(dataset)
    chosen = await call.icp(icp, version)
    result = await call.run(
        find_expansion_engine,
        data,
        chosen,
        call.workspace,
        segmentation=segmentation,
        value=value,
        min_peers=min_peers,
        tiers=tier,
    )
    await call.off(save_result, call.workspace, chosen, "expansion", result)
    return result
