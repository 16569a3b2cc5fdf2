"""A host waits for the server's first answer before the user can type: the server starts without the heavy libraries
(statistics, machine learning, plotting, spreadsheets, SQL engines, templates, the Anthropic SDK) and without the
data stack (pandas, numpy, pyarrow), which load on the first tool or prompt that needs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("scipy", "sklearn", "matplotlib", "openpyxl", "duckdb", "pyspark", "sqlglot", "jinja2", "anthropic")
DATA_STACK = ("pandas", "numpy", "pyarrow")
TOOLS = Path(__file__).resolve().parents[1] / "tools"
BUILD = (
    "from icp_assistant.server.app import build_server; from icp_assistant.server.config import ServerConfig; "
    "import tempfile, pathlib; t = pathlib.Path(tempfile.mkdtemp()); "
    "build_server(ServerConfig(data_dirs=(t,), workspace=t / 'ws'))"
)


def _modules_after(statement: str) -> set[str]:
    """Top-level modules a fresh interpreter holds after ``statement``."""
    code = f"import sys, json; {statement}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_building_the_server_imports_none_of_the_heavy_libraries() -> None:
    loaded = _modules_after(BUILD)
    assert loaded.isdisjoint(HEAVY), f"imported at start-up: {sorted(loaded & set(HEAVY))}"


def test_building_the_server_leaves_pandas_numpy_and_pyarrow_for_the_first_tool_call() -> None:
    """Every tool is registered with its schemas (models from the engine's pandas-free ``schemas`` modules), and each
    handler imports its engine when it is called."""
    loaded = _modules_after(BUILD)
    assert loaded.isdisjoint(DATA_STACK), f"imported at start-up: {sorted(loaded & set(DATA_STACK))}"


def test_every_schemas_module_imports_without_the_data_stack() -> None:
    """The server may name a model from any of them in a signature: none may pull pandas in."""
    modules = sorted(f"icp_assistant.tools.{path.parent.name}.{path.stem}" for path in TOOLS.glob("*/*schemas.py"))
    loaded = _modules_after("; ".join(f"import {module}" for module in modules))
    assert modules, "no tools/<layer>/*schemas.py module found"
    assert loaded.isdisjoint(DATA_STACK), f"imported by the schemas modules: {sorted(loaded & set(DATA_STACK))}"


def test_a_tool_that_needs_a_heavy_library_still_gets_it() -> None:
    loaded = _modules_after("from icp_assistant.tools.core.charts import lift_bars")
    assert "matplotlib" in loaded  # the lazy attribute really imports the chart module
