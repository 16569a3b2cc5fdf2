"""What every handler needs: the configuration, the workspace, and a way to run engine code."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context, ListRoots
from mcp.types import CallToolResult, ContentBlock, ListRootsResult, TextContent
from pydantic import BaseModel

from icp_assistant.tools.store.workspace import Workspace

from .config import ServerConfig
from .files import links
from .sandbox import resolve_path, root_paths

log = logging.getLogger("icp_assistant.server")
T = TypeVar("T")


def sheet_arg(sheet: str | None) -> str | int | None:
    """A sheet given as text: digits are a 0-based index unless a sheet has that name (checked by the reader)."""
    return int(sheet) if sheet and sheet.isdigit() else sheet


def client_roots(ctx: Context) -> ListRoots | ListRootsResult:
    """Ask the client for its roots when it offers them; otherwise no extra roots."""
    capabilities = ctx.client_capabilities
    if capabilities is not None and capabilities.roots is not None:
        return ListRoots()
    return ListRootsResult(roots=[])


@dataclass
class AppState:
    config: ServerConfig

    @functools.cached_property
    def workspace(self) -> Workspace:
        """The workspace, with the leftovers of writes killed mid-way (by an earlier server) cleaned up."""
        workspace = Workspace(self.config.workspace)
        for leftover in workspace.clean_leftovers():
            log.info("removed the leftover of an interrupted write: %s", leftover)
        return workspace

    def resolve(self, path: str, roots: ListRootsResult | None = None) -> Path:
        """A user-supplied path, checked against the sandbox."""
        uris = [str(r.uri) for r in roots.roots] if roots is not None else []
        return resolve_path(path, self.config.allowed_roots(root_paths(uris)))

    def optional_file(self, path: str | None, roots: ListRootsResult | None = None) -> Path | None:
        """An optional file argument (a deals or contacts export), checked like :meth:`resolve` when given."""
        return self.resolve(path, roots) if path else None

    def result(self, tool: str, model: BaseModel, extra: Sequence[ContentBlock] = ()) -> CallToolResult:
        """A tool result: the model as structured content, as compact JSON text (no nulls) for the LLM, and a
        resource link for each file it wrote.

        A text above the token budget is logged as a defect: tools must cap their own lists.
        """
        text = model.model_dump_json(exclude_none=True)
        tokens = len(text) // 4
        budget = self.config.result_token_budget
        if tokens > budget:
            log.warning("%s result is ~%d tokens, above the budget of %d", tool, tokens, budget)
        dumped = model.model_dump(mode="json")
        return CallToolResult(
            content=[TextContent(type="text", text=text), *extra, *links(self.workspace, dumped)],
            structured_content=dumped,
        )


HEARTBEAT_SECONDS = 1.0


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A quick blocking engine call (open a dataset or an ICP version, save a result) in a worker thread: the event
    loop keeps serving other requests while it reads the disk."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


async def run_engine(ctx: Context | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking engine code in a worker thread, forwarding its progress to the client: the engine's own stages
    when it reports them, otherwise a heartbeat each second saying it is still working (no-ops when the client
    sent no progress token)."""

    def progress(fraction: float, message: str) -> None:
        if ctx is not None:
            anyio.from_thread.run(functools.partial(ctx.report_progress, round(fraction * 100, 1), 100.0, message))

    call = functools.partial(fn, *args, **kwargs)
    if "progress" in inspect.signature(fn).parameters:
        return await anyio.to_thread.run_sync(functools.partial(call, progress=progress))
    if ctx is None:
        return await anyio.to_thread.run_sync(call)
    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(_heartbeat, ctx, _step_name(fn))
        try:
            result = await anyio.to_thread.run_sync(call)
        except Exception as exc:  # raised below, outside the group: not wrapped in an exception group
            failure = exc
        finally:
            group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return result


async def _heartbeat(ctx: Context, step: str) -> None:
    """Elapsed seconds as progress (no total: the step's length is not known), from the start, every second."""
    started = anyio.current_time()
    while True:
        elapsed = anyio.current_time() - started
        try:
            await ctx.report_progress(round(elapsed, 1), None, f"{step}: working ({elapsed:.0f} s)")
        except Exception:  # a closed session must not fail the tool
            log.debug("progress not delivered", exc_info=True)
            return
        await anyio.sleep(HEARTBEAT_SECONDS)


def _step_name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", "working")
    return name.replace("_", " ").capitalize()
