"""The server as a host starts it: a subprocess speaking MCP over stdio."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

pytestmark = pytest.mark.anyio

MESSY = Path(__file__).parent / "data" / "messy"


@pytest.mark.parametrize("module_args", [["-m", "icp_assistant.server"], ["-m", "icp_assistant.server", "serve"]])
async def test_the_server_answers_over_stdio(tmp_path: Path, module_args: list[str]) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=[*module_args, "--data-dir", str(MESSY), "--workspace", str(tmp_path / "ws")],
    )
    async with Client(params, mode="legacy") as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("load_accounts", {"path": "utf8.csv"})
        missing = await client.call_tool("load_accounts", {"path": "nope.csv"})
    assert "load_accounts" in {t.name for t in tools}
    assert result.structured_content and result.structured_content["rows"] == 8
    assert missing.is_error and "File not found" in missing.content[0].text  # type: ignore[union-attr]


async def test_the_server_answers_over_streamable_http(tmp_path: Path) -> None:
    import socket
    import subprocess

    import anyio

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "icp_assistant.server", "serve", "--http", "--port", str(port),
        "--data-dir", str(MESSY), "--workspace", str(tmp_path / "ws"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # wait up to 10 s for the port
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await anyio.sleep(0.1)
        async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:
            result = await client.call_tool("load_accounts", {"path": "utf8.csv"})
        assert result.structured_content and result.structured_content["rows"] == 8
    finally:
        process.terminate()
        process.wait(timeout=10)
