"""Find a company among the loaded datasets by web domain, name or id: "Is Acme a fit?" without retyping its fields.

Every dataset in the workspace (accounts, prospect lists, market universes: whatever load_accounts saved) is searched
on its key columns only: the web domain (normalised: scheme, user, ``www.``, path, port and case dropped), the
company name (normalised by :func:`.company_keys.normalize_name`, the key deals are joined on) and the account id as
written. Those columns are read from the dataset's Parquet file with pyarrow and normalised once per file version
(inode, size, modification time); the result stays in memory, so a later lookup in a million rows is a vectorised
comparison. Only the row that matched is then read in full.

The query is data: it is compared with values, never joined into a path or run as a pattern, so
"../../etc/passwd" or "Acme'; DROP" is a name that is simply not found.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from icp_assistant.tools.core.company_keys import normalize_name
from icp_assistant.tools.core.errors import IcpError, NotFoundError, OptionError, listing

from .datasets import _fingerprint, _read_mapped
from .schemas import Candidate, MatchedBy
from .workspace import ACCOUNTS_TABLE, CARD, DATASETS, META, Workspace, read_json

KEYS = {"domain": "domain", "name": "name", "id": "account_id"}  # how a query is matched -> the column it reads
# besides account_id, any column loading typed as an id (a 'customerID' that maps to no canonical field) is an id
DOMAIN_STEPS = (  # applied in order, by Python's re for a query and by RE2 (pyarrow) for a column: same result
    (r"^[ \t\r\n]+|[ \t\r\n]+$", ""),
    (r"^[a-z][a-z0-9+.-]*://", ""),  # scheme
    (r"^[^/@]*@", ""),  # user, or the mailbox of an e-mail address
    (r"[/?#].*$", ""),  # path, query, fragment
    (r":[0-9]*$", ""),  # port
    (r"^www[0-9]*\.", ""),
    (r"\.+$", ""),
)
DOMAIN_SHAPE = r"^[^ \t./:@]+(\.[^ \t./:@]+)+$"
MAX_CACHED, MAX_CACHED_ROWS = 8, 3_000_000  # indexes kept in memory (about 230 MB per million rows)
MAX_CANDIDATES, SUGGESTIONS, MAX_GROUPED = 8, 3, 200  # MAX_GROUPED: matching rows told apart one by one
SCAN_ALL, MAX_SCANNED = 50_000, 20_000  # suggestions: every distinct name up to SCAN_ALL, else a prefiltered sample


def normalize_domain(text: object) -> str:
    """'HTTPS://www.Acme.com/about' -> 'acme.com'; '' when the text is not shaped like a domain."""
    if not isinstance(text, str):
        return ""
    value = text.lower()
    for pattern, replacement in DOMAIN_STEPS:
        value = re.sub(pattern, replacement, value, flags=re.DOTALL)
    return value if re.match(DOMAIN_SHAPE, value) else ""


def _domains(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """:func:`normalize_domain` over a column (null where the value is not shaped like a domain)."""
    value = pc.utf8_lower(column)
    for pattern, replacement in DOMAIN_STEPS:
        value = pc.replace_substring_regex(value, pattern=pattern, replacement=replacement)
    return pc.if_else(pc.match_substring_regex(value, DOMAIN_SHAPE), value, pa.scalar(None, value.type))


def _names(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """:func:`.company_keys.normalize_name` over a column, computed once per distinct name."""
    chunks = []
    for chunk in column.chunks:
        encoded = chunk.dictionary_encode()
        normalised = pa.array([normalize_name(v) for v in encoded.dictionary.to_pylist()], pa.large_string())
        chunks.append(normalised.take(encoded.indices))
    return pa.chunked_array(chunks, pa.large_string())


# -- row numbers in the user's file ------------------------------------------------------------------------------


@dataclass
class RowNumbers:
    """Dataset rows <-> rows of the user's file (1 = first data row). They differ once loading removed exact
    duplicate rows: ``kept`` holds the file position of each dataset row and ``hashes`` one hash per file row."""

    kept: np.ndarray | None = None
    hashes: np.ndarray | None = None
    note: str | None = None

    def file_row(self, position: int) -> int:
        return int(self.kept[position]) + 1 if self.kept is not None else position + 1

    def file_rows(self, rows: int) -> int:
        return len(self.hashes) if self.hashes is not None else rows

    def position(self, file_row: int) -> int:
        """The dataset row of a file row; a removed duplicate resolves to the earlier row it repeats."""
        if self.kept is None or self.hashes is None:
            return file_row - 1
        first = int(np.flatnonzero(self.hashes == self.hashes[file_row - 1])[0])
        return int(np.searchsorted(self.kept, first))


def _row_numbers(folder: Path, rows: int) -> RowNumbers:
    """How the dataset's rows map to its file's: re-read the file (when unchanged since loading) to find the removed
    duplicates exactly as loading did; else the dataset's own numbering, with a note saying so."""
    try:
        meta, card = read_json(folder / META), read_json(folder / CARD)
        removed = int((card.get("cleaning") or {}).get("duplicate_rows_removed", 0))
    except (OSError, ValueError, AttributeError):
        return RowNumbers()
    if not removed:
        return RowNumbers()
    options = meta.get("options") or {}
    source, deals = Path(meta.get("accounts_path") or ""), meta.get("deals_path")
    try:
        if source.is_file() and _fingerprint([source, Path(deals) if deals else None], options) == meta["fingerprint"]:
            raw, _ = _read_mapped(source, "accounts", options.get("sheet"), options.get("mapping") or None, None)
            hashes = pd.util.hash_pandas_object(raw.frame, index=False).to_numpy()
            kept = np.flatnonzero(~pd.Series(hashes).duplicated().to_numpy())
            if len(kept) == rows:
                return RowNumbers(kept, hashes)
    except (IcpError, OSError, ValueError, KeyError):
        pass
    return RowNumbers(note=f"Loading removed {removed:,} exact duplicate rows and the file has changed since, so row "
                           "numbers count the dataset's rows, not the file's.")  # fmt: skip


# -- the per-dataset index ----------------------------------------------------------------------------------------


@dataclass
class DatasetIndex:
    """One dataset's key columns as written (``raw``) and normalised (``keys``), for lookups."""

    dataset: str
    rows: int
    raw: dict[str, pa.ChunkedArray]
    keys: dict[str, pa.ChunkedArray]
    folder: Path
    more_ids: list[pa.ChunkedArray] = field(default_factory=list, repr=False)
    _distinct_names: pa.Array | None = field(default=None, repr=False)
    _numbers: RowNumbers | None = field(default=None, repr=False)

    def numbers(self) -> RowNumbers:
        """Row numbers in the user's file (worked out on first use: only a dataset whose loading removed
        duplicates needs its file read again)."""
        if self._numbers is None:
            self._numbers = _row_numbers(self.folder, self.rows)
        return self._numbers

    def key_column(self, by: str) -> pa.ChunkedArray | None:
        """The normalised keys of ``by``; company names are normalised on the first name query (a lookup by id or
        domain never pays for a million names)."""
        if by == "name" and "name" not in self.keys and "name" in self.raw:
            self.keys["name"] = _names(self.raw["name"])
        return self.keys.get(by)

    def searchable(self) -> list[str]:
        return [k for k in KEYS if k in self.keys or (k == "name" and "name" in self.raw)]

    def hits(self, by: str, value: str) -> np.ndarray:
        """Row positions (0-based) whose ``by`` key equals ``value``."""
        columns = [c for c in [self.key_column(by), *(self.more_ids if by == "id" else [])] if c is not None]
        if not columns or not value:
            return np.empty(0, dtype=np.int64)
        equal = [pc.fill_null(pc.equal(c, pa.scalar(value, c.type)), False).to_numpy() for c in columns]
        return np.flatnonzero(np.logical_or.reduce(equal))

    def value(self, by: str, position: int) -> str | None:
        column = self.raw.get(by)
        if column is None:
            return None
        found = column[position].as_py()
        return None if found is None or str(found).strip() == "" else str(found)

    def key(self, by: str, position: int) -> str:
        if by == "name" and "name" not in self.keys and "name" in self.raw:  # one row: normalise just its name
            return normalize_name(self.raw["name"][position].as_py())
        column = self.keys.get(by)
        return "" if column is None else str(column[position].as_py() or "")

    def distinct_names(self) -> pa.Array:
        if self._distinct_names is None:
            names = self.key_column("name")
            unique = pc.unique(names) if names is not None else pa.array([], pa.large_string())
            self._distinct_names = pc.drop_null(pc.filter(unique, pc.not_equal(unique, "")))
        return self._distinct_names


def _id_columns(folder: Path, names: list[str]) -> list[str]:
    """account_id, then the other columns loading typed as ids, in the table's order."""
    try:
        kinds = read_json(folder / META).get("kinds") or {}
    except (OSError, ValueError, AttributeError):
        kinds = {}
    return [c for c in names if c == KEYS["id"]] + [c for c in names if c != KEYS["id"] and kinds.get(c) == "id"]


def _build(dataset: str, path: Path) -> DatasetIndex:
    names = pq.read_schema(path).names
    ids = _id_columns(path.parent, names)
    columns = [c for c in (KEYS["domain"], KEYS["name"]) if c in names] + ids
    table = pq.read_table(path, columns=columns)
    raw = {by: pc.cast(table[c], pa.large_string()) for by, c in KEYS.items() if by != "id" and c in columns}
    keys: dict[str, pa.ChunkedArray] = {}
    if "domain" in raw:
        keys["domain"] = _domains(raw["domain"])
    id_keys = [pc.utf8_trim_whitespace(pc.cast(table[c], pa.large_string())) for c in ids]
    if ids:
        raw["id"], keys["id"] = pc.cast(table[ids[0]], pa.large_string()), id_keys[0]
    return DatasetIndex(dataset, table.num_rows, raw, keys, path.parent, id_keys[1:])


_CACHE: OrderedDict[str, tuple[tuple[int, int, int], DatasetIndex]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def dataset_index(workspace: Workspace, dataset: str) -> DatasetIndex:
    """The index of a dataset's key columns: built on first use, kept in memory while its file is unchanged."""
    path = workspace.existing(DATASETS, dataset) / ACCOUNTS_TABLE
    with _CACHE_LOCK, workspace.lock(DATASETS, dataset, shared=True):
        stat = path.stat()
        version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        cached = _CACHE.get(str(path))
        if cached is not None and cached[0] == version:
            _CACHE.move_to_end(str(path))
            return cached[1]
        index = _build(dataset, path)
        _CACHE[str(path)] = (version, index)
        while len(_CACHE) > 1 and (
            len(_CACHE) > MAX_CACHED or sum(i.rows for _, i in _CACHE.values()) > MAX_CACHED_ROWS
        ):
            _CACHE.popitem(last=False)
        return index


# -- finding the row ----------------------------------------------------------------------------------------------


class AmbiguousCompanyError(OptionError):
    """The query matches several different companies; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list[Candidate]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass
class Found:
    """The row a query resolved to (dataset position, and row in the user's file), how, and other rows of the same
    company."""

    dataset: str
    position: int
    row: int
    matched_by: MatchedBy
    record: Candidate
    also: list[Candidate] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class _Hit:
    index: DatasetIndex
    position: int

    @property
    def dataset(self) -> str:
        return self.index.dataset

    def candidate(self) -> Candidate:
        i, p = self.index, self.position
        return Candidate(dataset=i.dataset, row=i.numbers().file_row(p), name=i.value("name", p),
                         domain=i.value("domain", p), id=i.value("id", p))  # fmt: skip

    def same_company(self, other: _Hit) -> bool:
        """Rows of one dataset are one company only when their keys agree; across datasets, unless their domains
        differ (a dataset is one list, so two of its rows are two records)."""
        mine, theirs = self.index.key("domain", self.position), other.index.key("domain", other.position)
        if mine and theirs and mine != theirs:
            return False
        if self.dataset != other.dataset:
            return True
        return all(self.index.key(k, self.position) == other.index.key(k, other.position) for k in KEYS)


def _searched(workspace: Workspace, dataset: str | None) -> list[DatasetIndex]:
    names = [dataset] if dataset is not None else workspace.names(DATASETS)
    if not names:
        raise NotFoundError(
            "There are no datasets to search yet. Load the accounts (or a prospect list) with load_accounts, or "
            "describe the company in `fields` to score it as a new prospect."
        )
    return [dataset_index(workspace, name) for name in names]


def _queries(company: str) -> list[tuple[MatchedBy, str]]:
    """What ``company`` is looked up as, in order: a domain, a name, an id; a value without a letter ("10500001",
    "0042-77") as an id before a name (names are normalised on their first query: a million of them take
    seconds that an id lookup need not wait for)."""
    text = company.strip()
    queries: list[tuple[MatchedBy, str]] = [("domain", normalize_domain(text)), ("name", normalize_name(text)),
                                            ("id", text)]  # fmt: skip
    if not any(char.isalpha() for char in text):
        queries = [queries[0], queries[2], queries[1]]
    return [(by, value) for by, value in queries if value]


def _groups(hits: list[_Hit]) -> list[list[_Hit]]:
    groups: list[list[_Hit]] = []
    for hit in hits:
        home = next((g for g in groups if hit.same_company(g[0])), None)
        if home is None:
            groups.append([hit])
        else:
            home.append(hit)
    return groups


def _ambiguous(company: str, groups: list[list[_Hit]], rows: int) -> AmbiguousCompanyError:
    candidates = [g[0].candidate() for g in groups[:MAX_CANDIDATES]]
    shown = "; ".join(c.line() for c in candidates)
    more = f" (and {len(groups) - MAX_CANDIDATES} more)" if len(groups) > MAX_CANDIDATES else ""
    many = f"{len(groups)} different companies" if rows <= MAX_GROUPED else f"{rows:,} rows, many companies"
    return AmbiguousCompanyError(
        f"{company!r} matches {many}: {shown}{more}. Ask the user which one they mean, then pass its domain as "
        "`company`, or `dataset` and `row`.",
        candidates,
    )


def _resolve(company: str, by: MatchedBy, hits: list[_Hit], prefer: str | None) -> Found:
    groups = _groups(hits[:MAX_GROUPED])
    if len(groups) > 1:
        raise _ambiguous(company, groups, len(hits))
    rows = sorted(groups[0], key=lambda h: (h.dataset != prefer, h.dataset, h.position))
    return _found(rows[0], by, [h.candidate() for h in rows[1:MAX_CANDIDATES]])


def _found(hit: _Hit, by: MatchedBy, also: list[Candidate] | None = None) -> Found:
    numbers = hit.index.numbers()
    return Found(hit.dataset, hit.position, numbers.file_row(hit.position), by, hit.candidate(), also or [],
                 numbers.note)  # fmt: skip


def find_company(
    workspace: Workspace,
    company: str | None = None,
    *,
    dataset: str | None = None,
    row: int | None = None,
    prefer: str | None = None,
) -> Found:
    """The row of the datasets that ``company`` (a domain, a name or an id) names, or ``dataset`` and ``row``
    (1 = first data row) point at. Rows of one company in several datasets resolve to ``prefer``'s, else the first
    dataset's; several different companies raise :class:`AmbiguousCompanyError`; none, a NotFoundError with the
    closest names."""
    if row is not None:
        return _by_row(workspace, company, dataset, row)
    if company is None or not company.strip():
        raise OptionError("Say which company: pass `company` (its name or web domain), or `dataset` and `row`.")
    queries = _queries(company)
    if not queries:
        raise OptionError(f"{company!r} has no letters or digits to look up. Pass the company's name or web domain.")
    indexes = _searched(workspace, dataset)
    for by, value in queries:
        hits = [_Hit(index, int(p)) for index in indexes for p in index.hits(by, value)]
        if hits:
            return _resolve(company, by, hits, prefer)
    raise _not_found(company, indexes)


def _by_row(workspace: Workspace, company: str | None, dataset: str | None, row: int) -> Found:
    if dataset is None:
        known = listing(workspace.names(DATASETS))
        raise OptionError(f"row={row} needs the dataset it is a row of: pass `dataset` too (datasets: {known}).")
    index = dataset_index(workspace, dataset)
    numbers, rows = index.numbers(), index.numbers().file_rows(index.rows)
    if not 1 <= row <= rows:
        raise OptionError(f"Row {row} is not in dataset {dataset!r}: its rows are 1 to {rows:,}.")
    hit = _Hit(index, numbers.position(row))
    if company and company.strip() and not any(index.key(k, hit.position) == v for k, v in _queries(company)):
        found = hit.candidate()
        raise OptionError(
            f"Row {row} of {dataset!r} is {found.name or '(no name)'!r} ({found.domain or 'no domain'}), not "
            f"{company!r}. Pass only `dataset` and `row`, or only `company`."
        )
    return _found(hit, "row")


# -- not found: the closest names ---------------------------------------------------------------------------------


def _pool(index: DatasetIndex, name: str) -> list[str]:
    """The distinct normalised names to compare with: all of them in a small dataset, else those sharing the start
    of a word with ``name`` (capped)."""
    names = index.distinct_names()
    if len(names) <= SCAN_ALL:
        return [str(n) for n in names.to_pylist()]
    probes = {word[:3] for word in name.split() if len(word) >= 3} or {name[:2]}
    mask = None
    for probe in probes:
        found = pc.match_substring(names, probe)
        mask = found if mask is None else pc.or_(mask, found)
    return [str(n) for n in pc.filter(names, mask).to_pylist()[:MAX_SCANNED]]


def suggestions(company: str, indexes: list[DatasetIndex]) -> list[Candidate]:
    """Up to three rows whose normalised names are closest to ``company``'s (difflib), best first."""
    name = normalize_name(company) or normalize_name(normalize_domain(company).split(".")[0])
    if not name:
        return []
    scored: list[tuple[float, Candidate]] = []
    for index in indexes:
        for close in difflib.get_close_matches(name, _pool(index, name), n=SUGGESTIONS, cutoff=0.6):
            position = int(index.hits("name", close)[0])
            ratio = difflib.SequenceMatcher(None, name, close).ratio()
            scored.append((ratio, _Hit(index, position).candidate()))
    scored.sort(key=lambda item: -item[0])
    return [candidate for _, candidate in scored[:SUGGESTIONS]]


def _not_found(company: str, indexes: list[DatasetIndex]) -> NotFoundError:
    searched = ", ".join(f"{i.dataset} ({i.rows:,} rows by {'/'.join(i.searchable()) or 'nothing'})"
                         for i in indexes[:10])  # fmt: skip
    close = suggestions(company, indexes)
    hint = "Close names: " + "; ".join(c.line() for c in close) + "." if close else "No close names either."
    return NotFoundError(
        f"No company matching {company!r} in {searched}. {hint} Check the spelling with the user, pass a close "
        "name's domain, or describe the company in `fields` to score it as a new prospect."
    )


# -- the whole row ------------------------------------------------------------------------------------------------


def read_row(workspace: Workspace, dataset: str, position: int) -> pd.DataFrame:
    """Row ``position`` (0-based) of a dataset as a one-row frame indexed by its position, read from the one
    Parquet row group that holds it, with the dtypes the whole table has."""
    path = workspace.existing(DATASETS, dataset) / ACCOUNTS_TABLE
    with workspace.lock(DATASETS, dataset, shared=True):
        parquet = pq.ParquetFile(path)
        offset = position
        for group in range(parquet.num_row_groups):
            size = parquet.metadata.row_group(group).num_rows
            if offset < size:
                frame = parquet.read_row_group(group).slice(offset, 1).to_pandas()
                frame.index = pd.RangeIndex(position, position + 1)
                return frame
            offset -= size
    rows = parquet.metadata.num_rows
    raise OptionError(f"Row {position + 1} is not in dataset {dataset!r}: its rows are 1 to {rows:,}.")


def source_file(workspace: Workspace, dataset: str) -> str | None:
    """The name of the file a dataset was loaded from."""
    try:
        path = read_json(workspace.existing(DATASETS, dataset) / META).get("accounts_path")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(path).name if path else None
