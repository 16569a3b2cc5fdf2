"""Streamable HTTP: loopback by default; off loopback only with a bearer token, Host / Origin checks and a warning.

On 127.0.0.1 the SDK's DNS-rebinding protection rejects foreign Host (421) and Origin (403) headers. Bound to any
other address, every request must also carry ``Authorization: Bearer <token>`` (compared in constant time); without
``--token`` / ``ICP_ASSISTANT_TOKEN`` a token is generated and printed once on stderr.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

log = logging.getLogger("icp_assistant.server")
ENV_TOKEN = "ICP_ASSISTANT_TOKEN"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BearerToken:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>``; anything else gets a 401."""

    def __init__(self, app: App, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                await _unauthorized(send)
                return
        await self.app(scope, receive, send)


async def _unauthorized(send: Send) -> None:
    body = (
        b'{"error": "unauthorized", "message": "Send the header Authorization: Bearer <token> (see the server log)."}'
    )
    headers = [(b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="icp-assistant"'),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def security_settings(
    host: str, port: int, allowed_hosts: list[str], allowed_origins: list[str]
) -> TransportSecuritySettings | None:
    """Host / Origin checks off loopback: the bound address, this machine's names and the ones the user adds."""
    if is_loopback(host) and not allowed_hosts and not allowed_origins:
        return None  # the SDK's own loopback protection
    names = {"127.0.0.1", "localhost", socket.gethostname(), *allowed_hosts}
    if host not in ("0.0.0.0", "::", ""):
        names.add(host)
    hosts = sorted({f"{n}:{port}" for n in names} | set(allowed_hosts))
    origins = sorted(
        {f"http://{n}:{port}" for n in names} | {f"https://{n}:{port}" for n in names} | set(allowed_origins)
    )
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


def resolve_token(host: str, token: str | None) -> str | None:
    """The token to require: the given one; off loopback a new one when none is given (printed once)."""
    if token or is_loopback(host):
        return token or None
    generated = secrets.token_urlsafe(32)
    print(
        f"icp-assistant: HTTP on {host} needs a bearer token. Generated for this run:\n  {generated}\n"
        f"Clients send the header 'Authorization: Bearer {generated}'. Set --token or {ENV_TOKEN} to choose it.",
        file=sys.stderr,
        flush=True,
    )
    return generated


def serve_http(
    server: MCPServer,
    host: str,
    port: int,
    token: str | None,
    allowed_hosts: list[str] | None = None,
    allowed_origins: list[str] | None = None,
) -> None:
    import uvicorn

    if not is_loopback(host):
        log.warning(
            "Listening on %s:%d, beyond this machine: anyone who can reach it can call every tool on your data. "
            "Every request must carry the bearer token; Host and Origin headers are checked.",
            host, port,
        )  # fmt: skip
    required = resolve_token(host, token)
    settings = security_settings(host, port, allowed_hosts or [], allowed_origins or [])
    app: App = server.streamable_http_app(host=host, transport_security=settings)
    if required:
        app = BearerToken(app, required)
    uvicorn.run(app, host=host, port=port, log_level="warning")
