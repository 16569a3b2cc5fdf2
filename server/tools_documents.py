"""draft_icp_document: the ICP document, with narrative from the client's model when it can sample.

No ``from __future__ import annotations`` here: the tool's signature names a resolver defined inside
``register`` (it needs the server's state), so annotations must be evaluated where they are written.
"""

from collections.abc import Callable
from typing import Annotated

from mcp.server.mcpserver import Context, Resolve, Sample
from mcp.types import CreateMessageResult
from pydantic import Field

from icp_assistant.tools.core.errors import IcpError
from icp_assistant.tools.report.schemas import DocumentResult

from .narrative import narrative_from, sample_for, will_sample
from .params import IcpName, Version
from .registry import Call, Roots, State, ToolTable

TOOLS = ToolTable()


def ask_client(
    state: State,
    ctx: Context,
    icp: str,
    version: int | None,
    contacts_path: str | None,
    roots: Roots,
) -> Sample | None:
    """Sample the client's model for the narrative when it can; errors surface in the tool body instead.
    A sync resolver: the framework runs it in a worker thread."""
    if not will_sample(ctx, state.config.uses_sampling):
        return None  # nothing to ask: don't compute the facts twice
    from icp_assistant.tools.model.icp import open_icp
    from icp_assistant.tools.report.document import prepare_document

    try:
        chosen = open_icp(state.workspace, icp, version)
        contacts = state.optional_file(contacts_path, roots)
        _, batch = prepare_document(state.workspace, chosen, contacts, state.config.max_file_bytes)
    except IcpError:
        return None
    return sample_for(batch, ctx)


@TOOLS.tool("Draft the ICP document", effect="drafts")
async def draft_icp_document(
    call: Call,
    icp: IcpName,
    roots: Roots,
    narrative: Annotated[CreateMessageResult | None, Resolve(ask_client)],
    version: Version = None,
    contacts_path: Annotated[
        str | None,
        Field(
            description="Optional contacts export (name, title, account, role in deal): personas of champions "
            "and decision makers in won vs lost deals; without it personas stay hypotheses"
        ),
    ] = None,
) -> DocumentResult:
    """Write the ICP document for an ICP version: a one-page summary for reps and a detailed document, each
    as Markdown and self-contained HTML with charts, in the workspace. Sections follow the ICP guides
    (firmographics, technographics, signals, use case, budget, pains, buying committee, fit table, target
    segments with negative descriptions, scoring rubric, red flags, validation, TAM/SAM/SOM, channels,
    messaging, roadmap, review cadence). Every number is computed; what the data cannot tell is marked as a
    hypothesis with the questions to ask. Includes the last validate_icp and size_market results for this
    version when they exist. Returns the paths, the outline, the one-page summary and who wrote the words."""
    from icp_assistant.tools.report.document import prepare_document, write_document

    chosen = await call.icp(icp, version)
    contacts = call.state.optional_file(contacts_path, roots)

    def draft(progress: Callable[[float, str], None]) -> DocumentResult:
        """The three stages in one worker-thread run, so progress climbs once from 0 to 100."""
        progress(0.0, "gathering the facts")
        facts, batch = prepare_document(call.workspace, chosen, contacts, call.config.max_file_bytes)
        progress(0.4, "writing the narrative")
        words = narrative_from(batch, narrative, call.config.fallback_writer())
        progress(0.6, "rendering Markdown, HTML and charts")
        return write_document(call.workspace, chosen, facts, words)

    return await call.run(draft)
