"""The tools' shared parameter types: one description per idea, used by every tool that takes it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from icp_assistant.tools.analysis.schemas import Condition
from icp_assistant.tools.model.schemas import RubricGroup

PathArg = Annotated[
    str,
    Field(description="Path of the file: absolute, '~/...', or relative to an allowed data folder"),
]
Sheet = Annotated[
    str | None,
    Field(description="XLSX only: sheet name or 0-based index; the first sheet when omitted"),
]
MappingArg = Annotated[
    dict[str, str | None] | None,
    Field(
        description="Override header mapping: {canonical_field: column_in_file} (null unmaps a field), "
        "e.g. {'annual_revenue': 'Rev (USD)'}"
    ),
]
DatasetName = Annotated[str, Field(description="Dataset name from load_accounts (its card's `name`)")]
Chart = Annotated[bool, Field(description="Also render a PNG chart: saved in the workspace and returned as an image")]
TopShare = Annotated[float, Field(gt=0, lt=1, description="Share of customers counted as 'best' (0.2 = top 20%)")]
IcpName = Annotated[str, Field(description="ICP name from build_icp")]
Gates = Annotated[
    list[Condition] | None,
    Field(description="Conditions, e.g. [{'column': 'region', 'op': '==', 'value': 'North America'}]"),
]
Rubric = Annotated[
    list[RubricGroup] | None,
    Field(
        description="Group weights adding to 100, e.g. [{'name': 'firmographic', 'attributes': ['industry', "
        "'size_band'], 'weight': 40}, {'name': 'technical fit', 'attributes': ['tech_stack'], 'weight': 30}, ...]: "
        "each group's learned points are rescaled to span its weight; attributes in no group carry no points"
    ),
]
Points = Annotated[
    dict[str, int] | None,
    Field(
        description="Points set by hand per criterion id 'attribute=value', e.g. {'industry=Fintech': 25}; 0 removes"
    ),
]
EngineChoice = Annotated[
    Literal["auto", "memory", "duckdb", "spark"],
    Field(
        description="Where scoring runs: auto (in memory up to 2M rows, else out of core: Spark when the server has "
        "--spark, else DuckDB), memory, duckdb (out of core, the ICP's SQL), spark (needs --spark). Same results."
    ),
]
SegmentRef = Annotated[
    str,
    Field(description="Segment of the ICP: its id (e.g. '0') or its name (e.g. 'Fintech · Midsize (100-999)', or "
          "words of it such as 'fintech midsize'); an unknown one lists the segments"),
]  # fmt: skip
Persona = Annotated[
    str | None,
    Field(description="Who the messages address, in plain words (e.g. 'CFO', 'VP Finance'); default: the company"),
]
Version = Annotated[int | None, Field(ge=1, description="ICP version (default: the latest)")]
