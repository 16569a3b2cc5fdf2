"""The file sandbox: user paths resolve only inside the allowed folders.

``~`` is expanded; relative paths are taken relative to each allowed folder in turn; ``..`` and
symlinks are resolved *before* the check, so neither can lead outside.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from urllib.parse import unquote, urlparse

from icp_assistant.tools.core.errors import FileMissingError, FileNotAllowedError


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


MAX_PATH_CHARS = 4096
URL_SCHEMES = ("http://", "https://", "ftp://", "ftps://", "s3://", "gs://", "sftp://")


def _checked_text(user_path: str, roots: tuple[Path, ...]) -> str:
    """The path as text, or a clear error for what can never be a local file path."""
    text = str(user_path).strip().strip('"').strip("'")
    if text.lower().startswith(URL_SCHEMES):
        raise FileNotAllowedError(
            f"{user_path!r} is a web address: only local files can be read. Download it into one of the allowed "
            f"folders ({_allowed_text(roots)}) first, then pass that file's path."
        )
    if text.startswith("file://"):
        text = unquote(urlparse(text).path)
    if not text or text in (".", "./"):
        raise FileMissingError(
            f"No file given (path {user_path!r}). Pass the path of a CSV, XLSX, Parquet or JSON file, e.g. "
            f"'accounts.csv' inside {_allowed_text(roots)}."
        )
    if "\x00" in text:
        raise FileMissingError(
            f"The path {text.replace(chr(0), '<NUL>')[:200]!r} contains a NUL character, which no file name can. "
            "Copy the file name again."
        )
    if len(text) > MAX_PATH_CHARS or any(len(part) > 255 for part in Path(text).parts):
        raise FileMissingError(
            f"The path given ({len(text):,} characters, starting {text[:60]!r}) is longer than a file path can be. "
            "Copy the file's path again, or move the file to a shorter folder."
        )
    return text


def _resolved(raw: Path, root: Path | None) -> Path:
    try:
        return (root / raw).resolve() if root is not None else raw.resolve()
    except RuntimeError as exc:  # a symlink loop
        raise FileMissingError(
            f"{str(raw)!r} is a symbolic link that points to itself (a loop). Pass the real file's path."
        ) from exc


def resolve_path(user_path: str, roots: tuple[Path, ...], must_exist: bool = True) -> Path:
    """The real path of ``user_path`` if it lies inside one of ``roots``; else a clear error.

    A refused path is refused with the same words whether or not something exists outside, and the error never
    says where a link leads: nothing outside the allowed folders is disclosed."""
    text = _checked_text(user_path, roots)
    raw = Path(text).expanduser()
    candidates = [_resolved(raw, None)] if raw.is_absolute() else [_resolved(raw, root) for root in roots]
    inside = [c for c in candidates if _inside(c, roots)]
    existing = [c for c in inside if c.exists()]
    if existing:
        return existing[0]
    if len(inside) < len(candidates):  # leads outside from some folder: refused whether or not anything is there
        raise FileNotAllowedError(
            f"{user_path!r} is outside the folders this server may read. Allowed folders: "
            f"{_allowed_text(roots)}. Move the file into one of them, or restart the server with --data-dir "
            "pointing at its folder."
        )
    if not must_exist:
        return inside[0]
    raise FileMissingError(f"File not found: {user_path!r} (looked in {_allowed_text(roots)}).{_suggest(inside[0])}")
