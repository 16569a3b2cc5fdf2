"""The engine's layers import only downward, and nothing that runs the server imports the data generator.

tools/ is core -> ingest -> store -> analysis -> model -> report, the order data flows through it: a module may
import its own layer and the layers before it, never a later one. tools/synthetic writes example data; the
engine and the server adapter never import it (the demo client does, to have data to show).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tools"
LAYERS = ("core", "ingest", "store", "analysis", "model", "report")
CLIENTS = REPO / "server" / "clients"  # clients of the server (the demo shows generated data), not the server


def _targets(path: Path, package: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """(line, module relative to tools, dotted) of every import of a tools module in ``path``, lazy ones included;
    ``package``: where the file sits in tools (default: from its path)."""
    if package is None:
        package = path.relative_to(TOOLS).parts[:-1] if path.is_relative_to(TOOLS) else ()
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                names = [module] if node.module else [f"{module}.{a.name}".strip(".") for a in node.names]
            elif node.module and node.module.startswith("icp_assistant.tools"):
                module = node.module.removeprefix("icp_assistant.tools").strip(".")
                names = [module] if module else [a.name for a in node.names]
            else:
                continue
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name.removeprefix("icp_assistant.tools.")) for a in node.names
                      if a.name.startswith("icp_assistant.tools.")]  # fmt: skip
    return found


def _layer(module: str) -> str | None:
    head = module.split(".")[0]
    return head if head in LAYERS else None


ENGINE = sorted(p for p in TOOLS.rglob("*.py") if _layer(p.relative_to(TOOLS).parts[0]))


def test_every_engine_module_sits_in_a_layer() -> None:
    loose = [p.name for p in TOOLS.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"modules outside the layers: {loose}; put each in {', '.join(LAYERS)}"


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(TOOLS)))
def test_a_module_imports_only_its_own_layer_and_the_layers_before_it(path: Path) -> None:
    own = LAYERS.index(path.relative_to(TOOLS).parts[0])
    upward = [f"line {line}: {module}" for line, module in _targets(path)
              if (layer := _layer(module)) is not None and LAYERS.index(layer) > own]  # fmt: skip
    assert not upward, f"{path.relative_to(REPO)} ({LAYERS[own]}) imports a later layer: {upward}"


@pytest.mark.parametrize("path", [*ENGINE, *sorted((REPO / "server").rglob("*.py"))], ids=lambda p: p.name)
def test_nothing_that_runs_the_server_imports_the_generator(path: Path) -> None:
    if path.is_relative_to(CLIENTS):
        return
    generator = [f"line {line}" for line, module in _targets(path) if module.split(".")[0] == "synthetic"]
    assert not generator, f"{path.relative_to(REPO)} imports tools/synthetic at {generator}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule is not vacuous: a core module importing the model layer, lazily, is found."""
    fake = tmp_path / "probe.py"
    fake.write_text("def f():\n    from ..model.icp import open_icp\n    return open_icp\n")
    assert [m for _, m in _targets(fake, ("core",))] == ["model.icp"]
