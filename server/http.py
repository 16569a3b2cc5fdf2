"""Streamable HTTP: loopback by default; off loopback only with a bearer token, Host / Origin checks and a warning.

Host and Origin headers are always checked (DNS-rebinding protection): foreign Host -> 421, foreign Origin -> 403.
Bound to any address but loopback, every request must also carry ``Authorization: Bearer <token>`` (compared in
constant time); without ``--token`` / ``ICP_ASSISTANT_TOKEN`` a token is generated and printed once on stderr. A
token given on loopback is required too.
"""

from __future__ import annotations

import contextlib
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
WILDCARDS = ("0.0.0.0", "::", "[::]", "")
SHORT_TOKEN = 16
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


def check_token(token: str | None) -> None:
    """Refuse a token no HTTP header can carry; warn about one short enough to guess."""
    if token is None:
        return
    if not token or not all("!" <= c <= "~" for c in token):
        raise ValueError(
            f"--token / {ENV_TOKEN} must be printable ASCII without spaces (it travels in an HTTP header); "
            "leave it unset off loopback and the server generates one."
        )
    if len(token) < SHORT_TOKEN:
        log.warning("The bearer token is %d characters: use at least %d random ones.", len(token), SHORT_TOKEN)


class BearerToken:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>``; anything else gets a 401."""

    def __init__(self, app: App, token: str) -> None:
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scheme, _, given = dict(scope.get("headers") or []).get(b"authorization", b"").partition(b" ")
            ok = hmac.compare_digest(given.strip(), self._token)  # constant time whatever the scheme
            if not (ok and scheme.lower() == b"bearer"):
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


def host_header(name: str, port: int) -> str:
    """``name`` as a Host header value with ``port``; a value that already names a port ('h:8000', 'h:*') as is."""
    bare = name.split("%")[0]
    if ":" in bare and not bare.startswith("["):
        try:
            ipaddress.IPv6Address(bare)
        except ValueError:
            return name  # "name:8000" or "name:*"
        return f"[{bare}]:{port}"
    if bare.startswith("[") and not bare.endswith("]"):
        return name  # "[::1]:8000"
    return f"{bare}:{port}"


def machine_addresses() -> set[str]:
    """This machine's name and the addresses other machines reach it by (as far as the standard library can tell)."""
    names = {socket.gethostname()}
    with contextlib.suppress(OSError):
        names |= {str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None)}
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect((probe, 9))  # on UDP, connect() only picks the outgoing interface: nothing is sent
            names.add(str(udp.getsockname()[0]))
    return {n for n in names if "%" not in n}  # link-local scoped addresses are no Host header


def security_settings(
    host: str, port: int, allowed_hosts: list[str], allowed_origins: list[str]
) -> TransportSecuritySettings:
    """Host / Origin checks: loopback names, the bound address (all of this machine's when bound to every
    interface), and the ones the user adds."""
    names = {"127.0.0.1", "localhost", "::1"}
    if host in WILDCARDS:
        names |= machine_addresses()
    else:
        names.add(host)
    hosts = {host_header(n, port) for n in names | set(allowed_hosts)}
    if port == 80:
        hosts |= {h.removesuffix(":80") for h in hosts}
    origins = {f"{scheme}://{h}" for h in hosts for scheme in ("http", "https")} | set(allowed_origins)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=sorted(hosts), allowed_origins=sorted(origins)
    )


def resolve_token(host: str, token: str | None) -> str | None:
    """The token to require: the given one; off loopback a new one when none is given (printed once)."""
    if token or is_loopback(host):
        return token or None
    generated = secrets.token_urlsafe(32)
    sys.stderr.write(
        f"icp-assistant: HTTP on {host} needs a bearer token. Generated for this run:\n  {generated}\n"
        f"Clients send the header 'Authorization: Bearer {generated}'. Set --token or {ENV_TOKEN} to choose it.\n"
    )
    sys.stderr.flush()
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
    log.info(
        "Serving http://%s/mcp; Host headers accepted: %s (add others with --allowed-host NAME)",
        host_header(host, port), ", ".join(settings.allowed_hosts),
    )  # fmt: skip
    app: App = server.streamable_http_app(host=host, transport_security=settings)
    if required:
        app = BearerToken(app, required)
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
