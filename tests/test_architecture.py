"""The layout rules: the engine never imports mcp, and the wheel holds only icp_assistant."""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((REPO / "tools").rglob("*.py")), ids=lambda p: p.name)
def test_the_engine_never_imports_mcp(path: Path) -> None:
    assert "mcp" not in _imports(path), f"{path} imports mcp; only server/ may"


def test_the_server_never_prints_to_stdout_which_is_the_protocol_stream() -> None:
    for path in (REPO / "server").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
        assert not calls, f"print() in {path}"


@pytest.mark.slow
def test_the_wheel_contains_only_the_icp_assistant_package(built_wheel: Path) -> None:
    wheel = built_wheel
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"icp_assistant"}
    assert {
        "icp_assistant/server/app.py",
        "icp_assistant/tools/store/datasets.py",
        "icp_assistant/prompts/__init__.py",
    } <= set(names)
