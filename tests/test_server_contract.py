"""The server as an MCP client sees it, in both protocol eras: schemas, results, errors, sandbox."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig

pytestmark = pytest.mark.anyio

MESSY = Path(__file__).parent / "data" / "messy"
SNAPSHOT = Path(__file__).parent / "snapshots" / "tools.json"
MODES = ["modern", "legacy"]


def _client(server: Any, mode: str) -> Client:
    return Client(server, mode="legacy") if mode == "legacy" else Client(server)


def _text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


@pytest.mark.parametrize("mode", MODES)
async def test_load_accounts_returns_a_typed_card_in_both_protocol_eras(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        result = await client.call_tool("load_accounts", {"path": str(MESSY / "utf8.csv")})
    assert not result.is_error, _text(result)
    card = result.structured_content
    assert card["rows"] == 8
    assert {f["field"] for f in card["fields"]} >= {"name", "industry", "employee_count", "annual_revenue"}
    assert len(json.dumps(card)) / 4 < 2000


@pytest.mark.parametrize("mode", MODES)
async def test_every_tool_declares_an_output_schema_and_annotations(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        tools = (await client.list_tools()).tools
    assert tools
    for tool in tools:
        assert tool.output_schema, tool.name
        assert tool.annotations is not None, tool.name
        assert tool.description and len(tool.description) > 80, tool.name


async def test_the_tool_schemas_match_the_reviewed_snapshot(server: Any) -> None:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    current = {
        t.name: {"input": t.input_schema, "output": t.output_schema, "description": t.description} for t in tools
    }
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text()), "schemas changed: review, then UPDATE_SNAPSHOTS=1 pytest"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"path": "no_such_file.csv"}, r"File not found: 'no_such_file.csv'"),
        ({"path": "messy/utf8.cvs"}, r"Did you mean: utf8.csv"),
        ({"path": "/etc/passwd"}, r"outside the folders this server may read. Allowed folders: .*tests/data"),
        ({"path": "../../../../etc/passwd"}, r"outside the folders"),
        ({"path": "messy/empty.csv"}, r"empty \(0 bytes\)"),
        ({"path": "messy/header_only.csv"}, r"header .* but no data rows"),
        (
            {"path": "messy/two_sheets.xlsx", "sheet": "Nope"},
            r"no sheet named 'Nope'. Sheets are: About, Accounts",
        ),
        (
            {"path": "messy/utf8.csv", "mapping": {"industry": "Sectr"}},
            r"no column 'Sectr'.*Columns are: Company",
        ),
        ({"path": "messy/utf8.csv", "mapping": {"colour": "Industry"}}, r"names no accounts field"),
        ({"path": "messy/utf8.csv", "sheet": "Accounts"}, r"not an Excel workbook"),
        ({"path": "messy/utf8.csv", "name": "Bad Name!"}, r"Dataset name 'Bad Name!' is not usable"),
    ],
)
async def test_bad_input_is_a_tool_error_that_names_the_problem_and_the_fix(
    server: Any, arguments: dict[str, Any], expected: str
) -> None:
    async with Client(server) as client:
        result = await client.call_tool("load_accounts", arguments)
    assert result.is_error
    message = _text(result)
    assert message.strip() != "Error executing tool load_accounts"  # never the bare, message-less form
    assert re.search(expected, message), message


async def test_a_file_above_the_size_limit_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    config = ServerConfig(data_dirs=(MESSY,), workspace=tmp_path / "ws", max_file_bytes=100, raise_unexpected=True)
    async with Client(build_server(config)) as client:
        result = await client.call_tool("load_accounts", {"path": "utf8.csv"})
    assert result.is_error
    assert "above the limit of" in _text(result) and "--max-file-mb" in _text(result)


async def test_a_symlink_that_leads_outside_the_data_folder_is_refused(tmp_path: Path) -> None:
    inside, outside = tmp_path / "data", tmp_path / "secret"
    inside.mkdir()
    outside.mkdir()
    (outside / "accounts.csv").write_text((MESSY / "utf8.csv").read_text())
    (inside / "link.csv").symlink_to(outside / "accounts.csv")
    config = ServerConfig(data_dirs=(inside,), workspace=tmp_path / "ws", raise_unexpected=True)
    async with Client(build_server(config)) as client:
        result = await client.call_tool("load_accounts", {"path": "link.csv"})
    assert result.is_error
    assert "outside the folders" in _text(result)


async def test_tilde_is_expanded_inside_an_allowed_home_folder(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "a.csv").write_text((MESSY / "utf8.csv").read_text())
    config = ServerConfig(data_dirs=(tmp_path / "exports",), workspace=tmp_path / "ws", raise_unexpected=True)
    async with Client(build_server(config)) as client:
        result = await client.call_tool("load_accounts", {"path": "~/exports/a.csv"})
    assert not result.is_error, _text(result)


async def test_a_folder_the_client_declares_as_a_root_becomes_readable(tmp_path: Path) -> None:
    from mcp.types import ListRootsResult, Root

    elsewhere = tmp_path / "client-root"
    elsewhere.mkdir()
    (elsewhere / "a.csv").write_text((MESSY / "utf8.csv").read_text())
    config = ServerConfig(data_dirs=(MESSY,), workspace=tmp_path / "ws", raise_unexpected=True)

    async def roots(_context: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=elsewhere.as_uri(), name="exports")])

    async with Client(build_server(config), mode="legacy", list_roots_callback=roots) as client:
        result = await client.call_tool("load_accounts", {"path": str(elsewhere / "a.csv")})
    assert not result.is_error, _text(result)


async def test_loading_the_same_file_twice_is_served_from_the_workspace_cache(server: Any) -> None:
    async with Client(server) as client:
        first = await client.call_tool("load_accounts", {"path": "messy/utf8.csv"})
        second = await client.call_tool("load_accounts", {"path": "messy/utf8.csv"})
        fresh = await client.call_tool("load_accounts", {"path": "messy/utf8.csv", "refresh": True})
    assert first.structured_content["cached"] is False
    assert second.structured_content["cached"] is True
    assert fresh.structured_content["cached"] is False
    assert second.structured_content["fields"] == first.structured_content["fields"]


async def test_progress_is_reported_while_loading(server: Any) -> None:
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    async with Client(server, mode="legacy") as client:
        result = await client.call_tool("load_accounts", {"path": "messy/utf8.csv"}, progress_callback=on_progress)
    assert not result.is_error
    assert seen and any("reading" in (m or "") for _, m in seen)


ANALYSES = [
    ("find_best_customers", {}),
    ("find_patterns", {"compare": "best"}),
    ("find_patterns", {"compare": "won"}),
    ("segment_accounts", {"dimensions": ["industry", "size"], "name": "by-industry"}),
    ("find_red_flags", {}),
]


@pytest.mark.parametrize("mode", MODES)
async def test_each_analysis_runs_on_the_example_data_within_the_budget(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = loaded.structured_content["name"]
        for tool, arguments in ANALYSES:
            result = await client.call_tool(tool, {"dataset": name, **arguments})
            assert not result.is_error, (tool, _text(result))
            assert len(_text(result)) / 4 < 2000, tool
        ranking = await client.call_tool("rank_segments", {"dataset": name, "segmentation": "by-industry"})
    assert not ranking.is_error, _text(ranking)
    assert ranking.structured_content["ranked"][0]["name"].startswith("Fintech")


async def test_a_chart_comes_back_as_an_image_and_a_file(server: Any) -> None:
    async with Client(server) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = loaded.structured_content["name"]
        result = await client.call_tool("find_patterns", {"dataset": name, "chart": True})
    images = [block for block in result.content if getattr(block, "type", "") == "image"]
    assert len(images) == 1 and images[0].mime_type == "image/png"
    assert Path(result.structured_content["chart_path"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_an_unknown_dataset_lists_the_loaded_ones(server: Any) -> None:
    async with Client(server) as client:
        await client.call_tool("load_accounts", {"path": "messy/utf8.csv", "name": "messy"})
        result = await client.call_tool("find_patterns", {"dataset": "nope"})
    assert result.is_error
    assert "No dataset named 'nope'" in _text(result) and "Existing datasets: messy" in _text(result)


async def test_an_unknown_segmentation_lists_the_saved_ones(server: Any) -> None:
    async with Client(server) as client:
        await client.call_tool("load_accounts", {"path": "messy/utf8.csv", "name": "messy"})
        result = await client.call_tool("rank_segments", {"dataset": "messy", "segmentation": "nope"})
    assert result.is_error
    assert "No segmentation named 'nope'" in _text(result) and "There are no segmentations yet" in _text(result)


@pytest.mark.parametrize("mode", MODES)
async def test_build_icp_then_score_a_prospect_described_in_plain_fields(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        built = await client.call_tool("build_icp", {"dataset": loaded.structured_content["name"], "name": "demo"})
        assert not built.is_error, _text(built)
        assert len(_text(built)) / 4 < 2000
        scored = await client.call_tool(
            "score_prospect",
            {"icp": "demo", "fields": {"Company": "Acme Pay", "Industry": "Fintech", "Employees": "51-200",
                                       "Technologies": "Salesforce"}},
        )  # fmt: skip
    assert not scored.is_error, _text(scored)
    result = scored.structured_content
    assert result["score"] == result["base"] + sum(r["points"] for r in result["reasons"])
    assert result["reasons"][0]["criterion"] == "Industry is Fintech"
    assert (
        built.structured_content["training_tiers"]["green"]["rate"]
        > built.structured_content["training_tiers"]["red"]["rate"]
    )


async def test_thresholds_out_of_order_and_unknown_icps_are_readable_errors(server: Any) -> None:
    async with Client(server) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = loaded.structured_content["name"]
        bad = await client.call_tool("build_icp", {"dataset": name, "green": 50, "yellow": 70})
        missing = await client.call_tool("score_prospect", {"icp": "nope", "fields": {"industry": "Fintech"}})
    assert bad.is_error and "yellow (70) must be below green (50)" in _text(bad)
    assert missing.is_error and "No ICP named 'nope'" in _text(missing)


async def test_validate_icp_reports_held_out_tiers_within_the_budget(server: Any) -> None:
    async with Client(server) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = loaded.structured_content["name"]
        await client.call_tool("build_icp", {"dataset": name, "name": "demo"})
        result = await client.call_tool("validate_icp", {"dataset": name, "icp": "demo"})
    assert not result.is_error, _text(result)
    assert len(_text(result)) / 4 < 2000
    assert result.structured_content["evaluation"]["auc"] > 0.5


async def test_score_prospects_writes_the_list_and_returns_a_compact_summary(server: Any) -> None:
    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    async with Client(server, mode="legacy") as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        await client.call_tool("build_icp", {"dataset": loaded.structured_content["name"], "name": "demo"})
        result = await client.call_tool(
            "score_prospects", {"icp": "demo", "path": "prospects.csv"}, progress_callback=on_progress
        )
    assert not result.is_error, _text(result)
    summary = result.structured_content
    assert sum(summary["tiers"].values()) == summary["rows_in"] == 303 and summary["tiers"]["green"] > 0
    assert Path(summary["csv_path"]).exists() and Path(summary["xlsx_path"]).exists()
    assert len(_text(result)) / 4 < 2000
    assert progress


@pytest.mark.parametrize("mode", MODES)
async def test_a_rubric_edit_writes_a_new_version_and_a_second_file_validates_it(server: Any, mode: str) -> None:
    async with _client(server, mode) as client:
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv"})
        name = loaded.structured_content["name"]
        await client.call_tool("segment_accounts", {"dataset": name, "dimensions": ["industry", "size_band"]})
        built = await client.call_tool("build_icp", {"dataset": name, "name": "demo"})
        criteria = json.loads(Path(built.structured_content["path"]).read_text())["scorecard"]["criteria"]
        attributes = sorted({c["attribute"] for c in criteria} - {"industry"})  # labels are words, not column names
        rubric = [
            {"name": "must-have", "attributes": ["industry"], "weight": 40},
            {"name": "rest", "attributes": attributes, "weight": 60},
        ]
        edited = await client.call_tool("edit_icp", {"icp": "demo", "rubric": rubric, "green": 75})
        wrong = await client.call_tool("edit_icp", {"icp": "demo", "rubric": [{**rubric[0], "weight": 50}]})
        held = await client.call_tool(
            "load_accounts",
            {"path": "next_quarter_accounts.csv", "deals_path": "next_quarter_deals.csv", "name": "next"},
        )
        validated = await client.call_tool("validate_icp", {"dataset": name, "icp": "demo", "holdout": "next"})
    assert not built.is_error and built.structured_content["segments"], _text(built)
    assert any("(target)" in s for s in built.structured_content["segments"])
    assert not edited.is_error, _text(edited)
    assert edited.structured_content["version"] == 2 and edited.structured_content["thresholds"]["green"] == 75
    assert edited.structured_content["rubric"][0].startswith("must-have 40")
    assert wrong.is_error and "add up to 50" in _text(wrong) and "must add up to 100" in _text(wrong)
    assert not held.is_error and not validated.is_error, _text(validated)
    assert validated.structured_content["split"] == "second file: dataset 'next'"
