"""The protocol beyond tools: completions from the workspace, invalid-params errors for unknown prompts, argument
errors as sentences, and annotations that say which tools stay on this machine."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, PromptReference, ResourceTemplateReference

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig

pytestmark = pytest.mark.anyio


async def _call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return dict(result.structured_content or {})


async def test_prompt_arguments_and_resource_variables_complete_from_the_workspace(
    server_config: ServerConfig,
) -> None:
    async with Client(build_server(server_config)) as client:
        await _call(client, "load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "acme"})
        await _call(client, "load_accounts", {"path": "prospects.csv", "name": "leads"})
        segmentation = await _call(
            client, "segment_accounts", {"dataset": "acme", "dimensions": ["industry"], "name": "by-industry"}
        )
        await _call(client, "build_icp", {"dataset": "acme", "name": "core"})
        await _call(client, "build_icp", {"dataset": "acme", "name": "core"})

        async def values(ref: Any, name: str, typed: str, context: dict[str, str] | None = None) -> list[str]:
            result = await client.complete(ref, {"name": name, "value": typed}, context)
            assert result.completion.total == len(result.completion.values)
            return result.completion.values

        messaging = PromptReference(type="ref/prompt", name="draft_segment_messaging")
        assert await values(messaging, "dataset", "") == ["acme", "leads"]
        assert await values(messaging, "dataset", "le") == ["leads"]
        assert await values(messaging, "icp", "c") == ["core"]
        assert await values(messaging, "segmentation", "") == ["by-industry"]
        segments = [s["name"] for s in segmentation["segments"]]
        offered = await values(messaging, "segment", "", {"segmentation": "by-industry"})
        assert set(segments) <= set(offered) and len(offered) == segmentation["k"]
        assert await values(messaging, "persona", "") == []

        files = await values(PromptReference(type="ref/prompt", name="identify_ideal_customers"), "accounts_path", "")
        assert any(f.endswith("accounts.csv") for f in files) and all("/" in f for f in files)

        icp_template = ResourceTemplateReference(type="ref/resource", uri="icp://icps/{name}/v{version}")
        assert await values(icp_template, "name", "") == ["core"]
        assert await values(icp_template, "version", "", {"name": "core"}) == ["2", "1"]
        assert await values(icp_template, "version", "", {"name": "../../etc"}) == []
        datasets = ResourceTemplateReference(type="ref/resource", uri="icp://datasets/{name}")
        assert await values(datasets, "name", "AC") == ["acme"]


async def test_an_unknown_prompt_is_invalid_params_naming_the_prompts(server_config: ServerConfig) -> None:
    async with Client(build_server(server_config)) as client:
        with pytest.raises(MCPError) as raised:
            await client.get_prompt("define_the_icp_please", {})
    assert raised.value.error.code == INVALID_PARAMS
    assert "define_the_icp_please" in raised.value.error.message and "define_icp" in raised.value.error.message


async def test_bad_tool_arguments_read_as_sentences_without_the_pydantic_banner(server_config: ServerConfig) -> None:
    async with Client(build_server(server_config)) as client:
        result = await client.call_tool("load_accounts", {"revenue_unit": -5})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "`path` is required." in text
    assert "`revenue_unit`: input should be greater than 0; got -5." in text
    assert "pydantic" not in text and "http" not in text and "validation error" not in text.lower()


async def test_tools_that_only_touch_local_files_say_so(server_config: ServerConfig) -> None:
    async with Client(build_server(server_config)) as client:
        tools = (await client.list_tools()).tools
    open_world = {t.name for t in tools if t.annotations is None or t.annotations.open_world_hint is not False}
    # Only the drafting tools may reach an outside service (the Anthropic API, when a key is configured).
    assert open_world == {"draft_icp_document", "draft_messaging"}


async def test_every_long_step_reports_progress_when_the_client_asks(server_config: ServerConfig) -> None:
    seen: dict[str, list[tuple[float, str | None]]] = {}

    async with Client(build_server(server_config), mode="legacy") as client:

        async def call(tool: str, arguments: dict[str, Any]) -> None:
            seen[tool] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                seen[tool].append((progress, message))

            result = await client.call_tool(tool, arguments, progress_callback=on_progress)
            assert not result.is_error, result.content

        await call("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "acme"})
        await call("segment_accounts", {"dataset": "acme", "dimensions": ["industry"], "name": "seg"})
        await call("build_icp", {"dataset": "acme", "name": "core"})
        await call("validate_icp", {"dataset": "acme", "icp": "core"})
        await call("load_accounts", {"path": "next_quarter_accounts.csv", "deals_path": "next_quarter_deals.csv",
                                     "name": "recent"})  # fmt: skip
        await call("check_drift", {"dataset": "acme", "icp": "core", "recent": "recent"})
        await call("draft_icp_document", {"icp": "core"})
    assert all(seen[tool] for tool in seen), {tool: len(v) for tool, v in seen.items()}
    heartbeats = seen["build_icp"]
    assert heartbeats[0][1] is not None and "working" in heartbeats[0][1]
    assert [p for p, _ in heartbeats] == sorted(p for p, _ in heartbeats)  # progress only goes up
