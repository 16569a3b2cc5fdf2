"""``icp://`` resources: what exists in the workspace, and the method itself, for a client to show.

    icp://method                               the five steps, attributes to capture, scoring rubric (Markdown)
    icp://profile                              the user's product profile (set_product_profile)
    icp://datasets                             loaded datasets: name, rows, source files (JSON)
    icp://datasets/{name}                      a dataset card
    icp://segmentations                        saved segmentations
    icp://segmentations/{name}                 a segmentation with every segment
    icp://icps                                 ICPs with their versions
    icp://icps/{name}                          the latest version's model file
    icp://icps/{name}/v{version}               one version's model file
    icp://documents                            generated documents (Markdown / HTML)
    icp://documents/{folder}/{file}.md|.html   one document

Collections list each item's ``uri``, so a client can discover the concrete resources (which change
as tools run) and read them. An unknown name is an error that lists what exists.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from pydantic import BaseModel

from icp_assistant.prompts import TEMPLATE_DIR
from icp_assistant.tools.analysis.segment_schemas import Segmentation
from icp_assistant.tools.core.errors import IcpError, NotFoundError, listing
from icp_assistant.tools.core.schemas import DatasetCard
from icp_assistant.tools.store.profile import read_profile
from icp_assistant.tools.store.workspace import CARD, ICPS, Workspace, read_json

from .state import AppState

if TYPE_CHECKING:  # the engine (and pandas) loads on the first read of an ICP, not when the server starts
    from icp_assistant.tools.model.icp import ICPVersion

JSON = "application/json"
DOCUMENT_TYPES = {".md": "text/markdown", ".html": "text/html"}
P = ParamSpec("P")
R = TypeVar("R")


def resource_errors(handler: Callable[P, R]) -> Callable[P, R]:
    """Engine errors -> resource errors whose message reaches the client (a missing name: 'not found')."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except NotFoundError as exc:
            raise ResourceNotFoundError(str(exc)) from exc
        except IcpError as exc:
            raise ResourceError(str(exc)) from exc

    return wrapper


def _json(data: Any) -> str:
    if isinstance(data, BaseModel):
        return data.model_dump_json(indent=2)
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def dataset_card(workspace: Workspace, name: str) -> DatasetCard:
    """A loaded dataset's card, without reading its tables."""
    folder = workspace.existing("datasets", name)
    return DatasetCard.model_validate(read_json(folder / CARD))


def datasets(workspace: Workspace) -> list[dict[str, Any]]:
    out = []
    for name in workspace.names("datasets"):
        card = dataset_card(workspace, name)
        files = [{"role": f.role, "path": f.path, "format": f.format, "rows": f.rows} for f in card.files]
        out.append({"name": name, "uri": f"icp://datasets/{name}", "rows": card.rows, "files": files})
    return out


def segmentation(workspace: Workspace, name: str) -> Segmentation:
    """A saved segmentation; the analysis engine (and pandas) loads on the first read, not when the server starts."""
    from icp_assistant.tools.analysis.segments import open_segmentation

    return open_segmentation(workspace, name)[0]


def segmentations(workspace: Workspace) -> list[dict[str, Any]]:
    out = []
    for name in workspace.names("segmentations"):
        result = segmentation(workspace, name)
        out.append(
            {"name": name, "uri": f"icp://segmentations/{name}", "dataset": result.dataset, "mode": result.mode,
             "dimensions": result.dimensions, "segments": result.segments_total}
        )  # fmt: skip
    return out


def icps(workspace: Workspace) -> list[dict[str, Any]]:
    from icp_assistant.tools.model import icp as icp_engine

    out = []
    for name in workspace.names(ICPS):
        latest = icp_engine.open_icp(workspace, name)
        numbers = icp_engine.versions(workspace, name)
        out.append(
            {"name": name, "uri": f"icp://icps/{name}", "dataset": latest.dataset, "latest": latest.version,
             "created_at": latest.created_at, "versions": numbers,
             "version_uris": [f"icp://icps/{name}/v{n}" for n in numbers]}
        )  # fmt: skip
    return out


def icp_version(workspace: Workspace, name: str, version: str | None = None) -> ICPVersion:
    from icp_assistant.tools.model import icp as icp_engine

    number: int | None = None
    if version is not None:
        if not version.isdigit():
            workspace.existing(ICPS, name)
            known = listing(f"v{n}" for n in icp_engine.versions(workspace, name))
            raise NotFoundError(f"ICP version 'v{version}' is not a version number. Versions of {name!r}: {known}.")
        number = int(version)
    return icp_engine.open_icp(workspace, name, number)


def documents(workspace: Workspace) -> dict[str, Path]:
    """Generated documents by URI: ``documents/<folder>/<file>.md|.html`` (nothing else is served)."""
    base = workspace.root / "documents"
    if not base.is_dir():
        return {}
    found = {}
    for path in sorted(base.glob("*/*")):
        inside = path.resolve().is_relative_to(base.resolve())
        if path.is_file() and inside and path.suffix in DOCUMENT_TYPES and not path.name.startswith("."):
            found[f"icp://documents/{path.parent.name}/{path.name}"] = path
    return found


def document_list(workspace: Workspace) -> list[dict[str, Any]]:
    return [
        {"uri": uri, "folder": path.parent.name, "file": path.name, "mime_type": DOCUMENT_TYPES[path.suffix],
         "bytes": path.stat().st_size}
        for uri, path in documents(workspace).items()
    ]  # fmt: skip


def document(workspace: Workspace, folder: str, file: str) -> str:
    uri = f"icp://documents/{folder}/{file}"
    found = documents(workspace)
    if uri not in found:
        hint = f"Existing documents: {listing(found)}." if found else "There are no documents yet."
        raise NotFoundError(f"No document {uri!r} in the workspace. {hint}")
    return found[uri].read_text(encoding="utf-8")


def register(mcp: MCPServer, state: AppState) -> None:
    register_collections(mcp, state)
    register_items(mcp, state)


def register_collections(mcp: MCPServer, state: AppState) -> None:
    @mcp.resource("icp://method", name="method", title="The ICP method", mime_type="text/markdown")
    def method() -> str:
        """The ICP method: the five steps, the attributes to capture, the scoring rubric, the quarterly review."""
        return (TEMPLATE_DIR / "method.md").read_text(encoding="utf-8")

    @mcp.resource("icp://datasets", name="datasets", title="Loaded datasets", mime_type=JSON)
    @resource_errors
    def dataset_index() -> str:
        """Datasets loaded with load_accounts: name, rows, source files, and the URI of each card."""
        return _json(datasets(state.workspace))

    @mcp.resource("icp://segmentations", name="segmentations", title="Saved segmentations", mime_type=JSON)
    @resource_errors
    def segmentation_index() -> str:
        """Segmentations saved by segment_accounts: name, dataset, mode, dimensions, number of segments, URI."""
        return _json(segmentations(state.workspace))

    @mcp.resource("icp://icps", name="icps", title="ICPs and their versions", mime_type=JSON)
    @resource_errors
    def icp_index() -> str:
        """ICPs built with build_icp: name, dataset, latest version, every version and their URIs."""
        return _json(icps(state.workspace))

    @mcp.resource("icp://documents", name="documents", title="Generated documents", mime_type=JSON)
    @resource_errors
    def document_index() -> str:
        """Generated documents (ICP documents, segment cards): URI, folder, file, MIME type, size."""
        return _json(document_list(state.workspace))

    @mcp.resource("icp://profile", name="profile", title="Product profile", mime_type=JSON)
    @resource_errors
    def product_profile() -> str:
        """What the user sells, as set with set_product_profile (null fields: not said yet); used in every draft."""
        return _json(read_profile(state.workspace))


def register_items(mcp: MCPServer, state: AppState) -> None:
    @mcp.resource("icp://datasets/{name}", name="dataset", title="Dataset card", mime_type=JSON)
    @resource_errors
    def dataset_item(name: str) -> str:
        """A loaded dataset's card: source files, fields with fill rates, outcomes, warnings, what it supports."""
        return _json(dataset_card(state.workspace, name))

    @mcp.resource("icp://segmentations/{name}", name="segmentation", title="Segmentation", mime_type=JSON)
    @resource_errors
    def segmentation_item(name: str) -> str:
        """A saved segmentation with every segment: traits, outcomes, outliers, and where its tables are."""
        return _json(segmentation(state.workspace, name))

    @mcp.resource("icp://icps/{name}", name="icp", title="ICP (latest version)", mime_type=JSON)
    @resource_errors
    def icp_latest(name: str) -> str:
        """The latest version of an ICP: the model file (scorecard, thresholds, gates, fit statements)."""
        return _json(icp_version(state.workspace, name))

    @mcp.resource("icp://icps/{name}/v{version}", name="icp_version", title="ICP version", mime_type=JSON)
    @resource_errors
    def icp_numbered(name: str, version: str) -> str:
        """One version of an ICP: the model file as saved by build_icp."""
        return _json(icp_version(state.workspace, name, version))

    for suffix, mime in DOCUMENT_TYPES.items():
        register_document(mcp, state, suffix, mime)


def register_document(mcp: MCPServer, state: AppState, suffix: str, mime: str) -> None:
    kind = suffix.lstrip(".")

    @mcp.resource(
        f"icp://documents/{{folder}}/{{file}}{suffix}",
        name=f"document_{kind}",
        title=f"Document ({kind.upper()})",
        description=f"A generated document, e.g. icp://documents/acme-icp-v2/icp-document{suffix} (see icp://documents)",
        mime_type=mime,
    )
    @resource_errors
    def read_document(folder: str, file: str) -> str:
        return document(state.workspace, folder, f"{file}{suffix}")
