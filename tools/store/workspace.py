"""The workspace: a folder of plain files holding everything that must outlive a call.

    <workspace>/
        datasets/<name>/meta.json        where it came from (paths, sizes, mtimes, options), kinds
        datasets/<name>/card.json        the dataset card as returned to the client
        datasets/<name>/accounts.parquet cleaned accounts (canonical + derived + unmapped columns)
        datasets/<name>/deals.parquet    cleaned deals joined to accounts (when a deals file was given)
        <collection>/<name>/...          later tools: segmentations, ICP versions, documents, charts
        profile/product.json             the user's product profile (tools/profile.py)

Names are short slugs, each one path segment: a name never leads outside the workspace, whoever wrote
it (a tool argument or a field inside a file). Writes are atomic: a file is written to a temporary
file and renamed; a dataset or segmentation folder is written whole into a staging folder and swapped in
under a lock, so a reader, a concurrent writer or a ``kill -9`` sees either the old set or the new one.
Temporary files and folders carry their writer's process id; those of dead processes are removed when a
server starts (:meth:`Workspace.clean_leftovers`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, get_args

from icp_assistant.tools.core.errors import NotFoundError, OptionError, listing

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; single-writer use only
    fcntl = None  # type: ignore[assignment]

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SEGMENT_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,127}$")  # a folder name made of names ('acme-icp-v2')
Collection = Literal[
    "datasets", "icps", "segmentations", "analyses", "exports", "documents", "prospect-lists", "markets", "profile",
    "scratch",
]  # fmt: skip
COLLECTIONS: tuple[Collection, ...] = get_args(Collection)  # the workspace's top-level folders, one per kind of object
DATASETS: Collection = "datasets"
ICPS: Collection = "icps"
SEGMENTATIONS: Collection = "segmentations"
DOCUMENTS: Collection = "documents"
PROFILE: Collection = "profile"
META = "meta.json"  # every saved object's folder holds one; an object exists when its meta does
CARD = "card.json"  # a dataset's card
ACCOUNTS_TABLE, DEALS_TABLE = "accounts.parquet", "deals.parquet"  # a dataset's cleaned tables
LEFTOVER_RE = re.compile(r"^\.(?:.*\.)?(?:tmp|staging|trash)-(\d+)-")


def slugify(text: str, default: str = "dataset") -> str:
    """A name from any text: transliterated to ASCII (python-slugify), so 'Клиенты 2026' gives 'klienty-2026' and
    '顧客' gives 'gu-ke', not the default."""
    from slugify import slugify as transliterate

    slug = transliterate(text, max_length=48, word_boundary=False, separator="-", lowercase=True)
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")  # python-slugify already gives these; the rule is ours
    return slug or default


def check_name(name: str, what: str = "name") -> str:
    if not NAME_RE.match(name):
        raise OptionError(
            f"{what} {name!r} is not usable: use 1-64 lower-case letters, digits, '-' or '_', "
            f"for example {slugify(name)!r}."
        )
    return name


def is_name(name: object) -> bool:
    return isinstance(name, str) and bool(NAME_RE.match(name))


def segment(part: str) -> str:
    """``part`` if it is one safe path segment (no separator, no leading dot, no '..'); else an error."""
    if not isinstance(part, str) or not SEGMENT_RE.match(part) or part in (".", ".."):
        raise OptionError(
            f"{part!r} is not a usable name: names are one word of lower-case letters, digits, '-' or '_' "
            f"(for example {slugify(str(part))!r}), never a path."
        )
    return part


FILE_MODE = 0o644


def _pid_prefix(state: str) -> str:
    return f"{state}-{os.getpid()}-"


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the result to ``path`` in one step. The file gets ordinary
    permissions (rw-r--r--), not mkstemp's owner-only ones: documents are meant to be opened and shared."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{_pid_prefix('tmp')}", suffix=".tmp")
    os.close(handle)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        tmp_path.chmod(FILE_MODE)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(path, write)


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

    def path(self, collection: Collection, *parts: str) -> Path:
        """``<root>/<collection>/<part>/...``: every part one safe segment, the result inside the workspace."""
        if collection not in COLLECTIONS:
            raise AssertionError(f"unknown workspace collection {collection!r}")
        path = self.root.joinpath(collection, *(segment(p) for p in parts))
        if not path.resolve().is_relative_to(self.root):  # a symlink planted inside the workspace
            raise OptionError(f"{'/'.join(parts)!r} leads outside the workspace; remove that link from {self.root}.")
        return path

    def folder(self, collection: Collection, name: str | None = None) -> Path:
        path = self.path(collection) if name is None else self.path(collection, name)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def scratch(self, name: str) -> Path:
        """A new private folder for one job's intermediate files (out-of-core staging, engine spill). The caller
        removes it; a server killed mid-job leaves it to :meth:`clean_leftovers` of the next one."""
        base = self.folder("scratch")
        return Path(tempfile.mkdtemp(dir=base, prefix=f".{segment(name)}.{_pid_prefix('staging')}"))

    def names(self, collection: Collection) -> list[str]:
        base = self.root / collection
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if is_name(p.name) and p.is_dir() and (p / META).exists())

    def existing(self, collection: Collection, name: str) -> Path:
        """The folder of an existing object, or a NotFoundError listing what exists (also for a name that is
        not a name at all, such as a path: it is looked up, never joined)."""
        known = self.names(collection)
        if name not in known:
            plural = {"icps": "ICPs"}.get(collection, collection)
            hint = f"Existing {plural}: {listing(known)}." if known else f"There are no {plural} yet."
            singular = {"icps": "ICP"}.get(collection, collection.rstrip("s"))
            shape = "" if is_name(name) else " Names are single words, not paths."
            raise NotFoundError(f"No {singular} named {name!r} in the workspace.{shape} {hint}")
        return self.path(collection, name)

    @contextlib.contextmanager
    def lock(self, collection: Collection, name: str, shared: bool = False) -> Iterator[None]:
        """An advisory lock on one object: writers exclusive, readers shared (POSIX flock)."""
        base = self.folder(collection)
        with open(base / f".{segment(name)}.lock", "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def commit_folder(self, collection: Collection, name: str, write: Callable[[Path], None]) -> Path:
        """Write a whole object folder as one unit: ``write(staging)`` fills a staging folder, which then
        replaces ``<collection>/<name>`` under the object's lock. Old and new are never mixed; an interrupted write
        leaves the old folder (or, killed between the two renames, a trash folder that start-up restores)."""
        target = self.path(collection, name)
        base = self.folder(collection)
        staging = Path(tempfile.mkdtemp(dir=base, prefix=f".{name}.{_pid_prefix('staging')}"))
        try:
            staging.chmod(0o755)
            write(staging)
            with self.lock(collection, name):
                trash = base / f".{name}.{_pid_prefix('trash')}{staging.name.rsplit('-', 1)[-1]}"
                if target.exists():
                    os.replace(target, trash)
                os.replace(staging, target)
                shutil.rmtree(trash, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def clean_leftovers(self) -> list[str]:
        """Remove temporary files and staging folders of writers that no longer run (killed mid-write); put back
        an object folder whose swap was interrupted. Returns what was cleaned (for the log)."""
        cleaned: list[str] = []
        for collection in COLLECTIONS:
            base = self.root / collection
            if base.is_dir():
                cleaned += _clean(base)
                cleaned += [str(p) for sub in base.iterdir() if sub.is_dir() and is_name(sub.name) for p in _clean(sub)]
        return cleaned


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean(base: Path) -> list[str]:
    cleaned = []
    for entry in sorted(base.iterdir()):
        match = LEFTOVER_RE.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        original = base / entry.name[1:].split(".", 1)[0]
        if ".trash-" in entry.name and entry.is_dir() and is_name(original.name) and not original.exists():
            os.replace(entry, original)  # killed between the two renames: the old folder comes back
        elif entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        cleaned.append(str(entry))
    return cleaned


# OWASP CSV injection: =, +, -, @, tab, CR; also LF, NUL (OWASP ASVS) and the full-width =, +, -, @ (defence in depth).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")
LEADING_BLANKS = re.compile(r"^[\s\x00-\x1f]+")


def formula_like(value: object) -> bool:
    """Text a spreadsheet may run as a formula: it starts with a formula character, or does once leading spaces and
    control characters are trimmed (as LibreOffice's 'Trim spaces' import option does)."""
    if not isinstance(value, str):
        return False
    return value.startswith(FORMULA_START) or LEADING_BLANKS.sub("", value).startswith(FORMULA_START)


def _formula_cells(text: Any) -> Any:
    """:func:`formula_like` per cell. A text column is checked in full only on cells whose first character is a
    formula character or a blank (no other cell can be one): a million names cost one vectorised slice, not a million
    calls. Any other column (a list's reasons and actions repeat a few texts) is checked once per distinct value."""
    import numpy as np
    import pandas as pd

    if not isinstance(text.dtype, pd.StringDtype):  # cells of any type (the .str accessor refuses date columns)
        from icp_assistant.tools.core.distinct import spread

        try:
            codes, distinct = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
        except TypeError:  # an unhashable cell (a list): every cell looked at on its own
            return text.map(formula_like).to_numpy(dtype=bool)
        return spread(np.array([formula_like(value) for value in distinct], dtype=bool), codes)
    first = text.str.slice(0, 1)  # sliced in place, no Python string per cell
    starts = {c for c in first.dropna().unique() if isinstance(c, str) and (formula_like(c) or LEADING_BLANKS.match(c))}
    candidates = first.isin(starts).to_numpy(dtype=bool)
    risky = np.zeros(len(text), dtype=bool)
    if candidates.any():
        risky[candidates] = text[candidates].map(formula_like).to_numpy(dtype=bool)
    return risky


def spreadsheet_safe(frame: Any) -> Any:
    """A copy whose text cells cannot run as a spreadsheet formula (OWASP CSV injection): a text cell starting with
    =, +, -, @, tab, CR, LF or NUL (or a full-width =, +, -, @), also after leading spaces, gets a leading
    apostrophe. Number columns stay numbers."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        risky = _formula_cells(series)
        if risky.any():
            text = series.astype("object")
            out[column] = text.where(~risky, "'" + text.astype(str))
    safe_headers = ["'" + c if formula_like(c) else c for c in out.columns]
    out.columns = safe_headers
    return out


# Control characters a worksheet cannot hold (openpyxl refuses the whole file): a vertical tab is how Excel stores a
# line break inside a cell, so each becomes a space.
WORKSHEET_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def worksheet_text(frame: Any) -> Any:
    """A copy whose text cells and headers hold no control character an XLSX worksheet refuses (replaced by a space)."""
    import pandas as pd

    def clean(value: object) -> object:
        return WORKSHEET_ILLEGAL.sub(" ", value) if isinstance(value, str) else value

    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column]):
            continue
        text = out[column].astype("object")
        cleaned = text.map(clean)
        if not cleaned.equals(text):
            out[column] = cleaned
    out.columns = [clean(c) for c in out.columns]
    return out


def write_table(frame: Any, path: Path) -> Path:
    """Write a DataFrame atomically as CSV, or as XLSX when ``path`` ends in .xlsx, every text cell made safe to
    open in a spreadsheet (the one writer for every table the server writes). In an XLSX, control characters a
    worksheet cannot hold become spaces first, so neutralisation sees the text as the spreadsheet will. A path
    ending in .parquet gets the values as they are, typed (a file for code, never opened by a spreadsheet)."""
    if path.suffix.lower() == ".parquet":
        return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
    xlsx = path.suffix.lower() == ".xlsx"
    safe = spreadsheet_safe(worksheet_text(frame) if xlsx else frame)

    def write(tmp: Path) -> None:
        if xlsx:
            safe.to_excel(tmp, index=False, engine="openpyxl")
        else:
            from . import csv_text

            with tmp.open("wb") as handle:
                csv_text.write(safe, handle)

    return atomic_write(path, write)
