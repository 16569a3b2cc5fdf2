"""``icp-assistant demo``: a real MCP client session against the server, over generated example data.

The server runs as a subprocess over stdio, exactly as an MCP host would start it; the demo is the
client. It prints what a user of an AI client would see, and the paths of what was written.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from icp_assistant.tools.core.schemas import DatasetCard
from icp_assistant.tools.store.workspace import write_json
from icp_assistant.tools.synthetic import write_example_set


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _num(value: float, kind: str = "number") -> str:
    if kind == "year":
        return str(int(value))
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.1f}B"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f}M"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"


def _describe_card(card: DatasetCard) -> None:
    _out(f"  dataset '{card.name}': {card.rows:,} accounts")
    for file in card.files:
        _out(f"    {file.role}: {Path(file.path).name} ({file.format}, {file.rows:,} rows)")
    o = card.outcomes
    churn = f", {o.churned} churned" if o.churned is not None else ""
    _out(f"  outcomes ({o.source}): {o.won} won, {o.lost} lost, {o.open} open, {o.unknown} unknown{churn}")
    _out("  fields found:")
    for f in card.fields:
        detail = ""
        if f.top:
            detail = ", ".join(f"{v} ({n})" for v, n in f.top[:3])
        elif f.quantiles:
            q = [_num(v, f.kind) for v in f.quantiles]
            detail = f"median {q[2]} (range {q[0]}-{q[4]})"
        source = f"<- '{f.source}'" if f.source else "(derived)"
        _out(f"    {f.field:<16} {source:<28} {f.fill_rate:>5.0%} filled  {detail}")
    _out(f"  unmapped columns kept: {', '.join(u.column for u in card.unmapped) or 'none'}")
    _out(f"  cleaning: {card.cleaning}")
    _out("  warnings:")
    for warning in card.warnings:
        _out(f"    - {warning}")
    _out("  this data supports:")
    for line in card.supports:
        _out(f"    - {line}")


RESULTS: list[dict[str, Any]] = []  # every tool call of the session, saved as tool-results.json


async def _call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    _out()
    _out(f"> {tool}({shown})")
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        raise SystemExit(f"{tool} failed: {result.content[0].text}")  # type: ignore[union-attr]
    structured = dict(result.structured_content or {})
    RESULTS.append({"tool": tool, "arguments": arguments, "result": structured})
    return structured


async def _icp_steps(client: Client, dataset: str, segmentation: str) -> dict[str, Any]:
    """Define the ICP, check it, put it to work, and write the document."""
    icp = await _call(client, "build_icp", {"dataset": dataset, "name": "demo-icp", "segmentation": segmentation})
    _out(f"  {icp['criteria_total']} criteria, base {icp['base']}; strongest: {'; '.join(icp['criteria'][:3])}")
    for line in icp["segments"][:2]:
        _out(f"    segment {line}")
    check = await _call(client, "validate_icp", {"dataset": dataset, "icp": "demo-icp"})
    _out(f"  {check['verdict']}")
    one = await _call(
        client, "score_prospect",
        {"icp": "demo-icp", "fields": {"Company": "Acme Pay", "Industry": "Fintech", "Employees": "250",
                                       "Country": "Germany", "Technologies": "Salesforce; Slack"}},
    )  # fmt: skip
    _out(f"  {one['score']} ({one['tier']}): {one['explanation']}")
    listed = await _call(client, "score_prospects", {"icp": "demo-icp", "path": "prospects.csv"})
    _out(f"  tiers {listed['tiers']}; list written to {listed['csv_path']}")
    market = await _call(client, "size_market", {"dataset": dataset, "icp": "demo-icp", "universe": "prospects.csv"})
    scopes = ", ".join(f"{k.upper()} {market[k]['accounts']:,}" for k in ("tam", "sam", "som"))
    _out(f"  accounts in {scopes}")
    await _team_reviews(client, dataset)
    document = await _call(client, "draft_icp_document", {"icp": "demo-icp", "contacts_path": "contacts.csv"})
    _out(f"  sections: {', '.join(document['outline'])}")
    _out(f"  narrative: {document['writer']}")
    targets = [line.split(": ")[0] for line in icp["segments"] if line.endswith("(target)")]
    if targets:
        messaging = await _call(
            client,
            "draft_messaging",
            {"icp": "demo-icp", "segment": targets[0], "persona": "CFO", "contacts_path": "contacts.csv"},
        )
        _out(f"  positioning: {messaging['positioning']}")
        _out(f"  written to {messaging['path']}")
    return document


async def _team_reviews(client: Client, dataset: str) -> None:
    """The ICP at work for sales, product and customer success (the document's team section quotes them)."""
    pipeline = await _call(client, "review_pipeline", {"dataset": dataset, "icp": "demo-icp"})
    _out(f"  {pipeline['separation']['verdict']}")
    _out(
        f"  {pipeline['open_deals']:,} open deals, ordered by {pipeline['ordered_by']}; list in {pipeline['csv_path']}"
    )
    usage = {"dataset": dataset, "icp": "demo-icp", "usage_path": "product_usage.csv"}
    adoption = await _call(client, "analyze_feature_adoption", usage)
    _out(f"  {adoption['churn_verdict']}")
    steps = " -> ".join(step["feature"] for step in adoption["onboarding"][:4])
    _out(f"  onboarding order of {adoption['onboarding_group']}: {steps}")
    expansion = await _call(
        client, "find_expansion", {"dataset": dataset, "icp": "demo-icp", "tier": ["green", "yellow"]}
    )
    _out(f"  {expansion['accounts_with_gap']:,} fit customers below their peers ({expansion['unit']})")


async def _analyses(client: Client, dataset: str) -> str:
    best = await _call(client, "find_best_customers", {"dataset": dataset})
    _out(f"  {best['concentration']}")
    for top in best["top_accounts"][:3]:
        _out(f"    {top['name']}: score {top['score']} - {'; '.join(top['reasons'][:2])}")
    for compare in ("best", "won"):
        report = await _call(client, "find_patterns", {"dataset": dataset, "compare": compare})
        _out(f"  {report['verdict']}")
        for pattern in report["patterns"][1:3]:
            _out(f"    - {pattern['statement']}")
    segments = await _call(client, "segment_accounts", {"dataset": dataset, "dimensions": ["industry", "size"]})
    segmentation = str(segments["name"])
    _out(f"  {segments['k']} segments by {' x '.join(segments['dimensions'])} (saved as '{segments['name']}')")
    ranking = await _call(client, "rank_segments", {"dataset": dataset, "segmentation": segments["name"]})
    _out(f"  priority weights {ranking['weights']}")
    for item in ranking["ranked"][:3]:
        flag = " (low confidence)" if item["low_confidence"] else ""
        _out(f"    {item['rank']}. {item['name']}{flag}: {item['evidence']}")
    flags = await _call(client, "find_red_flags", {"dataset": dataset})
    for flag in flags["flags"][:3]:
        _out(f"    red flag: {flag['statement']}")
    return segmentation


async def _session(data: Path, workspace: Path, files: dict[str, Path]) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "icp_assistant.server",
            "--data-dir",
            str(data),
            "--workspace",
            str(workspace),
            "--log-level",
            "WARNING",
        ],
    )
    async with Client(params, mode="legacy") as client:
        tools = await client.list_tools()
        _out(f"Connected to ICP Assistant over stdio. Tools: {', '.join(t.name for t in tools.tools)}")
        _out()
        _out(f"> load_accounts(path='{files['accounts'].name}', deals_path='{files['deals'].name}')")
        args: dict[str, Any] = {
            "path": files["accounts"].name,
            "deals_path": files["deals"].name,
            "name": "demo",
        }
        result = await client.call_tool("load_accounts", args)
        if result.is_error:
            raise SystemExit(f"load_accounts failed: {result.content[0].text}")  # type: ignore[union-attr]
        _describe_card(DatasetCard.model_validate(result.structured_content))
        RESULTS.append({"tool": "load_accounts", "arguments": args, "result": result.structured_content})
        _out()
        segmentation = await _analyses(client, "demo")
        document = await _icp_steps(client, "demo", segmentation)
        _out()
        _out("> load_accounts(path='acounts.csv')   # what a mistake looks like")
        bad = await client.call_tool("load_accounts", {"path": "acounts.csv"})
        _out(f"  error: {bad.content[0].text}")  # type: ignore[union-attr]
        _out()
        _out("What the session wrote:")
        _out(f"  ICP document:   {document['html_path']}")
        _out(f"                  {document['markdown_path']}")
        _out(f"  one-page:       {document['one_page_html_path']}")
        _out(f"  every number:   {document['facts_path']}")


def run_demo(workspace: Path | None = None) -> int:
    root = Path(workspace).resolve() if workspace else Path(tempfile.mkdtemp(prefix="icp-demo-"))
    data = root / "example-data"
    files = write_example_set(data)
    _out(f"Example data (seeded, with planted structure) written to {data}")
    RESULTS.clear()
    anyio.run(_session, data, root / "workspace", files)
    results = write_json(root / "workspace" / "tool-results.json", RESULTS)
    _out(f"  tool results:   {results}")
    _out()
    _out(f"Workspace: {root / 'workspace'} (cleaned tables and cards under datasets/)")
    return 0
