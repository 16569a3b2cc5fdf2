"""An MCP client nobody here wrote: the MCP Inspector CLI (npm), driving the server over stdio.

The Inspector is installed once into a cache folder with npm; without npm on the machine these tests
skip with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

INSPECTOR_VERSION = "2.12.0"
CACHE = Path(os.environ.get("ICP_INSPECTOR_CACHE", Path.home() / ".cache" / "icp-assistant" / "inspector"))
REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def inspector() -> Path:
    binary = CACHE / "node_modules" / ".bin" / "mcp-inspector"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the MCP Inspector CLI cannot be installed")
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            npm,
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(CACHE),
            f"@modelcontextprotocol/inspector@{INSPECTOR_VERSION}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return binary


def _run(inspector: Path, data_dir: Path, workspace: Path, *method: str) -> dict[str, Any]:
    command = [
        str(inspector), "--cli", sys.executable, "-m", "icp_assistant.server",
        "--data-dir", str(data_dir), "--workspace", str(workspace), *method, "--format", "json", "-q",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr or done.stdout
    return json.loads(done.stdout)


def _card(inspector: Path, data_dir: Path, workspace: Path, **arguments: str) -> dict[str, Any]:
    args = [item for k, v in arguments.items() for item in ("--tool-arg", f"{k}={v}")]
    out = _run(inspector, data_dir, workspace, "--method", "tools/call", "--tool-name", "load_accounts", *args)
    result = out["result"]
    assert not result.get("isError"), result
    return result["structuredContent"]


def test_the_inspector_lists_the_tools(inspector: Path, tmp_path: Path) -> None:
    out = _run(inspector, REPO / "tests" / "data", tmp_path, "--method", "tools/list")
    assert "load_accounts" in {t["name"] for t in out["result"]["tools"]}


def test_the_inspector_loads_the_example_data(inspector: Path, tmp_path: Path) -> None:
    card = _card(inspector, REPO / "examples" / "data", tmp_path, path="accounts.csv", deals_path="deals.csv")
    assert card["rows"] > 400
    fields = {f["field"] for f in card["fields"]}
    assert {"name", "industry", "employee_count", "annual_revenue", "country", "tech_stack"} <= fields
    assert card["outcomes"]["won"] > 0 and card["outcomes"]["lost"] > 0


def test_the_inspector_loads_each_real_export(inspector: Path, shared_data: Path, tmp_path: Path) -> None:
    maven = _card(
        inspector,
        shared_data,
        tmp_path,
        path="maven_crm/accounts.csv",
        deals_path="maven_crm/sales_pipeline.csv",
    )
    assert maven["rows"] == 85
    assert maven["deals"]["outcomes"] == {"won": 4238, "lost": 2473, "open": 2089}
    olist = _card(inspector, shared_data, tmp_path, path="olist_b2b_funnel/olist_closed_deals_dataset.csv")
    assert olist["rows"] == 842
    assert olist["cleaning"]["sentinel_zeros_to_missing"] == 797
    mql = _card(inspector, shared_data, tmp_path, path="olist_b2b_funnel/olist_marketing_qualified_leads_dataset.csv")
    assert mql["rows"] == 8000


def test_the_inspector_runs_each_analysis_tool_within_the_budget(inspector: Path, tmp_path: Path) -> None:
    """State lives on disk: each Inspector call starts a fresh server on the same workspace."""
    data = REPO / "examples" / "data"
    card = _card(inspector, data, tmp_path, path="accounts.csv", deals_path="deals.csv", name="example")
    calls: list[tuple[str, dict[str, object]]] = [
        ("find_best_customers", {}),
        ("find_patterns", {"compare": "won"}),
        ("segment_accounts", {"name": "by-industry", "dimensions": ["industry", "size"]}),
        ("rank_segments", {"segmentation": "by-industry"}),
        ("find_red_flags", {}),
        ("build_icp", {"name": "demo", "segmentation": "by-industry"}),
        ("find_expansion", {"icp": "demo", "tier": ["green", "yellow"]}),
        ("review_pipeline", {"icp": "demo"}),
        ("analyze_feature_adoption", {"icp": "demo", "usage_path": "product_usage.csv"}),
    ]
    for tool, extra in calls:
        args = ["--tool-args-json", json.dumps({"dataset": card["name"], **extra})]
        out = _run(inspector, data, tmp_path, "--method", "tools/call", "--tool-name", tool, *args)
        result = out["result"]
        assert not result.get("isError"), (tool, result)
        text = "".join(block.get("text", "") for block in result["content"])
        assert len(text) / 4 < 2000, (tool, len(text) / 4)


PROMPT_SAMPLES = {
    "accounts_path": "accounts.csv", "customers_path": "accounts.csv", "deals_path": "deals.csv",
    "prospects_path": "prospects.csv", "attributes": "industry, size", "icp": "demo",
    "prospect": "Acme Pay, fintech, 120 people, Germany", "segment": "Fintech", "cut_date": "2025-01-01",
    "usage_path": "product_usage.csv",
}  # fmt: skip


def test_the_inspector_renders_every_prompt_and_reads_the_method(inspector: Path, tmp_path: Path) -> None:
    from icp_assistant.server.prompts import PROMPTS, tool_names_in

    data = REPO / "examples" / "data"
    listed = _run(inspector, data, tmp_path, "--method", "prompts/list")["result"]["prompts"]
    assert len(listed) == len(PROMPTS)
    tools = {t["name"] for t in _run(inspector, data, tmp_path, "--method", "tools/list")["result"]["tools"]}
    named: dict[str, set[str]] = {}
    for prompt in listed:
        arguments = [
            f"{a['name']}={PROMPT_SAMPLES[a['name']]}" for a in prompt["arguments"] if a["name"] in PROMPT_SAMPLES
        ]
        assert {a["name"] for a in prompt["arguments"] if a.get("required")} <= set(PROMPT_SAMPLES), prompt["name"]
        out = _run(inspector, data, tmp_path, "--method", "prompts/get", "--prompt-name", prompt["name"],
                   "--prompt-args", *arguments)  # fmt: skip
        text = "".join(m["content"]["text"] for m in out["result"]["messages"])
        assert "Numbers come only from tool results" in text, prompt["name"]
        named[prompt["name"]] = tool_names_in(text)
    method = _run(inspector, data, tmp_path, "--method", "resources/read", "--uri", "icp://method")
    content = method["result"]["contents"][0]
    assert content["mimeType"] == "text/markdown" and "Green >= 80" in content["text"]
    unknown = {name: sorted(found - tools) for name, found in named.items() if found - tools}
    assert not unknown, f"prompts name tools the server does not have: {unknown}"
