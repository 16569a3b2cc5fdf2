"""Generated files come back as resource links a host can open, every workspace item is listed as a resource, and
the server says when the list changed."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import BlobResourceContents, ResourceLink, TextResourceContents

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
