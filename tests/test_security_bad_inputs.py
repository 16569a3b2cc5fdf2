"""Bad input gets a clear error that names the problem and the fix: no 'failed unexpectedly', no protocol error,
no traceback, for hostile or broken files and for paths that are not files. A refused path says nothing about
what lies outside the allowed folders."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig

pytestmark = pytest.mark.anyio
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
UNCLEAR = ("unexpectedly", "a bug in", "Traceback")


def _unclear(text: str) -> bool:
    bare = text.startswith("Error executing tool") and ":" not in text
    return bare or any(word in text for word in UNCLEAR)


def _numeric_headers(folder: Path) -> str:
    (folder / "numbers.csv").write_text("1,2,3\n4,5,6\n7,8,9\n")
    return "numbers.csv"


def _report_layout(folder: Path) -> str:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Quarterly accounts report"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "Generated 2026-10-01"
    sheet.append([])
    sheet.append(["Company", "Industry", "Employees", "Country"])
    for i in range(30):
        sheet.append([f"Acme {i}", "Fintech" if i % 2 else "Retail", 10 * (i + 1), "Germany"])
    sheet.append([])
    sheet.append(["Total", None, 4650, None])
    book.save(folder / "report.xlsx")
    return "report.xlsx"


def _parquet_binary(folder: Path) -> str:
    table = pa.table({"name": [b"Acme", b"Beta\xff", b"Gamma"] * 10, "industry": ["Fintech", "Retail", "SaaS"] * 10})
    pq.write_table(table, folder / "binary.parquet")
    return "binary.parquet"


def _json_mixed(folder: Path) -> str:
    (folder / "mixed.json").write_text(json.dumps([{"name": "Acme", "industry": "Fintech"}, "x", 3]))
    return "mixed.json"


def _json_deep(folder: Path) -> str:
    (folder / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    return "deep.json"


def _json_broken(folder: Path) -> str:
    (folder / "broken.json").write_text('[{"name": "Acme", "industry": ')
    return "broken.json"


def _ndjson_broken(folder: Path) -> str:
    (folder / "broken.ndjson").write_text('{"name": "Acme"}\n{"name": \n')
    return "broken.ndjson"


def _json_scalar(folder: Path) -> str:
    (folder / "scalar.json").write_text("42")
    return "scalar.json"


def _huge_numbers(folder: Path) -> str:
    rows = ["name,industry,employees,revenue"]
    rows += [
        f"Acme {i},Fintech,{'1e400' if i % 3 == 0 else i * 10},{'-1e999' if i % 4 == 0 else i * 1000}"
        for i in range(40)
    ]
    (folder / "huge.csv").write_text("\n".join(rows) + "\n")
    return "huge.csv"


def _zip_bomb(folder: Path) -> str:
    """A small XLSX whose one cell expands to 60 MB."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "notes"])
    sheet.append(["Acme", "x" * 1000])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(folder / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            data = data.replace(b"x" * 1000, b"x" * 60_000_000)  # the cell, wherever openpyxl put it
            out.writestr(item, data)
    return "bomb.xlsx"


def _not_excel(folder: Path) -> str:
    (folder / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    return "fake.xlsx"


FILES: dict[str, Callable[[Path], str]] = {
    "numeric headers": _numeric_headers,
    "xlsx report layout": _report_layout,
    "parquet with binary columns": _parquet_binary,
    "json mixing records and strings": _json_mixed,
    "200k-deep json array": _json_deep,
    "truncated json": _json_broken,
    "broken ndjson line": _ndjson_broken,
    "json scalar": _json_scalar,
    "out-of-range numbers": _huge_numbers,
    "xlsx expanding past the size limit": _zip_bomb,
    "corrupt xlsx": _not_excel,
}
LOADS_FINE = {"xlsx report layout", "parquet with binary columns", "out-of-range numbers", "numeric headers"}


def _server(folder: Path, raise_unexpected: bool) -> Any:
    config = ServerConfig(
        data_dirs=(folder,), workspace=folder.parent / "ws", raise_unexpected=raise_unexpected,
        max_file_bytes=20 * 1024 * 1024,
    )  # fmt: skip
    return build_server(config)


@pytest.mark.parametrize("raise_unexpected", [False, True], ids=["as-served", "bugs-raise"])
@pytest.mark.parametrize("case", list(FILES))
async def test_a_bad_file_loads_or_gets_an_error_that_names_the_problem_and_the_fix(
    tmp_path: Path, case: str, raise_unexpected: bool
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    name = FILES[case](folder)
    async with Client(_server(folder, raise_unexpected)) as client:
        result = await client.call_tool("load_accounts", {"path": str(folder / name)})
    text = " ".join(getattr(b, "text", "") for b in result.content)
    if case in LOADS_FINE and not result.is_error:
        json.dumps(result.structured_content, allow_nan=False)  # nothing non-finite reaches a result
        if case == "xlsx report layout":  # the title lines above the table are not taken as its header
            assert {"name", "industry"} <= {f["field"] for f in result.structured_content["fields"]}  # type: ignore[index]
        return
    assert result.is_error, case
    assert not _unclear(text), text
    assert name in text, text  # names the file
    fixes = ("save", "export", "pass", "remove", "raise", "check", "fix", "use")
    assert any(word in text.lower() for word in fixes), text  # says what to do


def _paths(folder: Path, outside: Path) -> dict[str, str]:
    (folder / "sub").mkdir()
    (folder / "loop").symlink_to(folder / "loop")
    fifo = folder / "pipe.csv"
    os.mkfifo(fifo)
    return {
        "empty path": "",
        "dot": ".",
        "a folder": str(folder / "sub"),
        "symlink loop": str(folder / "loop"),
        "NUL byte": str(folder / "a\x00b.csv"),
        "300-character name": str(folder / ("n" * 300 + ".csv")),
        "6,000-character path": str(folder / "/".join(["d" * 100] * 60) / "x.csv"),
        "a FIFO": str(fifo),
        "an http URL": "http://example.com/accounts.csv",
        "an https URL": "https://example.com/accounts.csv",
        "an ftp URL": "ftp://example.com/accounts.csv",
    }


@pytest.mark.parametrize("raise_unexpected", [False, True], ids=["as-served", "bugs-raise"])
async def test_paths_that_are_not_readable_files_get_clear_errors(tmp_path: Path, raise_unexpected: bool) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    paths = _paths(folder, tmp_path / "outside")
    unclear = []
    async with Client(_server(folder, raise_unexpected)) as client:
        for case, path in paths.items():
            result = await client.call_tool("load_accounts", {"path": path})
            text = " ".join(getattr(b, "text", "") for b in result.content)
            if not result.is_error or _unclear(text):
                unclear.append(f"{case}: {text[:200]}")
            if "URL" in case:
                assert "only local files" in text, text
            if case == "a FIFO":
                assert "folder" not in text and "not a regular file" in text, text
    assert unclear == []


async def test_a_refused_path_says_nothing_about_what_lies_outside(tmp_path: Path) -> None:
    folder, outside = tmp_path / "data", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (outside / "secret.csv").write_text("name\nx\n")
    (folder / "link.csv").symlink_to(outside / "secret.csv")
    (folder / "dangling.csv").symlink_to(outside / "missing.csv")
    texts = {}
    async with Client(_server(folder, True)) as client:
        for key, path in {
            "existing": str(outside / "secret.csv"),
            "missing": str(outside / "missing.csv"),
            "link": "link.csv",
            "dangling": "dangling.csv",
            "traversal existing": "../outside/secret.csv",
            "traversal missing": "../outside/missing.csv",
        }.items():
            result = await client.call_tool("load_accounts", {"path": path})
            assert result.is_error
            texts[key] = " ".join(getattr(b, "text", "") for b in result.content)
    for text in texts.values():
        assert "secret.csv" not in text.split("'")[0] and "leads to" not in text
        assert str(outside) not in text.replace(str(outside / "secret.csv"), "").replace(
            str(outside / "missing.csv"), ""
        )
    assert texts["existing"].replace("secret", "X") == texts["missing"].replace("missing", "X")
    assert texts["link"].replace("link", "X") == texts["dangling"].replace("dangling", "X")
    assert texts["traversal existing"].replace("secret", "X") == texts["traversal missing"].replace("missing", "X")


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("find_best_customers", {}),
        ("find_patterns", {}),
        ("find_patterns", {"compare": "won"}),
        ("segment_accounts", {"dimensions": ["industry"]}),
        ("build_icp", {}),
    ],
)
async def test_too_few_rows_for_an_analysis_says_how_many_are_needed_and_what_to_do(
    tmp_path: Path, tool: str, arguments: dict[str, Any]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    rows = "\n".join(
        ["name,industry,employees,status", "Acme,Fintech,10,Customer", "Beta,Retail,20,Lost", "Gam,SaaS,30,Customer"]
    )
    (folder / "few.csv").write_text(rows + "\n")
    async with Client(_server(folder, True)) as client:
        loaded = await client.call_tool("load_accounts", {"path": str(folder / "few.csv"), "name": "few"})
        assert not loaded.is_error
        result = await client.call_tool(tool, {"dataset": "few", **arguments})
    text = " ".join(getattr(b, "text", "") for b in result.content)
    assert result.is_error and not _unclear(text)
    assert "at least" in text and any(word in text for word in ("Load", "Lower", "load")), text


def test_the_suite_covers_every_bad_file_of_the_issue() -> None:
    assert len(FILES) == 11
    assert pd.__version__  # pandas is what reads them all
