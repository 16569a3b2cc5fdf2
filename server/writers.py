"""The Anthropic Messages API as a narrative writer (:class:`~icp_assistant.tools.report.narrative.NarrativeWriter`),
on the adapter side: the engine never talks to an LLM. Used when the client offers no sampling and the user
configured a key."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from icp_assistant.tools.report.narrative import Batch, Narrative, TemplateWriter, accept, prompt

if TYPE_CHECKING:  # the SDK takes a second to import: load it only when a key is configured
    import anthropic
    from anthropic.types import MessageParam

DEFAULT_MODEL = "claude-sonnet-4-6"

logger = logging.getLogger(__name__)


class AnthropicWriter:
    """Passages from the Anthropic Messages API, grounded; any API failure falls back to templates, never raises."""

    def __init__(
        self,
        api_key: str,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        max_tokens: int = 2000,
        client: anthropic.Anthropic | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.api_key = api_key
        self.model = model
        self.base_url = base_url
        self.max_tokens = max_tokens
        self.client = client
        self.timeout = timeout  # seconds per attempt; the SDK's own default is 10 minutes

    def __repr__(self) -> str:  # never show the key
        return f"AnthropicWriter(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def label(self) -> str:
        return f"anthropic:{self.model}"

    def write(self, batch: Batch) -> Narrative:
        import anthropic

        try:
            raw_text = self._complete(*prompt(batch))
        except (anthropic.AnthropicError, UnexpectedReplyError) as error:
            reason = f"Anthropic API call failed: {_describe(error)}"
            logger.warning("%s; using template text", reason)
            return TemplateWriter(f"templates ({self.label} failed: {_describe(error)})").write(batch, reason)
        return accept(batch, raw_text, "anthropic", self.label)

    def _complete(self, system: str, user: str) -> str:
        import anthropic

        if self.client is not None:
            return self._create(self.client, system, user)
        with anthropic.Anthropic(api_key=self.api_key, base_url=self.base_url) as client:
            return self._create(client, system, user)

    def _create(self, client: anthropic.Anthropic, system: str, user: str) -> str:
        messages: list[MessageParam] = [{"role": "user", "content": user}]
        message = client.messages.create(
            model=self.model,
            max_tokens=self.max_tokens,
            system=system,
            messages=messages,
            timeout=self.timeout,
        )
        content = getattr(message, "content", None)
        if not isinstance(content, list):  # the SDK does not validate response bodies by default
            raise UnexpectedReplyError("the API replied with a body that is not a message")
        return "".join(getattr(block, "text", "") for block in content if getattr(block, "type", None) == "text")


class UnexpectedReplyError(Exception):
    """The API answered 2xx with a body that is not a message."""


_HINTS = {401: "check ANTHROPIC_API_KEY", 403: "check ANTHROPIC_API_KEY", 404: "check the model name (--model)"}


def _describe(error: anthropic.AnthropicError | UnexpectedReplyError) -> str:
    import anthropic

    if isinstance(error, anthropic.APIStatusError):
        hint = _HINTS.get(error.status_code)
        return f"{type(error).__name__} (HTTP {error.status_code}{'; ' + hint if hint else ''})"
    if isinstance(error, anthropic.APIConnectionError):
        return f"{type(error).__name__} (could not reach the API; check the network or ANTHROPIC_BASE_URL)"
    if isinstance(error, UnexpectedReplyError):
        return str(error)
    return f"{type(error).__name__}: {str(error)[:200]}"


def writer_from_env(environ: Mapping[str, str] = os.environ) -> TemplateWriter | AnthropicWriter:
    """AnthropicWriter when ANTHROPIC_API_KEY is set (model: ICP_ASSISTANT_MODEL, URL: ANTHROPIC_BASE_URL)."""
    key = environ.get("ANTHROPIC_API_KEY", "").strip()
    if not key:
        return TemplateWriter()
    model = environ.get("ICP_ASSISTANT_MODEL", "").strip() or DEFAULT_MODEL
    return AnthropicWriter(api_key=key, model=model, base_url=environ.get("ANTHROPIC_BASE_URL", "").strip() or None)
