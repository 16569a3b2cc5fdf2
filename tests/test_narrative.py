"""Narrative writers: LLM passages are kept only when every number and account name comes from the facts."""

from __future__ import annotations

import json
from collections.abc import Callable

import anthropic
import httpx2
import pytest

from icp_assistant.server.writers import DEFAULT_MODEL, AnthropicWriter, writer_from_env
from icp_assistant.tools.report.narrative import Batch, Section, TemplateWriter, accept, grounding_problems, prompt

FACTS: dict[str, object] = {
    "segment": "Logistics / Midsize / DACH",
    "win_rate": 0.734,
    "accounts": 1234,
    "pipeline_value": 1_200_000,
    "median_cycle": "45.3 days",
    "first_won": 2019,
    "lift": 1.8,
    "top_accounts": ["Acme Logistics", "Beta Freight"],
    "segments": 3,
}
KNOWN = ["Acme Logistics", "Beta Freight", "Globex", "Initech"]


def batch() -> Batch:
    return Batch(
        task="ICP document for acme-icp v2",
        sections=[
            Section(
                key="why_fit",
                instruction="Two sentences on why this segment fits",
                facts=FACTS,
                fallback="Logistics / Midsize / DACH wins 73% of deals (1,234 accounts).",
            ),
            Section(
                key="risks",
                instruction="One sentence on the main risk",
                facts={"churn_rate": 0.12, "churned": 15},
                fallback="12% of accounts churned (15).",
            ),
        ],
        known_names=KNOWN,
    )


@pytest.mark.parametrize(
    "text",
    [
        "The segment wins 73% of its deals.",
        "The segment wins 73.4% of its deals.",
        "Win rate 0.73.",
        "It holds 1,234 accounts.",
        "It holds 1234 accounts, about 1.2k in all, or 1.23k to be precise.",
        "Pipeline is worth $1.2M, or 1.2 million, or €1,200,000.",
        "Deals close in a median of 45 days (45.3 days).",
        "Won first in 2019.",
        "A 1.8x lift across 3 segments.",
        "Acme Logistics and beta freight lead it.",
        "1. Fast deals\n2. High win rate of 73%",
        "The Logistics / Midsize / DACH segment fits.",
    ],
)
def test_numbers_rendered_from_the_facts_in_any_common_format_are_grounded(text: str) -> None:
    assert grounding_problems(text, FACTS, KNOWN) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("The segment wins 81% of its deals.", "number 81% is not in the facts"),
        ("It holds 1,500 accounts.", "number 1,500 is not in the facts"),
        ("Pipeline is worth $2.4M.", "number $2.4M is not in the facts"),
        ("Across 4 segments.", "number 4 is not in the facts"),
        ("Since 2021.", "number 2021 is not in the facts"),
        ("A 73.9% win rate.", "number 73.9% is not in the facts"),
        ("Globex is the model customer.", "account 'Globex' is not in the facts"),
        ("Like initech, they buy fast.", "account 'Initech' is not in the facts"),
    ],
)
def test_an_invented_number_or_an_account_outside_the_facts_is_a_problem(text: str, problem: str) -> None:
    assert grounding_problems(text, FACTS, KNOWN) == [problem]


def test_a_known_name_inside_another_word_is_not_a_mention() -> None:
    assert grounding_problems("Globexia is not an account.", {}, ["Globex"]) == []


def test_the_prompt_asks_for_one_json_object_and_carries_the_facts_compactly() -> None:
    system, user = prompt(batch())
    assert "ONE JSON object" in system
    assert "ICP document for acme-icp v2" in system
    assert '"win_rate":0.734' in user
    assert "why_fit, risks" in user


def test_a_grounded_reply_in_a_json_fence_with_prose_around_is_accepted() -> None:
    reply = {"why_fit": "Acme Logistics shows the pattern: 73% of deals won.", "risks": "About 12% churned."}
    raw = f"Here you go:\n```json\n{json.dumps(reply)}\n```\nHope it helps."
    narrative = accept(batch(), raw, "anthropic", "anthropic:test-model")
    assert narrative.writer == "anthropic:test-model"
    assert narrative.rejected == []
    assert narrative.text("why_fit") == reply["why_fit"]
    assert {p.writer for p in narrative.passages.values()} == {"anthropic"}


def test_a_passage_with_an_invented_number_falls_back_to_its_template_and_says_why() -> None:
    raw = json.dumps({"why_fit": "The segment wins 73% of deals.", "risks": "Churn is 30%, watch it."})
    narrative = accept(batch(), raw, "anthropic", "anthropic:test-model")
    assert narrative.passages["why_fit"].writer == "anthropic"
    risks = narrative.passages["risks"]
    assert (risks.writer, risks.text) == ("template", "12% of accounts churned (15).")
    assert narrative.rejected == ["risks: number 30% is not in the facts"]
    assert narrative.writer == "anthropic:test-model, with templates for 1 of 2 passages"
    assert "risks: number 30% is not in the facts" in narrative.note()


def test_a_missing_section_falls_back_to_its_template() -> None:
    narrative = accept(batch(), '{"why_fit": "It fits: 73% of deals won."}', "sampling", "client")
    assert narrative.passages["risks"].writer == "template"
    assert narrative.rejected == ["risks: missing from the reply"]


def test_a_reply_that_is_not_json_falls_back_entirely() -> None:
    narrative = accept(batch(), "Sure! The segment fits well {because reasons}.", "sampling", "client")
    assert {p.writer for p in narrative.passages.values()} == {"template"}
    assert narrative.rejected == [
        "why_fit: the reply was not a JSON object",
        "risks: the reply was not a JSON object",
    ]
    assert narrative.writer == "templates (client output rejected)"


def test_the_template_writer_uses_every_fallback_and_says_so() -> None:
    narrative = TemplateWriter().write(batch())
    assert narrative.text("risks") == "12% of accounts churned (15)."
    assert narrative.writer == "templates (no LLM configured)"
    assert narrative.rejected == []


# --- Anthropic API, against a fake Messages API ------------------------------------------------------------------

Handler = Callable[[httpx2.Request], httpx2.Response]


def message(text: str) -> dict[str, object]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": DEFAULT_MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 50},
    }


def fake_client(handler: Handler) -> anthropic.Anthropic:
    transport = httpx2.MockTransport(handler)
    return anthropic.Anthropic(
        api_key="test-key", base_url="http://fake.local", max_retries=0, http_client=httpx2.Client(transport=transport)
    )


def test_the_anthropic_writer_keeps_grounded_passages_and_rejects_an_invented_number() -> None:
    requests: list[dict[str, object]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(json.loads(request.content))
        reply = {"why_fit": "Acme Logistics leads a segment that wins 73% of deals.", "risks": "Churn hit 27%."}
        return httpx2.Response(200, json=message(f"```json\n{json.dumps(reply)}\n```"))

    with fake_client(handler) as client:
        narrative = AnthropicWriter(api_key="test-key", model="claude-haiku-4-5", client=client).write(batch())

    assert requests[0]["model"] == "claude-haiku-4-5"
    assert requests[0]["system"] == prompt(batch())[0]
    assert narrative.passages["why_fit"].writer == "anthropic"
    assert narrative.passages["risks"].text == "12% of accounts churned (15)."
    assert narrative.rejected == ["risks: number 27% is not in the facts"]
    assert narrative.writer.startswith("anthropic:claude-haiku-4-5")


def test_an_api_error_falls_back_to_templates_everywhere_with_the_reason() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        error = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
        return httpx2.Response(401, json=error)

    with fake_client(handler) as client:
        narrative = AnthropicWriter(api_key="test-key", client=client).write(batch())

    assert {p.writer for p in narrative.passages.values()} == {"template"}
    assert narrative.text("why_fit") == batch().sections[0].fallback
    reason = narrative.passages["risks"].fallback_reason or ""
    assert "AuthenticationError (HTTP 401; check ANTHROPIC_API_KEY)" in reason
    assert narrative.writer.startswith(f"templates (anthropic:{DEFAULT_MODEL} failed: AuthenticationError")


def test_a_reply_body_that_is_not_a_message_falls_back_instead_of_raising() -> None:
    with fake_client(lambda request: httpx2.Response(200, text="<html>proxy error</html>")) as client:
        narrative = AnthropicWriter(api_key="test-key", client=client).write(batch())
    assert {p.writer for p in narrative.passages.values()} == {"template"}
    assert "not a message" in (narrative.passages["why_fit"].fallback_reason or "")


def test_an_unreachable_api_falls_back_instead_of_raising() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    with fake_client(handler) as client:
        narrative = AnthropicWriter(api_key="test-key", client=client).write(batch())
    assert "could not reach the API" in narrative.writer


def test_the_writer_never_shows_the_key() -> None:
    assert "sk-secret" not in repr(AnthropicWriter(api_key="sk-secret"))


# --- configuration from the environment ---------------------------------------------------------------------------


def test_without_a_key_the_writer_is_the_template_writer() -> None:
    assert isinstance(writer_from_env({}), TemplateWriter)
    assert isinstance(writer_from_env({"ANTHROPIC_API_KEY": "  "}), TemplateWriter)


def test_a_key_selects_the_anthropic_writer_with_the_default_model_unless_overridden() -> None:
    writer = writer_from_env({"ANTHROPIC_API_KEY": "test-key"})
    assert isinstance(writer, AnthropicWriter)
    assert (writer.model, writer.base_url) == (DEFAULT_MODEL, None)
    assert DEFAULT_MODEL != "claude-sonnet-4-5"  # deprecated: never the default
    env = {"ANTHROPIC_API_KEY": "test-key", "ICP_ASSISTANT_MODEL": "claude-opus-4-7", "ANTHROPIC_BASE_URL": "http://x"}
    writer = writer_from_env(env)
    assert isinstance(writer, AnthropicWriter)
    assert (writer.model, writer.base_url) == ("claude-opus-4-7", "http://x")
