"""HTTP off loopback needs a bearer token on every request (generated and printed once when none is given), keeps
Host / Origin checks and warns at start-up; on loopback the DNS-rebinding protection holds. Without --data-dir the
server reads a fixed folder under the home folder, never the working directory or the whole disk."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from icp_assistant.server.cli import main
from icp_assistant.server.config import DEFAULT_DATA_DIR, ServerConfig

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


def _start(tmp_path: Path, host: str, *extra: str, token_env: str | None = None) -> tuple[subprocess.Popen, int, Path]:
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
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
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
