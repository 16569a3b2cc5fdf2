"""ICP tools: build_icp (a versioned scorecard) and score_prospect (one company, every point explained)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from icp_assistant.tools.ingest.schemas import OutcomeSpec
from icp_assistant.tools.model.review_schemas import DriftCheck, ValidationReport
from icp_assistant.tools.model.schemas import Export, ICPSummary, MarketSize, ProspectList, ProspectScore, Thresholds

from .params import DatasetName, EngineChoice, Gates, IcpName, Points, Rubric, Version
from .registry import Call, Roots, ToolTable
from .state import sheet_arg

TOOLS = ToolTable()


@TOOLS.tool("Build the ICP", effect="adds")
async def build_icp(
    call: Call,
    dataset: DatasetName,
    name: Annotated[
        str | None, Field(description="ICP name (default '<dataset>-icp'); each build adds a version")
    ] = None,
    green: Annotated[int, Field(ge=1, le=100, description="Score from which a prospect is green")] = 80,
    yellow: Annotated[int, Field(ge=0, le=99, description="Score from which a prospect is yellow")] = 60,
    must_haves: Gates = None,
    disqualifiers: Gates = None,
    rubric: Rubric = None,
    points: Points = None,
    segmentation: Annotated[
        str | None,
        Field(description="Segmentation (from segment_accounts) whose segments the ICP describes; default: latest"),
    ] = None,
    include: Annotated[
        list[str] | None,
        Field(description="Columns to use even though the ICP would leave them out (see `excluded` for reasons)"),
    ] = None,
    exclude: Annotated[
        list[str] | None, Field(description="Columns to leave out, e.g. ones filled after the outcome")
    ] = None,
    outcome: Annotated[
        OutcomeSpec | None,
        Field(
            description="Learn from this outcome instead of the dataset's: a column and the values that count as "
            "success, e.g. {'column': 'Churn', 'success': ['No']} (same shape as load_accounts' outcome)"
        ),
    ] = None,
) -> ICPSummary:
    """Learn the ICP scorecard from a dataset and save it as a new version: criteria with whole points
    (learned by regularised logistic regression on won vs lost deals, or from smoothed lift when only
    customers are known; only attributes associated with the outcome beyond chance carry points; leaky
    columns excluded), optional rubric group weights and hand-set points, tier thresholds, hard gates (a
    violated must-have or a disqualifier caps in red), best-fit / good-fit / red-flag statements with
    evidence, the in-sample win rate per tier, and the segments it targets with their description facts
    (who, why they fit, when, example accounts, negative description)."""
    from icp_assistant.tools.model import icp as icp_engine

    data = await call.dataset(dataset)
    thresholds = _thresholds(green, yellow)
    settings = icp_engine.Settings(
        thresholds=thresholds, must_haves=must_haves, disqualifiers=disqualifiers, rubric=rubric, points=points
    )
    learning = icp_engine.Learning(outcome=outcome, include=include, exclude=exclude, segmentation=segmentation)
    built = await call.run(icp_engine.build_icp, data, call.workspace, name=name, settings=settings, learning=learning)
    return await call.off(icp_engine.summary, call.workspace, built)


@TOOLS.tool("Edit the ICP (new version)", effect="adds")
async def edit_icp(
    call: Call,
    icp: IcpName,
    green: Annotated[int | None, Field(ge=1, le=100, description="New green threshold")] = None,
    yellow: Annotated[int | None, Field(ge=0, le=99, description="New yellow threshold")] = None,
    must_haves: Gates = None,
    disqualifiers: Gates = None,
    rubric: Rubric = None,
    points: Points = None,
) -> ICPSummary:
    """Change an ICP's weights, thresholds or gates without refitting: writes the next version (earlier
    versions stay readable). Rubric and hand-set points apply to the points as learned; pass [] or {} to go
    back to the learned points. In-sample tiers and segment scores are recomputed."""
    from icp_assistant.tools.model import icp as icp_engine

    current = await call.icp(icp)
    thresholds = None
    if green is not None or yellow is not None:
        thresholds = _thresholds(green or current.thresholds.green, yellow or current.thresholds.yellow)
    changes = icp_engine.Settings(
        thresholds=thresholds, must_haves=must_haves, disqualifiers=disqualifiers, rubric=rubric, points=points
    )
    edited = await call.run(icp_engine.edit_icp, call.workspace, icp, changes)
    return await call.off(icp_engine.summary, call.workspace, edited)


@TOOLS.tool("Score a prospect", effect="reads")
async def score_prospect(
    call: Call,
    icp: IcpName,
    fields: Annotated[
        dict[str, str | float | int | None] | None,
        Field(
            description="The company in any common field naming, e.g. {'Company': 'Acme', 'Industry': "
            "'Fintech', 'Employees': '51-200', 'Country': 'Germany', 'Technologies': 'Salesforce; Slack'}; "
            "with `company`, they replace what was found"
        ),
    ] = None,
    company: Annotated[
        str | None,
        Field(
            description="A company to look up in the loaded datasets instead of describing it: its name "
            "('Acme Logistics'), web domain ('acme.com') or id"
        ),
    ] = None,
    dataset: Annotated[
        str | None, Field(description="Look only in this dataset (with `company`, or with `row`)")
    ] = None,
    row: Annotated[
        int | None, Field(ge=1, description="Row of `dataset` (1 = first data row), to pick one candidate")
    ] = None,
    version: Version = None,
) -> ProspectScore:
    """Score one company with an ICP: fit score 0-100, tier, hard-gate failures first, the points each
    criterion added or removed (they add up to the score), the attributes it lacks with the score range
    they could move it to ('unknown' is not 'bad fit'), and how each given field was read. "Is Acme a
    fit?": pass `company` (name, domain or id) and it is found in the loaded datasets and scored as stored
    there (`found` says which dataset and row; a customer is told whether it sits inside the ICP); a name
    matching several companies lists them to pick from by domain or dataset + row."""
    from icp_assistant.tools.model.prospect import score_any

    chosen = await call.icp(icp, version)
    return await call.run(score_any, call.workspace, chosen, fields, company, dataset, row)


@TOOLS.tool("Validate the ICP", effect="writes")
async def validate_icp(
    call: Call,
    dataset: Annotated[str, Field(description="Dataset name from load_accounts (with won and lost outcomes)")],
    icp: IcpName,
    version: Version = None,
    split: Annotated[
        Literal["auto", "time", "account"],
        Field(description="auto: by close date when known (fit on older, test on newer), else by account"),
    ] = "auto",
    holdout: Annotated[
        str | None,
        Field(
            description="A second dataset (e.g. next quarter's deals, loaded with load_accounts) to test the "
            "saved version on as it is, instead of splitting `dataset`"
        ),
    ] = None,
) -> ValidationReport:
    """Check the ICP on held-out rows: refit its points on older deals (or other accounts), score the held-out
    ones, and report AUC with a bootstrap interval, win rate per tier with Wilson intervals, green and
    top-decile lift, calibration, and base-rate and plain logistic baselines side by side. Says plainly when
    tiers do not separate or the sample is too small to tell. With `holdout`, the saved version is scored
    as it is on that second dataset."""
    from icp_assistant.tools.model.icp import save_result, training_deals
    from icp_assistant.tools.model.validation import validate_icp as validate_icp_engine
    from icp_assistant.tools.model.validation import validate_on

    chosen = await call.icp(icp, version)
    data = await call.dataset(dataset, deals=training_deals(chosen))  # only the deal columns training reads
    if holdout is not None:
        other = await call.dataset(holdout, deals=training_deals(chosen))
        result = await call.run(validate_on, data, other, chosen)
    else:
        result = await call.run(validate_icp_engine, data, chosen, split=split)
    await call.off(save_result, call.workspace, chosen, "validation", result)
    return result


@TOOLS.tool("Check ICP drift (quarterly review)", effect="reads")
async def check_drift(
    call: Call,
    dataset: Annotated[str, Field(description="Dataset the ICP was built from (the reference wins)")],
    icp: IcpName,
    recent: Annotated[
        str | None, Field(description="Dataset of newer accounts + deals loaded with load_accounts")
    ] = None,
    since: Annotated[
        str | None, Field(description="Or a date cut (YYYY-MM-DD): deals closed on/after it are 'recent'")
    ] = None,
    version: Version = None,
) -> DriftCheck:
    """The quarterly ICP review: compare recent wins with the wins the ICP was built on, attribute by attribute
    (PSI with a sampling-noise floor, KS / Cramer's V; coverage changes such as emptier or recoded columns kept
    apart from real mix changes), the share of new wins scoring red then and now, and win rate per tier then
    and now; too few recent wins (< 30) is said instead of judged."""
    from icp_assistant.tools.model.drift import check_drift as check_drift_engine
    from icp_assistant.tools.model.icp import training_deals

    chosen = await call.icp(icp, version)
    deals = training_deals(chosen)  # drift compares the training frames' wins
    reference = await call.dataset(dataset, deals=deals)
    later = await call.dataset(recent, deals=deals) if recent is not None else None
    return await call.run(check_drift_engine, reference, chosen, recent=later, since=since)


@TOOLS.tool("Export the ICP scoring model", effect="writes")
async def export_icp(
    call: Call,
    icp: IcpName,
    version: Version = None,
    table: Annotated[str, Field(description="Table the SQL should score (canonical column names)")] = "accounts",
) -> Export:
    """Export an ICP version as a scoring SELECT (runs unchanged in DuckDB and Spark SQL; returns icp_score,
    icp_tier, icp_reasons (the three criteria with the most points, as in a prospect list) and
    icp_criteria_met, and agrees exactly with score_prospect), a JSON spec of the criteria and points,
    and HubSpot-style scoring rules; files are written to the workspace and their paths returned."""
    from icp_assistant.tools.model.export import export_icp as export_engine

    chosen = await call.icp(icp, version)
    return await call.run(export_engine, chosen, call.workspace.folder("exports", chosen.name), table)


@TOOLS.tool("Score a prospect list", effect="writes")
async def score_prospects(
    call: Call,
    roots: Roots,
    icp: IcpName,
    path: Annotated[str, Field(description="Prospect file (same formats as load_accounts)")],
    version: Version = None,
    sheet: Annotated[str | None, Field(description="XLSX only: sheet name or 0-based index")] = None,
    carry: Annotated[
        list[str] | None,
        Field(description="Columns of the file to carry into the list as they are (headers as in the file)"),
    ] = None,
    engine: EngineChoice = "auto",
) -> ProspectList:
    """Score a whole prospect file with an ICP into a prioritised target account list (score, tier, top
    reasons, next step): every row in CSV and Parquet, and an Excel workbook for the sales team (formatted,
    tier colours, a summary sheet; the top 25,000 rows by score when longer). Returns counts per tier, the
    top accounts, the file paths and data-quality notes. Files of millions of rows are scored out of core
    (the ICP's SQL on an embedded DuckDB, or on Spark when the server has --spark), with the same results.
    Progress is reported for big files."""
    from icp_assistant.tools.model.bulk import score_prospects as score_prospects_engine
    from icp_assistant.tools.model.engines import Compute
    from icp_assistant.tools.store.datasets import LoadOptions

    chosen = await call.icp(icp, version)
    options = LoadOptions(sheet=sheet_arg(sheet), max_bytes=call.config.max_file_bytes)
    compute = Compute(engine, call.config.spark)
    return await call.run(
        score_prospects_engine,
        chosen,
        call.state.resolve(path, roots),
        call.workspace,
        options,
        carry=carry,
        compute=compute,
    )


@TOOLS.tool("Size the market (TAM / SAM / SOM)", effect="writes")
async def size_market(
    call: Call,
    roots: Roots,
    dataset: Annotated[str, Field(description="Dataset the ICP was built from (for contract values)")],
    icp: IcpName,
    universe: Annotated[str, Field(description="File of all accounts in your market (same formats as load_accounts)")],
    share: Annotated[float, Field(gt=0, le=1, description="Realistic share of the SAM to win (0.1 = 10%)")] = 0.1,
    reps: Annotated[int | None, Field(ge=1, description="Sales reps (for the capacity limit)")] = None,
    deals_per_rep: Annotated[float | None, Field(gt=0, description="Deals a rep can work in the horizon")] = None,
    contract_value: Annotated[
        float | None, Field(gt=0, description="Annual value per account, if not from won deals")
    ] = None,
    engine: EngineChoice = "auto",
) -> MarketSize:
    """TAM / SAM / SOM bottom-up from an account universe: every account scored with the ICP, contract value
    from won deals per size band (stated), SAM = green + yellow, SOM = min(SAM x share, reps x deals x win rate
    x value), sensitivity to the assumptions, and the ranked SOM account list written to a file. Universes of
    millions of rows are scored out of core (DuckDB, or Spark with --spark), with the same results."""
    from icp_assistant.tools.model.engines import Compute
    from icp_assistant.tools.model.icp import save_result
    from icp_assistant.tools.model.market import REFERENCE_ACCOUNTS, REFERENCE_DEALS, Capacity
    from icp_assistant.tools.model.market import size_market as size_market_engine
    from icp_assistant.tools.store.datasets import LoadOptions

    reference = await call.dataset(dataset, accounts=REFERENCE_ACCOUNTS, deals=REFERENCE_DEALS)
    chosen = await call.icp(icp)
    options = LoadOptions(max_bytes=call.config.max_file_bytes)
    capacity = Capacity(share=share, reps=reps, deals_per_rep=deals_per_rep, contract_value=contract_value)
    compute = Compute(engine, call.config.spark)
    path = call.state.resolve(universe, roots)
    result = await call.run(size_market_engine, reference, chosen, path, call.workspace, capacity, options, compute)
    await call.off(save_result, call.workspace, chosen, "market", result)
    return result


def _thresholds(green: int, yellow: int) -> Thresholds:
    from icp_assistant.tools.core.errors import OptionError

    if yellow >= green:
        raise OptionError(f"Thresholds out of order: yellow ({yellow}) must be below green ({green}).")
    return Thresholds(green=green, yellow=yellow)
