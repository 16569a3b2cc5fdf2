"""The one place where engine errors become MCP tool errors the model can read."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from mcp.server.mcpserver.exceptions import ToolError

from icp_assistant.tools.errors import IcpError

log = logging.getLogger("icp_assistant.server")
P = ParamSpec("P")
R = TypeVar("R")


def tool_errors(raise_unexpected: bool) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Wrap a tool handler: engine errors -> ToolError with their message; bugs -> a readable ToolError.

    With ``raise_unexpected`` (tests), unexpected exceptions propagate so bugs fail loudly.
    """

    def decorate(handler: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(handler)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await handler(*args, **kwargs)
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
