"""The one place where engine errors become MCP tool errors the model can read."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from icp_assistant.tools.core.errors import IcpError

log = logging.getLogger("icp_assistant.server")
P = ParamSpec("P")
R = TypeVar("R")


# Tools that add or replace workspace resources (datasets, segmentations, ICPs, documents, generated files).
CREATES_RESOURCES = {
    "load_accounts", "segment_accounts", "build_icp", "edit_icp", "export_icp", "score_prospects", "size_market",
    "draft_icp_document", "draft_messaging", "set_product_profile", "find_best_customers", "find_patterns",
    "find_red_flags", "rank_segments", "review_pipeline", "analyze_feature_adoption", "find_expansion",
}  # fmt: skip


async def resources_changed(ctx: object) -> None:
    """Tell the client the resource list changed (both protocol eras; a client that did not ask ignores it)."""
    if not isinstance(ctx, Context):
        return
    try:
        await ctx.notify_resources_changed()  # subscriptions/listen streams (2026-07-28)
    except Exception:  # no subscription bus on this connection
        log.debug("no listen stream for resources/list_changed", exc_info=True)
    try:
        await ctx.session.send_resource_list_changed()  # the handshake-era notification
    except Exception:  # a stateless or closed session: nothing to tell
        log.debug("could not send resources/list_changed", exc_info=True)


def tool_errors(raise_unexpected: bool) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Wrap a tool handler: engine errors -> ToolError with their message; bugs -> a readable ToolError.

    With ``raise_unexpected`` (tests), unexpected exceptions propagate so bugs fail loudly.
    """

    def decorate(handler: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(handler)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = await handler(*args, **kwargs)
                if handler.__name__ in CREATES_RESOURCES:
                    await resources_changed(getattr(kwargs.get("call"), "ctx", None))
                return result
            except ToolError:
                raise
            except IcpError as exc:
                log.info("%s: %s", handler.__name__, exc)
                raise ToolError(str(exc)) from exc
            except Exception as exc:
                if raise_unexpected:
                    raise
                log.exception("unexpected error in %s", handler.__name__)
                raise ToolError(
                    f"{handler.__name__} failed unexpectedly ({type(exc).__name__}: {exc}). This is a bug in "
                    "ICP Assistant, not in your data; the server is still running. Please report it with the "
                    "server log."
                ) from exc

        return wrapper

    return decorate
