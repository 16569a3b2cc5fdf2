"""The command line: the demo a new user runs first, and argument handling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def _start_and_stop(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``icp-assistant serve`` started as a host would, stdin closed at once: what it says on stderr, its exit code."""
    command = [sys.executable, "-m", "icp_assistant.server", "serve", *args, "--workspace", str(tmp_path / "ws")]
    return subprocess.run(command, input="", capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("folder", "hint"),
    [
        ("exports", "Create it and put your CRM exports there, or fix the --data-dir path"),
        ("/path/to/your/exports", "it is the example config's placeholder. Replace it in your MCP client's config"),
    ],
)
def test_a_data_folder_that_does_not_exist_is_named_on_stderr_at_start_up_and_the_server_still_runs(
    tmp_path: Path, folder: str, hint: str
) -> None:
    missing = (tmp_path / folder).resolve()  # an absolute folder replaces tmp_path
    done = _start_and_stop(["--data-dir", str(missing)], tmp_path)
    assert done.returncode == 0, done.stderr  # served until the client (stdin) went away: no crash
    warning = next(line for line in done.stderr.splitlines() if line.startswith("WARNING"))
    assert f"Data folder {missing} does not exist" in warning
    assert hint in warning
    assert done.stdout == ""  # stdout is the protocol


def test_a_data_folder_from_the_environment_is_checked_too(tmp_path: Path) -> None:
    env_folder = tmp_path / "from-env"
    done = subprocess.run(
        [sys.executable, "-m", "icp_assistant.server", "serve", "--workspace", str(tmp_path / "ws")],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "ICP_ASSISTANT_DATA_DIRS": str(env_folder)},
    )
    assert f"Data folder {env_folder.resolve()} does not exist" in done.stderr


def test_an_existing_data_folder_gives_no_warning_and_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "accounts.csv").write_text("name\nAcme\n", encoding="utf-8")
    fine = config_from(build_parser().parse_args(["serve", "--data-dir", str(tmp_path / "exports")]))
    a_file = config_from(build_parser().parse_args(["serve", "--data-dir", str(tmp_path / "accounts.csv")]))
    assert fine.data_dir_problems() == ()
    (problem,) = a_file.data_dir_problems()
    assert f"Data folder {(tmp_path / 'accounts.csv').resolve()} is a file, not a folder" in problem


def test_a_bundle_setting_the_host_left_unfilled_is_not_taken_as_a_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "${user_config.anthropic_api_key}")  # optional, not set by the user
    monkeypatch.chdir(tmp_path)
    config = config_from(build_parser().parse_args(["serve", "--data-dir", "${user_config.data_dir}"]))
    assert config.anthropic_api_key is None
    (problem,) = config.data_dir_problems()
    assert "${user_config.data_dir} does not exist: the MCP client did not fill in this setting" in problem
    assert "Settings > Extensions" in problem


@pytest.mark.anyio
async def test_the_model_is_told_the_data_folder_is_missing_so_it_can_tell_the_user(tmp_path: Path) -> None:
    from mcp import Client

    from icp_assistant.server.app import build_server

    missing = tmp_path / "exports"
    config = config_from(
        build_parser().parse_args(["serve", "--data-dir", str(missing), "--workspace", str(tmp_path / "ws")])
    )
    async with Client(build_server(config)) as client:
        instructions = client.instructions or ""
    assert "A data folder is unusable; tell the user first" in instructions
    assert f"Data folder {missing.resolve()} does not exist. Create it" in instructions
    (tmp_path / "exports").mkdir()
    async with Client(build_server(config)) as client:
        assert "unusable" not in (client.instructions or "")
