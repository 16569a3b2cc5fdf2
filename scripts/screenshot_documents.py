"""Full-page screenshots of the ICP document at laptop and phone width, to look at before a release.

    .venv/bin/python scripts/screenshot_documents.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

Builds two documents through the MCP tools in a temporary workspace: the example data (a planted ICP, validated and
sized) and the Maven CRM export in ../shared/data (no attribute predicts winning; skipped when the folder is absent).
Each detailed HTML document is opened in headless Chromium at 1280 and 420 px and saved as
``<out>/<example|maven>-<width>.png``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client  # noqa: TID251 -- a client of the server, as bench/ is

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "data"
MAVEN = REPO.parent / "shared" / "data" / "maven_crm"
WIDTHS = (1280, 420)
EXAMPLE_STEPS: list[tuple[str, dict[str, Any]]] = [
    ("load_accounts", {"path": "accounts.csv", "deals_path": "deals.csv", "name": "ex"}),
    ("segment_accounts", {"dataset": "ex", "dimensions": ["industry", "size_band"], "name": "seg"}),
    ("build_icp", {"dataset": "ex", "name": "example-icp"}),
    ("validate_icp", {"dataset": "ex", "icp": "example-icp"}),
    ("size_market", {"dataset": "ex", "icp": "example-icp", "universe": "prospects.csv"}),
    ("draft_icp_document", {"icp": "example-icp", "contacts_path": "contacts.csv"}),
]
MAVEN_STEPS: list[tuple[str, dict[str, Any]]] = [
    ("load_accounts", {"path": str(MAVEN / "accounts.csv"), "deals_path": str(MAVEN / "sales_pipeline.csv"),
                       "name": "maven"}),
    ("build_icp", {"dataset": "maven", "name": "maven-icp"}),
    ("draft_icp_document", {"icp": "maven-icp"}),
]  # fmt: skip


async def _document(folder: Path, workspace: Path, steps: list[tuple[str, dict[str, Any]]]) -> Path:
    """Run the steps through a real MCP client; the path of the detailed HTML document."""
    async with Client(build_server(ServerConfig(data_dirs=(folder,), workspace=workspace))) as client:
        result: dict[str, Any] = {}
        for tool, arguments in steps:
            called = await client.call_tool(tool, arguments)
            if called.is_error:
                raise SystemExit(f"{tool} failed: {called.content}")
            result = dict(called.structured_content or {})
    return Path(result["html_path"])


def _screenshots(chromium: str, documents: dict[str, Path], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            for name, html in documents.items():
                for width in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto(html.as_uri())
                    path = out / f"{name}-{width}.png"
                    page.screenshot(path=str(path), full_page=True)
                    page.close()
                    written.append(path)
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="folder for the PNGs")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    args = parser.parse_args(argv)
    if not args.chromium:
        parser.error("Chromium not found: install it (Debian: apt-get install chromium) or pass --chromium PATH")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="icp-screens-") as tmp:
        documents = {"example": anyio.run(_document, EXAMPLES, Path(tmp) / "example", EXAMPLE_STEPS)}
        if (MAVEN / "accounts.csv").exists():
            documents["maven"] = anyio.run(_document, MAVEN, Path(tmp) / "maven", MAVEN_STEPS)
        else:
            print(f"skipped the Maven document: {MAVEN} not found", file=sys.stderr)
        for path in _screenshots(args.chromium, documents, args.out):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
