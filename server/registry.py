"""The server's tools declared once: each handler with its title and effect, installed with the same annotations,
error guard and result wrapping.

A handler is a module-level ``async def`` returning the engine's result model. It asks for the call it serves like
any other injected value (``call: Call``: the server's state and the request's context; ``roots: Roots`` for the
client's folders)::

    TOOLS = ToolTable()

    @TOOLS.tool("Load accounts (and deals)", effect="writes")
    async def load_accounts(call: Call, roots: Roots, path: PathArg, ...) -> DatasetCard:
        from icp_assistant.tools.store import datasets as engine

        return await call.run(engine.load_accounts, call.state.resolve(path, roots), call.workspace, ...)

The models a signature names (its parameters and its result) come from the engine's ``schemas`` modules, which import
no pandas, numpy or pyarrow; the engine itself is imported in the handler's body. So the server registers every tool
and answers ``initialize`` without loading the data stack, and the first call that needs it pays for it
(tests/test_startup.py keeps it that way).

:meth:`ToolTable.install` registers each with the annotations of its effect, the error guard
(:func:`.errors.tool_errors`), and the result: the model as structured content, compact text and resource links
(:meth:`.state.AppState.result`), with the output schema from the model, plus what ``extra`` adds from the model
(the chart as an image).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer, Resolve
from mcp.types import CallToolResult, ContentBlock, ListRootsResult, ToolAnnotations

from icp_assistant.tools.store.workspace import Workspace

from .config import ServerConfig
from .errors import tool_errors
from .state import AppState, client_roots, off_loop, run_engine

if TYPE_CHECKING:  # the engine (and pandas) loads on the first tool call, not when the server starts
    from icp_assistant.tools.core.dataset import Dataset
    from icp_assistant.tools.model.icp import ICPVersion

Effect = Literal["reads", "writes", "replaces", "adds", "drafts"]
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])

ANNOTATIONS: dict[Effect, ToolAnnotations] = {
    # changes nothing
    "reads": ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    # writes workspace files; the same call leaves the same state
    "writes": ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                              open_world_hint=False),
    # overwrites what the user set before (the product profile)
    "replaces": ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True,
                                open_world_hint=False),
    # each call adds something new (an ICP version)
    "adds": ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                            open_world_hint=False),
    # writes files with words from a model outside the server (the client's, or the Anthropic API)
    "drafts": ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                              open_world_hint=True),
}  # fmt: skip


def app_state(ctx: Context) -> AppState:
    """The state of the server handling this request (see :func:`.app.build_server`)."""
    return ctx.mcp_server.state  # type: ignore[attr-defined]


State = Annotated[AppState, Resolve(app_state)]
Roots = Annotated[ListRootsResult, Resolve(client_roots)]


@dataclass(frozen=True)
class ToolCall:
    """The call a handler serves: the server's state, and the request's context (progress, logs, sampling)."""

    state: AppState
    ctx: Context

    @property
    def workspace(self) -> Workspace:
        return self.state.workspace

    @property
    def config(self) -> ServerConfig:
        return self.state.config

    async def run(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Engine work off the event loop, its progress reported to the client (:func:`.state.run_engine`)."""
        return await run_engine(self.ctx, work, *args, **kwargs)

    async def off(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Blocking work (reading a saved dataset or ICP) off the event loop (:func:`.state.off_loop`)."""
        return await off_loop(work, *args, **kwargs)

    async def dataset(self, name: str, **columns: Collection[str] | None) -> Dataset:
        """A loaded dataset by name, read off the event loop; ``accounts=`` / ``deals=`` read only those columns
        (:func:`~icp_assistant.tools.store.datasets.open_dataset`)."""
        from icp_assistant.tools.store.datasets import open_dataset  # with pandas: on first use, not at start-up

        return await self.off(open_dataset, self.workspace, name, **columns)

    async def icp(self, name: str, version: int | None = None) -> ICPVersion:
        """An ICP version by name (default: the latest), read off the event loop
        (:func:`~icp_assistant.tools.model.icp.open_icp`)."""
        from icp_assistant.tools.model.icp import open_icp  # with pandas: on first use, not at start-up

        return await self.off(open_icp, self.workspace, name, version)


def tool_call(ctx: Context) -> ToolCall:
    return ToolCall(app_state(ctx), ctx)


Call = Annotated[ToolCall, Resolve(tool_call)]


Extra = Callable[[Any], Sequence[ContentBlock]]


@dataclass(frozen=True)
class ToolSpec:
    handler: Callable[..., Awaitable[Any]]
    title: str
    effect: Effect
    extra: Extra | None = None


@dataclass
class ToolTable:
    """The tools of one module, in declaration order."""

    specs: list[ToolSpec] = field(default_factory=list)

    def tool(self, title: str, *, effect: Effect, extra: Extra | None = None) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            self.specs.append(ToolSpec(handler, title, effect, extra))
            return handler

        return add

    def install(self, mcp: MCPServer, raise_unexpected: bool) -> None:
        guard = tool_errors(raise_unexpected)
        for spec in self.specs:
            described = inspect.cleandoc(spec.handler.__doc__ or "")  # no source indentation in tools/list
            mcp.tool(title=spec.title, description=described, annotations=ANNOTATIONS[spec.effect])(
                guard(as_result(spec.handler, spec.extra))
            )


def as_result(
    handler: Callable[..., Awaitable[Any]], extra: Extra | None = None
) -> Callable[..., Awaitable[CallToolResult]]:
    """``handler`` returning its model as the tool result (with ``extra(model)`` content); its signature says so for
    the output schema (``Annotated[CallToolResult, Model]``)."""
    signature = inspect.signature(handler, eval_str=True)
    if "call" not in signature.parameters:
        raise TypeError(f"{handler.__name__} takes no `call: Call`: a tool handler needs it to build its result")
    model = signature.return_annotation

    @functools.wraps(handler)
    async def call(*args: Any, **kwargs: Any) -> CallToolResult:
        model = await handler(*args, **kwargs)
        state: AppState = kwargs["call"].state
        return state.result(handler.__name__, model, extra(model) if extra is not None else ())

    call.__signature__ = signature.replace(return_annotation=Annotated[CallToolResult, model])  # type: ignore[attr-defined]
    return call
