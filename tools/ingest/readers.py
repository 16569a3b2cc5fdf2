"""Read a tabular file as exported by a CRM, spreadsheet or data tool into a DataFrame.

Formats: CSV / TSV / semicolon- or pipe-separated text (sniffed), XLSX (a sheet by name or index),
Parquet, JSON (records, ``{"data": [...]}``, nested objects flattened) and NDJSON. Encodings:
UTF-8 with or without BOM, UTF-16 (Excel "Unicode text"), else a legacy code page detected from the
text (Windows-1250/1251/1252, Shift-JIS, GB18030...; see :func:`.encodings.detect_encoding`). Line endings LF,
CRLF and CR-only. Values are not interpreted here beyond what the format itself types: empty
cells become missing, everything else (including "N/A") is kept for the cleaning step to count.
"""

from __future__ import annotations

import json
import logging
import stat
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from icp_assistant.tools.core.errors import (
    EmptyFileError,
    FileMissingError,
    FileTooLargeError,
    OptionError,
    UnreadableFileError,
    listing,
)

from .dialects import (
    FileFormat,
    detect_format,
    text_dialect,
    whole_rows,
)  # fmt: skip

log = logging.getLogger(__name__)

MAX_EXPANSION = 100  # a zip member that expands more than this many times is a zip bomb, not an export


@dataclass(frozen=True)
class RawTable:
    """A file read as it is, with how it was read."""

    frame: pd.DataFrame
    format: FileFormat
    encoding: str | None = None
    delimiter: str | None = None
    line_ending: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    footer_rows_dropped: int = 0


def check_file(path: Path, max_bytes: int | None = None) -> int:
    """Return the file size, or raise a clear error for a missing, empty or too large file."""
    if not path.exists():
        raise FileMissingError(f"File not found: {path}. Check the path and spelling.")
    if path.is_dir():
        raise FileMissingError(f"{path} is a folder, not a file. Pass the path of a CSV, XLSX or Parquet file in it.")
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise FileMissingError(
            f"{path} is not a regular file (a pipe, socket or device). Save the export as a file and pass its path."
        )
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError(f"{path.name} is empty (0 bytes). Export the data again and pass the new file.")
    if max_bytes is not None and size > max_bytes:
        raise FileTooLargeError(
            f"{path.name} is {size / 1e6:,.1f} MB, above the limit of {max_bytes / 1e6:,.1f} MB. "
            "Raise the limit with --max-file-mb, or split or filter the export."
        )
    return size


# Text columns are parsed straight into Arrow strings, then given pandas' own string dtype: the same cells as
# dtype=str gives, in a third of the time on a million-row id column.
_ARROW_TEXT = pd.ArrowDtype(pa.string())


def _as_str(frame: pd.DataFrame) -> pd.DataFrame:
    for position, dtype in enumerate(frame.dtypes):
        if dtype == _ARROW_TEXT:
            frame.isetitem(position, frame.iloc[:, position].astype("str"))
    return frame


def _read_csv(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    """``path`` with every column typed as if read whole (``low_memory=False``), in a fraction of the time.

    Pandas reads the file in pieces (on every core, when it can split the file), each piece typing its own columns. A
    column whose pieces disagree comes out as Python objects (numbers in one piece, text in another), and only such
    columns are read again whole, so every column has the type its cells as a whole have. Reading the whole file at
    once instead takes about three times as long at a million rows."""
    frame = pd.read_csv(path, **options)
    mixed = [i for i, dtype in enumerate(frame.dtypes) if pd.api.types.is_object_dtype(dtype)]
    if mixed:
        whole = pd.read_csv(path, **{**options, "low_memory": False, "usecols": mixed})
        for position, column in zip(mixed, range(whole.shape[1]), strict=True):
            frame.isetitem(position, whole.iloc[:, column])
    return frame


def _read_text(path: Path, text_columns: Collection[str]) -> RawTable:
    dialect = text_dialect(path, text_columns)
    encoding, delimiter = dialect.encoding, dialect.delimiter
    options = {**dialect.options, "dtype": dict.fromkeys(text_columns, _ARROW_TEXT) or None}
    try:
        with whole_rows(path, delimiter):
            frame = _read_csv(path, {**options, "encoding": encoding})
    except UnicodeDecodeError:
        encoding = "cp1252"
        with whole_rows(path, delimiter):
            frame = _read_csv(path, {**options, "encoding": encoding, "encoding_errors": "replace"})
    except pd.errors.EmptyDataError as exc:
        raise EmptyFileError(f"{path.name} has no header and no rows. Export the data again.") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise UnreadableFileError(
            f"{path.name} could not be read as {delimiter!r}-separated text: {exc}. "
            "Check that it is a CSV export (not a report with merged cells), or save it as XLSX."
        ) from exc
    return RawTable(_as_str(frame), "csv", encoding, delimiter, dialect.line_ending)


def excel_sheets(path: Path) -> list[str]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise UnreadableFileError(
            f"{path.name} is not a readable Excel workbook ({exc}). Save it again as .xlsx or CSV."
        ) from exc
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _pick_sheet(path: Path, sheet: str | int | None, sheets: list[str]) -> str:
    if sheet is None or sheet == "":
        return sheets[0]
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in sheets):
        index = int(sheet)
        if 0 <= index < len(sheets):
            return sheets[index]
        raise OptionError(
            f"{path.name} has {len(sheets)} sheet(s); sheet index {index} does not exist "
            "(indexes start at 0). "
            f"Sheets are: {listing(sheets)}."
        )
    if sheet in sheets:
        return sheet
    lowered = {s.lower().strip(): s for s in sheets}
    if sheet.lower().strip() in lowered:
        return lowered[sheet.lower().strip()]
    raise OptionError(f"{path.name} has no sheet named {sheet!r}. Sheets are: {listing(sheets)}.")


def check_expanded(path: Path, max_bytes: int | None) -> None:
    """An XLSX is a zip: judge what it expands to, not its compressed size (a 59 KB file can hold a 60 MB cell)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(
            f"{path.name} is not a readable Excel workbook ({exc}). Save it again as .xlsx or CSV."
        ) from exc
    expanded = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if max_bytes is not None and expanded > max_bytes:
        raise FileTooLargeError(
            f"{path.name} expands to {expanded / 1e6:,.1f} MB of workbook data, above the limit of "
            f"{max_bytes / 1e6:,.1f} MB. Raise the limit with --max-file-mb, or save the sheet as CSV."
        )
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=1.0)
    if ratio > MAX_EXPANSION and expanded > 10 * 1024 * 1024:
        raise FileTooLargeError(
            f"{path.name} expands {expanded / packed:,.0f} times when opened ({expanded / 1e6:,.1f} MB from "
            f"{packed / 1e6:,.2f} MB), far beyond any real export. Open it in Excel and save it again, or as CSV."
        )


def _read_excel(path: Path, sheet: str | int | None) -> RawTable:
    sheets = excel_sheets(path)
    name = _pick_sheet(path, sheet, sheets)
    try:
        frame = pd.read_excel(path, sheet_name=name, engine="openpyxl", dtype=object, header=None)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise UnreadableFileError(f"{path.name} could not be read ({exc}). Save it again as .xlsx or CSV.") from exc
    frame = frame.dropna(axis=1, how="all").dropna(axis=0, how="all")
    if frame.empty:
        raise EmptyFileError(f"Sheet {name!r} of {path.name} is empty. Pass sheet= for the sheet with the data.")
    header = _header_row(frame)
    frame.columns = [str(c) if pd.notna(c) else "" for c in frame.loc[header]]
    frame = frame.loc[header + 1 :] if header + 1 in frame.index else frame.iloc[0:0]
    return RawTable(frame.reset_index(drop=True), "xlsx", sheet=name, sheets=tuple(sheets))


def _header_row(frame: pd.DataFrame) -> Any:
    """The first row filled across most columns: a report's title and date lines above the table are skipped."""
    filled = frame.head(30).notna().sum(axis=1)
    wide = filled[filled >= max(2, int(0.6 * frame.shape[1]))]
    return wide.index[0] if len(wide) else frame.index[0]


def _records(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("data", "records", "results", "rows", "items", "companies", "accounts", "deals"):
            if isinstance(data.get(key), list):
                return list(data[key])
        if all(isinstance(v, list) for v in data.values()) and data:
            return pd.DataFrame(data).to_dict("records")
        return [data]
    raise UnreadableFileError(
        f"the JSON holds a single {type(data).__name__}, not records. Export a list of records "
        '([{"name": ..., "industry": ...}, ...]) or an object with such a list under "data", or save the data as CSV.'
    )


def _check_records(path: Path, records: list[Any]) -> None:
    kinds = {type(r).__name__ for r in records if r is not None}
    if len(kinds) > 1 and "dict" in kinds:
        position, bad = next((i, r) for i, r in enumerate(records) if r is not None and not isinstance(r, dict))
        raise UnreadableFileError(
            f"{path.name} mixes records with other values (item {position + 1} is {str(bad)[:40]!r}). Every item "
            'must be a record like {"name": ..., "industry": ...}: remove the other items, or export the data again.'
        )


def _read_json(path: Path, fmt: FileFormat) -> RawTable:
    try:
        if fmt == "ndjson":
            with path.open(encoding="utf-8-sig") as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        else:
            with path.open(encoding="utf-8-sig") as handle:
                text = handle.read()
            try:
                records = _records(json.loads(text))
            except json.JSONDecodeError:
                records = [json.loads(line) for line in text.splitlines() if line.strip()]
                fmt = "ndjson"
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(
            f"{path.name} is not valid JSON or NDJSON ({exc}). Check that the export finished (a cut-off file ends "
            "mid-record), or export it again as JSON records or CSV."
        ) from exc
    except RecursionError as exc:
        raise UnreadableFileError(
            f"{path.name} is nested too deeply to be a table of records. Export a flat list of records, or CSV."
        ) from exc
    except UnreadableFileError as exc:
        raise UnreadableFileError(f"{path.name}: {exc}") from exc
    _check_records(path, records)
    frame = pd.json_normalize(records) if records and isinstance(records[0], dict) else pd.DataFrame(records)
    for column in [c for c in frame.columns if frame[c].dtype == "object"]:
        frame[column] = frame[column].map(_flatten_cell)
    return RawTable(frame, fmt, encoding="utf-8")


def _flatten_cell(value: Any) -> Any:
    """Lists become "a; b" (multi-valued cells); nested objects become JSON text."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _read_parquet(path: Path, max_bytes: int | None) -> RawTable:
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
        expanded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        if max_bytes is not None and expanded > max_bytes:
            raise FileTooLargeError(
                f"{path.name} expands to {expanded / 1e6:,.1f} MB of data, above the limit of {max_bytes / 1e6:,.1f} "
                "MB. Raise the limit with --max-file-mb, or filter the export."
            )
        frame = pq.read_table(path).to_pandas()
    except FileTooLargeError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...
        raise UnreadableFileError(
            f"{path.name} is not a readable Parquet file ({exc}). Write it again, or export the data as CSV."
        ) from exc
    return RawTable(decoded(frame), "parquet")


def drop_footer(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop trailing rows with at most one filled cell (report footers such as 'Grand Totals')."""
    if frame.shape[1] < 3 or frame.empty:
        return frame, 0
    filled = frame.tail(10).notna().sum(axis=1)
    dropped = 0
    for count in reversed(filled.tolist()):
        if count > 1:
            break
        dropped += 1
    return (frame.iloc[: len(frame) - dropped], dropped) if dropped else (frame, 0)


def read_table(
    path: Path,
    *,
    sheet: str | int | None = None,
    max_bytes: int | None = None,
    text_columns: Collection[str] = (),
) -> RawTable:
    """Read ``path`` into a :class:`RawTable`.

    ``text_columns`` are read as text (identifiers with leading zeros stay intact).
    """
    check_file(path, max_bytes)
    with path.open("rb") as handle:
        head = handle.read(8)
    fmt = detect_format(path, head)
    if sheet not in (None, "") and fmt != "xlsx":
        raise OptionError(f"sheet={sheet!r} was given but {path.name} is not an Excel workbook; leave sheet out.")
    if fmt == "csv":
        raw = _read_text(path, text_columns)
    elif fmt == "xlsx":
        check_expanded(path, max_bytes)
        raw = _read_excel(path, sheet)
    elif fmt == "parquet":
        raw = _read_parquet(path, max_bytes)
    else:
        raw = _read_json(path, fmt)
    frame = raw.frame
    frame.columns = unique_columns([str(c).strip() for c in frame.columns])
    frame, dropped = drop_footer(frame)
    if frame.empty:
        raise EmptyFileError(
            f"{path.name} has a header ({listing(frame.columns, 8)}) but no data rows. "
            "Export again with the records included."
        )
    return RawTable(frame, raw.format, raw.encoding, raw.delimiter, raw.line_ending, raw.sheet, raw.sheets, dropped)


def unique_columns(columns: list[str]) -> list[str]:
    """Blank and repeated headers get positional names so no column is lost."""
    seen: dict[str, int] = {}
    out = []
    for position, name in enumerate(columns):
        if not name or name.lower().startswith("unnamed:"):
            name = f"column_{position + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def decoded(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet binary cells as text (UTF-8, undecodable bytes replaced), as :func:`read_table` gives them."""
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, bytes)).any():
            frame[column] = frame[column].map(
                lambda v: v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v
            )
    return frame
