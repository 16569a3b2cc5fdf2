"""MCP prompts: one per AI use case of the ICP method, each a Jinja2 template in ``prompts/``.

A prompt tells the model which tools to call, in what order, which result fields to use, what to
hand the user, and that numbers come only from tool results (the shared ``_rules.md.j2``). A
template names a tool as a call, ``tool_name(...)``: :func:`tool_names_in` finds them, so a test can
check every name against the server's real tool list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.prompts.base import Message, Prompt
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, InputRequiredResult
from pydantic import Field

from icp_assistant.prompts import TEMPLATE_DIR
from icp_assistant.tools.analysis.schemas import METRICS

from .state import AppState

if TYPE_CHECKING:  # imported by the first prompt rendered, not when the server starts
    import jinja2

TOOL_CALL = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\(")

AccountsPath = Annotated[
    str,
    Field(description="Accounts / companies export (CSV, TSV, XLSX, Parquet, JSON), e.g. ~/Downloads/companies.csv"),
]
DealsPath = Annotated[str | None, Field(description="Optional deals / opportunities export joined to the accounts")]
IcpName = Annotated[str, Field(description="ICP name from build_icp, e.g. 'accounts-icp'")]
Attributes = Annotated[
    str | None,
    Field(description="Comma-separated attributes to segment by, e.g. 'industry, size, region' (default: those three)"),
]


@cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown for a model, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def render(name: str, **arguments: Any) -> str:
    """The prompt ``name`` (``prompts/<name>.md.j2``) rendered with its arguments."""
    return environment().get_template(f"{name}.md.j2").render(**arguments)


def tool_names_in(text: str) -> set[str]:
    """The tools a rendered prompt names: snake_case identifiers written as calls, ``tool_name(``."""
    return set(TOOL_CALL.findall(text))


CALL_ARGUMENTS = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\(([^()`]*)\)")
ARGUMENT_NAME = re.compile(r"(?:^|,)\s*([a-z_][a-z0-9_]*)\s*=")


def tool_arguments_in(text: str) -> dict[str, set[str]]:
    """Argument names a rendered prompt passes to each tool call written as ``tool(name=..., ...)``."""
    out: dict[str, set[str]] = {}
    for tool, inside in CALL_ARGUMENTS.findall(text):
        flat = re.sub(r"\[[^\]]*\]|\{[^}]*\}|\"[^\"]*\"", "", inside)  # drop list, dict and string values
        out.setdefault(tool, set()).update(ARGUMENT_NAME.findall(flat))
    return out


def split_attributes(attributes: str | None) -> list[str] | None:
    """'industry, size ,region' -> ['industry', 'size', 'region']; blank -> None."""
    items = [a.strip() for a in (attributes or "").split(",") if a.strip()]
    return items or None


def identify_ideal_customers(
    accounts_path: AccountsPath,
    deals_path: DealsPath = None,
    value_focus: Annotated[
        str | None, Field(description="What 'best' means to you, e.g. 'contract value and retention'")
    ] = None,
) -> str:
    """Who our best customers are and what they have in common: value ranking, then the traits that
    separate best customers (and wins) from the rest."""
    metrics = list(METRICS)
    return render(
        "identify_ideal_customers",
        accounts_path=accounts_path,
        deals_path=deals_path,
        value_focus=value_focus,
        metrics=metrics,
    )


def segment_customers(
    accounts_path: AccountsPath,
    attributes: Annotated[
        str,
        Field(
            description="Comma-separated attributes to segment by, e.g. 'industry, size, region'; "
            "'auto' to discover segments by clustering"
        ),
    ],
    deals_path: DealsPath = None,
) -> str:
    """Segment accounts by the attributes you choose (or discover segments), each described by its
    distinctive traits and outcomes."""
    dimensions = None if attributes.strip().lower() == "auto" else split_attributes(attributes)
    return render("segment_customers", accounts_path=accounts_path, deals_path=deals_path, dimensions=dimensions)


def refine_segments_by_value(
    accounts_path: AccountsPath,
    deals_path: DealsPath = None,
    segmentation: Annotated[str | None, Field(description="A saved segmentation name (default: make one)")] = None,
    attributes: Attributes = None,
    priorities: Annotated[
        str | None, Field(description="What matters most, e.g. 'deal size first, then speed to close'")
    ] = None,
) -> str:
    """Rank segments by profitability, likelihood to convert and speed to close, and say which to prioritise."""
    return render(
        "refine_segments_by_value",
        accounts_path=accounts_path,
        deals_path=deals_path,
        segmentation=segmentation,
        dimensions=split_attributes(attributes),
        priorities=priorities,
    )


def define_icp(
    accounts_path: AccountsPath,
    deals_path: DealsPath = None,
    icp_name: Annotated[str | None, Field(description="Name to save the ICP under (default '<dataset>-icp')")] = None,
    attributes: Attributes = None,
    must_haves: Annotated[str | None, Field(description="Must-haves in words, e.g. 'based in the EU'")] = None,
    disqualifiers: Annotated[
        str | None, Field(description="Disqualifiers in words, e.g. 'fewer than 10 employees'")
    ] = None,
) -> str:
    """Define the ICP: summarize the analysis, choose the segmentation strategy, describe each segment with
    its negative description, build, validate and document the scored ICP."""
    return render(
        "define_icp",
        accounts_path=accounts_path,
        deals_path=deals_path,
        icp_name=icp_name,
        dimensions=split_attributes(attributes),
        must_haves=must_haves,
        disqualifiers=disqualifiers,
    )


def validate_anti_icp(
    accounts_path: AccountsPath,
    deals_path: DealsPath = None,
    icp: Annotated[str | None, Field(description="ICP name to check against the red flags (optional)")] = None,
) -> str:
    """The anti-ICP: traits of churned, lost and low-value accounts, checked against the ICP, with
    evidence-backed disqualifiers to propose."""
    return render("validate_anti_icp", accounts_path=accounts_path, deals_path=deals_path, icp=icp)


def score_prospect_fit(
    icp: IcpName,
    prospect: Annotated[
        str, Field(description="The company in your words, e.g. 'Acme Logistics, 450 people, Germany, on Salesforce'")
    ],
) -> str:
    """Score one prospect against the ICP: score, tier, every point explained, and what is still unknown."""
    return render("score_prospect_fit", icp=icp, prospect=prospect)


def build_target_account_list(
    icp: IcpName,
    prospects_path: Annotated[str, Field(description="File of prospects to score (same formats as accounts)")],
    universe_path: Annotated[
        str | None, Field(description="Optional file of all accounts in the market, for TAM / SAM / SOM")
    ] = None,
    dataset: Annotated[str | None, Field(description="Dataset the ICP was built from (for market sizing)")] = None,
    share: Annotated[str | None, Field(description="Realistic share of the SAM to win, e.g. 0.1")] = None,
    reps: Annotated[str | None, Field(description="Number of sales reps (capacity limit)")] = None,
    deals_per_rep: Annotated[str | None, Field(description="Deals a rep can work in the horizon")] = None,
) -> str:
    """Score a prospect list into a tiered target account list, and size the market (TAM / SAM / SOM)."""
    return render(
        "build_target_account_list",
        icp=icp,
        prospects_path=prospects_path,
        universe_path=universe_path,
        dataset=dataset,
        share=share,
        reps=reps,
        deals_per_rep=deals_per_rep,
    )


def review_icp_drift(
    icp: IcpName,
    accounts_path: Annotated[str, Field(description="The accounts export the ICP was built from (the reference)")],
    deals_path: DealsPath = None,
    recent_path: Annotated[str | None, Field(description="Export of newer accounts (give this or cut_date)")] = None,
    recent_deals_path: Annotated[str | None, Field(description="Deals export for the newer accounts")] = None,
    cut_date: Annotated[
        str | None, Field(description="Or a date (YYYY-MM-DD): deals closed on/after it are recent")
    ] = None,
) -> str:
    """The quarterly ICP review: have recent wins drifted away from the ICP, and does it need a new version?"""
    if not recent_path and not cut_date:
        raise MCPError(
            INVALID_PARAMS,
            "review_icp_drift needs what counts as recent: pass recent_path (an export of newer accounts, "
            "with recent_deals_path) or cut_date (YYYY-MM-DD; deals closed on or after it are recent).",
        )
    return render(
        "review_icp_drift",
        icp=icp,
        accounts_path=accounts_path,
        deals_path=deals_path,
        recent_path=recent_path,
        recent_deals_path=recent_deals_path,
        cut_date=cut_date,
    )


def draft_segment_messaging(
    icp: IcpName,
    segment: Annotated[str, Field(description="Segment name or id, e.g. 'Fintech 51-200'")],
    persona: Annotated[str | None, Field(description="Optional buyer persona, e.g. 'VP Sales'")] = None,
    dataset: Annotated[str | None, Field(description="Dataset name, to pull the segment's figures")] = None,
    segmentation: Annotated[str | None, Field(description="Segmentation the segment belongs to")] = None,
) -> str:
    """Positioning and messaging for one segment (and persona), grounded in the segment's facts."""
    return render(
        "draft_segment_messaging", icp=icp, segment=segment, persona=persona, dataset=dataset, segmentation=segmentation
    )


def flag_at_risk_accounts(
    customers_path: Annotated[str, Field(description="Export of current customers (accounts)")],
    icp: IcpName,
    deals_path: DealsPath = None,
) -> str:
    """For customer success: current customers outside the ICP or carrying churn red flags, to review first."""
    return render("flag_at_risk_accounts", customers_path=customers_path, icp=icp, deals_path=deals_path)


def review_sales_pipeline(
    accounts_path: Annotated[str, Field(description="Accounts export (the companies the deals are with)")],
    deals_path: Annotated[str, Field(description="Deals export with open and closed deals (stages, amounts, dates)")],
    icp: IcpName,
    pipeline_path: Annotated[
        str | None, Field(description="Optional open-pipeline file to review instead of the dataset's open deals")
    ] = None,
) -> str:
    """For sales: the open pipeline in priority order, with close likelihoods only where fit predicts winning."""
    return render(
        "review_sales_pipeline",
        accounts_path=accounts_path,
        deals_path=deals_path,
        icp=icp,
        pipeline_path=pipeline_path,
    )


def review_feature_adoption(
    accounts_path: Annotated[str, Field(description="Accounts export including current and churned customers")],
    icp: IcpName,
    usage_path: Annotated[
        str, Field(description="Product-usage export: account, feature, count or flag, date (long, events or wide)")
    ],
    deals_path: DealsPath = None,
    segmentation: Annotated[
        str | None, Field(description="Segmentation (from segment_accounts) whose segments to compare")
    ] = None,
) -> str:
    """For product: feature adoption by ICP tier and segment, features that go with retention, an onboarding order."""
    return render(
        "review_feature_adoption", accounts_path=accounts_path, icp=icp, usage_path=usage_path, deals_path=deals_path,
        segmentation=segmentation,
    )  # fmt: skip


def plan_expansion_plays(
    accounts_path: Annotated[str, Field(description="Export of accounts including current customers")],
    icp: IcpName,
    deals_path: DealsPath = None,
    value: Annotated[
        str | None,
        Field(description="Value to compare, e.g. 'contract_value', a seats column or 'products' (default: chosen)"),
    ] = None,
    tiers: Annotated[
        str | None, Field(description="ICP tiers that count as fit, comma-separated, e.g. 'green, yellow'")
    ] = None,
) -> str:
    """For customer success: ICP-fit customers below what comparable customers reach, and who expands."""
    chosen = [t.strip() for t in tiers.split(",") if t.strip()] if tiers else None
    return render(
        "plan_expansion_plays", accounts_path=accounts_path, icp=icp, deals_path=deals_path, value=value, tiers=chosen
    )


PROMPTS: dict[Callable[..., str], str] = {
    identify_ideal_customers: "Identify ideal customers",
    segment_customers: "Segment customers",
    refine_segments_by_value: "Refine segments by value",
    define_icp: "Define the ICP",
    validate_anti_icp: "Validate against churned and lost customers (anti-ICP)",
    score_prospect_fit: "Score a prospect",
    build_target_account_list: "Build a target account list (tiers, TAM / SAM / SOM)",
    review_icp_drift: "Quarterly ICP drift review",
    draft_segment_messaging: "Messaging for a segment",
    flag_at_risk_accounts: "Flag at-risk accounts outside the ICP",
    review_sales_pipeline: "Review the open pipeline (close likelihood, expected value)",
    review_feature_adoption: "Review feature adoption by ICP tier and segment",
    plan_expansion_plays: "Plan expansion plays among ICP-fit customers",
}


class IcpPrompt(Prompt):
    """A prompt whose missing or unknown arguments are named, with the valid ones, in an invalid-params error."""

    async def render(
        self, arguments: dict[str, Any] | None, context: Context[Any, Any]
    ) -> list[Message] | InputRequiredResult:
        given = {k for k, v in (arguments or {}).items() if v not in (None, "")}
        known = [a.name for a in self.arguments or []]
        unknown = sorted(given - set(known))
        if unknown:
            message = (
                f"Prompt {self.name!r} has no argument {', '.join(unknown)}; its arguments are: {', '.join(known)}."
            )
            raise MCPError(INVALID_PARAMS, message)
        missing = [a for a in self.arguments or [] if a.required and a.name not in given]
        if missing:
            needs = " ".join(f"{a.name}: {a.description}." for a in missing)
            optional = ", ".join(a.name for a in self.arguments or [] if not a.required) or "none"
            names = ", ".join(a.name for a in missing)
            raise MCPError(
                INVALID_PARAMS, f"Prompt {self.name!r} is missing {names}. {needs} Optional arguments: {optional}."
            )
        return await super().render(arguments, context)


def register(mcp: MCPServer, state: AppState) -> None:
    """Register every prompt (they render templates only: ``state`` is unused for now)."""
    for fn, title in PROMPTS.items():
        description = " ".join((fn.__doc__ or "").split())
        mcp.add_prompt(IcpPrompt.from_function(fn, name=fn.__name__, title=title, description=description))
