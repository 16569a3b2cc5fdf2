"""Writes are units: concurrent loads and builds of one name never mix or lose state, and a ``kill -9`` at any
moment leaves either the old state or the new one (never a card of one file beside the table of another, never an
empty file), with the leftovers of the killed write cleaned when a server starts."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlglot
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.core.schemas import DatasetCard
from icp_assistant.tools.model.icp import ICPVersion, versions
from icp_assistant.tools.store.workspace import LEFTOVER_RE, Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _files(folder: Path, small: int = 100, big_copies: int = 0) -> tuple[Path, Path]:
    """A small accounts file (first ``small`` rows) and a bigger one (the example, or copies of it)."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts = pd.read_csv(EXAMPLES / "accounts.csv", dtype=str)
    accounts.head(small).to_csv(folder / "small.csv", index=False)
    if big_copies:
        copies = []
        for i in range(big_copies):
            copy = accounts.copy()
            copy["Record ID"] = copy["Record ID"] + f"{i:03d}"
            copy["Company name"] = copy["Company name"] + f" {i}"
            copies.append(copy)
        pd.concat(copies).to_csv(folder / "big.csv", index=False)
    else:
        accounts.to_csv(folder / "big.csv", index=False)
    return folder / "small.csv", folder / "big.csv"


def _consistent(folder: Path) -> int:
    """Rows of a saved dataset, after checking that its meta, card and table are one load."""
    meta = json.loads((folder / "meta.json").read_text())
    card = DatasetCard.model_validate_json((folder / "card.json").read_text())
    rows = pq.ParquetFile(folder / "accounts.parquet").metadata.num_rows
    assert meta["rows"] == card.rows == rows, (meta["rows"], card.rows, rows)
    assert Path(card.files[0].path).name in {"small.csv", "big.csv"}
    return rows


pytestmark = pytest.mark.anyio


async def test_concurrent_loads_of_one_name_leave_one_whole_load_and_an_honest_cache(tmp_path: Path) -> None:
    small, big = _files(tmp_path / "data")
    server = build_server(
        ServerConfig(data_dirs=(tmp_path / "data",), workspace=tmp_path / "ws", raise_unexpected=True)
    )
    expected = {small.name: 100, big.name: 500}
    async with Client(server) as client:
        for _ in range(4):
            results: list[Any] = []

            async def load(path: Path, into: list[Any] = results) -> None:
                into.append(
                    await client.call_tool("load_accounts", {"path": str(path), "name": "same", "refresh": True})
                )

            async with anyio.create_task_group() as group:
                group.start_soon(load, small)
                group.start_soon(load, big)
            assert all(not r.is_error for r in results)
            rows = _consistent(tmp_path / "ws" / "datasets" / "same")
            assert rows in expected.values()
            for path in (small, big):  # a cache hit is only ever the right file's card
                card = await client.call_tool("load_accounts", {"path": str(path), "name": "same"})
                assert card.structured_content["rows"] == expected[path.name]  # type: ignore[index]
                assert _consistent(tmp_path / "ws" / "datasets" / "same") == expected[path.name]


async def test_concurrent_builds_of_one_icp_each_get_their_own_version(tmp_path: Path) -> None:
    server = build_server(ServerConfig(data_dirs=(EXAMPLES,), workspace=tmp_path / "ws", raise_unexpected=True))
    reported: list[int] = []
    async with Client(server) as client:
        loaded = await client.call_tool(
            "load_accounts",
            {"path": str(EXAMPLES / "accounts.csv"), "deals_path": str(EXAMPLES / "deals.csv"), "name": "ex"},
        )
        assert not loaded.is_error
        for _ in range(3):

            async def build() -> None:
                result = await client.call_tool("build_icp", {"dataset": "ex", "name": "same-icp"})
                assert not result.is_error
                reported.append(result.structured_content["version"])  # type: ignore[index]

            async with anyio.create_task_group() as group:
                for _ in range(5):
                    group.start_soon(build)
        edited = await client.call_tool("edit_icp", {"icp": "same-icp", "green": 85})
        reported.append(edited.structured_content["version"])  # type: ignore[index]
    ws = Workspace(tmp_path / "ws")
    assert sorted(reported) == list(range(1, 17))
    assert versions(ws, "same-icp") == list(range(1, 17))
    for number in range(1, 17):
        saved = ICPVersion.model_validate_json((ws.root / "icps" / "same-icp" / f"v{number}.json").read_text())
        assert saved.version == number
    assert json.loads((ws.root / "icps" / "same-icp" / "meta.json").read_text())["latest"] == 16


CHILD = """
import os
import sys
import time
from pathlib import Path
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.model.export import export_icp
from icp_assistant.tools.model.icp import build_icp, open_icp
from icp_assistant.tools.store.workspace import Workspace

ws, mode, small, big = Workspace(Path(sys.argv[1])), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
rename = os.replace


def slow_disk(source, target):  # widen the windows a kill must not break: before and between renames
    time.sleep(0.2)
    rename(source, target)


os.replace = slow_disk
print("ready", flush=True)
i = 0
while True:
    i += 1
    if mode == "load":
        load_accounts(big if i % 2 else small, ws, LoadOptions(name="same", use_cache=False))
    elif mode == "build":
        build_icp(open_dataset(ws, "ex"), ws, name="kill-icp")
    else:
        export_icp(open_icp(ws, "kill-icp"), ws.folder("exports"), table="accounts")
"""


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if LEFTOVER_RE.match(p.name)]


def _check(ws: Workspace, mode: str) -> None:
    if mode == "load":
        if (ws.root / "datasets" / "same").exists():
            assert _consistent(ws.root / "datasets" / "same") in (100, 6000)
    elif mode == "build":
        for number in versions(ws, "kill-icp"):
            ICPVersion.model_validate_json((ws.root / "icps" / "kill-icp" / f"v{number}.json").read_text())
    else:
        for sql in (ws.root / "exports").glob("*.sql"):
            assert sql.stat().st_size > 0, sql
            dialect = "spark" if sql.name.endswith(".spark.sql") else "duckdb"
            assert len(sqlglot.parse(sql.read_text(), read=dialect)) == 1
        for spec in (ws.root / "exports").glob("*.json"):
            json.loads(spec.read_text())


def _kill_during(ws: Workspace, mode: str, small: Path, big: Path, rng: random.Random) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws.root), mode, str(small), str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 2.5 if mode == "load" else 1.5))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    _check(ws, mode)


@pytest.mark.slow
def test_kill_9_during_loads_builds_and_exports_never_leaves_a_mixed_or_empty_state(tmp_path: Path) -> None:
    small, big = _files(tmp_path / "data", big_copies=12)
    ws = Workspace(tmp_path / "ws")
    from icp_assistant.tools.model.icp import build_icp
    from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset

    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="ex"))
    build_icp(open_dataset(ws, "ex"), ws, name="kill-icp")
    rng = random.Random(9)
    kills = {"load": 8, "build": 6, "export": 6}
    for mode, count in kills.items():
        for _ in range(count):
            _kill_during(ws, mode, small, big, rng)
    assert sum(kills.values()) == 20
    interrupted = _leftovers(ws.root)
    assert interrupted, "no kill landed inside a write: the test did not test anything"
    build_server(ServerConfig(data_dirs=(tmp_path / "data",), workspace=ws.root))  # start-up cleans leftovers
    assert _leftovers(ws.root) == []
    for mode in kills:
        _check(ws, mode)
