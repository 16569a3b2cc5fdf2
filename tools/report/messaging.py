"""draft_messaging: positioning and messages for one ICP segment (optionally one persona), grounded in its facts.

The facts (:mod:`.messaging_facts`) come from the saved ICP version and its dataset: win rate against the base,
sales cycle, value and churn against all accounts, customers, traits and tech stack, loss reasons when the deals
carry them. Each passage (:mod:`.messaging_copy`: positioning, value propositions, pains, proof points,
objections, an email, a LinkedIn note, ad copy) is a :class:`~.narrative.Section` with its own facts and a
template text: an LLM writes the words when one is available, and a passage with a number or an account name
that is not in its facts falls back to the template (the file says which and why). What the data cannot tell is
marked as a hypothesis with the question to ask sales. The user's product profile (:mod:`.profile`: product, category,
outcome, proof points, differentiators, competitors, tone) fills the drafts' placeholders; the result lists the
placeholders that remain.

The Markdown goes to ``<workspace>/documents/<icp>-v<version>/messaging-<segment>[-<persona>].md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from icp_assistant.prompts import TEMPLATE_DIR
from icp_assistant.tools.analysis.personas import describe_personas
from icp_assistant.tools.analysis.targets import TargetSegment
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import NotFoundError
from icp_assistant.tools.core.markup import cell, finalize, md_escape
from icp_assistant.tools.model.icp import ICPVersion
from icp_assistant.tools.store.datasets import open_dataset
from icp_assistant.tools.store.profile import ProductProfile, read_profile
from icp_assistant.tools.store.workspace import DOCUMENTS, Workspace, atomic_write, slugify

from .messaging_copy import audience, hypotheses, notes, pct, proof_points, sections, whole
from .messaging_facts import find_segment, segment_facts, segment_members
from .narrative import Batch, Narrative, TemplateWriter
from .schemas import MAX_DRAFT_CHARS, Messaging

__all__ = [
    "Messaging",
    "draft_messaging",
    "find_segment",
    "messaging_batch",
    "prepare_messaging",
    "segment_facts",
    "segment_members",
    "write_messaging",
]

TEMPLATE = "messaging.md.j2"
MAX_POSITIONING_CHARS, MAX_REJECTED_CHARS = 500, 200
PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,120}\]")
NO_PROFILE = (
    "No product profile yet: the drafts say [your product], [category] and [the outcome you deliver]. Ask the user "
    "once for their company, product, category, the outcome customers get and two or three proof points, and save "
    "them with set_product_profile; every later draft uses them."
)
DRAFTS = {"email": "Email", "linkedin": "LinkedIn note", "ad": "Ad copy"}
PROFILE_LABELS = {
    "company": "Company", "product": "Product", "category": "Category", "outcome": "What the customer gets",
    "proof_points": "Proof point", "differentiators": "What sets it apart", "competitors": "Competitor",
    "tone": "Tone of the drafts",
}  # fmt: skip
Narrate = Callable[[Batch], Narrative]


def messaging_batch(
    icp: ICPVersion,
    segment: TargetSegment,
    dataset: Dataset,
    persona: str | None = None,
    persona_facts: dict[str, Any] | None = None,
    *,
    facts: dict[str, Any] | None = None,
    profile: ProductProfile | None = None,
) -> Batch:
    """The passages to write, each with its facts and template text (``facts`` from :func:`segment_facts`, else
    computed here without the segment's member accounts; ``profile``: the user's product, in the facts as 'you')."""
    facts = facts if facts is not None else segment_facts(icp, segment, dataset)
    if profile is not None:
        facts = {**facts, "you": profile.facts()}
    names = dataset.accounts["name"].dropna().astype(str).unique().tolist() if "name" in dataset.accounts else []
    whom = f" for {persona}" if persona else ""
    return Batch(
        task=f"messaging for the segment '{segment.name}' of {icp.name} v{icp.version}{whom}",
        sections=sections(facts, persona, persona_facts),
        known_names=names,
    )


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _inline(text: object) -> Markup:
    """Escaped text that cannot open a Markdown block where a line starts (a heading, quote, list or rule)."""
    return Markup(re.sub(r"^([#>+*=-]|\d+[.)])", r"\\\1", md_escape(text)))


def placeholders(texts: list[str], said: list[str]) -> list[str]:
    """The [placeholders] left in ``texts``, first seen first; the user's own words (``said``) are not scanned."""
    found: dict[str, None] = {}
    for text in texts:
        for value in sorted(said, key=len, reverse=True):
            text = text.replace(value, " ")
        found.update(dict.fromkeys(PLACEHOLDER.findall(text)))
    return list(found)


def _said(you: dict[str, Any]) -> list[str]:
    """Every value of the profile as written and as a clause (without its final full stop)."""
    values = [str(v) for value in you.values() for v in (value if isinstance(value, list) else [value]) if v]
    return list(dict.fromkeys(values + [v.rstrip(" .;!") for v in values]))


def _quote(text: str) -> Markup:
    """A blockquote of escaped text (an email or post draft, shown as written)."""
    return Markup("\n".join(f"> {md_escape(line)}" if line else ">" for line in str(text).splitlines()))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(quote=_quote, pct=pct, num=whole, cell=cell, inline=_inline)
    return env


def file_name(segment: TargetSegment, persona: str | None) -> str:
    persona_part = f"-{slugify(persona, 'persona')}" if persona else ""
    return f"messaging-{slugify(segment.name, f'segment-{segment.id}')}{persona_part}.md"


def write_messaging(
    workspace: Workspace,
    icp: ICPVersion,
    segment: TargetSegment,
    narrative: Narrative,
    facts: dict[str, Any],
    persona: str | None = None,
    persona_facts: dict[str, Any] | None = None,
) -> Messaging:
    """Render the messaging to Markdown in the ICP version's document folder and return the compact result."""
    said, caveats = hypotheses(facts, persona, persona_facts), notes(facts)
    you = facts.get("you") or {}
    if not you:
        caveats.append(NO_PROFILE)
    path = workspace.folder(DOCUMENTS, f"{icp.name}-v{icp.version}") / file_name(segment, persona)
    text = environment().get_template(TEMPLATE).render(
        f=facts, n=narrative.passages, persona=persona, persona_facts=persona_facts, audience=audience(facts),
        proof_points=proof_points(facts), hypotheses=said, notes=caveats, writer=narrative.writer,
        rejected=narrative.rejected, drafts=DRAFTS, pains_known=bool((persona_facts or {}).get("pains")), you=you,
        labels=PROFILE_LABELS,
    )  # fmt: skip
    markdown = re.sub(r"\n{3,}", "\n\n", text)

    def write(tmp: Path) -> None:
        tmp.write_text(markdown, "utf-8")

    atomic_write(path, write)
    return Messaging(
        icp=icp.name, version=icp.version, segment=segment.name, segment_id=segment.id, persona=persona,
        writer=narrative.writer, rejected=[_cap(r, MAX_REJECTED_CHARS) for r in narrative.rejected], path=str(path),
        positioning=_cap(narrative.text("positioning"), MAX_POSITIONING_CHARS), proof_points=proof_points(facts),
        drafts={k: _cap(narrative.text(k), MAX_DRAFT_CHARS) for k in DRAFTS}, hypotheses=said, notes=caveats,
        profile=list(you), placeholders=placeholders([p.text for p in narrative.passages.values()], _said(you)),
    )  # fmt: skip


def clean_persona(persona: str | None) -> str | None:
    """The persona as written, trimmed; blank means none."""
    return " ".join(persona.split()) if persona and persona.strip() else None


def _open(workspace: Workspace, icp: ICPVersion) -> Dataset:
    try:
        return open_dataset(workspace, icp.dataset)
    except NotFoundError as error:
        raise NotFoundError(
            f"ICP {icp.name!r} was built from dataset {icp.dataset!r}, which is no longer in the workspace. "
            f"Load it again with load_accounts (name={icp.dataset!r})."
        ) from error


def with_committee(
    persona_facts: dict[str, Any] | None, contacts: Path | None, dataset: Dataset, max_bytes: int | None = None
) -> dict[str, Any] | None:
    """The persona facts plus what a contacts file says about the buying committee (won vs lost deals)."""
    if contacts is None:
        return persona_facts
    personas = describe_personas(contacts, dataset, max_bytes=max_bytes)
    committee = {"buying committee in won vs lost deals (from contacts)": " ".join(personas.findings[:3])}
    return {**(persona_facts or {}), **committee}


def prepare_messaging(
    workspace: Workspace,
    icp: ICPVersion,
    segment: str,
    persona: str | None = None,
    persona_facts: dict[str, Any] | None = None,
    *,
    contacts: Path | None = None,
    max_bytes: int | None = None,
    dataset: Dataset | None = None,
) -> tuple[TargetSegment, dict[str, Any], Batch]:
    """The segment, its facts and the batch of passages to write (deterministic: same inputs, same batch).
    ``contacts`` adds the buying committee to the persona facts; ``dataset`` saves opening it again."""
    persona = clean_persona(persona)
    chosen = find_segment(icp, segment)
    dataset = dataset if dataset is not None else _open(workspace, icp)
    persona_facts = with_committee(persona_facts, contacts, dataset, max_bytes)
    facts = segment_facts(icp, chosen, dataset, segment_members(workspace, icp, chosen))
    facts["you"] = read_profile(workspace).facts()
    return chosen, facts, messaging_batch(icp, chosen, dataset, persona, persona_facts, facts=facts)


def draft_messaging(
    workspace: Workspace,
    icp: ICPVersion,
    segment: str,
    persona: str | None = None,
    *,
    narrate: Narrate | None = None,
    persona_facts: dict[str, Any] | None = None,
    contacts: Path | None = None,
    max_bytes: int | None = None,
) -> Messaging:
    """Positioning, proof points, objections and message drafts for one segment of ``icp``, written by
    ``narrate`` (an LLM writer's ``write``; templates when None) and saved as Markdown. ``contacts``: a
    contacts export whose buying-committee findings become persona facts."""
    persona = clean_persona(persona)
    find_segment(icp, segment)  # an unknown segment fails before any file is read
    dataset = _open(workspace, icp)
    persona_facts = with_committee(persona_facts, contacts, dataset, max_bytes)
    chosen, facts, batch = prepare_messaging(workspace, icp, segment, persona, persona_facts, dataset=dataset)
    narrative = (narrate or TemplateWriter().write)(batch)
    return write_messaging(workspace, icp, chosen, narrative, facts, persona, persona_facts)
