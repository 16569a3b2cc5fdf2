"""``icp-assistant chat``: the agent loop over the real server (a stdio subprocess) and a fake Messages API."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_messages_api import FakeMessagesAPI, Turn, text, tool_use
from mcp.client.stdio import StdioServerParameters

from icp_assistant.server.cli import build_parser, main
from icp_assistant.server.clients import chat as chat_module
from icp_assistant.server.clients.chat import DEFAULT_MODEL, options_from

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
FINAL = "Your 500 accounts split cleanly: the best customers share a few traits, listed above."


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own key, API address or model must not leak into these tests."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ICP_ASSISTANT_MODEL"):
        monkeypatch.delenv(name, raising=False)


def chat(api: FakeMessagesAPI, tmp_path: Path, *args: str) -> int:
    base = ["chat", "--api-key", "test-key", "--base-url", api.base_url, "--data-dir", str(EXAMPLES)]
    return main([*base, "--workspace", str(tmp_path / "ws"), *args])


def last_tool_output(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON the last tool returned, as the client sent it back to the API."""
    block = body["messages"][-1]["content"][0]
    assert block["type"] == "tool_result"
    return dict(json.loads(block["content"][0]["text"]))


def output_of(block: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(block["content"][0]["text"]))


def test_chat_completes_a_scripted_multi_tool_conversation_against_the_fake_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts, deals = str(EXAMPLES / "accounts.csv"), str(EXAMPLES / "deals.csv")
    load = tool_use("load_accounts", {"path": accounts, "deals_path": deals})
    script: list[Turn] = [
        [text("I'll load your accounts and deals first."), load],
        lambda body: [tool_use("find_patterns", {"dataset": last_tool_output(body)["name"]})],
        [text(FINAL)],
    ]
    with FakeMessagesAPI(script) as api:
        assert chat(api, tmp_path, "--message", "Who are our best customers?") == 0
    out = capsys.readouterr().out

    assert "you> Who are our best customers?" in out
    assert "assistant> I'll load your accounts and deals first." in out
    assert f'> load_accounts(path="{accounts}", deals_path="{deals}")' in out
    assert "reading accounts.csv" in out  # the server's progress, as it arrived
    assert "ok name=accounts rows=500" in out
    assert '> find_patterns(dataset="accounts")' in out
    assert f"assistant> {FINAL}\n" in out
    assert out.index("load_accounts(") < out.index("find_patterns(") < out.index(FINAL)

    first, *_, last = api.requests
    assert len(api.requests) == 3 and all(body["stream"] is True for body in api.requests)
    assert first["model"] == DEFAULT_MODEL == "claude-sonnet-4-6"
    assert "Numbers come only from tool results" in first["system"]  # the server's instructions
    assert {"load_accounts", "find_patterns"} <= {tool["name"] for tool in first["tools"]}
    assert all(set(tool) == {"name", "description", "input_schema"} for tool in first["tools"])
    loaded, patterns = api.tool_results()
    assert not loaded["is_error"] and output_of(loaded)["rows"] == 500
    assert output_of(loaded)["outcomes"]["won"] > 0  # the deals were joined
    assert not patterns["is_error"] and output_of(patterns)["dataset"] == "accounts"
    assert "verdict" in output_of(patterns)
    assert [m["role"] for m in last["messages"]] == ["user", "assistant", "user", "assistant", "user"]


def test_a_tool_error_goes_back_as_an_error_result_and_the_conversation_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = [[tool_use("load_accounts", {"path": "/etc/passwd"})], [text("That file is outside your data folder.")]]
    with FakeMessagesAPI(script) as api:
        monkeypatch.setenv("ANTHROPIC_API_KEY", api.api_key)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ICP_ASSISTANT_MODEL", "claude-haiku-4-5")
        argv = ["chat", "--data-dir", str(EXAMPLES), "--workspace", str(tmp_path / "ws"), "--message", "Load it"]
        assert main(argv) == 0
    out = capsys.readouterr().out

    (result,) = api.tool_results()
    assert result["is_error"] is True
    assert "outside the folders this server may read" in result["content"][0]["text"]
    assert "error: " in out and "outside the folders this server may read" in out
    assert "assistant> That file is outside your data folder." in out
    assert {body["model"] for body in api.requests} == {"claude-haiku-4-5"}  # the model from the environment


def test_without_an_api_key_chat_exits_2_and_says_how_to_give_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--message", "hi"]) == 2
    out = capsys.readouterr().out
    assert "set ANTHROPIC_API_KEY or pass --api-key" in out
    assert "Claude Desktop" in out and "no key is needed" in out


def test_the_installed_command_exits_2_without_a_key_and_prints_no_traceback() -> None:
    env = {"PATH": "/usr/bin:/bin"}  # no ANTHROPIC_API_KEY
    code = "import sys; from icp_assistant.server.cli import main; sys.exit(main())"  # the console script's body
    done = subprocess.run(
        [sys.executable, "-c", code, "chat"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "ANTHROPIC_API_KEY" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_a_rejected_key_exits_1_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeMessagesAPI([[text("never sent")]], api_key="the-right-key") as api:
        assert chat(api, tmp_path, "--message", "hi") == 1  # chat() passes "test-key"
    out = capsys.readouterr().out
    assert "rejected the API key (401: invalid x-api-key)" in out
    assert "Check ANTHROPIC_API_KEY or --api-key" in out
    assert api.requests == []


def test_lines_typed_at_the_prompt_are_sent_until_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\n\nthanks\nexit\nnever read\n"))
    with FakeMessagesAPI([[text("Hi! Which file?")], [text("You are welcome.")]]) as api:
        assert chat(api, tmp_path) == 0
    out = capsys.readouterr().out
    assert "assistant> Hi! Which file?" in out and "assistant> You are welcome." in out
    sent = [m["content"][-1]["text"] for m in api.requests[-1]["messages"] if m["role"] == "user"]
    assert sent == ["hello", "thanks"]


def test_the_turn_limit_stops_a_tool_loop_and_the_results_go_with_the_next_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patterns = [tool_use("find_patterns", {"dataset": "nope"})]
    script = [patterns, patterns, [text("Stopping here.")]]
    with FakeMessagesAPI(script) as api:
        assert chat(api, tmp_path, "--max-turns", "2", "--message", "loop", "--message", "stop") == 0
    out = capsys.readouterr().out
    assert "(stopped after 2 model turns, the --max-turns limit" in out
    assert "assistant> Stopping here." in out
    last_user = api.requests[-1]["messages"][-1]["content"]
    assert [b["type"] for b in last_user] == ["tool_result", "text"]  # the pending result, then the new message
    assert last_user[0]["is_error"] is True and last_user[1]["text"] == "stop"


def test_flags_win_over_the_environment_and_the_model_has_a_current_default(monkeypatch: pytest.MonkeyPatch) -> None:
    parse = build_parser().parse_args
    assert options_from(parse(["chat"])) is None
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    defaults = options_from(parse(["chat"]))
    assert defaults is not None and defaults.model == "claude-sonnet-4-6" and defaults.api_key == "env-key"
    monkeypatch.setenv("ICP_ASSISTANT_MODEL", "claude-opus-4-7")
    flags = options_from(parse(["chat", "--api-key", "flag-key", "--model", "claude-sonnet-5", "--message", "a"]))
    assert flags is not None and (flags.api_key, flags.model, flags.messages) == ("flag-key", "claude-sonnet-5", ("a",))
    from_env = options_from(parse(["chat"]))
    assert from_env is not None and from_env.model == "claude-opus-4-7"


def test_a_server_that_cannot_start_is_reported_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    crash = StdioServerParameters(command=sys.executable, args=["-c", "raise SystemExit(3)"])
    monkeypatch.setattr(chat_module, "server_parameters", lambda _options: crash)
    with FakeMessagesAPI([[text("never sent")]]) as api:
        assert main(["chat", "--api-key", "test-key", "--base-url", api.base_url, "--message", "hi"]) == 1
    assert "the ICP Assistant server could not be started or stopped answering" in capsys.readouterr().out
    assert api.requests == []


def test_an_unreachable_api_exits_1_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connections are refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["chat", "--api-key", "k", "--base-url", f"http://127.0.0.1:{port}", "--workspace", str(tmp_path / "ws")]
    assert main([*argv, "--message", "hi"]) == 1
    out = capsys.readouterr().out
    assert f"Could not reach the Anthropic API at http://127.0.0.1:{port}" in out
    assert "--base-url" in out


def test_the_fake_api_also_answers_the_non_streaming_path_other_tests_use() -> None:
    import anthropic

    script: list[Turn] = [[tool_use("score_prospect", {"company": "Acme"}, id="toolu_1")], [text("Fits the ICP.")]]
    with FakeMessagesAPI(script) as api, anthropic.Anthropic(api_key="test-key", base_url=api.base_url) as client:
        first = client.messages.create(model="m", max_tokens=50, messages=[{"role": "user", "content": "Acme?"}])
        second = client.messages.create(model="m", max_tokens=50, messages=[{"role": "user", "content": "and?"}])
        with pytest.raises(anthropic.BadRequestError, match="no turn left"):
            client.messages.create(model="m", max_tokens=50, messages=[{"role": "user", "content": "more?"}])
    assert first.stop_reason == "tool_use" and first.content[0].type == "tool_use"
    assert first.content[0].input == {"company": "Acme"} and first.content[0].id == "toolu_1"
    assert second.stop_reason == "end_turn" and second.content[0].type == "text"
    assert second.content[0].text == "Fits the ICP."
    assert [body["messages"][0]["content"] for body in api.requests] == ["Acme?", "and?", "more?"]
