"""The Claude Desktop bundle: scripts/build_bundle.py writes a valid .mcpb that starts the real server."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from icp_assistant.server.cli import build_parser, config_from
from icp_assistant.server.config import ENV_API_KEY

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "build_bundle.py"
SCHEMA = REPO / "scripts" / "mcpb-manifest-v0.4.schema.json"
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
MCPB_CLI = "@anthropic-ai/mcpb@2.1.2"  # the release whose v0.4 schema scripts/ holds
PACKAGE_FOLDERS = {"server": "icp_assistant/server", "tools": "icp_assistant/tools", "prompts": "icp_assistant/prompts"}
BUNDLE_EXTRAS = {"manifest.json", "icon.png", "bundle_entry.py", "pyproject.toml", "README.md"}
MESSY = REPO / "tests" / "data" / "messy"
CACHES = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".venv", "node_modules"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    return out / f"{PROJECT['name']}-{PROJECT['version']}.mcpb"


@pytest.fixture(scope="module")
def manifest(bundle: Path) -> dict[str, Any]:
    with zipfile.ZipFile(bundle) as archive:
        parsed: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return parsed


@pytest.fixture(scope="module")
def unpacked(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return folder


def test_the_build_writes_a_zip_named_after_the_pyproject_version(bundle: Path, manifest: dict[str, Any]) -> None:
    assert bundle.name == f"icp-assistant-{PROJECT['version']}.mcpb"
    assert zipfile.is_zipfile(bundle)
    assert manifest["version"] == PROJECT["version"]
    assert manifest["name"] == PROJECT["name"]
    assert manifest["manifest_version"] == "0.4"
    assert manifest["server"]["type"] == "uv"  # the host installs Python and the dependencies from pyproject.toml
    assert manifest["compatibility"]["runtimes"]["python"] == PROJECT["requires-python"]


def test_the_manifest_validates_against_the_mcpb_schema_and_a_broken_one_does_not(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["properties"]["manifest_version"]["const"] == manifest["manifest_version"]
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(manifest)] == []
    broken = json.loads(json.dumps(manifest))
    del broken["user_config"]["data_dir"]["title"]
    broken["server"]["type"] = "conda"
    assert len(list(validator.iter_errors(broken))) == 2


def test_the_build_script_names_where_a_manifest_breaks_the_schema(manifest: dict[str, Any]) -> None:
    spec = importlib.util.spec_from_file_location("build_bundle", SCRIPT)
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    broken = json.loads(json.dumps(manifest))
    broken["user_config"]["data_dir"]["type"] = "folder"
    assert builder.schema_errors(manifest) == []
    (error,) = builder.schema_errors(broken)
    assert error.startswith("user_config/data_dir/type: 'folder' is not one of")


@pytest.mark.anyio
async def test_the_manifest_lists_exactly_the_tools_and_prompts_the_server_registers(
    manifest: dict[str, Any], server: Any
) -> None:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        prompts = (await client.list_prompts()).prompts
    assert [t["name"] for t in manifest["tools"]] == [t.name for t in tools]
    assert all(entry["description"] and len(entry["description"]) < 700 for entry in manifest["tools"])
    declared = {p["name"]: p for p in manifest["prompts"]}
    assert set(declared) == {p.name for p in prompts}
    for prompt in prompts:
        entry = declared[prompt.name]
        assert entry["arguments"] == [a.name for a in prompt.arguments or []]
        for argument in prompt.arguments or []:
            if argument.required:  # the prompt's text uses each required argument as a ${arguments.x} placeholder
                assert f"${{arguments.{argument.name}}}" in entry["text"], (prompt.name, argument.name)
    assert manifest["tools_generated"] is False and manifest["prompts_generated"] is False


def test_the_data_folder_is_a_required_directory_setting_passed_as_data_dir(
    manifest: dict[str, Any], tmp_path: Path
) -> None:
    setting = manifest["user_config"]["data_dir"]
    assert setting["type"] == "directory" and setting["required"] is True
    assert setting["title"] and setting["description"]
    args = manifest["server"]["mcp_config"]["args"]
    assert args[args.index("--data-dir") + 1] == "${user_config.data_dir}"
    server_args = args[args.index("${__dirname}/bundle_entry.py") + 1 :]  # bundle_entry.py runs `serve` with these
    chosen = [str(tmp_path) if a == "${user_config.data_dir}" else a for a in server_args]
    assert config_from(build_parser().parse_args(["serve", *chosen])).data_dirs == (tmp_path.resolve(),)
    key = manifest["user_config"]["anthropic_api_key"]
    assert key["type"] == "string" and key["sensitive"] is True and key["required"] is False
    assert manifest["server"]["mcp_config"]["env"] == {ENV_API_KEY: "${user_config.anthropic_api_key}"}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_bundle_holds_the_package_sources_as_the_wheel_packs_them_and_nothing_else(
    bundle: Path, built_wheel: Path, manifest: dict[str, Any]
) -> None:
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert archive.read("pyproject.toml") == (REPO / "pyproject.toml").read_bytes()
        assert _png_size(archive.read(manifest["icon"])) == (512, 512)
    with zipfile.ZipFile(built_wheel) as wheel:
        packed = {n for n in wheel.namelist() if n.startswith("icp_assistant/")}
    sources = names - BUNDLE_EXTRAS
    as_installed = {PACKAGE_FOLDERS[n.split("/", 1)[0]] + "/" + n.split("/", 1)[1] for n in sources}
    assert as_installed == packed
    assert names >= BUNDLE_EXTRAS and manifest["server"]["entry_point"] in names
    for name in names:
        assert not name.startswith(("tests/", "examples/", "bench/", ".venv/", "build/", "dist/", "workspace/"))
        assert not CACHES & set(name.split("/")) and not name.endswith(".pyc"), name
        assert not name.endswith((".csv", ".xlsx", ".parquet", ".mcpb")), name


@pytest.mark.slow
def test_the_mcpb_command_line_unpacks_and_validates_the_bundle(bundle: Path, tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx (Node.js) not found: the official `mcpb validate` cannot run here")

    def mcpb(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([npx, "-y", MCPB_CLI, *args], capture_output=True, text=True, timeout=300, check=False)
        if done.returncode and any(s in done.stderr for s in ("ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNREFUSED")):
            pytest.skip(f"npm registry unreachable, {MCPB_CLI} not installed: {done.stderr.strip()[:200]}")
        return done

    unpack = mcpb("unpack", str(bundle), str(tmp_path / "unpacked"))
    assert unpack.returncode == 0, unpack.stdout + unpack.stderr
    validate = mcpb("validate", str(tmp_path / "unpacked"))
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "Manifest schema validation passes!" in validate.stdout
    assert "ERROR" not in validate.stdout  # the icon is checked too


def _substituted(value: str, variables: dict[str, str]) -> str:
    for name, replacement in variables.items():
        value = value.replace("${" + name + "}", replacement)
    return value


def _without_uv(args: list[str], bundle_dir: Path, site: Path) -> tuple[str, list[str]]:
    """`uv run --directory <bundle> <entry> ...` without uv: install the bundle's project (no dependencies: the
    venv has them) into ``site`` and run the entry with this interpreter, ``site`` first on the path."""
    assert args[:3] == ["run", "--directory", str(bundle_dir)], args
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target"]
    subprocess.run([*install, str(site), str(bundle_dir)], check=True, capture_output=True, timeout=600)
    return sys.executable, args[3:]


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_server_starts_the_way_the_manifest_says_and_reads_the_chosen_folder(
    manifest: dict[str, Any], unpacked: Path, tmp_path: Path
) -> None:
    """Variables substituted as the host does; with uv on PATH the command runs as written, else (as on this
    project's CI, which has no uv) the bundle's project is installed with pip and its entry run with this python."""
    exports = tmp_path / "My Exports"  # a space, as a folder picker may give
    exports.mkdir()
    shutil.copy(MESSY / "utf8.csv", exports / "accounts.csv")
    config = manifest["server"]["mcp_config"]
    variables = {"__dirname": str(unpacked), "user_config.data_dir": str(exports), "user_config.anthropic_api_key": ""}
    command, args = config["command"], [_substituted(a, variables) for a in config["args"]]
    env = {k: _substituted(v, variables) for k, v in config["env"].items()}
    env["ICP_ASSISTANT_WORKSPACE"] = str(tmp_path / "workspace")  # not the real ~/.icp-assistant
    if command == "uv" and shutil.which("uv") is None:
        site = tmp_path / "site"
        command, args = _without_uv(args, unpacked, site)
        env["PYTHONPATH"] = str(site)
        probe = [sys.executable, "-c", "import icp_assistant.server.app as m; print(m.__file__)"]
        where = subprocess.run(probe, capture_output=True, text=True, env={"PYTHONPATH": str(site)}, check=True)
        assert where.stdout.startswith(str(site)), where.stdout  # the bundle's code runs, not the checkout's
    else:  # uv's own settings (cache, index, certificates) pass through, as the host's uv has its own
        env |= {k: v for k, v in os.environ.items() if k.startswith("UV_") or k in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(unpacked))
    async with Client(params, mode="legacy") as client:
        tools = (await client.list_tools()).tools
        prompts = (await client.list_prompts()).prompts
        loaded = await client.call_tool("load_accounts", {"path": "accounts.csv"})
        instructions = client.instructions or ""
    assert [t.name for t in tools] == [t["name"] for t in manifest["tools"]]
    assert {p.name for p in prompts} == {p["name"] for p in manifest["prompts"]}
    assert loaded.structured_content and loaded.structured_content["rows"] == 8
    assert str(exports) in instructions and "unusable" not in instructions
