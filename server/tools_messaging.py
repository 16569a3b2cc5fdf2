"""draft_messaging: positioning and message drafts for one ICP segment, written by the client's own model when it
offers sampling, else by the Anthropic API when a key is configured, else by templates; always grounded in the facts.
set_product_profile: what the user sells, said once and used in every draft instead of [placeholders].

The resolver rebuilds the batch from the tool's arguments (the same arguments give the same request on every round
of a 2026-07-28 call) and asks nothing when the client cannot sample, sampling is switched off, or the arguments
are wrong: the tool body then raises the engine's error, which reaches the model as a readable tool error.
"""

# No ``from __future__ import annotations``: the tool's signature names a resolver defined inside ``register``
# (it needs the state), so its annotations must be evaluated where that resolver is in scope.

from typing import Annotated, Any

from mcp.server.mcpserver import Context, Resolve, Sample
from mcp.types import CreateMessageResult
from pydantic import Field

from icp_assistant.tools.core.errors import IcpError
from icp_assistant.tools.report.narrative import Batch, Narrative
from icp_assistant.tools.report.schemas import Messaging
from icp_assistant.tools.store.profile import ProfileChanges, ProfileUpdate, update_profile

from .narrative import narrative_from, sample_for, will_sample
from .params import IcpName, Persona, SegmentRef, Version
from .registry import Call, Roots, State, ToolTable

TOOLS = ToolTable()


def ask_client(
    state: State,
    icp: str,
    segment: str,
    persona: str | None,
    version: int | None,
    contacts_path: str | None,
    roots: Roots,
    ctx: Context[Any, Any],
) -> Sample | None:
    """The sampling request for these arguments, or None (no sampling: the fallback writer is used)."""
    if not will_sample(ctx, state.config.uses_sampling):
        return None  # nothing to ask: don't compute the facts twice
    from icp_assistant.tools.model.icp import open_icp
    from icp_assistant.tools.report import messaging as engine

    try:
        chosen = open_icp(state.workspace, icp, version)
        _, _, batch = engine.prepare_messaging(
            state.workspace,
            chosen,
            segment,
            persona,
            contacts=state.optional_file(contacts_path, roots),
            max_bytes=state.config.max_file_bytes,
        )
    except IcpError:
        return None  # the tool body raises the same error, as a tool error the model can read
    return sample_for(batch, ctx)


@TOOLS.tool("Draft messaging for a segment", effect="drafts")
async def draft_messaging(
    call: Call,
    icp: IcpName,
    segment: SegmentRef,
    out: Annotated[CreateMessageResult | None, Resolve(ask_client)],
    roots: Roots,
    persona: Persona = None,
    version: Version = None,
    contacts_path: Annotated[
        str | None,
        Field(
            description="Optional contacts export (name, title, account, role in deal): what it shows about "
            "champions and decision makers in won vs lost deals becomes persona facts for the messages"
        ),
    ] = None,
) -> Messaging:
    """Positioning, value propositions, pains, proof points, objections and three message drafts (email,
    LinkedIn note, ad copy) for one segment of an ICP (and optionally a persona), grounded in the segment's
    computed facts: win rate with its sample vs the base, sales cycle, value and churn vs all accounts, its
    traits and tech stack, loss reasons when the deals carry them. Written by your own model when the client
    offers sampling, else the Anthropic API when configured, else templates; any passage with a number or
    account not in its facts is replaced by the template text and listed in `rejected`. What the data cannot
    tell (pains, objections without loss reasons, the persona) comes back as hypotheses with the question to
    ask sales. The product's name, category, outcome and the user's own proof points come from the product
    profile (set_product_profile); `placeholders` lists what is left for the user to fill in. The full text
    is written to a Markdown file whose path is returned."""
    from icp_assistant.tools.report import messaging as engine

    chosen = await call.icp(icp, version)
    contacts = call.state.optional_file(contacts_path, roots)

    def narrate(batch: Batch) -> Narrative:
        return narrative_from(batch, out, call.config.fallback_writer())

    return await call.run(
        engine.draft_messaging,
        call.workspace,
        chosen,
        segment,
        persona,
        narrate=narrate,
        contacts=contacts,
        max_bytes=call.config.max_file_bytes,
    )


@TOOLS.tool("Set the product profile", effect="replaces")
async def set_product_profile(
    call: Call,
    profile: Annotated[
        ProfileChanges,
        Field(
            description="The fields to set, e.g. {'product': 'Ledgerly', 'category': 'close-management platform', "
            "'outcome': 'closes the books in days, not weeks', 'proof_points': ['...']}. Fields left out are "
            "kept; a field given as null or '' is cleared"
        ),
    ],
) -> ProfileUpdate:
    """Save what the user sells (company, product, category, the outcome customers get, proof points, and
    optionally differentiators, competitors and tone) once for the workspace: every draft_messaging call then
    uses it instead of [your product], [category] and [the outcome you deliver]. Ask the user for these in
    their own words; never invent them. Returns the whole profile, what changed, and which placeholders it
    now fills. Read it back at icp://profile."""
    return await call.run(update_profile, call.workspace, profile)
