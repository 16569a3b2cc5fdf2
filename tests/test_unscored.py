"""Honest when nothing predicts: on Maven CRM no attribute predicts winning, so accounts are left unscored with a
plain statement (never red, never 'deprioritise', current customers included), and the document says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig

pytestmark = [pytest.mark.anyio, pytest.mark.shared_data]


async def test_maven_accounts_are_left_unscored_with_a_plain_statement(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "maven_crm"
    server = build_server(ServerConfig(data_dirs=(folder,), workspace=tmp_path / "ws", raise_unexpected=True))
    async with Client(server) as client:
        loaded = await client.call_tool(
            "load_accounts", {"path": str(folder / "accounts.csv"), "deals_path": str(folder / "sales_pipeline.csv")}
        )
        assert not loaded.is_error
        name = loaded.structured_content["name"]  # type: ignore[index]
        built = await client.call_tool("build_icp", {"dataset": name, "name": "maven-icp"})
        listed = await client.call_tool("score_prospects", {"icp": "maven-icp", "path": str(folder / "accounts.csv")})
        one = await client.call_tool(
            "score_prospect", {"icp": "maven-icp", "fields": {"sector": "retail", "employees": 500}}
        )
        document = await client.call_tool("draft_icp_document", {"icp": "maven-icp"})
    summary = built.structured_content or {}
    assert summary["criteria_total"] == 0
    assert any("no attribute predicts the outcome in this data" in n.lower() for n in summary["notes"])
    result = listed.structured_content or {}
    assert result["tiers"] == {"green": 0, "yellow": 0, "red": 0, "unscored": 85}
    assert "no attribute predicts the outcome" in result["data_notes"][0].lower()
    table = pd.read_csv(result["csv_path"])
    assert table["score"].isna().all() and table["tier"].eq("unscored").all()
    assert not table["action"].str.contains("Deprioritise").any()
    prospect = one.structured_content or {}
    assert prospect["tier"] == "unscored" and prospect.get("score") is None
    assert "Deprioritise" not in prospect["action"] and prospect["explanation"].startswith("Unscored")
    markdown = Path((document.structured_content or {})["markdown_path"]).read_text("utf-8")
    assert "No attribute predicts the outcome in this data" in markdown
