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

from icp_assistant.tools.workspace import Workspace

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


async def run_engine(ctx: Context | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking engine code in a worker thread, forwarding its progress to the client."""

    def progress(fraction: float, message: str) -> None:
        if ctx is not None:
            anyio.from_thread.run(functools.partial(ctx.report_progress, round(fraction * 100, 1), 100.0, message))

    if "progress" in inspect.signature(fn).parameters:
        kwargs["progress"] = progress
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
