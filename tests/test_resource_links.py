"""Generated files come back as resource links a host can open, every workspace item is listed as a resource, and
the server says when the list changed."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, BlobResourceContents, ResourceLink, TextResourceContents

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig

pytestmark = pytest.mark.anyio


async def test_files_a_tool_writes_come_back_as_links_that_read_back_as_the_file(
    server_config: ServerConfig,
) -> None:
    async with Client(build_server(server_config)) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        assert not loaded.is_error, loaded.content
        name = loaded.structured_content["name"]  # type: ignore[index]
        built = await client.call_tool("build_icp", {"dataset": name, "name": "core"})
        assert not built.is_error, built.content
        scored = await client.call_tool("score_prospects", {"icp": "core", "path": "prospects.csv"})
        assert not scored.is_error, scored.content
        result: dict[str, Any] = scored.structured_content or {}
        links = [c for c in scored.content if isinstance(c, ResourceLink)]
        by_name = {link.name: link for link in links}
        assert {"prospects_scored.csv", "prospects_scored.xlsx"} <= set(by_name)
        csv_link = by_name["prospects_scored.csv"]
        assert csv_link.mime_type == "text/csv" and csv_link.size == Path(result["csv_path"]).stat().st_size
        text = (await client.read_resource(csv_link.uri)).contents[0]
        assert isinstance(text, TextResourceContents)
        assert text.text == Path(result["csv_path"]).read_text(encoding="utf-8")
        xlsx = (await client.read_resource(by_name["prospects_scored.xlsx"].uri)).contents[0]
        assert isinstance(xlsx, BlobResourceContents)
        assert base64.b64decode(xlsx.blob) == Path(result["xlsx_path"]).read_bytes()

        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {f"icp://datasets/{name}", "icp://icps/core", str(csv_link.uri)} <= listed

        for outside in ("icp://files/../secrets.txt", "icp://files/%2e%2e/x", "icp://files/.staging-1-x/a.csv"):
            with pytest.raises(MCPError):
                await client.read_resource(outside)
        with pytest.raises(MCPError, match="No file"):
            await client.read_resource("icp://files/prospect-lists/none.csv")


async def test_the_server_says_the_resource_list_changed_after_a_tool_creates_one(
    server_config: ServerConfig,
) -> None:
    seen: list[str] = []

    async def on_message(message: Any) -> None:
        method = getattr(getattr(message, "root", message), "method", None)
        if method:
            seen.append(method)

    server = build_server(server_config)
    async with Client(server, mode="legacy", message_handler=on_message) as client:
        assert client.server_capabilities.resources is not None
        assert client.server_capabilities.resources.list_changed is True
        assert client.server_capabilities.completions is not None
        result = await client.call_tool("load_accounts", {"path": "accounts.csv"})
        assert not result.is_error, result.content
        await client.list_tools()  # a round trip: the notification sent before the result has arrived
    assert "notifications/resources/list_changed" in seen


async def test_every_generated_file_links_to_a_resource_that_reads_back_with_its_own_mime_type(
    server_config: ServerConfig,
) -> None:
    async with Client(build_server(server_config)) as client:

        async def links(tool: str, arguments: dict[str, Any]) -> dict[str, ResourceLink]:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, result.content
            return {str(c.uri): c for c in result.content if isinstance(c, ResourceLink)}

        await links("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "acme"})
        best = await links("find_best_customers", {"dataset": "acme", "chart": True})
        segmented = await links("segment_accounts", {"dataset": "acme", "dimensions": ["industry"], "name": "seg"})
        built = await links("build_icp", {"dataset": "acme", "name": "core", "segmentation": "seg"})
        drafted = await links("draft_messaging", {"icp": "core", "segment": "0"})

        chart = next(link for link in best.values() if link.name.endswith(".png"))
        read = (await client.read_resource(chart.uri)).contents[0]
        assert isinstance(read, BlobResourceContents) and read.mime_type == "image/png" == chart.mime_type
        assert base64.b64decode(read.blob).startswith(b"\x89PNG")
        assert "icp://files/segmentations/seg/segments.csv" in segmented  # served, not a dead link
        table = (await client.read_resource("icp://files/segmentations/seg/segments.csv")).contents[0]
        assert isinstance(table, TextResourceContents) and table.mime_type == "text/csv"
        assert list(built) == ["icp://icps/core/v1"] and built["icp://icps/core/v1"].title == "ICP version: v1.json"
        assert '"scorecard"' in (await client.read_resource("icp://icps/core/v1")).contents[0].text  # type: ignore[union-attr]
        [draft] = drafted.values()
        assert draft.mime_type == "text/markdown" and str(draft.uri).startswith("icp://files/documents/core-v1/")
        text = (await client.read_resource(draft.uri)).contents[0]
        assert isinstance(text, TextResourceContents) and text.mime_type == "text/markdown" and text.text.strip()
        for bookkeeping in ("icp://files/segmentations/seg/meta.json", "icp://files/datasets/acme/card.json"):
            with pytest.raises(MCPError, match="No file"):
                await client.read_resource(bookkeeping)


async def test_the_resource_list_comes_in_pages_and_a_foreign_cursor_is_invalid_params(
    server_config: ServerConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from icp_assistant.server import app

    monkeypatch.setattr(app, "RESOURCE_PAGE", 4)
    async with Client(build_server(server_config), mode="legacy") as client:
        result = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        assert not result.is_error, result.content
        await client.call_tool("find_patterns", {"dataset": result.structured_content["name"], "chart": True})  # type: ignore[index]
        pages, cursor = [], None
        while True:
            page = await client.list_resources(cursor=cursor, cache_mode="bypass")
            pages.append([str(r.uri) for r in page.resources])
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        with pytest.raises(MCPError) as raised:
            await client.list_resources(cursor="../../etc", cache_mode="bypass")
    every = [uri for page in pages for uri in page]
    assert len(pages) >= 3 and all(len(page) == 4 for page in pages[:-1]) and len(every) == len(set(every))
    assert every[0] == "icp://method" and any(uri.endswith("patterns_best.png") for uri in every)
    assert raised.value.error.code == INVALID_PARAMS and "../../etc" in raised.value.error.message
