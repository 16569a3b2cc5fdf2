"""The README is the truth: its capability table matches what the server registers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio
README = Path(__file__).resolve().parents[1] / "README.md"


def _table() -> set[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- capabilities -->")[1].split("<!-- /capabilities -->")[0]
    return set(re.findall(r"^\| (tool|prompt|resource) \| `([^`]+)` \|", block, flags=re.MULTILINE))


async def test_the_readme_lists_exactly_the_tools_prompts_and_resources_the_server_has(server: Any) -> None:
    async with Client(server) as client:
        tools = {("tool", t.name) for t in (await client.list_tools()).tools}
        prompts = {("prompt", p.name) for p in (await client.list_prompts()).prompts}
        resources = {("resource", str(r.uri)) for r in (await client.list_resources()).resources}
        templates = {("resource", t.uri_template) for t in (await client.list_resource_templates()).resource_templates}
    assert _table() == tools | prompts | resources | templates


def test_the_readme_gives_the_two_commands_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    for marker in ("main-command", "test-command"):
        block = text.split(f"<!-- {marker} -->")[1].split(f"<!-- /{marker} -->")[0]
        assert "```bash" in block and "python3 -m venv .venv" in block
