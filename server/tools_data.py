"""Data tools: load_accounts."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from icp_assistant.tools.core.schemas import DatasetCard
from icp_assistant.tools.ingest.schemas import OutcomeSpec

from .params import MappingArg, PathArg, Sheet
from .registry import Call, Roots, ToolTable
from .state import sheet_arg

TOOLS = ToolTable()


@TOOLS.tool("Load accounts (and deals)", effect="writes")
async def load_accounts(
    call: Call,
    roots: Roots,
    path: PathArg,
    deals_path: Annotated[
        str | None, Field(description="Optional deals / opportunities export to join to the accounts")
    ] = None,
    name: Annotated[str | None, Field(description="Short name for the dataset (default: from the file name)")] = None,
    sheet: Sheet = None,
    deals_sheet: Sheet = None,
    mapping: MappingArg = None,
    deals_mapping: MappingArg = None,
    revenue_unit: Annotated[
        float | None,
        Field(
            gt=0,
            description="Multiply annual revenue by this (e.g. 1000000 when the file is in millions)",
        ),
    ] = None,
    refresh: Annotated[bool, Field(description="Re-read the files even if a cached copy exists")] = False,
    outcome: Annotated[
        OutcomeSpec | None,
        Field(
            description="Name the outcome: the column and the values that count as success (the rest of the "
            "filled values are failures unless `failure` lists them), e.g. {'column': 'MIS_Status', 'success': "
            "['P I F'], 'failure': ['CHGOFF']} or {'column': 'y', 'success': ['yes']}; a column of the accounts "
            "file sets each account's outcome, a column of the deals file each deal's"
        ),
    ] = None,
) -> DatasetCard:
    """Read a CRM accounts export (CSV, TSV, XLSX, Parquet, JSON; any common encoding), and optionally
    a deals/opportunities export; map the headers to canonical fields, clean values, derive size band,
    company age and region, join deals (won/lost/open, win rate, won value, cycle days) and return a
    compact dataset card: fields found with fill rates and profiles, unmapped columns, warnings,
    outcomes, and which analyses the data supports. Pass the card's `name` to later tools."""
    from icp_assistant.tools.store.datasets import LoadOptions
    from icp_assistant.tools.store.datasets import load_accounts as load_accounts_engine

    options = LoadOptions(
        deals_path=call.state.optional_file(deals_path, roots),
        name=name,
        sheet=sheet_arg(sheet),
        deals_sheet=sheet_arg(deals_sheet),
        mapping=mapping,
        deals_mapping=deals_mapping,
        revenue_unit=revenue_unit,
        max_bytes=call.config.max_file_bytes,
        use_cache=not refresh,
        outcome=outcome,
    )
    accounts = call.state.resolve(path, roots)
    return await call.run(load_accounts_engine, accounts, call.workspace, options)
