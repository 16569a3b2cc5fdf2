"""MCP prompts and icp:// resources, through a real client in both protocol eras."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from icp_assistant.server.config import ServerConfig
from icp_assistant.server.prompts import tool_arguments_in, tool_names_in

pytestmark = pytest.mark.anyio

MODES = ["modern", "legacy"]
MAX_WORDS = 600

# Every argument of every prompt, so each optional branch of the templates renders too.
FULL_ARGS: dict[str, dict[str, str]] = {
    "identify_ideal_customers": {
        "accounts_path": "accounts.csv", "deals_path": "deals.csv", "value_focus": "contract value and retention",
    },
    "segment_customers": {"accounts_path": "accounts.csv", "attributes": "industry, size, region",
                          "deals_path": "deals.csv"},
    "refine_segments_by_value": {
        "accounts_path": "accounts.csv", "deals_path": "deals.csv", "segmentation": "by-industry",
        "attributes": "industry", "priorities": "deal size first, then speed",
    },
    "define_icp": {
        "accounts_path": "accounts.csv", "deals_path": "deals.csv", "icp_name": "acme-icp",
        "attributes": "industry, size", "must_haves": "based in North America",
        "disqualifiers": "fewer than 10 employees",
    },
    "validate_anti_icp": {"accounts_path": "accounts.csv", "deals_path": "deals.csv", "icp": "acme-icp"},
    "score_prospect_fit": {"icp": "acme-icp", "prospect": "Acme Logistics, 450 people, Germany, on Salesforce"},
    "build_target_account_list": {
        "icp": "acme-icp", "prospects_path": "prospects.csv", "universe_path": "universe.csv", "dataset": "accounts",
        "share": "0.1", "reps": "5", "deals_per_rep": "40",
    },
    "review_icp_drift": {
        "icp": "acme-icp", "accounts_path": "accounts.csv", "deals_path": "deals.csv",
        "recent_path": "next_quarter_accounts.csv", "recent_deals_path": "next_quarter_deals.csv",
    },
    "draft_segment_messaging": {
        "icp": "acme-icp", "segment": "Fintech", "persona": "VP Sales", "dataset": "accounts",
        "segmentation": "by-industry",
    },
    "flag_at_risk_accounts": {"customers_path": "accounts.csv", "icp": "acme-icp", "deals_path": "deals.csv"},
    "review_sales_pipeline": {
        "accounts_path": "accounts.csv", "deals_path": "deals.csv", "icp": "acme-icp", "pipeline_path": "open.csv",
    },
    "review_feature_adoption": {
        "accounts_path": "accounts.csv", "icp": "acme-icp", "usage_path": "product_usage.csv",
        "deals_path": "deals.csv", "segmentation": "by-industry",
    },
    "plan_expansion_plays": {
        "accounts_path": "accounts.csv", "icp": "acme-icp", "deals_path": "deals.csv", "value": "contract_value",
        "tiers": "green, yellow",
    },
}  # fmt: skip

# Only the required arguments (the other branch of every optional block; cut_date instead of recent_path).
MINIMAL_ARGS: dict[str, dict[str, str]] = {
    "identify_ideal_customers": {"accounts_path": "accounts.csv"},
    "segment_customers": {"accounts_path": "accounts.csv", "attributes": "auto"},
    "refine_segments_by_value": {"accounts_path": "accounts.csv"},
    "define_icp": {"accounts_path": "accounts.csv"},
    "validate_anti_icp": {"accounts_path": "accounts.csv"},
    "score_prospect_fit": {"icp": "acme-icp", "prospect": "Acme,\nfintech in Berlin"},
    "build_target_account_list": {"icp": "acme-icp", "prospects_path": "prospects.csv"},
    "review_icp_drift": {"icp": "acme-icp", "accounts_path": "accounts.csv", "cut_date": "2025-01-01"},
    "draft_segment_messaging": {"icp": "acme-icp", "segment": "Fintech"},
    "flag_at_risk_accounts": {"customers_path": "accounts.csv", "icp": "acme-icp"},
    "review_sales_pipeline": {"accounts_path": "accounts.csv", "deals_path": "deals.csv", "icp": "acme-icp"},
    "review_feature_adoption": {"accounts_path": "accounts.csv", "icp": "acme-icp", "usage_path": "product_usage.csv"},
    "plan_expansion_plays": {"accounts_path": "accounts.csv", "icp": "acme-icp"},
}


def _client(server: Any, mode: str) -> Client:
    return Client(server, mode="legacy") if mode == "legacy" else Client(server)


def _prompt_text(result: Any) -> str:
    return "\n".join(m.content.text for m in result.messages)


def test_tool_names_are_found_where_a_template_writes_them_as_calls() -> None:
    text = "1. `load_accounts(path=...)` then `find_patterns(dataset=x)`; read `bad_rate` and min(a, b)."
    assert tool_names_in(text) == {"load_accounts", "find_patterns"}


@pytest.mark.parametrize("mode", MODES)
async def test_every_prompt_is_listed_with_a_title_and_described_arguments(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        prompts = (await client.list_prompts()).prompts
    assert {p.name for p in prompts} == set(FULL_ARGS)
    for prompt in prompts:
        assert prompt.title and prompt.description and len(prompt.description) > 40, prompt.name
        arguments = {a.name: a for a in prompt.arguments or []}
        assert set(arguments) == set(FULL_ARGS[prompt.name]) | set(MINIMAL_ARGS[prompt.name]), prompt.name
        required = {n for n, a in arguments.items() if a.required}
        assert required == set(MINIMAL_ARGS[prompt.name]) - {"cut_date"}, prompt.name
        assert all(a.description for a in arguments.values()), prompt.name


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("arguments", [FULL_ARGS, MINIMAL_ARGS], ids=["all-arguments", "required-only"])
async def test_every_prompt_renders_and_names_only_tools_that_exist(
    server: Any, mode: str, arguments: dict[str, dict[str, str]]
) -> None:
    async with _client(server, mode) as client:
        listed = (await client.list_tools()).tools
        tools = {t.name for t in listed}
        rendered = {name: _prompt_text(await client.get_prompt(name, args)) for name, args in arguments.items()}
    parameters = {t.name: set(t.input_schema.get("properties", {})) for t in listed}
    for name, text in rendered.items():
        assert tool_names_in(text), f"{name} names no tool"
        assert "Numbers come only from tool results" in text, name
        assert "{{" not in text and "{%" not in text, name
        assert len(text.split()) <= MAX_WORDS, (name, len(text.split()))
        for value in arguments[name].values():
            if "," not in value and "\n" not in value and value != "auto":  # auto: tested below
                assert value in text, (name, value)  # every argument reaches the model
    unknown = {name: sorted(tool_names_in(text) - tools) for name, text in rendered.items()}
    assert not any(unknown.values()), f"prompts name tools the server does not have: {unknown}"
    wrong = {
        (name, tool): sorted(args - parameters[tool])
        for name, text in rendered.items()
        for tool, args in tool_arguments_in(text).items()
        if tool in parameters and args - parameters[tool]
    }
    assert not wrong, f"prompts pass arguments the tools do not take: {wrong}"


async def test_segment_attributes_become_the_dimensions_of_the_call(server: Any) -> None:
    async with Client(server) as client:
        chosen = await client.get_prompt(
            "segment_customers", {"accounts_path": "a.csv", "attributes": " industry,size "}
        )
        auto = await client.get_prompt("segment_customers", {"accounts_path": "a.csv", "attributes": "auto"})
    assert 'dimensions=["industry", "size"]' in _prompt_text(chosen)
    assert "dimensions=" not in _prompt_text(auto) and "discovered by clustering" in _prompt_text(auto)


@pytest.mark.parametrize("mode", MODES)
async def test_a_missing_required_argument_is_an_error_naming_it_and_what_it_is(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        with pytest.raises(MCPError, match=r"'score_prospect_fit' is missing prospect\. prospect: The company"):
            await client.get_prompt("score_prospect_fit", {"icp": "acme-icp"})
        with pytest.raises(MCPError, match=r"has no argument path; its arguments are: accounts_path"):
            await client.get_prompt("define_icp", {"accounts_path": "a.csv", "path": "a.csv"})
        with pytest.raises(MCPError, match=r"pass recent_path .* or cut_date"):
            await client.get_prompt("review_icp_drift", {"icp": "acme-icp", "accounts_path": "a.csv"})


# ---- resources ----------------------------------------------------------------------------------------------------


async def _read(client: Client, uri: str) -> tuple[str, str]:
    result = await client.read_resource(uri)
    content = result.contents[0]
    return content.mime_type or "", content.text  # type: ignore[union-attr]


async def _build_everything(client: Client, workspace: Path) -> str:
    loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
    assert not loaded.is_error
    name = loaded.structured_content["name"]
    segmented = await client.call_tool(
        "segment_accounts", {"dataset": name, "dimensions": ["industry", "size"], "name": "by-industry"}
    )
    assert not segmented.is_error
    for _ in range(2):  # two versions
        built = await client.call_tool("build_icp", {"dataset": name, "name": "demo"})
        assert not built.is_error
    folder = workspace / "documents" / "demo-v2"  # as draft_icp_document writes them
    folder.mkdir(parents=True)
    (folder / "icp-document.md").write_text("# Demo ICP\n", encoding="utf-8")
    (folder / "icp-document.html").write_text("<h1>Demo ICP</h1>\n", encoding="utf-8")
    (folder / "chart.png").write_bytes(b"\x89PNG")  # not a document: never listed or served
    return name


@pytest.mark.parametrize("mode", MODES)
async def test_each_kind_of_resource_lists_and_reads_what_the_tools_made(
    server: Any, server_config: ServerConfig, mode: str
) -> None:
    async with _client(server, mode) as client:
        dataset = await _build_everything(client, server_config.workspace)
        static = {str(r.uri): r.mime_type for r in (await client.list_resources()).resources}
        templates = {t.uri_template: t.mime_type for t in (await client.list_resource_templates()).resource_templates}
        collections = [u for u in static if u.count("/") == 2 and u != "icp://method"]  # icp://<kind>
        index = {uri: json.loads((await _read(client, uri))[1]) for uri in collections}
        items = {}
        for uri in [
            f"icp://datasets/{dataset}", "icp://segmentations/by-industry", "icp://icps/demo", "icp://icps/demo/v1",
            "icp://documents/demo-v2/icp-document.md", "icp://documents/demo-v2/icp-document.html",
        ]:  # fmt: skip
            items[uri] = await _read(client, uri)
    assert {u: m for u, m in static.items() if u.count("/") == 2} == {
        "icp://method": "text/markdown", "icp://datasets": "application/json",
        "icp://segmentations": "application/json", "icp://icps": "application/json",
        "icp://documents": "application/json", "icp://profile": "application/json",
    }  # fmt: skip
    # and each item the tools made, listed on its own
    assert {f"icp://datasets/{dataset}", "icp://segmentations/by-industry", "icp://icps/demo"} <= set(static)
    assert "icp://files/documents/demo-v2/icp-document.html" in static
    assert templates["icp://icps/{name}/v{version}"] == "application/json"
    assert templates["icp://documents/{folder}/{file}.html"] == "text/html"
    assert index["icp://datasets"] == [
        {"name": dataset, "uri": f"icp://datasets/{dataset}", "rows": index["icp://datasets"][0]["rows"],
         "files": index["icp://datasets"][0]["files"]}
    ]  # fmt: skip
    assert [f["role"] for f in index["icp://datasets"][0]["files"]] == ["accounts", "deals"]
    assert index["icp://segmentations"][0]["uri"] == "icp://segmentations/by-industry"
    assert index["icp://icps"][0]["versions"] == [1, 2] and index["icp://icps"][0]["latest"] == 2
    assert {d["uri"] for d in index["icp://documents"]} == {
        "icp://documents/demo-v2/icp-document.md", "icp://documents/demo-v2/icp-document.html"
    }  # fmt: skip
    card = json.loads(items[f"icp://datasets/{dataset}"][1])
    assert card["name"] == dataset and card["rows"] == index["icp://datasets"][0]["rows"]
    assert json.loads(items["icp://segmentations/by-industry"][1])["dimensions"]
    assert json.loads(items["icp://icps/demo"][1])["version"] == 2
    assert json.loads(items["icp://icps/demo/v1"][1])["version"] == 1
    assert items["icp://documents/demo-v2/icp-document.md"] == ("text/markdown", "# Demo ICP\n")
    assert items["icp://documents/demo-v2/icp-document.html"] == ("text/html", "<h1>Demo ICP</h1>\n")


UNKNOWN = [
    ("icp://datasets/nope", r"No dataset named 'nope' in the workspace\. Existing datasets: accounts"),
    ("icp://segmentations/nope", r"No segmentation named 'nope'.* Existing segmentations: by-industry"),
    ("icp://icps/nope", r"No ICP named 'nope' in the workspace\. Existing ICPs: demo"),
    ("icp://icps/demo/v9", r"ICP 'demo' has no version 9\. Versions: 1, 2"),
    ("icp://icps/demo/vlatest", r"not a version number\. Versions of 'demo': v1, v2"),
    ("icp://documents/demo-v2/nope.md", r"No document .* Existing documents: icp://documents/demo-v2/icp-doc"),
    ("icp://documents/demo-v2/%2E%2E%2F%2E%2E%2Fdatasets.md", r"Unknown resource"),
    ("icp://documents/..%2F..%2Fetc/passwd.md", r"Unknown resource"),
]


async def test_an_unknown_name_is_an_error_listing_what_exists(server: Any, server_config: ServerConfig) -> None:
    async with Client(server, mode="legacy") as client:
        await _build_everything(client, server_config.workspace)
        for uri, expected in UNKNOWN:
            with pytest.raises(MCPError, match=expected):
                await client.read_resource(uri)


async def test_an_empty_workspace_says_there_is_nothing_yet(server: Any) -> None:
    async with Client(server) as client:
        collections = [json.loads((await _read(client, f"icp://{kind}"))[1]) for kind in ("datasets", "icps")]
        with pytest.raises(MCPError, match=r"There are no ICPs yet"):
            await client.read_resource("icp://icps/demo")
        with pytest.raises(MCPError, match=r"There are no documents yet"):
            await client.read_resource("icp://documents/demo/icp-document.md")
    assert collections == [[], []]


@pytest.mark.parametrize("mode", MODES)
async def test_the_method_reads_as_markdown_with_the_steps_and_the_rubric(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        mime, text = await _read(client, "icp://method")
    assert mime == "text/markdown"
    for needle in ("## The five steps", "Firmographic", "Technographic", "Behavioural / intent", "Contacts",
                   "40%", "Green >= 80", "Yellow 60-79", "Red < 60", "must-have", "disqualifier",
                   "## The quarterly review"):  # fmt: skip
        assert needle in text, needle
