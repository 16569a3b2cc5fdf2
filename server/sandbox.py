"""The file sandbox: user paths resolve only inside the allowed folders.

``~`` is expanded; relative paths are taken relative to each allowed folder in turn; ``..`` and
symlinks are resolved *before* the check, so neither can lead outside.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from urllib.parse import unquote, urlparse

from icp_assistant.tools.errors import FileMissingError, FileNotAllowedError


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _allowed_text(roots: tuple[Path, ...]) -> str:
    return ", ".join(str(r) for r in roots) or "(none configured)"


def root_paths(uris: list[str]) -> tuple[Path, ...]:
    """Local folders from MCP client root URIs (file:// only)."""
    out = []
    for uri in uris:
        parsed = urlparse(str(uri))
        if parsed.scheme == "file":
            out.append(Path(unquote(parsed.path)).resolve())
    return tuple(out)


def _suggest(path: Path) -> str:
    parent = path.parent
    if not parent.is_dir():
        return ""
    names = [p.name for p in parent.iterdir() if p.is_file() and not p.name.startswith(".")]
    close = difflib.get_close_matches(path.name, names, n=3, cutoff=0.5)
    return f" Did you mean: {', '.join(close)}?" if close else ""


def resolve_path(user_path: str, roots: tuple[Path, ...], must_exist: bool = True) -> Path:
    """The real path of ``user_path`` if it lies inside one of ``roots``; else a clear error."""
    text = str(user_path).strip().strip('"').strip("'")
    if text.startswith("file://"):
        text = unquote(urlparse(text).path)
    raw = Path(text).expanduser()
    candidates = [raw.resolve()] if raw.is_absolute() else [(root / raw).resolve() for root in roots]
    inside = [c for c in candidates if _inside(c, roots)]
    existing = [c for c in inside if c.exists()]
    if existing:
        return existing[0]
    escaped = [c for c in candidates if not _inside(c, roots) and c.exists()]
    if escaped or not inside:
        via = f" (it leads to {escaped[0]})" if escaped and not raw.is_absolute() else ""
        raise FileNotAllowedError(
            f"{user_path!r} is outside the folders this server may read{via}. Allowed folders: "
            f"{_allowed_text(roots)}. Move the file into one of them, or restart the server with --data-dir "
            "pointing at its folder."
        )
    if not must_exist:
        return inside[0]
    raise FileMissingError(f"File not found: {user_path!r} (looked in {_allowed_text(roots)}).{_suggest(inside[0])}")
