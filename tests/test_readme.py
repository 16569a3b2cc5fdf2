"""The README is the truth: its capability table matches what the server registers."""

from __future__ import annotations

import re
import tomllib
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


def _block(marker: str) -> str:
    return README.read_text(encoding="utf-8").split(f"<!-- {marker} -->")[1].split(f"<!-- /{marker} -->")[0]


def test_the_install_section_comes_first_and_its_commands_name_the_real_console_script() -> None:
    project = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (script,) = project["scripts"]  # the one console command: icp-assistant
    text = README.read_text(encoding="utf-8")
    assert text.index("<!-- install -->") < text.index("<!-- main-command -->")
    block = _block("install")
    ways = [block.index(way) for way in ("**Claude Desktop", "**uvx**", "**pipx**", "**From a clone")]
    assert ways == sorted(ways)
    lines = [line.strip() for line in block.splitlines()]
    uvx = [line for line in lines if line.startswith("uvx ")]
    assert len(uvx) == 2 and all(re.match(rf"uvx --from \S+ {script} serve --data-dir \S+$", line) for line in uvx)
    assert any(line.startswith("pipx install ") for line in lines) and f"{script} demo" in lines
    urls = project.get("urls", {})
    repository = urls.get("Repository") or urls.get("Source") or "https://github.com/YOUR-ORG/icp-assistant"
    assert f"git+{repository}" in block  # the real repository once pyproject names one, else the placeholder
    builder = README.parent / "scripts" / "build_bundle.py"
    assert "scripts/build_bundle.py" in block and builder.exists()
    assert f"dist/{project['name']}-<version>.mcpb" in block


def test_the_test_command_block_is_unchanged_by_the_install_section() -> None:
    command = (
        'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" --config-settings editable_mode=strict && '
        ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/pytest"
    )
    assert _block("test-command").strip() == f"```bash\n{command}\n```"
