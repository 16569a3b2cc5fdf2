"""The protocol beyond tools: completions from the workspace, invalid-params errors for unknown prompts, argument
errors as sentences, and annotations that say which tools stay on this machine."""

from __future__ import annotations

import itertools
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
    assert "`revenue_unit` must be greater than 0; got -5." in text
    assert "pydantic" not in text and "http" not in text and "validation error" not in text.lower()


@pytest.mark.parametrize(
    ("tool", "arguments", "sentence"),
    [
        ("segment_accounts", {"dataset": "acme", "min_size": 1}, "`min_size` must be at least 2; got 1."),
        ("segment_accounts", {"dataset": "acme", "k": "many"}, '`k` must be a whole number; got "many".'),
        ("find_patterns", {"dataset": "acme", "top_share": 2}, "`top_share` must be less than 1; got 2."),
        (
            "find_patterns",
            {"dataset": "acme", "compare": "bestest"},
            "`compare` must be one of 'best', 'won', 'churned' or 'condition'; got \"bestest\".",
        ),
        (
            "find_patterns",
            {"dataset": "acme", "compare": "condition", "condition": [{"column": "industry", "op": "~"}]},
            "`condition[0].value` is required.",
        ),
        ("build_icp", {"dataset": "acme", "green": 200}, "`green` must be at most 100; got 200."),
        ("build_icp", {"dataset": "acme", "must_haves": "EU only"}, '`must_haves` must be a list; got "EU only".'),
    ],
)
async def test_each_bad_argument_is_one_sentence_naming_it_the_value_and_what_is_expected(
    server_config: ServerConfig, tool: str, arguments: dict[str, Any], sentence: str
) -> None:
    async with Client(build_server(server_config)) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert sentence in text, text
    assert text.startswith("Invalid argument") and tool in text and "Error executing tool" not in text


async def test_tools_that_only_touch_local_files_say_so(server_config: ServerConfig) -> None:
    async with Client(build_server(server_config)) as client:
        tools = (await client.list_tools()).tools
    open_world = {t.name for t in tools if t.annotations is None or t.annotations.open_world_hint is not False}
    # Only the drafting tools may reach an outside service (the Anthropic API, when a key is configured).
    assert open_world == {"draft_icp_document", "draft_messaging"}
    read_only = {t.name for t in tools if t.annotations is not None and t.annotations.read_only_hint}
    assert read_only == {"score_prospect", "check_drift"}  # validate_icp saves its report for the document


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
    for tool, reports in seen.items():  # the protocol: each notification's progress is above the one before
        values = [p for p, _ in reports]
        assert all(a < b for a, b in itertools.pairwise(values)), (tool, values)
    assert [m for _, m in seen["draft_icp_document"]] == [
        "gathering the facts", "writing the narrative", "rendering Markdown, HTML and charts"
    ]  # fmt: skip


async def test_no_progress_is_sent_when_the_client_sent_no_progress_token(server_config: ServerConfig) -> None:
    methods: list[str] = []

    async def on_message(message: Any) -> None:
        methods.append(str(getattr(getattr(message, "root", message), "method", "")))

    async with Client(build_server(server_config), mode="legacy", message_handler=on_message) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = (loaded.structured_content or {})["name"]
        for tool, arguments in (
            ("build_icp", {"dataset": name, "name": "core"}),
            ("draft_icp_document", {"icp": "core"}),
        ):
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, result.content
        await client.list_tools()  # a round trip: anything sent before the last result has arrived
    assert "notifications/resources/list_changed" in methods  # notifications do arrive here...
    assert "notifications/progress" not in methods  # ...but no progress: none was asked for
