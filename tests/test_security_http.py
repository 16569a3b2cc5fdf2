"""HTTP off loopback needs a bearer token on every request (generated and printed once when none is given), keeps
Host / Origin checks and warns at start-up; on loopback the DNS-rebinding protection holds. Without --data-dir the
server reads a fixed folder under the home folder, never the working directory or the whole disk."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2 as httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from icp_assistant.server.app import build_server
from icp_assistant.server.cli import main
from icp_assistant.server.config import DEFAULT_DATA_DIR, ServerConfig
from icp_assistant.server.http import security_settings

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _lan_address() -> str | None:
    """A non-loopback IPv4 address of this machine, or None."""
    if shutil.which("ip"):
        out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True,
                             timeout=10).stdout  # fmt: skip
        found = [f.split("/")[0] for line in out.splitlines() for f in line.split()[3:4]]
        return found[0] if found else None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(udp.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


LAN = _lan_address()
needs_lan = pytest.mark.skipif(LAN is None, reason="this machine has no non-loopback IPv4 address")


def _start(
    tmp_path: Path, host: str, *extra: str, token_env: str | None = None, reach: str = "127.0.0.1"
) -> tuple[subprocess.Popen, int, Path]:
    port = _free_port()
    log = tmp_path / f"server-{port}.log"
    env = {k: v for k, v in os.environ.items() if k != "ICP_ASSISTANT_TOKEN"}
    if token_env:
        env["ICP_ASSISTANT_TOKEN"] = token_env
    command = [sys.executable, "-m", "icp_assistant.server", "serve", "--http", "--host", host, "--port", str(port),
               "--data-dir", str(tmp_path), "--workspace", str(tmp_path / "ws"), *extra]  # fmt: skip
    with log.open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((reach, port), timeout=0.5):
                return process, port, log
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"server did not start: {log.read_text()}")


@pytest.fixture
def off_loopback(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    process, port, log = _start(tmp_path, "0.0.0.0")
    try:
        yield port, log
    finally:
        process.kill()
        process.wait(timeout=10)


def _token(log: Path) -> str:
    lines = log.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if "Generated for this run" in line)
    return lines[index + 1].strip()


def test_off_loopback_every_request_needs_the_generated_token(off_loopback: tuple[int, Path]) -> None:
    port, log = off_loopback
    url = f"http://127.0.0.1:{port}/mcp"
    token = _token(log)
    text = log.read_text()
    assert text.count(token) == 2  # printed once (and once in the example header line), never again
    assert "beyond this machine" in text and "WARNING" in text
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
        response = httpx.post(url, json=INITIALIZE, headers={**HEADERS, **headers}, timeout=10)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer") and "Authorization" in response.text
    ok = httpx.post(url, json=INITIALIZE, headers={**HEADERS, "Authorization": f"Bearer {token}"}, timeout=10)
    assert ok.status_code == 200
    foreign = {**HEADERS, "Authorization": f"Bearer {token}", "Host": "evil.example"}
    assert httpx.post(url, json=INITIALIZE, headers=foreign, timeout=10).status_code == 421


@pytest.mark.anyio
async def test_a_real_client_with_the_token_lists_and_calls_tools(off_loopback: tuple[int, Path]) -> None:
    port, log = off_loopback
    async with (
        httpx.AsyncClient(headers={"Authorization": f"Bearer {_token(log)}"}, timeout=30) as http,
        Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as client,
    ):
        tools = await client.list_tools()
        assert "load_accounts" in {t.name for t in tools.tools}
        result = await client.call_tool("find_patterns", {"dataset": "none"})
        assert result.is_error and "No dataset named 'none'" in result.content[0].text  # type: ignore[union-attr]


def test_a_token_from_the_environment_is_required_and_not_printed(tmp_path: Path) -> None:
    process, port, log = _start(tmp_path, "0.0.0.0", token_env="s3cret-token")
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        assert httpx.post(url, json=INITIALIZE, headers=HEADERS, timeout=10).status_code == 401
        good = {**HEADERS, "Authorization": "Bearer s3cret-token"}
        assert httpx.post(url, json=INITIALIZE, headers=good, timeout=10).status_code == 200
    finally:
        process.kill()
        process.wait(timeout=10)
    assert "s3cret-token" not in log.read_text()


def test_on_loopback_foreign_host_and_origin_are_still_refused(tmp_path: Path) -> None:
    process, port, _ = _start(tmp_path, "127.0.0.1")
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        assert httpx.post(url, json=INITIALIZE, headers=HEADERS, timeout=10).status_code == 200
        assert (
            httpx.post(url, json=INITIALIZE, headers={**HEADERS, "Host": "evil.example"}, timeout=10).status_code == 421
        )
        evil = {**HEADERS, "Origin": "http://evil.example"}
        assert httpx.post(url, json=INITIALIZE, headers=evil, timeout=10).status_code == 403
    finally:
        process.kill()
        process.wait(timeout=10)


def test_without_a_data_folder_the_server_reads_a_fixed_folder_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir("/")
    monkeypatch.delenv("ICP_ASSISTANT_DATA_DIRS", raising=False)
    config = ServerConfig.from_env()
    assert config.data_dirs == ((tmp_path / "home" / "ICP-Assistant" / "data").resolve(),)
    assert config.data_dirs[0].is_dir() and Path("/") not in config.data_dirs
    assert str(DEFAULT_DATA_DIR) == "~/ICP-Assistant/data"


def test_the_whole_disk_is_refused_as_a_data_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--data-dir", "/"]) == 2
    assert "is the whole disk" in capsys.readouterr().err


def _initialize(url: str, **headers: str) -> httpx.Response:
    return httpx.post(url, json=INITIALIZE, headers={**HEADERS, **headers}, timeout=10)


def _stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=10)


def test_off_loopback_a_foreign_origin_is_refused_even_with_the_token(off_loopback: tuple[int, Path]) -> None:
    port, log = off_loopback
    url = f"http://127.0.0.1:{port}/mcp"
    auth = f"Bearer {_token(log)}"
    assert _initialize(url, Authorization=auth, Origin="http://evil.example").status_code == 403
    assert _initialize(url, Authorization=auth, Origin=f"http://127.0.0.1:{port}").status_code == 200
    assert _initialize(url, Authorization=auth.replace("Bearer", "bearer")).status_code == 200  # scheme: any case


@needs_lan
def test_bound_to_every_interface_a_client_on_the_network_reaches_it_by_this_machines_address(tmp_path: Path) -> None:
    process, port, log = _start(tmp_path, "0.0.0.0", reach=str(LAN))
    try:
        url = f"http://{LAN}:{port}/mcp"
        assert _initialize(url).status_code == 401
        assert _initialize(url, Authorization=f"Bearer {_token(log)}").status_code == 200  # its Host is accepted
        assert f"{LAN}:{port}" in log.read_text()  # the accepted Host headers are logged
    finally:
        _stop(process)


@needs_lan
@pytest.mark.anyio
async def test_bound_to_a_network_address_a_real_client_needs_the_token(tmp_path: Path) -> None:
    process, port, log = _start(tmp_path, str(LAN), "--token", "a-long-enough-test-token-123", reach=str(LAN))
    url = f"http://{LAN}:{port}/mcp"
    try:
        assert _initialize(url).status_code == 401
        assert _initialize(url, Authorization="Bearer a-long-enough-test-token-12").status_code == 401
        assert (
            _initialize(url, Authorization="Bearer a-long-enough-test-token-123", Host="evil.example").status_code
            == 421
        )
        with anyio.fail_after(60):
            async with (
                httpx.AsyncClient(headers={"Authorization": "Bearer a-long-enough-test-token-123"}, timeout=30) as http,
                Client(streamable_http_client(url, http_client=http), mode="legacy") as client,
            ):
                assert "build_icp" in {t.name for t in (await client.list_tools()).tools}
                result = await client.call_tool("load_accounts", {"path": "/etc/passwd"})
                assert result.is_error and "outside the folders" in result.content[0].text  # type: ignore[union-attr]
    finally:
        _stop(process)
    text = log.read_text()
    assert "beyond this machine" in text and "Generated for this run" not in text


def test_a_token_given_on_loopback_is_required_too(tmp_path: Path) -> None:
    process, port, log = _start(tmp_path, "127.0.0.1", "--token", "loopback-token-0123456789")
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        assert _initialize(url).status_code == 401
        assert _initialize(url, Authorization="Bearer nope").status_code == 401
        assert _initialize(url, Authorization="Bearer loopback-token-0123456789").status_code == 200
    finally:
        _stop(process)
    assert "beyond this machine" not in log.read_text()  # no off-loopback warning on 127.0.0.1


def test_a_token_no_header_can_carry_is_refused_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--http", "--token", "two words", "--data-dir", str(tmp_path)]) == 2
    assert "printable ASCII without spaces" in capsys.readouterr().err


def test_host_checks_accept_the_bound_address_and_the_names_the_user_adds() -> None:
    every = security_settings("0.0.0.0", 8123, ["box.lan", "proxy.example:*"], ["https://app.example"])
    assert {"127.0.0.1:8123", "localhost:8123", "[::1]:8123", "box.lan:8123", "proxy.example:*"} <= set(
        every.allowed_hosts
    )
    assert "https://app.example" in every.allowed_origins and "http://box.lan:8123" in every.allowed_origins
    assert not any(h.startswith(("0.0.0.0", "evil")) for h in every.allowed_hosts)
    other_loopback = security_settings("127.0.0.2", 8123, [], [])  # the SDK protects only 127.0.0.1 by itself
    assert other_loopback.enable_dns_rebinding_protection and "127.0.0.2:8123" in other_loopback.allowed_hosts
    assert "[fd00::5]:8123" in security_settings("fd00::5", 8123, [], []).allowed_hosts


def test_a_bare_server_configuration_reads_a_private_folder_under_home_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    config = ServerConfig()
    folder = (tmp_path / "home" / "ICP-Assistant" / "data").resolve()
    assert config.data_dirs == (folder,) and tmp_path.resolve() not in config.allowed_roots()
    assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


@pytest.mark.anyio
async def test_the_server_tells_the_model_which_folder_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    server = build_server(ServerConfig(workspace=tmp_path / "ws", raise_unexpected=True))
    folder = str((tmp_path / "home" / "ICP-Assistant" / "data").resolve())
    assert folder in (server.instructions or "")
    async with Client(server, mode="legacy") as client:
        result = await client.call_tool("load_accounts", {"path": "/etc/hostname"})
    assert result.is_error and folder in result.content[0].text  # type: ignore[union-attr]
