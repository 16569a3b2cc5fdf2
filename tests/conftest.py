"""Shared fixtures: workspaces, servers, the example data and the real exports in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.store.datasets import Dataset, LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
EXAMPLES = REPO / "examples" / "data"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once per test session (no build isolation: offline-friendly)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("wheel")
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(folder),
        str(REPO),
    ]
    subprocess.run(command, check=True, capture_output=True)
    return next(folder.glob("icp_assistant-*.whl"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "workspace")


@pytest.fixture
def shared_data() -> Path:
    """The real CRM exports beside the checkout; skipped with a reason on a clone without them."""
    if not (SHARED_DATA / "maven_crm" / "accounts.csv").exists():
        pytest.skip(f"real exports not found at {SHARED_DATA} (they live beside the checkout in CI)")
    return SHARED_DATA


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def server_config(tmp_path: Path) -> ServerConfig:
    data_dirs = [TEST_DATA, EXAMPLES]
    if SHARED_DATA.exists():
        data_dirs.append(SHARED_DATA)
    return ServerConfig(
        data_dirs=tuple(data_dirs),
        workspace=tmp_path / "workspace",
        raise_unexpected=True,
    )


@pytest.fixture
def server(server_config: ServerConfig):  # type: ignore[no-untyped-def]
    return build_server(server_config)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace shared by the tests of one module (modules with their own ``ws`` override it)."""
    return Workspace(tmp_path_factory.mktemp("module-workspace"))


@pytest.fixture(scope="module")
def example(ws: Workspace) -> Dataset:
    """The committed example accounts and deals, loaded once per module as dataset 'example'."""
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    return open_dataset(ws, "example")
