"""Generated files as resources: every file a tool writes into the workspace (scored lists, exports, documents,
charts, tables) is readable at ``icp://files/<path inside the workspace>``, and each tool result carries a
``resource_link`` for each file it names, so a host can open the file instead of being handed a path string."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.types import Resource, ResourceLink

from icp_assistant.tools.core.labels import field_label
from icp_assistant.tools.store.workspace import META, Collection, Workspace

if TYPE_CHECKING:
    from .state import AppState

PREFIX = "icp://files/"
# Folders of files the tools write for the user (the datasets' tables and the ICP versions have resources of their own).
SERVED: tuple[Collection, ...] = ("documents", "exports", "prospect-lists", "markets", "analyses", "segmentations")
NOT_SERVED = {META, "segmentation.json"}  # bookkeeping; icp://segmentations/{name} serves the segmentation
ICP_VERSION_FILE = re.compile(r"v[0-9]+\.json")
LINK_TITLES = {"icps": "ICP version", "profile": "Product profile", "files": "File"}  # titles of a bare `path`
MAX_READ_BYTES = 20 * 1024 * 1024  # a resource read hands the whole file to the client: bigger ones are opened by path
MAX_LINKS = 12
TEXT_TYPES = {".md", ".csv", ".sql", ".json", ".txt", ".html", ".yaml", ".yml"}
EXTRA_TYPES = {
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".sql": "application/sql",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".yaml": "application/yaml",
}


def mime_type(path: Path) -> str:
    return EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def served(parts: tuple[str, ...]) -> bool:
    """Whether ``icp://files/`` serves the workspace file with these path parts: a generated folder, not hidden, not
    the bookkeeping (``meta.json``) nor a file another resource serves (``segmentation.json``)."""
    return (
        len(parts) >= 2
        and parts[0] in SERVED
        and not any(part.startswith(".") for part in parts)
        and parts[-1] not in NOT_SERVED
    )


def file_uri(workspace: Workspace, path: Path) -> str | None:
    """The resource URI of a file inside the workspace: ``icp://files/...`` for a generated file, the ICP version's
    or the product profile's own URI for those, None for anything else."""
    root = workspace.root.resolve()
    try:
        relative = path.resolve().relative_to(root)
    except (OSError, ValueError):
        return None
    parts = relative.parts
    if served(parts):
        return PREFIX + relative.as_posix()
    if len(parts) == 3 and parts[0] == "icps" and ICP_VERSION_FILE.fullmatch(parts[2]):
        return f"icp://icps/{parts[1]}/{parts[2].removesuffix('.json')}"
    if parts == ("profile", "product.json"):
        return "icp://profile"
    return None


def uri_mime_type(uri: str) -> str | None:
    """The MIME type a read of ``icp://files/...`` carries (by the file's suffix); None for other URIs."""
    return mime_type(Path(uri.removeprefix(PREFIX))) if uri.startswith(PREFIX) else None


def workspace_file(workspace: Workspace, relative: str) -> Path:
    """The file behind a URI's path: inside the workspace, not hidden, a regular file; else a clear error."""
    root = workspace.root.resolve()
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or any(p in ("..", ".") or p.startswith(".") for p in parts):
        raise ResourceNotFoundError(
            f"{PREFIX}{relative} is not a file of the workspace. List them with icp://documents."
        )
    path = (root / relative).resolve()
    if not served(parts) or not path.is_relative_to(root) or not path.is_file():
        raise ResourceNotFoundError(f"No file {PREFIX}{relative} in the workspace; a tool writes it first.")
    return path


def _paths(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(field, path) for every ``path`` / ``*_path`` string (or list of them) in a dumped result, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, key)
    elif isinstance(value, str) and (key.endswith("path") or key in ("tables", "files", "charts")) and "/" in value:
        yield key, value


def links(workspace: Workspace, dumped: dict[str, Any]) -> list[ResourceLink]:
    """A resource link for each generated file a result names (data files the user gave are not linked)."""
    out: list[ResourceLink] = []
    seen: set[str] = set()
    for key, text in _paths(dumped):
        path = Path(text)
        uri = file_uri(workspace, path) if path.is_file() else None
        if uri is None or uri in seen:
            continue
        seen.add(uri)
        what = LINK_TITLES.get(uri.split("/", 3)[2]) if key == "path" else None
        what = what or (field_label(key.removesuffix("_path")) if key.endswith("_path") else field_label(key))
        out.append(
            ResourceLink(
                type="resource_link",
                uri=uri,
                name=path.name,
                title=f"{what}: {path.name}",
                mime_type=mime_type(path),
                size=path.stat().st_size,
            )
        )
        if len(out) >= MAX_LINKS:
            break
    return out


def register(mcp: MCPServer, state: AppState) -> None:
    @mcp.resource(
        PREFIX + "{+path}",
        name="file",
        title="Generated file",
        description="A file a tool wrote into the workspace (scored list, export, document, chart), as linked in "
        "tool results",
    )
    def read_file(path: str) -> str | bytes:
        found = workspace_file(state.workspace, path)
        if found.stat().st_size > MAX_READ_BYTES:
            raise ResourceError(
                f"{found.name} is {found.stat().st_size / 1e6:,.0f} MB, above the {MAX_READ_BYTES // 2**20} MB a "
                f"resource read returns; open it from {found} instead."
            )
        if found.suffix.lower() in TEXT_TYPES:
            return found.read_text(encoding="utf-8", errors="replace")
        return found.read_bytes()


MAX_LISTED = 1_000  # resources/list pages through these (100 a page); the newest files first when there are more


def workspace_resources(workspace: Workspace) -> list[Resource]:
    """Each dataset card, segmentation, ICP (latest version) and generated file, newest files first, capped."""
    out: list[Resource] = []
    saved: tuple[tuple[Collection, str, str], ...] = (
        ("datasets", "Dataset card", "dataset"),
        ("segmentations", "Segmentation", "segmentation"),
        ("icps", "ICP", "ICP (latest version)"),
    )
    for collection, title, what in saved:
        for name in workspace.names(collection):
            out.append(
                Resource(
                    uri=f"icp://{collection}/{name}",
                    name=f"{collection}/{name}",
                    title=f"{title}: {name}",
                    description=f"The {what} {name!r}",
                    mime_type="application/json",
                )
            )
    files = [p for collection in SERVED for p in _files(workspace, collection)]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files[: max(0, MAX_LISTED - len(out))]:
        uri = file_uri(workspace, path)
        if uri is not None:
            out.append(
                Resource(
                    uri=uri,
                    name=uri.removeprefix(PREFIX),
                    title=path.name,
                    mime_type=mime_type(path),
                    size=path.stat().st_size,
                )
            )
    return out[:MAX_LISTED]


def _files(workspace: Workspace, collection: Collection) -> list[Path]:
    folder = workspace.root / collection
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob("*") if p.is_file() and served(p.relative_to(workspace.root).parts)]
