"""The ICP document reads as written by an analyst for a marketer, on a laptop and on a phone.

Built through the MCP tools on the example data, on a copy of it whose amounts say "$", and on the Maven CRM export
(where no attribute predicts winning), each document is checked for what a reader sees: no internal field name and
no tool name in its text, money with its currency (or the one sentence saying the export states none), charts that
are real PNGs, and, opened in headless Chromium at 1280 and 420 px, nothing wider than the screen."""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.analysis.attributes import BANDED
from icp_assistant.tools.core.fields import DERIVED_KINDS, FIELDS, OUTCOME_KINDS
from icp_assistant.tools.report.document_text import UNKNOWN_CURRENCY

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
WIDTHS = (1280, 420)
PNG = b"\x89PNG\r\n\x1a\n"
# Lower-case names a reader would never write: every snake_case field, plus the acronyms spelled as column names.
INTERNAL = sorted(
    {f.name for f in FIELDS} | set(DERIVED_KINDS) | set(OUTCOME_KINDS) | set(BANDED.values()), key=len, reverse=True
)
INTERNAL_WORDS = re.compile(r"(?<![\w/.-])(" + "|".join(n for n in INTERNAL if "_" in n) + r"|mrr|nps|csat)(?![\w/])")


async def _tool_names() -> list[str]:
    async with Client(build_server(ServerConfig(data_dirs=(EXAMPLES,), workspace=Path("/nonexistent")))) as client:
        return [t.name for t in (await client.list_tools()).tools]


def _example_session(folder: Path, workspace: Path) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with Client(build_server(ServerConfig(data_dirs=(folder,), workspace=workspace))) as client:
            results: dict[str, Any] = {}
            for tool, arguments in (
                ("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "ex"}),
                ("segment_accounts", {"dataset": "ex", "dimensions": ["industry", "size_band"], "name": "seg"}),
                ("build_icp", {"dataset": "ex", "name": "doc"}),
                ("validate_icp", {"dataset": "ex", "icp": "doc"}),
                ("size_market", {"dataset": "ex", "icp": "doc", "universe": "prospects.csv"}),
                ("draft_icp_document", {"icp": "doc", "contacts_path": "contacts.csv"}),
            ):
                result = await client.call_tool(tool, arguments)
                assert not result.is_error, result.content
                results[tool] = result.structured_content
            return results

    return anyio.run(run)


def _maven_session(folder: Path, workspace: Path) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with Client(build_server(ServerConfig(data_dirs=(folder,), workspace=workspace))) as client:
            paths = {"path": str(folder / "accounts.csv"), "deals_path": str(folder / "sales_pipeline.csv")}
            loaded = (await client.call_tool("load_accounts", paths)).structured_content or {}
            await client.call_tool("build_icp", {"dataset": loaded["name"], "name": "maven-icp"})
            document = await client.call_tool("draft_icp_document", {"icp": "maven-icp"})
            assert not document.is_error, document.content
            return {"load_accounts": loaded, "draft_icp_document": document.structured_content}

    return anyio.run(run)


@pytest.fixture(scope="module")
def tool_names() -> list[str]:
    return anyio.run(_tool_names)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _example_session(EXAMPLES, tmp_path_factory.mktemp("example") / "ws")


@pytest.fixture(scope="module")
def dollars(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example data with every amount written in dollars: "$27,700" deals, "$5.1M" revenue."""
    folder = tmp_path_factory.mktemp("dollars")
    for name in ("accounts.csv", "contacts.csv", "prospects.csv"):
        text = (EXAMPLES / name).read_text("utf-8")
        (folder / name).write_text(re.sub(r"€([\d.]+) Mio", r"$\1M", text), "utf-8")
    with (EXAMPLES / "deals.csv").open(newline="", encoding="utf-8") as source:
        header, *rows = list(csv.reader(source))
    amount = header.index("Amount")
    for row in rows:
        row[amount] = f"${int(row[amount]):,}" if row[amount].isdigit() else row[amount]
    with (folder / "deals.csv").open("w", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows([header, *rows])
    return _example_session(folder, folder / "ws")


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "maven_crm"
    if not (folder / "accounts.csv").exists():
        pytest.skip(f"real exports not found at {folder.parent} (they live beside the checkout in CI)")
    return _maven_session(folder, tmp_path_factory.mktemp("maven") / "ws")


def _documents(results: dict[str, Any]) -> Iterator[Path]:
    document = results["draft_icp_document"]
    for key in ("markdown_path", "one_page_markdown_path"):
        yield Path(document[key])


def _visible_markdown(path: Path) -> str:
    """What a reader of the Markdown sees: escapes and image targets removed."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", path.read_text("utf-8"))
    return re.sub(r"\\(.)", r"\1", text)


def _section(markdown: str, heading: str) -> str:
    return markdown.split(f"\n## {heading}\n")[1].split("\n## ")[0]


def check_words(text: str, tool_names: list[str], where: str) -> None:
    internal = sorted(set(INTERNAL_WORDS.findall(text)))
    assert internal == [], f"{where}: internal field names {internal}"
    tools = sorted({t for t in tool_names if re.search(rf"(?<![\w/.-]){re.escape(t)}(?![\w/])", text)})
    assert tools == [], f"{where}: tool names {tools}"


def test_the_internal_names_cover_fields_derived_columns_and_tools(tool_names: list[str]) -> None:
    assert {"tech_stack", "revenue_band", "size_band", "age_band", "employee_band", "won_value"} <= set(INTERNAL)
    assert {"draft_messaging", "score_prospect", "check_drift", "draft_icp_document"} <= set(tool_names)
    with pytest.raises(AssertionError, match="tech_stack"):
        check_words("tech_stack uses Salesforce", tool_names, "probe")
    with pytest.raises(AssertionError, match="check_drift"):
        check_words("run check_drift every quarter", tool_names, "probe")


@pytest.mark.slow
def test_the_example_document_speaks_in_labels_and_says_its_currency_is_not_stated(
    example: dict[str, Any], tool_names: list[str]
) -> None:
    assert example["load_accounts"]["currency"] is None  # the export mixes $ and € revenue; deals carry no sign
    for path in _documents(example):
        text = _visible_markdown(path)
        check_words(text, tool_names, path.name)
        assert text.count(UNKNOWN_CURRENCY) == 1, path.name
        assert re.search(r"[$€£]\s?\d", text) is None, re.search(r".{30}[$€£]\s?\d.{10}", text)
    markdown = _visible_markdown(Path(example["draft_icp_document"]["markdown_path"]))
    assert "Tech stack includes Salesforce" in markdown and "Industry is Fintech" in markdown
    assert re.search(r"median of [\d.]+k; half fall between\s[\d.]+k and [\d.]+k", _section(markdown, "Budget reality"))
    assert re.search(r"\| TAM [^|]*\| 300 \| 5\.0M \|", _section(markdown, "Market scope"))


@pytest.mark.slow
def test_the_tables_in_the_body_are_short_and_say_where_the_rest_is(example: dict[str, Any]) -> None:
    document = example["draft_icp_document"]
    markdown = _visible_markdown(Path(document["markdown_path"]))
    for heading in ("Firmographics", "Technographics", "Target segments", "Scoring rubric"):
        rows = [line for line in _section(markdown, heading).splitlines() if line.startswith("| ")]
        assert 0 < len(rows) <= 9, (heading, len(rows))  # a header and at most 8 rows per table
    firmographics = _section(markdown, "Firmographics")
    facts = json.loads(Path(document["facts_path"]).read_text("utf-8"))["data"]["firmographics"]
    shown = re.findall(r"^\| (.+?) \| ([\d,]+) \| \d+% \| \d+% \| ([\d.]+)× \(", firmographics, flags=re.M)
    assert [int(customers) for _, customers, _ in shown] == [r["customers"] for r in facts["rows"][:8]]
    for row in facts["rows"]:  # shown: a lift away from 1, or an interval that leaves 1 out
        assert abs(row["lift"] - 1) >= 0.2 or not row["lift_low"] <= 1 <= row["lift_high"], row
    for row in facts["quiet"]:  # left out: near 1 and holding 1
        assert abs(row["lift"] - 1) < 0.2 and row["lift_low"] <= 1 <= row["lift_high"], row
    omitted = re.search(r"(\d+) of the (\d+) values compared are left out", firmographics)
    assert omitted is not None and int(omitted[1]) == len(facts["quiet"]) > 0
    assert int(omitted[2]) == len(facts["quiet"]) + len(facts["rows"])
    assert "-|" not in markdown.replace("---|", "") and "| - |" not in markdown  # no column of dashes
    assert "tables/scorecard.csv" in _section(markdown, "Scoring rubric")
    assert {Path(p).name for p in document["tables"]} >= {"scorecard.csv", "segments.csv", "firmographics.csv"}
    assert all(Path(p).stat().st_size > 0 for p in document["tables"])


@pytest.mark.slow
def test_amounts_carry_the_dollar_sign_when_the_export_writes_one(
    dollars: dict[str, Any], tool_names: list[str]
) -> None:
    assert dollars["load_accounts"]["currency"] == "USD"
    markdown = _visible_markdown(Path(dollars["draft_icp_document"]["markdown_path"]))
    check_words(markdown, tool_names, "dollars")
    assert UNKNOWN_CURRENCY not in markdown and "Amounts are in US dollars (USD)" in markdown
    budget = _section(markdown, "Budget reality")
    amounts = re.findall(r"(?:median of|between|and|median customer value) (\$?[\d.,]*\d[kMB]?)", budget)
    amounts += re.findall(r"^\| (?:TAM|SAM|SOM) [^|]*\| [\d,]+ \| (\S+) \|$", markdown, flags=re.M)
    assert len(amounts) >= 6 and all(a.startswith("$") for a in amounts), amounts
    assert "Annual revenue $10M to under $50M" in Path(dollars["draft_icp_document"]["folder"], "tables",
                                                         "firmographics.csv").read_text("utf-8")  # fmt: skip


@pytest.mark.slow
@pytest.mark.shared_data
def test_the_no_signal_document_drops_what_does_not_exist_and_says_what_to_collect(
    maven: dict[str, Any], tool_names: list[str]
) -> None:
    document = maven["draft_icp_document"]
    for path in _documents(maven):
        check_words(_visible_markdown(path), tool_names, path.name)
    markdown = _visible_markdown(Path(document["markdown_path"]))
    headings = re.findall(r"^## (.+)$", markdown, flags=re.M)
    assert not {"Best fit, good fit and bad fit", "Scoring rubric", "Red flags (anti-ICP)", "Target segments",
                "Messaging per segment", "Does the ICP predict winning?"} & set(headings)  # fmt: skip
    assert "What to collect next" in headings
    collect = _section(markdown, "What to collect next")
    outcomes = maven["load_accounts"]["deals"]["outcomes"]
    closed = outcomes["won"] + outcomes["lost"]
    assert f"{closed:,} closed deals ({outcomes['won']:,} won, {outcomes['lost']:,} lost)" in collect
    assert "Tech stack" in collect and "Accounts that did not buy" in collect
    roadmap = _section(markdown, "Roadmap")
    for absent in ("best-fit", "red flag", "green accounts", "target segment", "deprioritise"):
        assert absent not in roadmap.lower(), absent
    assert "No attribute predicts the outcome in this data" in markdown


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium): no browser to open the HTML in")
    return path


LAYOUT = """() => {
  const wide = el => el.getBoundingClientRect().right > window.innerWidth + 1;
  const scrolls = el => el.parentElement && getComputedStyle(el.parentElement).overflowX === 'auto';
  return {
    body: document.body.scrollWidth, page: document.documentElement.scrollWidth, viewport: window.innerWidth,
    text: document.body.innerText,
    tables: Array.from(document.querySelectorAll('table')).map(t => ({
      fits: t.scrollWidth <= t.parentElement.clientWidth + 1, scrolls: scrolls(t), wide: wide(t.parentElement)})),
    images: Array.from(document.images).map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0,
      width: i.getBoundingClientRect().width, wide: wide(i)})),
  };
}"""


def _layouts(sync_api: Any, browser_path: str, html: Path) -> dict[int, dict[str, Any]]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            out = {}
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(html.as_uri())
                out[width] = page.evaluate(LAYOUT)
                page.close()
        finally:
            browser.close()
    return out


def check_layout(layout: dict[str, Any], tool_names: list[str], where: str) -> None:
    assert layout["body"] <= layout["viewport"] and layout["page"] <= layout["viewport"], (where, layout["page"])
    assert layout["tables"], where
    for table in layout["tables"]:
        assert (table["fits"] or table["scrolls"]) and not table["wide"], (where, table)
    for image in layout["images"]:
        assert image["ok"] and not image["wide"] and image["width"] > 200, (where, image["width"])
        head, _, data = image["src"].partition(",")
        assert head == "data:image/png;base64"
        png = base64.b64decode(data)
        assert png.startswith(PNG) and len(png) > 10_000, where
    check_words(layout["text"], tool_names, where)


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_example_document_fits_a_laptop_and_a_phone_screen(
    example: dict[str, Any], tool_names: list[str]
) -> None:
    browser_path = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    document = example["draft_icp_document"]
    for key, charts in (("html_path", 3), ("one_page_html_path", 0)):  # segments, points and validation charts
        layouts = await anyio.to_thread.run_sync(_layouts, sync_api, browser_path, Path(document[key]))
        for width, layout in layouts.items():
            check_layout(layout, tool_names, f"{key} at {width} px")
            assert layout["text"].count(UNKNOWN_CURRENCY) == 1 and len(layout["images"]) == charts


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.anyio
async def test_the_no_signal_document_fits_a_laptop_and_a_phone_screen(
    maven: dict[str, Any], tool_names: list[str]
) -> None:
    browser_path = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    layouts = await anyio.to_thread.run_sync(
        _layouts, sync_api, browser_path, Path(maven["draft_icp_document"]["html_path"])
    )
    for width, layout in layouts.items():
        check_layout(layout, tool_names, f"maven at {width} px")
        assert "What to collect next" in layout["text"] and "Scoring rubric" not in layout["text"]
