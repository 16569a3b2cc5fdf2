"""Benchmark: spawn to initialize, as a host starts the server over stdio, beside a one-tool server on the same SDK.

A host (Claude Desktop, Claude Code) spawns ``icp-assistant serve`` and waits for the ``initialize`` answer before
the user can type. Each run spawns a fresh process, completes the handshake, lists the tools and closes; the
median of ``--runs`` runs is recorded for our server and for a minimal server of one tool written with the same SDK
(``MCPServer`` + ``@tool``), so the ratio isolates what our imports and registration add. Also recorded: the
heavy libraries (scipy, sklearn, matplotlib, openpyxl) a fresh ``import icp_assistant.server.app`` pulls in.

Usage: ``python bench/bench_startup.py [--runs 7]``. Numbers are recorded in ``bench/results/startup.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from measure import write_results

ONE_TOOL_SERVER = '''
from mcp.server.mcpserver import MCPServer

mcp = MCPServer("one-tool")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


mcp.run()
'''
HEAVY = ("scipy", "sklearn", "matplotlib", "openpyxl", "pyarrow", "duckdb", "pyspark", "anthropic", "jinja2")


async def _handshake(params: StdioServerParameters) -> tuple[float, float]:
    """Seconds from spawn to the initialize answer, and to the tools list."""
    start = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        initialized = time.perf_counter() - start
        await client.list_tools()
        listed = time.perf_counter() - start
    return initialized, listed


def _median(params: StdioServerParameters, runs: int) -> dict[str, float]:
    times = [anyio.run(_handshake, params) for _ in range(runs)]
    return {
        "initialize_seconds": round(statistics.median(t[0] for t in times), 3),
        "tools_list_seconds": round(statistics.median(t[1] for t in times), 3),
    }


def _heavy_imports() -> list[str]:
    code = f"import sys, icp_assistant.server.app; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return out.stdout.split()


def run(runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "one_tool.py"
        script.write_text(ONE_TOOL_SERVER)
        ours = StdioServerParameters(
            command=sys.executable,
            args=["-m", "icp_assistant.server", "serve", "--data-dir", tmp, "--workspace", str(Path(tmp) / "ws")],
        )
        baseline = StdioServerParameters(command=sys.executable, args=[str(script)])
        _median(ours, 1)  # warm the file cache for both
        _median(baseline, 1)
        result: dict[str, object] = {
            "runs": runs,
            "icp_assistant": _median(ours, runs),
            "one_tool_server": _median(baseline, runs),
        }
    ours_s = result["icp_assistant"]["initialize_seconds"]  # type: ignore[index]
    base_s = result["one_tool_server"]["initialize_seconds"]  # type: ignore[index]
    result["initialize_ratio"] = round(ours_s / base_s, 2)
    result["heavy_modules_at_start"] = _heavy_imports()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "startup.json")
    args = parser.parse_args()
    result = run(args.runs)
    print(json.dumps(result, indent=1))
    write_results(args.out, [result])


if __name__ == "__main__":
    main()
