"""Narrative through MCP sampling: the client's own model writes the words, on both protocol eras.

A tool that wants narrative declares a parameter filled by a resolver, the era-neutral form of sampling:

    def ask(topic: str, ctx: Context) -> Sample | None:
        return sample_for(build_batch(topic), ctx)

    @mcp.tool()
    def draft(topic: str, out: Annotated[CreateMessageResult | None, Resolve(ask)]) -> ...:
        narrative = narrative_from(build_batch(topic), out, config.fallback_writer())

When the resolver returns a ``Sample`` the framework samples the client (a standalone
``sampling/createMessage`` request on 2025-11-25, an ``InputRequiredResult`` round on 2026-07-28) and
injects the ``CreateMessageResult``. When it returns ``None`` (the client did not declare sampling) the
framework injects ``None`` as a plain value and asks the client nothing, so the tool falls back to the
Anthropic or template writer instead of failing with a missing-capability error.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, Sample
from mcp.types import CreateMessageResult, SamplingMessage, TextContent

from icp_assistant.tools.report.narrative import Batch, Narrative, NarrativeWriter, accept, prompt

MAX_TOKENS = 2000


def sampling_available(ctx: Context[Any, Any]) -> bool:
    """True when the connected client declared the sampling capability."""
    capabilities = ctx.client_capabilities
    return capabilities is not None and capabilities.sampling is not None


def will_sample(ctx: Context[Any, Any], enabled: bool) -> bool:
    """Whether a tool should build its narrative request at all: sampling is enabled in the server's
    configuration and the client declared it. Check this before computing facts for a batch."""
    return enabled and sampling_available(ctx)


def sample_for(batch: Batch, ctx: Context[Any, Any]) -> Sample | None:
    """The sampling request for ``batch`` when the client can sample, else None (use the fallback writer)."""
    if not sampling_available(ctx):
        return None
    system, user = prompt(batch)
    message = SamplingMessage(role="user", content=TextContent(type="text", text=user))
    return Sample([message], max_tokens=MAX_TOKENS, system_prompt=system, temperature=0)


def narrative_from(batch: Batch, sampled: CreateMessageResult | None, fallback_writer: NarrativeWriter) -> Narrative:
    """Grounded passages from the client's reply, or the fallback writer's when there was no sampling."""
    if sampled is None:
        return fallback_writer.write(batch)
    text = sampled.content.text if isinstance(sampled.content, TextContent) else ""
    return accept(batch, text, "sampling", f"MCP client model (sampling): {sampled.model}")
