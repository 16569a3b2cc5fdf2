"""draft_messaging: the segment's facts, template text grounded in them, LLM passages checked against them
(Anthropic API and MCP sampling, both protocol eras), hypotheses where the data cannot tell."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fake_messages_api import FakeMessagesAPI, text
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.types import CreateMessageRequestParams, CreateMessageResult, TextContent

from icp_assistant.server import tools_messaging
from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.server.writers import AnthropicWriter
from icp_assistant.tools.analysis.segments import segment_accounts
from icp_assistant.tools.analysis.targets import TargetSegment
from icp_assistant.tools.core.company_keys import normalize_name
from icp_assistant.tools.core.errors import NotFoundError, OptionError
from icp_assistant.tools.core.markup import md_escape
from icp_assistant.tools.core.stats import round_sig
from icp_assistant.tools.model.icp import ICPVersion, build_icp
from icp_assistant.tools.report.messaging import (
    Messaging,
    draft_messaging,
    find_segment,
    prepare_messaging,
    segment_facts,
    segment_members,
)
from icp_assistant.tools.report.narrative import Batch, Narrative, accept, grounding_problems, prompt
from icp_assistant.tools.store.datasets import Dataset, LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
ERAS = [pytest.param({}, id="modern"), pytest.param({"mode": "legacy"}, id="legacy")]
FINTECH_MIDSIZE = "Fintech · Midsize (100-999) · Salesforce"


# -- fixtures: the example data, once without and once with loss reasons ----------------------------------------


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("messaging") / "workspace")


def _icp(ws: Workspace, name: str, deals: Path) -> tuple[Dataset, ICPVersion]:
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=deals, name=name))
    dataset = open_dataset(ws, name)
    segment_accounts(dataset, ws, dimensions=["industry", "size_band"], name=f"{name}-segments")
    return dataset, build_icp(dataset, ws, name=name)


@pytest.fixture(scope="module")
def plain(ws: Workspace) -> tuple[Dataset, ICPVersion]:
    return _icp(ws, "plain", EXAMPLES / "deals.csv")


@pytest.fixture(scope="module")
def with_reasons(ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, ICPVersion]:
    """The example deals with a planted 'Lost Reason': Price for every lost Fintech deal, Timing for the rest."""
    with (EXAMPLES / "accounts.csv").open(encoding="utf-8") as handle:
        industry = {
            normalize_name(row["Company name"]): row["Industry"].strip().lower() for row in csv.DictReader(handle)
        }
    deals = pd.read_csv(EXAMPLES / "deals.csv", dtype=str, keep_default_na=False)
    lost = deals["Deal Stage"].eq("Closed Lost")
    fintech = deals["Associated Company"].map(normalize_name).map(industry).eq("fintech")
    deals["Lost Reason"] = ""
    deals.loc[lost, "Lost Reason"] = fintech[lost].map({True: "Price", False: "Timing"})
    path = tmp_path_factory.mktemp("reasons") / "deals.csv"
    deals.to_csv(path, index=False)
    return _icp(ws, "reasons", path)


def named(icp: ICPVersion, name: str) -> TargetSegment:
    return next(s for s in icp.segments if s.name == name)


# -- finding the segment -----------------------------------------------------------------------------------------


def test_a_segment_is_found_by_id_by_name_or_by_the_words_of_its_name(plain: tuple[Dataset, ICPVersion]) -> None:
    _, icp = plain
    segment = named(icp, FINTECH_MIDSIZE)
    assert find_segment(icp, str(segment.id)) == segment
    assert find_segment(icp, FINTECH_MIDSIZE.upper()) == segment
    assert find_segment(icp, "fintech midsize") == segment
    assert find_segment(icp, " Midsize (100-999) · Salesforce ") == segment


def test_an_ambiguous_name_lists_the_segments_it_matches(plain: tuple[Dataset, ICPVersion]) -> None:
    _, icp = plain
    with pytest.raises(OptionError) as error:
        find_segment(icp, "fintech")
    message = str(error.value)
    assert "matches several segments" in message and "Pass the id" in message
    assert f"{named(icp, FINTECH_MIDSIZE).id}: {FINTECH_MIDSIZE}" in message
    assert "Fintech · Small (<100)" in message
    assert "Retail" not in message


def test_an_unknown_segment_lists_every_segment_with_its_id(plain: tuple[Dataset, ICPVersion]) -> None:
    _, icp = plain
    with pytest.raises(NotFoundError) as error:
        find_segment(icp, "Aerospace")
    message = str(error.value)
    assert message.startswith("No segment 'Aerospace' in ICP 'plain' v1. Segments (id: name): ")
    assert all(f"{s.id}: {s.name}" in message for s in icp.segments)


def test_an_icp_without_segments_says_to_segment_the_dataset_and_build_again(plain: tuple[Dataset, ICPVersion]) -> None:
    _, icp = plain
    with pytest.raises(NotFoundError, match=r"describes no segments\. Run segment_accounts on dataset 'plain', then "
                       r"build_icp again"):  # fmt: skip
        find_segment(icp.model_copy(update={"segments": []}), "0")


# -- facts -------------------------------------------------------------------------------------------------------


def test_the_facts_set_the_segments_record_against_all_accounts(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    dataset, icp = plain
    segment = named(icp, FINTECH_MIDSIZE)
    members = segment_members(ws, icp, segment)
    assert members is not None and int(members.sum()) == segment.accounts
    facts = segment_facts(icp, segment, dataset, members)

    outcomes, accounts = segment.outcomes, dataset.accounts
    assert outcomes.win_rate is not None
    assert (facts["win_rate"]["rate"], facts["win_rate"]["closed"]) == (outcomes.win_rate.rate, outcomes.win_rate.n)
    assert facts["win_rate"]["rate"] > 2 * facts["base_win_rate"]  # the planted best segment
    assert facts["overall"]["median_cycle_days"] == round_sig(float(accounts["median_cycle_days"].median()), 3)
    assert facts["median_cycle_days"] < facts["overall"]["median_cycle_days"]
    assert facts["customers"] == int((accounts["outcome"].eq("won") & members).sum())
    salesforce = facts["tech_stack"][0]
    assert (salesforce["value"], salesforce["distinctive"]) == ("Salesforce", True)
    trait = next(line for line in segment.who if line.startswith("tech_stack is Salesforce"))
    assert f"({salesforce['share_of_segment']:.0%} of the segment vs {salesforce['share_of_all_accounts']:.0%}" in trait
    assert facts["example_customers"] == segment.examples
    assert facts["loss_reasons"] is None
    json.dumps(facts)  # JSON-able: no numpy scalars


def test_planted_loss_reasons_become_the_facts_behind_the_objections(
    ws: Workspace, with_reasons: tuple[Dataset, ICPVersion]
) -> None:
    dataset, icp = with_reasons
    fintech = named(icp, FINTECH_MIDSIZE)
    retail = next(s for s in icp.segments if s.name.startswith("Retail"))
    fintech_facts = segment_facts(icp, fintech, dataset, segment_members(ws, icp, fintech))
    retail_facts = segment_facts(icp, retail, dataset, segment_members(ws, icp, retail))

    lost = fintech_facts["win_rate"]["lost"]
    assert fintech_facts["loss_reasons"] == {
        "lost_deals": lost, "with_reason": lost, "top": [{"reason": "Price", "deals": lost, "share": 1.0}],
    }  # fmt: skip
    assert [r["reason"] for r in retail_facts["loss_reasons"]["top"]] == ["Timing"]

    result = draft_messaging(ws, icp, str(fintech.id))
    assert not any(h.startswith("Objections") for h in result.hypotheses)
    document = Path(result.path).read_text("utf-8")
    assert "\n## Objections\n" in document
    assert f"| Price | {lost} | 100% |" in document
    assert f"From the loss reasons of its {lost} lost deals" in document


# -- template text -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [None, "VP Finance"])
def test_every_template_passage_passes_the_grounding_check_of_its_own_facts(
    ws: Workspace, plain: tuple[Dataset, ICPVersion], with_reasons: tuple[Dataset, ICPVersion], persona: str | None
) -> None:
    for _, icp in (plain, with_reasons):
        for segment in icp.segments:
            _, _, batch = prepare_messaging(ws, icp, str(segment.id), persona)
            for section in batch.sections:
                problems = grounding_problems(section.fallback, section.facts, batch.known_names)
                assert problems == [], (icp.name, segment.name, section.key, section.fallback)


def test_the_template_text_quotes_the_segments_real_win_rate_and_cycle(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    segment = named(icp, FINTECH_MIDSIZE)
    result = draft_messaging(ws, icp, FINTECH_MIDSIZE)

    win, base = segment.outcomes.win_rate, segment.outcomes.base_win_rate
    assert win is not None and win.rate is not None and base is not None
    assert result.proof_points[0] == (
        f"Win rate {win.rate:.0%} ({win.hits} of {win.n} closed deals, 95% CI {win.low:.0%}-{win.high:.0%}) "
        f"vs {base:.0%} overall"
    )
    cycle = f"Median sales cycle {segment.outcomes.median_cycle_days:.0f} days vs "
    assert any(p.startswith(cycle) for p in result.proof_points)
    assert f"we win {win.rate:.0%} of their deals vs {base:.0%} overall" in result.positioning
    assert set(result.drafts) == {"email", "linkedin", "ad"}
    assert result.drafts["email"].startswith("Subject: How midsize (100-999) Fintech companies decide in ")
    assert all(name not in draft for draft in result.drafts.values() for name in segment.examples)
    assert (result.writer, result.rejected) == ("templates (no LLM configured)", [])

    path = Path(result.path)
    assert path == ws.root / "documents" / "plain-v1" / "messaging-fintech-midsize-100-999-salesforce.md"
    document = path.read_text("utf-8")
    assert result.proof_points[0] in document and cycle in document
    assert "Written by templates (no LLM configured)." in document and "No passage was rejected." in document


def test_without_loss_reasons_pains_and_objections_are_hypotheses_with_the_question_to_ask(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    segment = named(icp, FINTECH_MIDSIZE)
    result = draft_messaging(ws, icp, str(segment.id))

    topics = [h.split(":")[0] for h in result.hypotheses]
    assert topics == ["Pains", "Objections", "Integration"]
    assert all('Ask sales: "' in h and h.endswith('?"') for h in result.hypotheses)
    assert segment.outcomes.win_rate is not None
    lost = segment.outcomes.win_rate.n - segment.outcomes.win_rate.hits
    assert f"Why did the {lost} lost deals in '{FINTECH_MIDSIZE}' not close" in result.hypotheses[1]
    document = Path(result.path).read_text("utf-8")
    assert "## Pains (hypotheses to confirm with sales)\n\nHypothesis to confirm with sales" in document
    assert "## Objections (hypotheses to confirm with sales)\n\nHypothesis: " in document
    assert all(md_escape(h) in document for h in result.hypotheses)  # shown as text, escaped


def test_a_persona_shapes_the_instructions_the_drafts_and_the_file_name(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    _, _, batch = prepare_messaging(ws, icp, FINTECH_MIDSIZE, "VP Finance")
    assert all(s.instruction.endswith(" Address a VP Finance.") for s in batch.sections)
    assert all(s.facts["persona"] == "VP Finance" for s in batch.sections)

    result = draft_messaging(ws, icp, FINTECH_MIDSIZE, "  VP   Finance ")
    assert result.persona == "VP Finance"
    assert Path(result.path).name == "messaging-fintech-midsize-100-999-salesforce-vp-finance.md"
    assert "for a VP Finance" in result.drafts["email"] and "VP Finance teams" in result.drafts["linkedin"]
    assert result.positioning.startswith("For VP Finance buyers at midsize (100-999) Fintech companies")
    assert result.hypotheses[-1].startswith("Persona: the data has companies, not contacts, so 'VP Finance'")


def test_pains_from_a_persona_summary_are_facts_not_hypotheses(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    summary = {"title": "CFO", "pains": ["month-end close takes two weeks", "no single view of cash"]}
    result = draft_messaging(ws, icp, FINTECH_MIDSIZE, "CFO", persona_facts=summary)

    assert [h.split(":")[0] for h in result.hypotheses] == ["Objections", "Integration"]
    document = Path(result.path).read_text("utf-8")
    assert (
        "\n## Pains\n\nFrom the persona summary: month-end close takes two weeks; no single view of cash." in document
    )


def test_without_a_product_profile_the_result_lists_the_placeholders_and_says_how_to_fill_them(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    result = draft_messaging(ws, icp, FINTECH_MIDSIZE)

    assert result.profile == []
    assert result.placeholders[:3] == ["[your product]", "[category]", "[the outcome you deliver]"]
    assert "[first name]" in result.placeholders and "[signature]" in result.placeholders
    note = next(n for n in result.notes if n.startswith("No product profile yet"))
    assert "set_product_profile" in note
    document = Path(result.path).read_text("utf-8")
    assert "## Your product\n\nNo product profile yet" in document


def test_a_segment_the_icp_does_not_target_says_so(ws: Workspace, plain: tuple[Dataset, ICPVersion]) -> None:
    _, icp = plain
    other = next(s for s in icp.segments if not s.target)
    result = draft_messaging(ws, icp, str(other.id))
    assert result.notes[0].startswith(f"'{other.name}' is not a target of the ICP: its median fit score is ")


def test_with_customers_only_there_is_no_win_rate_to_quote_and_the_note_says_why(ws: Workspace) -> None:
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(name="customers"))
    dataset = open_dataset(ws, "customers")
    segment_accounts(dataset, ws, dimensions=["industry"], name="customers-by-industry")
    icp = build_icp(dataset, ws, name="customers")
    result = draft_messaging(ws, icp, "fintech")

    assert not any(p.startswith("Win rate") for p in result.proof_points)
    assert "we win" not in result.positioning
    assert any(n.startswith("No win rate to compare: the data has no lost deals or accounts") for n in result.notes)
    objections = next(h for h in result.hypotheses if h.startswith("Objections"))
    assert result.segment.startswith("Fintech")
    assert f"Which objections do '{result.segment}' prospects raise" in objections


# -- LLM passages: grounded or replaced --------------------------------------------------------------------------


def sections_of(user_prompt: str) -> list[dict[str, Any]]:
    """The sections a narrative prompt asks for (see tools.narrative.prompt)."""
    body = user_prompt.split("Sections (JSON):\n", 1)[1].split("\n\nReply with", 1)[0]
    sections: list[dict[str, Any]] = json.loads(body)
    return sections


def faithful(section: dict[str, Any]) -> str:
    """A passage that uses only its section's facts."""
    if section["key"] == "proof_points":
        return f"This segment wins {section['facts']['win_rate']['rate']:.0%} of its deals."
    return f"The {section['key']} passage for {section['facts']['audience']}."


def reply(user_prompt: str, invented: dict[str, str] | None = None) -> str:
    answer = {s["key"]: faithful(s) for s in sections_of(user_prompt)}
    return json.dumps(answer | (invented or {}))


def test_an_invented_number_from_the_anthropic_api_falls_back_to_the_template_and_the_file_says_why(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    invented = {"email": "Subject: Grow faster\n\nHi [first name], teams like yours grow revenue 37% in a year."}

    def turn(body: dict[str, Any]) -> list[dict[str, Any]]:
        return [text(reply(body["messages"][0]["content"], invented))]

    with FakeMessagesAPI([turn]) as api:
        writer = AnthropicWriter(api_key=api.api_key, model="claude-haiku-4-5", base_url=api.base_url)
        result = draft_messaging(ws, icp, FINTECH_MIDSIZE, narrate=writer.write)

    assert result.rejected == ["email: number 37% is not in the facts"]
    assert result.writer == "anthropic:claude-haiku-4-5, with templates for 1 of 8 passages"
    document = Path(result.path).read_text("utf-8")
    template = draft_messaging(ws, icp, FINTECH_MIDSIZE)  # rewrites the same file with template text
    assert result.drafts["email"] == template.drafts["email"]
    assert result.drafts["ad"] == "The ad passage for midsize (100-999) Fintech companies."
    assert "- email: number 37% is not in the facts" in document
    assert "| email | template (number 37% is not in the facts" in document
    assert "| positioning | anthropic |" in document


def test_a_faithful_anthropic_reply_is_used_and_its_writer_named(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    with FakeMessagesAPI([lambda body: [text(reply(body["messages"][0]["content"]))]]) as api:
        writer = AnthropicWriter(api_key=api.api_key, model="claude-haiku-4-5", base_url=api.base_url)
        result = draft_messaging(ws, icp, FINTECH_MIDSIZE, "CFO", narrate=writer.write)

    assert (result.writer, result.rejected) == ("anthropic:claude-haiku-4-5", [])
    assert result.positioning == "The positioning passage for midsize (100-999) Fintech companies."
    assert result.proof_points[0].startswith("Win rate 53% (")  # the computed list does not depend on the writer
    assert "Address a CFO." in api.requests[0]["messages"][0]["content"]
    assert "Words written by anthropic:claude-haiku-4-5." in Path(result.path).read_text("utf-8")


def test_a_naming_of_a_customer_in_an_ad_is_rejected_and_long_drafts_are_capped(
    ws: Workspace, plain: tuple[Dataset, ICPVersion]
) -> None:
    _, icp = plain
    segment = named(icp, FINTECH_MIDSIZE)
    customer = segment.examples[0]

    def narrate(batch: Batch) -> Narrative:
        _, user = prompt(batch)
        long = "Hi [first name], " + "a sentence without numbers. " * 60
        return accept(batch, reply(user, {"ad": f"Headline: Like {customer}", "linkedin": long}), "sampling", "m")

    result = draft_messaging(ws, icp, FINTECH_MIDSIZE, narrate=narrate)
    assert result.rejected == [f"ad: account {customer!r} is not in the facts"]
    assert len(result.drafts["linkedin"]) == 600 and result.drafts["linkedin"].endswith("…")
    assert len(result.model_dump_json(exclude_none=True)) / 4 < 1500


# -- through an MCP client, both eras ----------------------------------------------------------------------------


@pytest.fixture
def config(ws: Workspace, plain: tuple[Dataset, ICPVersion]) -> ServerConfig:
    return ServerConfig(data_dirs=(EXAMPLES,), workspace=ws.root, raise_unexpected=True)


async def messaging_server(config: ServerConfig) -> MCPServer:
    server = build_server(config)
    if "draft_messaging" not in {tool.name for tool in await server.list_tools()}:  # until app.py registers it
        tools_messaging.TOOLS.install(server, config.raise_unexpected)
    return server


class ScriptedModel:
    """A sampling callback answering every section from its facts, with some passages replaced."""

    def __init__(self, invented: dict[str, str] | None = None) -> None:
        self.invented = invented
        self.requests: list[CreateMessageRequestParams] = []

    async def __call__(self, context: ClientRequestContext, params: CreateMessageRequestParams) -> CreateMessageResult:
        self.requests.append(params)
        content = params.messages[0].content
        assert isinstance(content, TextContent)
        answer = TextContent(type="text", text=reply(content.text, self.invented))
        return CreateMessageResult(role="assistant", content=answer, model="scripted-1")


async def call(config: ServerConfig, era: dict[str, Any], arguments: dict[str, Any], **options: Any) -> Any:
    async with Client(await messaging_server(config), **era, **options) as client:
        return await client.call_tool("draft_messaging", arguments)


async def test_the_tool_schema_takes_the_icp_the_segment_a_persona_and_a_version(config: ServerConfig) -> None:
    async with Client(await messaging_server(config)) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "draft_messaging")
    assert set(tool.input_schema["properties"]) == {"icp", "segment", "persona", "version", "contacts_path"}
    assert tool.input_schema["required"] == ["icp", "segment"]
    assert tool.output_schema is not None and "drafts" in tool.output_schema["properties"]


@pytest.mark.parametrize("era", ERAS)
async def test_the_clients_model_writes_the_messaging_and_an_invented_number_falls_back(
    config: ServerConfig, era: dict[str, Any]
) -> None:
    model = ScriptedModel({"ad": "Headline: 7x pipeline\nBody: Triple your pipeline in 45 days."})
    result = await call(config, era, {"icp": "plain", "segment": "fintech midsize"}, sampling_callback=model)

    assert not result.is_error, result.content
    messaging = Messaging.model_validate(result.structured_content)
    assert messaging.writer == "MCP client model (sampling): scripted-1, with templates for 1 of 8 passages"
    assert messaging.rejected == ["ad: number 7 is not in the facts; number 45 is not in the facts"]
    assert messaging.positioning == "The positioning passage for midsize (100-999) Fintech companies."
    assert messaging.drafts["ad"].startswith("Headline: Fintech teams on Salesforce")
    assert len(model.requests) == 1 and model.requests[0].temperature == 0
    document = Path(messaging.path).read_text("utf-8")
    assert "- ad: number 7 is not in the facts; number 45 is not in the facts" in document
    assert "| positioning | sampling |" in document


@pytest.mark.parametrize("era", ERAS)
async def test_a_client_without_sampling_gets_the_template_text(config: ServerConfig, era: dict[str, Any]) -> None:
    result = await call(config, era, {"icp": "plain", "segment": FINTECH_MIDSIZE, "persona": "CFO"})

    assert not result.is_error, result.content
    messaging = Messaging.model_validate(result.structured_content)
    assert (messaging.writer, messaging.persona) == ("templates (no LLM configured)", "CFO")
    assert messaging.proof_points[0].startswith("Win rate 53% (")
    assert Path(messaging.path).is_file()


@pytest.mark.parametrize("era", ERAS)
async def test_a_contacts_file_turns_the_persona_from_an_assumption_into_facts(
    config: ServerConfig, era: dict[str, Any]
) -> None:
    arguments = {"icp": "plain", "segment": FINTECH_MIDSIZE, "persona": "CFO", "contacts_path": "contacts.csv"}
    result = await call(config, era, arguments)

    assert not result.is_error, result.content
    messaging = Messaging.model_validate(result.structured_content)
    assert not any(h.startswith("Persona:") for h in messaging.hypotheses)
    document = Path(messaging.path).read_text("utf-8")
    assert "buying committee in won vs lost deals (from contacts)" in document
    assert "Champions in won deals" in document


@pytest.mark.parametrize("era", ERAS)
async def test_an_unknown_segment_is_a_tool_error_that_lists_the_segments(
    config: ServerConfig, era: dict[str, Any]
) -> None:
    model = ScriptedModel()
    result = await call(config, era, {"icp": "plain", "segment": "Aerospace"}, sampling_callback=model)

    assert result.is_error
    message = result.content[0].text
    assert "No segment 'Aerospace' in ICP 'plain' v1. Segments (id: name): " in message
    assert FINTECH_MIDSIZE in message
    assert model.requests == []  # nothing was asked of the client's model


async def test_a_server_set_to_templates_does_not_ask_the_clients_model(ws: Workspace, config: ServerConfig) -> None:
    templates_only = ServerConfig(data_dirs=(EXAMPLES,), workspace=ws.root, raise_unexpected=True, narrative="template")
    model = ScriptedModel()
    result = await call(templates_only, {}, {"icp": "plain", "segment": FINTECH_MIDSIZE}, sampling_callback=model)

    assert not result.is_error, result.content
    assert result.structured_content["writer"] == "templates (narrative=template)"
    assert model.requests == []
