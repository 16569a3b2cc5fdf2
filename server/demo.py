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

from icp_assistant.tools.card import DatasetCard
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


async def _call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    _out()
    _out(f"> {tool}({shown})")
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        raise SystemExit(f"{tool} failed: {result.content[0].text}")  # type: ignore[union-attr]
    return dict(result.structured_content or {})


async def _analyses(client: Client, dataset: str) -> None:
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
    _out(f"  {segments['k']} segments by {' x '.join(segments['dimensions'])} (saved as '{segments['name']}')")
    ranking = await _call(client, "rank_segments", {"dataset": dataset, "segmentation": segments["name"]})
    _out(f"  priority weights {ranking['weights']}")
    for item in ranking["ranked"][:3]:
        flag = " (low confidence)" if item["low_confidence"] else ""
        _out(f"    {item['rank']}. {item['name']}{flag}: {item['evidence']}")
    flags = await _call(client, "find_red_flags", {"dataset": dataset})
    for flag in flags["flags"][:3]:
        _out(f"    red flag: {flag['statement']}")


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
        _out()
        await _analyses(client, "demo")
        _out()
        _out("> load_accounts(path='acounts.csv')   # what a mistake looks like")
        bad = await client.call_tool("load_accounts", {"path": "acounts.csv"})
        _out(f"  error: {bad.content[0].text}")  # type: ignore[union-attr]


def run_demo(workspace: Path | None = None) -> int:
    root = Path(workspace).resolve() if workspace else Path(tempfile.mkdtemp(prefix="icp-demo-"))
    data = root / "example-data"
    files = write_example_set(data)
    _out(f"Example data (seeded, with planted structure) written to {data}")
    anyio.run(_session, data, root / "workspace", files)
    _out()
    _out(f"Workspace: {root / 'workspace'} (cleaned tables and cards under datasets/)")
    return 0
