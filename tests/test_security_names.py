"""Names are not paths: every argument that names a dataset, segmentation, ICP or output, and every name read
from a file, stays one segment inside the workspace. SQL is built by the dialect, never from text.

A workspace-shaped folder outside every allowed folder holds a dataset, a segmentation and an ICP, so an escape
would *succeed* if a name were joined as a path; every attempt must instead fail with a clear error, and nothing
outside the workspace may be read or written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.analysis.segments import segment_accounts
from icp_assistant.tools.model.export import export_icp
from icp_assistant.tools.model.icp import Learning, build_icp, open_icp
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

pytestmark = pytest.mark.anyio
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
UNCLEAR = ("unexpectedly", "a bug in", "Traceback")


def _unclear(text: str) -> bool:
    """A message that hides the problem: a bug report, a traceback, or the SDK's bare 'Error executing tool X'."""
    bare = text.startswith("Error executing tool") and ":" not in text
    return bare or any(word in text for word in UNCLEAR)


def _prepare(root: Path, dataset: str, icp: str, segmentation: str) -> Workspace:
    ws = Workspace(root)
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name=dataset))
    data = open_dataset(ws, dataset)
    segment_accounts(data, ws, dimensions=["industry"], name=segmentation)
    build_icp(data, ws, name=icp, learning=Learning(segmentation=segmentation))
    return ws


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An allowed data folder, the server's workspace, and an outside workspace-shaped folder."""
    base = tmp_path_factory.mktemp("names")
    data = base / "data"
    data.mkdir()
    (data / "prospects.csv").write_bytes((EXAMPLES / "prospects.csv").read_bytes())
    _prepare(base / "workspace", "example", "example-icp", "by-industry")
    _prepare(base / "outside", "ds", "pwn", "seg")
    return {"base": base, "data": data, "workspace": base / "workspace", "outside": base / "outside"}


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def _hostile_names(outside: Path, kind: str, name: str) -> list[str]:
    """Absolute and traversal forms of an outside object, and other shapes that are not names."""
    target = outside / kind / name
    return [
        str(target),
        f"../../outside/{kind}/{name}",
        f"../outside/{kind}/{name}",
        "../" * 12 + str(target).lstrip("/"),
        f"{name}/../../../outside/{kind}/{name}",
        "..",
        ".",
        "",
        "~",
        "a/b",
        "a\\..\\b",
        f"{name}\x00",
        "x" * 300,
    ]


def _server(places: dict[str, Path]) -> Any:
    config = ServerConfig(data_dirs=(places["data"],), workspace=places["workspace"], raise_unexpected=True)
    return build_server(config)


PROSPECT = {"Industry": "Fintech", "Employees": "250", "Country": "Germany"}


def _calls(places: dict[str, Path]) -> list[tuple[str, dict[str, Any], str]]:
    """(tool, arguments with one hostile name, which argument) for every argument that names something."""
    out, prospects = places["outside"], str(places["data"] / "prospects.csv")
    cases: list[tuple[str, dict[str, Any], str]] = []
    for bad in _hostile_names(out, "datasets", "ds"):
        for tool in ("find_best_customers", "find_patterns", "segment_accounts", "find_red_flags", "build_icp"):
            cases.append((tool, {"dataset": bad}, "dataset"))
        cases += [
            ("rank_segments", {"dataset": bad, "segmentation": "by-industry"}, "dataset"),
            ("validate_icp", {"dataset": bad, "icp": "example-icp"}, "dataset"),
            ("validate_icp", {"dataset": "example", "icp": "example-icp", "holdout": bad}, "holdout"),
            ("check_drift", {"dataset": bad, "icp": "example-icp"}, "dataset"),
            ("check_drift", {"dataset": "example", "icp": "example-icp", "recent": bad}, "recent"),
            ("size_market", {"dataset": bad, "icp": "example-icp", "universe": prospects}, "dataset"),
        ]
    for bad in _hostile_names(out, "segmentations", "seg"):
        cases.append(("rank_segments", {"dataset": "example", "segmentation": bad}, "segmentation"))
        cases.append(("build_icp", {"dataset": "example", "segmentation": bad, "name": "x-icp"}, "segmentation"))
        cases.append(("segment_accounts", {"dataset": "example", "dimensions": ["industry"], "name": bad}, "name"))
    for bad in _hostile_names(out, "icps", "pwn"):
        cases += [
            ("score_prospect", {"icp": bad, "fields": PROSPECT}, "icp"),
            ("edit_icp", {"icp": bad, "green": 85}, "icp"),
            ("export_icp", {"icp": bad}, "icp"),
            ("validate_icp", {"dataset": "example", "icp": bad}, "icp"),
            ("check_drift", {"dataset": "example", "icp": bad}, "icp"),
            ("score_prospects", {"icp": bad, "path": prospects}, "icp"),
            ("size_market", {"dataset": "example", "icp": bad, "universe": prospects}, "icp"),
            ("draft_icp_document", {"icp": bad}, "icp"),
            ("draft_messaging", {"icp": bad, "segment": "0"}, "icp"),
            ("build_icp", {"dataset": "example", "name": bad}, "name"),
            ("load_accounts", {"path": prospects, "name": bad}, "name"),
        ]
    return cases


def test_there_is_a_hostile_case_for_every_tool_argument_that_names_something(places: dict[str, Path]) -> None:
    named = {(tool, arg) for tool, _, arg in _calls(places)}
    assert len(named) == 25
    assert {tool for tool, _ in named} >= {
        "find_best_customers", "find_patterns", "segment_accounts", "rank_segments", "find_red_flags", "build_icp",
        "edit_icp", "score_prospect", "score_prospects", "validate_icp", "check_drift", "size_market", "export_icp",
        "draft_icp_document", "draft_messaging", "load_accounts",
    }  # fmt: skip


async def test_no_name_argument_reads_or_writes_outside_the_workspace(places: dict[str, Path]) -> None:
    outside_before = _listing(places["outside"])
    base_before = {p for p in _listing(places["base"]) if not p.startswith(str(places["workspace"]))}
    calls = _calls(places)
    escapes, unclear = [], []
    async with Client(_server(places)) as client:
        for tool, arguments, argument in calls:
            result = await client.call_tool(tool, arguments)
            text = " ".join(getattr(b, "text", "") for b in result.content)
            if not result.is_error:
                escapes.append(f"{tool}({argument}={arguments[argument]!r})")
            elif _unclear(text) or "name" not in text.lower():
                unclear.append(f"{tool}({argument}={arguments[argument]!r}): {text[:200]}")
    assert len(calls) == 13 * 25  # 13 hostile shapes x 25 named arguments
    assert escapes == []
    assert unclear == []
    assert _listing(places["outside"]) == outside_before  # nothing outside read-modified or written
    base_after = {p for p in _listing(places["base"]) if not p.startswith(str(places["workspace"]))}
    assert base_after == base_before


async def test_an_unknown_name_lists_the_names_that_exist(places: dict[str, Path]) -> None:
    async with Client(_server(places)) as client:
        result = await client.call_tool("find_patterns", {"dataset": str(places["outside"] / "datasets" / "ds")})
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error
    assert (
        "not paths" in text
        and "example" in text
        and str(places["outside"]) not in text.replace(repr(str(places["outside"] / "datasets" / "ds")), "")
    )


CRAFTED = ["/abs/outside/pwn", "../../outside/pwn", "..", "Pwn Name", "a/b"]


@pytest.mark.parametrize("crafted", CRAFTED)
async def test_a_name_inside_an_icp_file_never_decides_where_files_go(places: dict[str, Path], crafted: str) -> None:
    """An ICP file whose own `name` is a path is read under its folder's name: exports, documents and
    validation results land inside the workspace; a crafted dataset or segmentation name is refused."""
    ws = Workspace(places["workspace"])
    good = json.loads((ws.root / "icps" / "example-icp" / "v1.json").read_text())
    folder = ws.root / "icps" / "crafted"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").write_text(json.dumps({"name": crafted, "latest": 1}))
    (folder / "v1.json").write_text(json.dumps({**good, "name": crafted}))
    outside_before = _listing(places["outside"])
    async with Client(_server(places)) as client:
        for tool, args in (
            ("export_icp", {"icp": "crafted"}),
            ("validate_icp", {"dataset": "example", "icp": "crafted"}),
            ("draft_icp_document", {"icp": "crafted"}),
            ("draft_messaging", {"icp": "crafted", "segment": "0"}),
        ):
            result = await client.call_tool(tool, args)
            assert not result.is_error, (tool, result.content)
            for path in _paths_in(result.structured_content):
                assert Path(path).resolve().is_relative_to(ws.root), (tool, path)
    assert _listing(places["outside"]) == outside_before
    (folder / "v2.json").write_text(json.dumps({**good, "name": "crafted", "dataset": crafted}))
    async with Client(_server(places)) as client:
        result = await client.call_tool("export_icp", {"icp": "crafted"})
    assert result.is_error and "not a name" in result.content[0].text  # type: ignore[union-attr]
    (folder / "v2.json").unlink()


def _paths_in(content: Any) -> list[str]:
    if isinstance(content, dict):
        return [p for k, v in content.items() for p in ([v] if k.endswith("path") and v else _paths_in(v))]
    if isinstance(content, list):
        return [p for v in content for p in _paths_in(v)]
    return []


@pytest.mark.parametrize(
    "table",
    [
        "x) AS s; DROP TABLE accounts; --",
        "accounts; DROP TABLE accounts",
        "accounts -- comment",
        'accounts"',
        "a.b.c.d",
        "read_parquet('/etc/passwd')",
        "",
    ],
)
async def test_a_table_argument_that_is_not_a_table_name_is_refused_and_no_sql_is_written(
    places: dict[str, Path], table: str
) -> None:
    exports = places["workspace"] / "exports"
    before = _listing(exports) if exports.exists() else {}
    async with Client(_server(places)) as client:
        result = await client.call_tool("export_icp", {"icp": "example-icp", "table": table})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "table" in text and "is not a table name" in text and "unexpectedly" not in text
    after = _listing(exports) if exports.exists() else {}
    assert after == before


def test_hostile_values_in_the_data_stay_string_literals_in_the_exported_sql(tmp_path: Path) -> None:
    """Criteria learned on values full of quotes and SQL keep the SQL one SELECT that DuckDB runs."""
    import pandas as pd

    accounts = pd.read_csv(EXAMPLES / "accounts.csv", dtype=str)
    hostile = "x'); DROP TABLE accounts; --"
    accounts["Industry"] = accounts["Industry"].replace({"Fintech": hostile, "Retail": 'Re"tail`; --'})
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    ws = Workspace(tmp_path / "ws")
    load_accounts(tmp_path / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="hostile"))
    icp = build_icp(open_dataset(ws, "hostile"), ws, name="hostile-icp")
    assert any(c.value == hostile.casefold() for c in icp.scorecard.criteria)
    export = export_icp(icp, ws.folder("exports"), table="crm.accounts")
    sql = Path(export.sql_path).read_text()
    statements = sqlglot.parse(sql, read="duckdb")
    assert len(statements) == 1 and isinstance(statements[0], sqlglot.exp.Select)
    assert not list(statements[0].find_all(sqlglot.exp.Drop))
    con = duckdb.connect()
    con.execute("CREATE SCHEMA crm")
    con.read_parquet(str(ws.root / "datasets" / "hostile" / "accounts.parquet")).create_view("v")
    con.execute("CREATE TABLE crm.accounts AS SELECT * FROM v")
    scored = con.sql(sql).df()
    assert len(scored) == len(open_dataset(ws, "hostile").accounts)
    assert con.execute("SELECT count(*) FROM crm.accounts").fetchall() == [(len(scored),)]  # still there


def test_an_icp_file_with_a_path_for_its_dataset_is_refused_clearly(tmp_path: Path) -> None:
    ws = _prepare(tmp_path / "ws", "d", "i", "s")
    path = ws.root / "icps" / "i" / "v1.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "dataset": "/etc"}))
    with pytest.raises(Exception, match="is not a name") as caught:
        open_icp(ws, "i")
    assert type(caught.value).__name__ == "NotFoundError"
    assert os.path.exists(path)


def test_a_bad_name_or_a_foreign_segmentation_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million accounts segmenting takes 18 s and learning an ICP 25 s: a name that cannot be used, or a
    segmentation made on another dataset, is refused before either starts, not after."""
    from icp_assistant.tools.analysis import segments as segmenting
    from icp_assistant.tools.core.errors import NotFoundError, OptionError
    from icp_assistant.tools.model import icp as learning

    ws = Workspace(tmp_path / "ws")
    for name in ("first", "second"):
        load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name=name))
    segment_accounts(open_dataset(ws, "first"), ws, dimensions=["industry"], name="first-industry")

    def started(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the work started before the name was checked")

    monkeypatch.setattr(segmenting, "add_bands", started)
    monkeypatch.setattr(learning, "training_frame", started)
    second = open_dataset(ws, "second")
    with pytest.raises(OptionError, match=r"'\.\./first' is not usable"):
        segment_accounts(second, ws, dimensions=["industry"], name="../first")
    with pytest.raises(OptionError, match="'first-industry' was made on dataset 'first', not 'second'"):
        build_icp(second, ws, name="second-icp", learning=Learning(segmentation="first-industry"))
    with pytest.raises(NotFoundError, match=r"named 'nowhere'.* Existing segmentations: first-industry\."):
        build_icp(second, ws, name="second-icp", learning=Learning(segmentation="nowhere"))
    assert ws.names("icps") == [] and ws.names("segmentations") == ["first-industry"]
