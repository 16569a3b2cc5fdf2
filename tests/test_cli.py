"""The command line: the demo a new user runs first, and argument handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_document import check_document_against

from icp_assistant.server.cli import build_parser, config_from, main


@pytest.mark.slow
def test_the_demo_runs_a_real_client_session_and_shows_the_planted_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Connected to ICP Assistant over stdio" in out
    assert "dataset 'demo': 500 accounts" in out
    assert "Fintech" in out and "Retail" in out
    assert "1. Fintech · Midsize (100-999)" in out
    assert "Did you mean: accounts.csv" in out
    assert (tmp_path / "workspace" / "datasets" / "demo" / "accounts.parquet").exists()
    calls = json.loads((tmp_path / "workspace" / "tool-results.json").read_text())
    tools = [c["tool"] for c in calls]
    method = ["load_accounts", "find_patterns", "segment_accounts", "rank_segments", "find_red_flags", "build_icp",
              "validate_icp", "score_prospects", "draft_icp_document"]  # fmt: skip
    first_calls = [tools.index(t) for t in method]  # each step ran, in the method's order
    assert first_calls == sorted(first_calls)
    results = {c["tool"]: c["result"] for c in calls}
    assert results["draft_icp_document"]["html_path"] in out
    check_document_against(results)  # every checked number in the document equals the tool result it came from


def test_serve_options_become_the_server_configuration(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["serve", "--data-dir", str(tmp_path), "--workspace", str(tmp_path / "ws"), "--max-file-mb", "2"]
    )
    config = config_from(args)
    assert config.data_dirs == (tmp_path.resolve(),)
    assert config.workspace == (tmp_path / "ws").resolve()
    assert config.max_file_bytes == 2 * 1024 * 1024


def test_data_folders_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_ASSISTANT_DATA_DIRS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    config = config_from(build_parser().parse_args(["serve"]))
    assert config.data_dirs == ((tmp_path / "a").resolve(), (tmp_path / "b").resolve())
