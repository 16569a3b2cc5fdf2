"""Narrative through MCP sampling, on both protocol eras, with a real client and a throwaway server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.server.mcpserver import Context, MCPServer, Resolve, Sample
from mcp.types import CreateMessageRequestParams, CreateMessageResult, TextContent

from icp_assistant.server.cli import build_parser, config_from
from icp_assistant.server.config import ServerConfig
from icp_assistant.server.narrative import narrative_from, sample_for
from icp_assistant.server.writers import DEFAULT_MODEL, AnthropicWriter
from icp_assistant.tools.report.narrative import Batch, Narrative, Section, TemplateWriter

pytestmark = pytest.mark.anyio

ERAS = [pytest.param({}, id="modern"), pytest.param({"mode": "legacy"}, id="legacy")]


def demo_batch(topic: str) -> Batch:
    facts: dict[str, object] = {"segment": topic, "win_rate": 0.62, "accounts": 48}
    section = Section(
        key="summary",
        instruction="One sentence on the segment",
        facts=facts,
        fallback=f"{topic}: 62% win rate over 48 accounts.",
    )
    return Batch(task=f"segment card for {topic}", sections=[section], known_names=["Globex", "Initech"])


def ask_client(topic: str, ctx: Context[Any, Any]) -> Sample | None:
    return sample_for(demo_batch(topic), ctx)


def demo_server() -> MCPServer:
    server = MCPServer("narrative-demo")

    @server.tool()
    def demo_narrative(topic: str, out: Annotated[CreateMessageResult | None, Resolve(ask_client)]) -> Narrative:
        return narrative_from(demo_batch(topic), out, TemplateWriter())

    return server


class ScriptedModel:
    """A sampling callback that answers with a fixed passage and records what it was asked."""

    def __init__(self, summary: str) -> None:
        self.summary = summary
        self.requests: list[CreateMessageRequestParams] = []

    async def __call__(self, context: ClientRequestContext, params: CreateMessageRequestParams) -> CreateMessageResult:
        self.requests.append(params)
        text = json.dumps({"summary": self.summary})
        return CreateMessageResult(role="assistant", content=TextContent(type="text", text=text), model="scripted-1")


async def call(client_options: dict[str, Any]) -> Narrative:
    async with Client(demo_server(), **client_options) as client:
        result = await client.call_tool("demo_narrative", {"topic": "Logistics"})
    assert not result.is_error, result.content
    return Narrative.model_validate(result.structured_content)


@pytest.mark.parametrize("era", ERAS)
async def test_the_client_model_writes_the_passage_through_sampling(era: dict[str, Any]) -> None:
    model = ScriptedModel("Logistics wins 62% of deals across 48 accounts.")
    narrative = await call({**era, "sampling_callback": model})

    assert narrative.writer == "MCP client model (sampling): scripted-1"
    assert narrative.passages["summary"].writer == "sampling"
    assert narrative.text("summary") == "Logistics wins 62% of deals across 48 accounts."
    asked = model.requests[0]
    assert asked.system_prompt is not None and "ONE JSON object" in asked.system_prompt
    assert (asked.max_tokens, asked.temperature) == (2000, 0)


@pytest.mark.parametrize("era", ERAS)
async def test_a_sampled_passage_with_an_invented_number_falls_back_to_the_template(era: dict[str, Any]) -> None:
    model = ScriptedModel("Logistics wins 91% of deals, ahead of Globex.")
    narrative = await call({**era, "sampling_callback": model})

    passage = narrative.passages["summary"]
    assert (passage.writer, passage.text) == ("template", "Logistics: 62% win rate over 48 accounts.")
    assert narrative.rejected == [
        "summary: number 91% is not in the facts; account 'Globex' is not in the facts",
    ]
    assert narrative.writer == "templates (MCP client model (sampling): scripted-1 output rejected)"


@pytest.mark.parametrize("era", ERAS)
async def test_a_client_without_sampling_gets_the_template_text_and_no_error(era: dict[str, Any]) -> None:
    narrative = await call(era)

    assert narrative.writer == "templates (no LLM configured)"
    assert narrative.text("summary") == "Logistics: 62% win rate over 48 accounts."


# --- configuration ------------------------------------------------------------------------------------------------


def test_the_fallback_writer_is_the_anthropic_api_only_when_a_key_is_configured(tmp_path: Path) -> None:
    def config(**options: Any) -> ServerConfig:
        return ServerConfig(data_dirs=(tmp_path,), workspace=tmp_path / "workspace", **options)

    assert isinstance(config().fallback_writer(), TemplateWriter)
    keyed = config(anthropic_api_key="sk-secret", model="claude-opus-4-7")
    writer = keyed.fallback_writer()
    assert isinstance(writer, AnthropicWriter)
    assert writer.model == "claude-opus-4-7"
    assert "sk-secret" not in repr(keyed)
    for forced in ("template", "sampling"):
        assert isinstance(config(anthropic_api_key="sk-secret", narrative=forced).fallback_writer(), TemplateWriter)
    assert config(narrative="anthropic").fallback_writer().write(demo_batch("x")).writer == (
        "templates (no ANTHROPIC_API_KEY set)"
    )


def test_the_key_and_model_come_from_the_environment_and_flags_override_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-env")
    monkeypatch.setenv("ICP_ASSISTANT_MODEL", "claude-haiku-4-5")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    config = config_from(build_parser().parse_args(["serve"]))
    assert (config.anthropic_api_key, config.model, config.narrative) == ("sk-from-env", "claude-haiku-4-5", "auto")

    config = config_from(build_parser().parse_args(["serve", "--model", "claude-opus-4-7", "--narrative", "template"]))
    assert (config.model, config.narrative) == ("claude-opus-4-7", "template")

    monkeypatch.delenv("ICP_ASSISTANT_MODEL")
    assert config_from(build_parser().parse_args(["serve"])).model == DEFAULT_MODEL
