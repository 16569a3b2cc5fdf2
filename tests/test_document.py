"""The ICP document: its numbers match the tool results, invented LLM numbers fall back to the template, the
HTML shows its charts in a real browser."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fake_messages_api import FakeMessagesAPI, text
from mcp import Client
from mcp.types import CreateMessageResult, TextContent

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.core.markup import md_escape
from icp_assistant.tools.report.narrative import grounding_problems

pytestmark = pytest.mark.anyio
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
RATE = re.compile(r"(\d+)% \(([\d,]+) of ([\d,]+); 95% CI (\d+)–(\d+)%")
MONEY = re.compile(r"^(?P<cur>[$€£])?(?P<num>[\d,.]+)(?P<scale>[kMB])?$")


def _int(value: str) -> int:
    return int(value.replace(",", ""))


def _pct(value: float) -> int:
    return round(value * 100)


def money_matches(shown: str, value: float) -> bool:
    """'5.0M' shows 5,020,350: equal at the precision shown."""
    found = MONEY.match(shown)
    assert found is not None, shown
    digits = found["num"].replace(",", "")
    scale = {"k": 1e3, "M": 1e6, "B": 1e9}.get(found["scale"] or "", 1.0)
    step = 10.0 ** -len(digits.partition(".")[2]) * scale
    return abs(float(digits) * scale - value) <= step / 2 + 1e-6


def check_rate(found: re.Match[str] | None, expected: dict[str, Any]) -> None:
    assert found is not None
    shown = [int(found[1]), _int(found[2]), _int(found[3]), int(found[4]), int(found[5])]
    assert shown == [_pct(expected["rate"]), expected["hits"], expected["n"], _pct(expected["low"]),
                     _pct(expected["high"])]  # fmt: skip


async def _session(client: Client) -> dict[str, Any]:
    """The method up to the document, keeping every tool result."""
    results: dict[str, Any] = {}

    async def call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await client.call_tool(tool, arguments)
        assert not result.is_error, result.content
        results[tool] = result.structured_content
        return dict(result.structured_content or {})

    await call("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "ex"})
    await call("segment_accounts", {"dataset": "ex", "dimensions": ["industry", "size_band"], "name": "seg"})
    await call("build_icp", {"dataset": "ex", "name": "doc"})
    await call("validate_icp", {"dataset": "ex", "icp": "doc"})
    await call("size_market", {"dataset": "ex", "icp": "doc", "universe": "prospects.csv"})
    await call("review_pipeline", {"dataset": "ex", "icp": "doc"})
    await call("analyze_feature_adoption", {"dataset": "ex", "icp": "doc", "usage_path": "product_usage.csv"})
    await call("find_expansion", {"dataset": "ex", "icp": "doc", "tier": ["green", "yellow"]})
    await call("draft_icp_document", {"icp": "doc", "contacts_path": "contacts.csv"})
    return results


def check_document_against(results: dict[str, Any]) -> None:
    """Parse the document and compare its numbers with the tool results they come from."""
    document = results["draft_icp_document"]
    markdown = Path(document["markdown_path"]).read_text("utf-8")
    card = results["load_accounts"]
    assert f"{card['rows']:,} accounts" in markdown.split("\n## ")[0]
    assert f"{card['deals']['deals']:,} deals" in markdown.split("\n## ")[0]
    icp = json.loads(Path(results["build_icp"]["path"]).read_text())
    rubric = markdown.split("## Scoring rubric")[1].split("\n## ")[0]
    assert f"starts at **{icp['scorecard']['base']}** points" in rubric
    unstated = "Amounts are in the file's currency, not stated in the export." in markdown
    ranked = sorted(icp["scorecard"]["criteria"], key=lambda c: -abs(c["points"]))
    for criterion in ranked[:8]:  # the body shows the criteria with the most points; the CSV has them all
        label = criterion["label"].replace("$", "") if unstated else criterion["label"]  # no invented currency
        assert f"| {md_escape(label)} | {criterion['points']:+d} |" in rubric, criterion["label"]
    with open(Path(document["folder"]) / "tables" / "scorecard.csv", newline="", encoding="utf-8") as handle:
        table = {row["id"]: int(row["points"]) for row in csv.DictReader(handle)}
    assert table == {c["id"]: c["points"] for c in icp["scorecard"]["criteria"]}
    assert str(Path(document["folder"]) / "tables" / "scorecard.csv") in document["tables"]
    validation = results["validate_icp"]["evaluation"]
    table = markdown.split("## Does the ICP predict winning?")[1].split("\n## ")[0]
    for tier in validation["tiers"]:
        row = re.search(rf"^\| {tier['tier']} \| ([\d,]+) \| (.+) \|$", table, flags=re.M)
        assert row is not None and _int(row[1]) == tier["rows"]
        check_rate(RATE.search(row[2]), tier["win_rate"])
    market = results["size_market"]
    scope = markdown.split("## Market scope")[1].split("\n## ")[0]
    for key in ("tam", "sam", "som"):
        row = re.search(rf"^\| {key.upper()} .*\| ([\d,]+) \| (\S+) \|$", scope, flags=re.M)
        assert row is not None, key
        assert _int(row[1]) == market[key]["accounts"] and money_matches(row[2], market[key]["value"]), row[0]
    segments = {s["name"]: s for s in results["segment_accounts"]["segments"]}
    targets = re.findall(r"^### (.+) \(target\)\n\n.*\n- \*\*Why they fit\*\*: win rate (.+)$", markdown, flags=re.M)
    assert targets, "the planted Fintech segment should be a target"
    for name, why in targets:
        check_rate(RATE.search(why), segments[name.replace("\\<", "<")]["outcomes"]["win_rate"])
    personas = markdown.split("## Decision-makers and buying committee")[1].split("\n## ")[0]
    assert "Champions in won deals are at VP / Head of level" in personas and "**Hypothesis**" not in personas
    check_teams_against(markdown.split("## How each team uses the ICP")[1].split("\n## ")[0], results)
    facts = json.loads(Path(document["facts_path"]).read_text())
    assert facts["validation"] == results["validate_icp"] and facts["market"] == results["size_market"]
    assert grounding_problems(markdown, facts) == []


def check_teams_against(teams: str, results: dict[str, Any]) -> None:
    """The team section quotes the pipeline, adoption and expansion reviews run on this version."""
    pipeline = results["review_pipeline"]
    assert f"Open pipeline: {pipeline['open_deals']:,} open deals" in teams
    if pipeline["separation"]["separates"]:
        shown = re.search(r"Expected value of the open pipeline: (\S+)\.", teams)
        assert shown is not None and money_matches(shown[1], pipeline["expected_value_total"])
    else:
        check_rate(RATE.search(teams.split("Open pipeline:")[1]), pipeline["overall_win_rate"])
    adoption = results["analyze_feature_adoption"]
    steps = [s for s in adoption["onboarding"] if s["median_days"] is not None][:4]
    assert steps and " → ".join(f"{s['feature']} (day {s['median_days']:.0f})" for s in steps) in teams
    top = adoption["churn_separators"][0]
    retention = teams.split("Retention:")[1]
    check_rate(RATE.search(retention), top["retained"])
    expansion = results["find_expansion"]
    said = f"{expansion['accounts_with_gap']:,} of {expansion['fit_customers']:,} ICP-fit customers sit below"
    assert said in teams
    check_rate(RATE.search(teams.split("Customers that expanded:")[1]), expansion["history"]["expanded"])


@pytest.fixture
def config(tmp_path: Path) -> ServerConfig:
    return ServerConfig(data_dirs=(EXAMPLES,), workspace=tmp_path / "ws", raise_unexpected=True)


@pytest.mark.parametrize("mode", ["modern", "legacy"])
async def test_every_number_in_the_document_matches_the_tool_results(config: ServerConfig, mode: str) -> None:
    server = build_server(config)
    async with Client(server, mode="legacy") if mode == "legacy" else Client(server) as client:
        results = await _session(client)
    document = results["draft_icp_document"]
    check_document_against(results)
    assert document["writer"] == "templates (no LLM configured)" and document["rejected"] == []
    assert document["hypotheses"] >= 5 and "Scoring rubric" in document["outline"]
    assert len(json.dumps(document)) / 4 < 2000
    for path in ("html_path", "one_page_html_path", "one_page_markdown_path"):
        assert Path(document[path]).stat().st_size > 0
        assert Path(document[path]).stat().st_mode & 0o777 == 0o644  # openable and shareable, not owner-only


def _reply(body: str) -> Any:
    async def sampling(context: Any, params: Any) -> CreateMessageResult:
        return CreateMessageResult(role="assistant", content=TextContent(type="text", text=body), model="fake-llm")

    return sampling


async def test_an_invented_number_from_the_clients_model_falls_back_to_the_template(config: ServerConfig) -> None:
    invented = json.dumps({"summary": "Fintech accounts win 97% of their deals, so target them first."})
    async with Client(build_server(config), sampling_callback=_reply(invented)) as client:
        results = await _session(client)
    document = results["draft_icp_document"]
    markdown = Path(document["markdown_path"]).read_text("utf-8")
    assert "summary: number 97% is not in the facts" in document["rejected"]
    summary = markdown.split("## Summary")[1].split("\n## ")[0]
    assert "97%" not in summary and "Built from 500 accounts" in summary  # the template summary
    assert "template text used instead for: summary: number 97% is not in the facts" in markdown


async def test_a_grounded_passage_from_the_clients_model_is_used_and_named(config: ServerConfig) -> None:
    faithful = json.dumps({"summary": "Our best customers are mid-sized Fintech companies; start with them."})
    async with Client(build_server(config), mode="legacy", sampling_callback=_reply(faithful)) as client:
        results = await _session(client)
    markdown = Path(results["draft_icp_document"]["markdown_path"]).read_text("utf-8")
    assert "Our best customers are mid-sized Fintech companies; start with them." in markdown
    assert "MCP client model (sampling): fake-llm" in markdown


async def test_the_anthropic_writer_is_checked_the_same_way(tmp_path: Path) -> None:
    reply = json.dumps({"summary": "Fintech deals close in 4,321 days."})
    with FakeMessagesAPI([[text(reply)]]) as api:
        config = ServerConfig(
            data_dirs=(EXAMPLES,), workspace=tmp_path / "ws", raise_unexpected=True,
            anthropic_api_key=api.api_key, anthropic_base_url=api.base_url, model="claude-sonnet-4-6",
        )  # fmt: skip
        async with Client(build_server(config)) as client:
            results = await _session(client)
    document = results["draft_icp_document"]
    assert "summary: number 4,321 is not in the facts" in document["rejected"]
    assert api.requests and api.requests[0]["model"] == "claude-sonnet-4-6"
    assert "claude-sonnet-4-6" in Path(document["markdown_path"]).read_text("utf-8")


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium): no browser to open the HTML in")
    return path


def _open_in_browser(sync_api: Any, browser_path: str, html: Path, screenshot: Path) -> list[dict[str, Any]]:
    """Open the file in headless Chromium: each image's state, and a full-page screenshot."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(html.as_uri())
            images: list[dict[str, Any]] = page.evaluate(
                "Array.from(document.images).map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,"
                " width: i.getBoundingClientRect().width, src: i.src.slice(0, 22)}))"
            )
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return images


async def test_the_html_document_shows_its_charts_in_headless_chromium(config: ServerConfig, tmp_path: Path) -> None:
    browser_path = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    async with Client(build_server(config)) as client:
        results = await _session(client)
    html = Path(results["draft_icp_document"]["html_path"])
    assert "<script" not in html.read_text("utf-8")  # static, self-contained
    screenshot = tmp_path / "icp-document.png"
    images = await anyio.to_thread.run_sync(_open_in_browser, sync_api, browser_path, html, screenshot)
    assert {i["alt"] for i in images} >= {"Segments: value vs win rate", "Scorecard points per criterion"}
    assert all(i["ok"] and i["width"] > 300 and i["src"] == "data:image/png;base64," for i in images), images
    assert screenshot.stat().st_size > 50_000


async def test_the_product_profile_gives_the_positioning_line_and_proof_points(config: ServerConfig) -> None:
    profile = {
        "product": "Ledgerly",
        "category": "close-management platform",
        "outcome": "closes the books in days, not weeks",
        "proof_points": ["Acme closed its books 40% faster"],
    }
    async with Client(build_server(config)) as client:
        await _session(client)
        saved = await client.call_tool("set_product_profile", {"profile": profile})
        assert not saved.is_error, saved.content
        document = (await client.call_tool("draft_icp_document", {"icp": "doc"})).structured_content or {}
    markdown = Path(document["markdown_path"]).read_text("utf-8")
    messaging = markdown.split("## Messaging per segment")[1].split("\n## ")[0]
    assert "Ledgerly is the close-management platform that closes the books in days, not weeks." in messaging
    assert "Acme closed its books 40% faster" in messaging
    facts = json.loads(Path(document["facts_path"]).read_text())
    assert facts["product"]["product"] == "Ledgerly" and grounding_problems(markdown, facts) == []
