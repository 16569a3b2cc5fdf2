"""The workspace: a folder of plain files holding everything that must outlive a call.

    <workspace>/
        datasets/<name>/meta.json        where it came from (paths, sizes, mtimes, options), kinds
        datasets/<name>/card.json        the dataset card as returned to the client
        datasets/<name>/accounts.parquet cleaned accounts (canonical + derived + unmapped columns)
        datasets/<name>/deals.parquet    cleaned deals joined to accounts (when a deals file was given)
        <kind>/<name>/...                later tools: segmentations, ICP versions, documents, charts

Writes are atomic (write to a temporary file, then rename). Names are short slugs.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import NotFoundError, OptionError, listing

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def slugify(text: str, default: str = "dataset") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")
    return slug or default


def check_name(name: str, what: str = "name") -> str:
    if not NAME_RE.match(name):
        raise OptionError(
            f"{what} {name!r} is not usable: use 1-64 lower-case letters, digits, '-' or '_', "
            f"for example {slugify(name)!r}."
        )
    return name


FILE_MODE = 0o644


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the result to ``path`` in one step. The file gets ordinary
    permissions (rw-r--r--), not mkstemp's owner-only ones: documents are meant to be opened and shared."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        tmp_path.chmod(FILE_MODE)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return path


def write_json(path: Path, data: Any) -> Path:
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(path, write)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class Workspace:
    """A folder holding datasets, segmentations, ICP versions and documents."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()

    def folder(self, kind: str, name: str | None = None) -> Path:
        path = self.root / kind if name is None else self.root / kind / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def names(self, kind: str) -> list[str]:
        base = self.root / kind
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir() and (p / "meta.json").exists())

    def existing(self, kind: str, name: str) -> Path:
        """The folder of an existing object, or a NotFoundError listing what exists."""
        path = self.root / kind / name
        if not (path / "meta.json").exists():
            known = self.names(kind)
            plural = {"icps": "ICPs"}.get(kind, kind)
            hint = f"Existing {plural}: {listing(known)}." if known else f"There are no {plural} yet."
            singular = {"icps": "ICP"}.get(kind, kind.rstrip("s"))
            raise NotFoundError(f"No {singular} named {name!r} in the workspace. {hint}")
        return path


def write_table(frame: Any, path: Path) -> Path:
    """Write a DataFrame as CSV atomically (full tables live in files; results carry the path)."""

    def write(tmp: Path) -> None:
        frame.to_csv(tmp, index=False)

    return atomic_write(path, write)
