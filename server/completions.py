"""Completions (``completion/complete``): what the workspace knows, offered as the user types a prompt argument or
a resource-template variable: dataset, ICP, segmentation and segment names, ICP versions, documents, and the export
files in the allowed data folders for the ``*_path`` arguments."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from icp_assistant.tools.core.errors import IcpError
from icp_assistant.tools.ingest.dialects import SUPPORTED_SUFFIXES
from icp_assistant.tools.store.workspace import Collection, Workspace

from .resources import documents
from .resources import segmentation as saved_segmentation
from .state import AppState

MAX_VALUES = 100  # the protocol's cap per response
MAX_FILES = 2_000  # files looked at per data folder, so a huge folder cannot stall the client's typing


def register(mcp: MCPServer, state: AppState) -> None:
    @mcp.completion()
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion:
        given = dict(context.arguments or {}) if context is not None else {}
        options = candidates(state, ref, argument.name, given)
        return completion(options, argument.value)


def completion(options: Iterable[str], typed: str) -> Completion:
    """The options starting with what was typed (case-insensitive; then those containing it), capped at 100."""
    typed_lower = typed.lower()
    unique = list(dict.fromkeys(options))
    starts = [o for o in unique if o.lower().startswith(typed_lower)]
    contains = [o for o in unique if typed_lower in o.lower() and o not in starts]
    matches = starts + contains
    return Completion(values=matches[:MAX_VALUES], total=len(matches), has_more=len(matches) > MAX_VALUES)


def candidates(
    state: AppState, ref: PromptReference | ResourceTemplateReference, name: str, given: dict[str, str]
) -> list[str]:
    workspace = state.workspace
    if isinstance(ref, ResourceTemplateReference):
        return _template_values(workspace, ref.uri, name, given)
    if name.endswith("_path"):
        return _data_files(state)
    source: Callable[[], list[str]] | None = {
        "icp": lambda: workspace.names("icps"),
        "icp_name": lambda: workspace.names("icps"),
        "dataset": lambda: workspace.names("datasets"),
        "segmentation": lambda: workspace.names("segmentations"),
        "segment": lambda: _segments(workspace, given.get("segmentation")),
    }.get(name)
    return source() if source is not None else []


NAMED: tuple[Collection, ...] = ("datasets", "icps", "segmentations")  # resources addressed by name


def _template_values(workspace: Workspace, uri: str, name: str, given: dict[str, str]) -> list[str]:
    if uri.startswith("icp://documents/"):
        found = [path for path in documents(workspace).values() if path.suffix == Path(uri).suffix]
        if name == "folder":
            return sorted({path.parent.name for path in found})
        folder = given.get("folder")
        return sorted({path.stem for path in found if folder in (None, "", path.parent.name)})
    if name == "version":
        icp = given.get("name", "")
        return [str(v) for v in _versions(workspace, icp)]
    collection = uri.removeprefix("icp://").split("/", 1)[0]
    for named in NAMED:
        if name == "name" and collection == named:
            return workspace.names(named)
    return []


def _versions(workspace: Workspace, icp: str) -> list[int]:
    if icp not in workspace.names("icps"):
        return []
    from icp_assistant.tools.model import icp as icp_engine  # with pandas: on first use, not at start-up

    try:
        return sorted(icp_engine.versions(workspace, icp), reverse=True)
    except IcpError:
        return []


def _segments(workspace: Workspace, segmentation: str | None) -> list[str]:
    names = [segmentation] if segmentation in workspace.names("segmentations") else workspace.names("segmentations")
    out: list[str] = []
    for name in names:
        try:
            out += [segment.name for segment in saved_segmentation(workspace, name).segments]
        except IcpError:
            continue
    return out


def _data_files(state: AppState) -> list[str]:
    """Export files in the allowed data folders (top level and one folder down), as paths the tools accept."""
    out: list[str] = []
    for folder in state.config.data_dirs:
        if not folder.is_dir():
            continue
        listed = itertools.islice(itertools.chain(folder.glob("*"), folder.glob("*/*")), MAX_FILES)
        for path in sorted(listed):
            if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith("."):
                out.append(str(path))
    return out
