"""Build the Claude Desktop bundle (MCPB): ``dist/icp-assistant-<version>.mcpb``.

    .venv/bin/python scripts/build_bundle.py [--out DIR]

The bundle is a zip: ``manifest.json``, ``icon.png``, ``bundle_entry.py`` (starts ``icp-assistant serve``),
``pyproject.toml`` and ``README.md`` (the project's metadata, needed to build it) and the package sources
exactly as the wheel packs them (``server/``, ``tools/``, ``prompts/``, selected by ``[tool.setuptools]``).
No tests, examples, data, virtual environment or caches.

Server type ``uv`` (manifest 0.4, experimental in the spec): the host installs Python and the dependencies
from pyproject.toml with uv, so a marketer needs no Python setup, and compiled dependencies (pandas,
scikit-learn, pyarrow, matplotlib) are installed for their platform. The ``python`` type would need every
dependency bundled for every platform (hundreds of MB, one bundle per OS and CPU). ``mcp_config`` (required
by the 0.4 schema) runs ``uv run --directory ${__dirname} ${__dirname}/bundle_entry.py --data-dir <folder>``.

The manifest's version comes from pyproject.toml; its tools and prompts come from the real server
(``build_server`` listed through an MCP client), so it cannot drift from the code. The manifest is checked
against the MCPB 0.4 JSON schema (``scripts/mcpb-manifest-v0.4.schema.json``) before anything is written.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import struct
import sys
import tempfile
import tomllib
import zipfile
import zlib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent
SCHEMA = SCRIPTS / "mcpb-manifest-v0.4.schema.json"
ENTRY = "bundle_entry.py"
MANIFEST_VERSION = "0.4"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed: the same sources give the same bundle bytes

DATA_DIR_CONFIG = {
    "type": "directory",
    "title": "Folder with your CRM exports",
    "description": (
        "The folder holding the files your CRM exported (CSV, XLSX, Parquet, JSON): the assistant reads your "
        "files from here. It keeps its own results (datasets, ICP versions, documents) in ~/.icp-assistant/workspace."
    ),
    "required": True,
}
API_KEY_CONFIG = {
    "type": "string",
    "title": "Anthropic API key (optional)",
    "description": (
        "Only for the narrative passages of the ICP document and messaging: with a key the server asks the "
        "Anthropic API to write them from the computed facts; without one it uses templates. Every number is "
        "computed either way."
    ),
    "sensitive": True,
    "required": False,
    "default": "",
}
LONG_DESCRIPTION = """\
Run the Ideal Customer Profile workflow over your own CRM exports (HubSpot, Salesforce, ZoomInfo, Apollo...),
on your own machine: who your best customers are and what they share, segments ranked by value, red flags,
a scored ICP validated on held-out deals, prospect scoring, drift checks and the ICP document.

**Code computes every number; the model writes the words.** Every rate comes with its sample size, and where
the data shows no pattern the answer says so. Pick the folder that holds your exports when you install it."""


def project() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _package_dir(package: str, mapping: dict[str, str]) -> Path:
    """The source folder of a package under setuptools' ``package-dir`` (longest mapped prefix wins)."""
    for prefix in sorted(mapping, key=len, reverse=True):
        if package == prefix or package.startswith(prefix + "."):
            rest = package[len(prefix) :].lstrip(".").replace(".", "/")
            return REPO / mapping[prefix] / rest
    raise ValueError(f"package {package!r} has no entry in [tool.setuptools.package-dir]; add one to pyproject.toml")


def package_files(setuptools: dict[str, Any]) -> list[Path]:
    """The source files the wheel packs: each listed package's modules plus its package-data globs."""
    files: set[Path] = set()
    for package in setuptools["packages"]:
        folder = _package_dir(package, setuptools.get("package-dir", {}))
        if not folder.is_dir():
            raise ValueError(f"package {package!r} maps to {folder}, which is not a folder: fix pyproject.toml")
        files.update(folder.glob("*.py"))
        for pattern in setuptools.get("package-data", {}).get(package, []):
            files.update(p for p in folder.glob(pattern) if p.is_file())
    return sorted(f for f in files if "__pycache__" not in f.parts)


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    return re.split(r"(?<=[.!?])\s", flat, maxsplit=1)[0]


async def _registrations() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from mcp import Client  # noqa: TID251  (lists the server's registrations, as a client of server/)

    from icp_assistant.server.app import build_server
    from icp_assistant.server.config import ServerConfig

    with tempfile.TemporaryDirectory() as folder:
        config = ServerConfig(data_dirs=(Path(folder),), workspace=Path(folder) / "workspace")
        async with Client(build_server(config)) as client:
            tools = [
                {"name": t.name, "description": _first_sentence(t.description or t.title or t.name)}
                for t in (await client.list_tools()).tools
            ]
            prompts = []
            for p in (await client.list_prompts()).prompts:
                names = [a.name for a in p.arguments or []]
                # Every argument given as the manifest's ${arguments.<name>} placeholder: the template's text
                # with all its optional parts shown.
                rendered = await client.get_prompt(p.name, {n: f"${{arguments.{n}}}" for n in names})
                text = "\n\n".join(m.content.text for m in rendered.messages if hasattr(m.content, "text"))
                prompts.append({"name": p.name, "description": p.description or "", "arguments": names, "text": text})
    return tools, prompts


def registrations() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The tools and prompts the real server registers, as manifest entries."""
    import anyio

    return anyio.run(_registrations)


def build_manifest(meta: dict[str, Any], tools: list[dict[str, Any]], prompts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": meta["name"],
        "display_name": "ICP Assistant",
        "version": meta["version"],
        "description": meta["description"],
        "long_description": LONG_DESCRIPTION,
        "author": {"name": "ICP Assistant contributors"},
        "icon": "icon.png",
        "server": {
            "type": "uv",
            "entry_point": ENTRY,
            "mcp_config": {
                "command": "uv",
                "args": [
                    "run",
                    "--directory",
                    "${__dirname}",
                    f"${{__dirname}}/{ENTRY}",
                    "--data-dir",
                    "${user_config.data_dir}",
                ],
                "env": {"ANTHROPIC_API_KEY": "${user_config.anthropic_api_key}"},
            },
        },
        "tools": tools,
        "tools_generated": False,
        "prompts": prompts,
        "prompts_generated": False,
        "keywords": ["icp", "ideal customer profile", "crm", "b2b", "marketing", "segmentation", "lead scoring"],
        "license": meta["license"],
        # With a key, computed facts go to the Anthropic API to have narrative text written.
        "privacy_policies": ["https://www.anthropic.com/legal/privacy"],
        "compatibility": {
            "platforms": ["darwin", "win32", "linux"],
            "runtimes": {"python": meta["requires-python"]},
        },
        "user_config": {"data_dir": DATA_DIR_CONFIG, "anthropic_api_key": API_KEY_CONFIG},
    }


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    """Where the manifest breaks the MCPB 0.4 JSON schema, one line per error (empty: valid)."""
    from jsonschema import Draft7Validator

    validator = Draft7Validator(
        json.loads(SCHEMA.read_text(encoding="utf-8")), format_checker=Draft7Validator.FORMAT_CHECKER
    )
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(manifest)]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _icon_pixel(x: float, y: float, size: int) -> tuple[int, ...]:
    """A target on a rounded navy square (1-pixel soft edges)."""
    navy: tuple[int, ...] = (31, 58, 95, 255)
    white, orange, clear = (255, 255, 255, 255), (242, 140, 40, 255), (31, 58, 95, 0)
    half, corner = size / 2, size * 0.19
    qx, qy = max(abs(x - half) - (half - corner), 0.0), max(abs(y - half) - (half - corner), 0.0)
    inside = min(max(corner - math.hypot(qx, qy) + 0.5, 0.0), 1.0)  # coverage of the rounded square
    d = math.hypot(x - half, y - half) / size
    rings = [(0.10, orange), (0.20, white), (0.30, navy), (0.40, white)]
    colour = navy
    for radius, ring in reversed(rings):
        edge = (radius - d) * size + 0.5  # > 1 inside the ring, < 0 outside
        colour = _mix(colour, ring, min(max(edge, 0.0), 1.0))
    return _mix(clear, colour, inside)


def icon_png(size: int = 512) -> bytes:
    """A simple square PNG icon (RGBA), drawn here: no image file in the repository."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(_icon_pixel(x + 0.5, y + 0.5, size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        [_png_chunk(b"IHDR", header), _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9)), _png_chunk(b"IEND", b"")]
    )


def bundle_contents(manifest: dict[str, Any], setuptools: dict[str, Any]) -> dict[str, bytes]:
    """Every file of the bundle by its path inside the zip."""
    contents = {
        "manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        "icon.png": icon_png(),
        ENTRY: (SCRIPTS / ENTRY).read_bytes(),
        "pyproject.toml": (REPO / "pyproject.toml").read_bytes(),
        "README.md": (REPO / "README.md").read_bytes(),  # pyproject's readme: the project does not build without it
    }
    contents.update({p.name: p.read_bytes() for p in sorted(REPO.glob("LICEN[CS]E*")) if p.is_file()})
    contents.update({p.relative_to(REPO).as_posix(): p.read_bytes() for p in package_files(setuptools)})
    return contents


def write_zip(path: Path, contents: dict[str, bytes]) -> None:
    """Write atomically: a half-written bundle never carries the final name."""
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for name in sorted(contents):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, contents[name])
    partial.replace(path)


def build(out_dir: Path) -> Path:
    """Build the bundle into ``out_dir``; raise ValueError (naming the problem) when the manifest is invalid."""
    config = project()
    meta = config["project"]
    tools, prompts = registrations()
    manifest = build_manifest(meta, tools, prompts)
    errors = schema_errors(manifest)
    if errors:
        raise ValueError("the manifest breaks the MCPB 0.4 schema: " + "; ".join(errors))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{meta['name']}-{meta['version']}.mcpb"
    write_zip(path, bundle_contents(manifest, config["tool"]["setuptools"]))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Claude Desktop bundle (.mcpb) of ICP Assistant.")
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    try:
        path = build(args.out)
    except ValueError as error:
        sys.stderr.write(f"build_bundle: {error}\n")
        return 1
    with zipfile.ZipFile(path) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        files = len(bundle.namelist())
    sys.stdout.write(
        f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, {files} files; manifest {MANIFEST_VERSION}, "
        f"{len(manifest['tools'])} tools, {len(manifest['prompts'])} prompts)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
