"""``icp-assistant chat``: a terminal conversation with Claude over the ICP Assistant MCP server.

For users without an MCP host. The server runs as a subprocess over stdio, as a host would start
it, and this module is both the MCP client and the agent loop: the model's answer streams to the
terminal; each tool it asks for is called through MCP (progress shown as it arrives) and its result
sent back as a ``tool_result``, until the model ends its turn. Then the next line from the user.

The MCP tool results are converted with ``anthropic.lib.tools.mcp.mcp_content``. Its runner tools
(``async_mcp_tool``) are not used: they hide each call inside the SDK's tool runner, where it can
neither be shown nor given a progress callback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import anthropic
import anyio
import anyio.to_thread
from anthropic.lib.tools.mcp import UnsupportedMCPValueError, mcp_content
from anthropic.types import Message, MessageParam, TextBlockParam, ToolParam, ToolResultBlockParam, ToolUseBlock
from anthropic.types.tool_result_block_param import Content
from mcp import Client, MCPError
from mcp.client.stdio import StdioServerParameters
from mcp.types import CallToolResult, TextContent, Tool

from icp_assistant.server.config import DEFAULT_DATA_DIR

DEFAULT_MODEL = "claude-sonnet-4-6"
ENV_MODEL = "ICP_ASSISTANT_MODEL"
ENV_API_KEY = "ANTHROPIC_API_KEY"
ENV_BASE_URL = "ANTHROPIC_BASE_URL"
DEFAULT_API = "https://api.anthropic.com"
MAX_TOKENS = 4096
EXIT_WORDS = ("exit", "quit")

NO_KEY = (
    "icp-assistant chat needs an Anthropic API key: set ANTHROPIC_API_KEY or pass --api-key.\n"
    "(Inside Claude Desktop, Claude Code or another MCP host no key is needed: add the server to the host "
    "with `icp-assistant serve` and talk to it there.)"
)

SYSTEM = """\
You are ICP Assistant in a terminal chat with the user. You work through the ICP Assistant tools:
call them for every number, and quote what they return. The server reads files only inside {folders};
give paths inside them. Write plain text for a terminal (short paragraphs and lists, no wide tables).

{instructions}"""


@dataclass(frozen=True)
class ChatOptions:
    api_key: str
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    data_dirs: tuple[Path, ...] = ()
    workspace: Path | None = None
    max_turns: int = 20
    messages: tuple[str, ...] = ()  # scripted user messages; empty: read them from stdin
    max_tokens: int = MAX_TOKENS


def options_from(args: Any) -> ChatOptions | None:
    """The options from parsed arguments, then the environment; None when there is no API key."""
    api_key = args.api_key or os.environ.get(ENV_API_KEY)
    if not api_key:
        return None
    return ChatOptions(
        api_key=api_key,
        model=args.model or os.environ.get(ENV_MODEL) or DEFAULT_MODEL,
        base_url=args.base_url or os.environ.get(ENV_BASE_URL) or None,
        data_dirs=tuple(args.data_dir),
        workspace=args.workspace,
        max_turns=args.max_turns,
        messages=tuple(args.message),
    )


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def call_line(name: str, arguments: dict[str, Any]) -> str:
    """A tool call on one line: ``load_accounts(path='a.csv', deals_path='d.csv')``."""
    shown = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in arguments.items())
    return _clip(f"{name}({shown})", 160)


def result_line(result: CallToolResult) -> str:
    """A tool result on one line: the error message, or "ok" and the first few scalar fields."""
    if result.is_error:
        texts = [getattr(item, "text", "") for item in result.content]
        return "error: " + _clip(" ".join(texts) or "the tool failed without a message", 300)
    fields = result.structured_content or {}
    scalars = [f"{k}={_clip(str(v), 40)}" for k, v in fields.items() if isinstance(v, str | int | float | bool)]
    return _clip(" ".join(["ok", *scalars[:3]]), 160)


class Printer:
    """All the chat's output, on stdout: streamed text, tool calls, progress and results."""

    def __init__(self) -> None:
        self._mid_line = False

    def _write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def line(self, text: str = "") -> None:
        self.end_text()
        self._write(text + "\n")

    def text(self, delta: str) -> None:
        if not self._mid_line:
            self._write("assistant> ")
            self._mid_line = True
        self._write(delta)

    def end_text(self) -> None:
        if self._mid_line:
            self._write("\n")
            self._mid_line = False

    async def progress(self, progress: float, total: float | None, message: str | None) -> None:
        share = f"{progress / total:4.0%}" if total else f"{progress:g}"
        self.line(f"    ... {share} " + _clip(message or "", 100))


def text_block(text: str) -> TextBlockParam:
    return {"type": "text", "text": text}


def assistant_turn(message: Message) -> MessageParam:
    """The model's message as the next request's history (the blocks as sent, without empty fields)."""
    return cast(MessageParam, {"role": "assistant", "content": [b.to_dict(exclude_none=True) for b in message.content]})


def tool_definitions(tools: Sequence[Tool]) -> list[ToolParam]:
    """The MCP tools as the Messages API takes them: name, description and the input schema."""
    return [
        {"name": t.name, "description": t.description or t.title or t.name, "input_schema": cast(Any, t.input_schema)}
        for t in tools
    ]


def result_content(result: CallToolResult) -> list[Content]:
    """The MCP result's content blocks as tool_result content (a note for a kind the API cannot take)."""
    blocks: list[Content] = []
    for item in result.content:
        try:
            blocks.append(mcp_content(item))
        except UnsupportedMCPValueError as exc:
            blocks.append(text_block(f"[not shown: {exc}]"))
    if not blocks and result.structured_content is not None:
        blocks.append(text_block(json.dumps(result.structured_content)))
    return blocks or [text_block("(the tool returned nothing)")]


def system_prompt(instructions: str | None, options: ChatOptions) -> str:
    folders = ", ".join(str(p.resolve()) for p in options.data_dirs) or f"the default data folder ({DEFAULT_DATA_DIR})"
    return SYSTEM.format(folders=folders, instructions=instructions or "").strip()


def server_parameters(options: ChatOptions) -> StdioServerParameters:
    """The server as a host would start it; ICP_ASSISTANT_* settings pass through, the API key does not."""
    args = ["-m", "icp_assistant.server", "serve", "--log-level", "WARNING"]
    for folder in options.data_dirs:
        args += ["--data-dir", str(folder)]
    if options.workspace is not None:
        args += ["--workspace", str(options.workspace)]
    env = {k: v for k, v in os.environ.items() if k.startswith("ICP_ASSISTANT_")}
    return StdioServerParameters(command=sys.executable, args=args, env=env)


@dataclass
class Conversation:
    """The agent loop over one MCP session: a user message in, model and tool turns until end_turn."""

    llm: anthropic.AsyncAnthropic
    mcp: Client
    options: ChatOptions
    printer: Printer
    tools: list[ToolParam]
    system: str
    history: list[MessageParam] = field(default_factory=list)
    pending: list[Any] = field(default_factory=list)  # content for the next user turn

    async def send(self, text: str) -> None:
        self.pending.append(text_block(text))
        for _ in range(self.options.max_turns):
            self.history.append({"role": "user", "content": self.pending})
            self.pending = []
            message = await self._stream()
            self.history.append(assistant_turn(message))
            if message.stop_reason != "tool_use":
                self._finish(message)
                return
            self.pending = [await self._run_tool(b) for b in message.content if isinstance(b, ToolUseBlock)]
        self.printer.line(
            f"(stopped after {self.options.max_turns} model turns, the --max-turns limit: "
            "the last tool results go with your next message)"
        )

    async def _stream(self) -> Message:
        async with self.llm.messages.stream(
            model=self.options.model,
            max_tokens=self.options.max_tokens,
            system=self.system,
            tools=self.tools,
            messages=self.history,
        ) as stream:
            async for event in stream:
                if event.type == "text":
                    self.printer.text(event.text)
            message = await stream.get_final_message()
        self.printer.end_text()
        return message

    def _finish(self, message: Message) -> None:
        if message.stop_reason == "max_tokens":
            self.printer.line(f"(the answer was cut at {self.options.max_tokens} tokens)")
        elif message.stop_reason == "refusal":
            self.printer.line("(the model declined to answer)")

    async def _run_tool(self, block: ToolUseBlock) -> ToolResultBlockParam:
        arguments = dict(block.input) if isinstance(block.input, dict) else {}
        self.printer.line("  > " + call_line(block.name, arguments))
        try:
            result = await self.mcp.call_tool(block.name, arguments, progress_callback=self.printer.progress)
        except MCPError as exc:
            result = CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)
        self.printer.line("    " + result_line(result))
        return {
            "type": "tool_result",
            "tool_use_id": block.id,
            "content": result_content(result),
            "is_error": bool(result.is_error),
        }


async def user_lines(options: ChatOptions, printer: Printer) -> AsyncIterator[str]:
    """The scripted messages (echoed), or lines typed at ``you>`` until exit, quit or end of input."""
    for text in options.messages:
        printer.line(f"you> {text}")
        yield text
    if options.messages:
        return
    while True:
        try:
            line = (await anyio.to_thread.run_sync(input, "you> ", abandon_on_cancel=True)).strip()
        except EOFError:
            printer.line()
            return
        if line.lower() in EXIT_WORDS:
            return
        if line:
            yield line


def _api_detail(exc: anthropic.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", exc.message))
    return exc.message


def api_error_message(exc: anthropic.APIError, options: ChatOptions) -> str:
    """What went wrong with the Anthropic API, and what to change."""
    where = options.base_url or DEFAULT_API
    if isinstance(exc, anthropic.APIConnectionError):
        cause = exc.__cause__ or exc.message.rstrip(".").lower()
        return f"Could not reach the Anthropic API at {where} ({cause}). Check the network, or --base-url."
    if isinstance(exc, anthropic.AuthenticationError):
        return (
            f"The Anthropic API at {where} rejected the API key (401: {_api_detail(exc)}). "
            "Check ANTHROPIC_API_KEY or --api-key."
        )
    if isinstance(exc, anthropic.NotFoundError):
        return f"The Anthropic API did not find model {options.model!r} ({_api_detail(exc)}). Pass another --model."
    if isinstance(exc, anthropic.APIStatusError):
        return f"The Anthropic API returned an error ({exc.status_code}: {_api_detail(exc)})."
    return f"The Anthropic API failed: {exc}"


async def chat(options: ChatOptions, printer: Printer) -> int:
    """Start the server, then converse until the user (or the script) is done. Returns the exit code."""
    async with (
        anthropic.AsyncAnthropic(api_key=options.api_key, base_url=options.base_url) as llm,
        Client(server_parameters(options), mode="legacy") as mcp,
    ):
        tools = (await mcp.list_tools()).tools
        system = system_prompt(mcp.instructions, options)
        conversation = Conversation(llm, mcp, options, printer, tool_definitions(tools), system)
        printer.line(f"ICP Assistant chat: model {options.model}, {len(tools)} tools. Type exit or quit to end.")
        try:
            async for text in user_lines(options, printer):
                await conversation.send(text)
        except anthropic.APIError as exc:
            printer.line("error: " + api_error_message(exc, options))
            return 1
    return 0


def server_failure(exc: BaseException) -> MCPError | OSError | None:
    """The MCP error (or failed start) inside what the client raised, often nested in task-group errors."""
    if isinstance(exc, MCPError | OSError):
        return exc
    for inner in exc.exceptions if isinstance(exc, BaseExceptionGroup) else ():
        if (found := server_failure(inner)) is not None:
            return found
    return None


def run_chat(args: Any) -> int:
    """``icp-assistant chat``: exit 0 when done, 1 on an API or server error, 2 without an API key."""
    printer = Printer()
    options = options_from(args)
    if options is None:
        printer.line("error: " + NO_KEY)
        return 2
    try:
        return anyio.run(chat, options, printer)
    except KeyboardInterrupt:
        printer.line()
        return 130
    except Exception as exc:
        if (failure := server_failure(exc)) is None:
            raise
        printer.line(
            f"error: the ICP Assistant server could not be started or stopped answering ({failure}). "
            "Its own messages are above; `icp-assistant serve` with the same --data-dir and --workspace shows them too."
        )
        return 1
