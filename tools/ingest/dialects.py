"""What kind of file an export is, and how its text is written: the format from the suffix or the first bytes, the
delimiter and line ending of a text export, the options pandas reads it with, and its header line alone."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from icp_assistant.tools.core.errors import UnreadableFileError

from .encodings import detect_encoding

FileFormat = Literal["csv", "xlsx", "parquet", "json", "ndjson"]
TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".psv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED = "CSV, TSV, TXT, XLSX, Parquet, JSON, NDJSON"
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | {".parquet", ".json", ".ndjson", ".jsonl"}
SAMPLE_BYTES = 256 * 1024


def detect_format(path: Path, head: bytes) -> FileFormat:
    """Decide the format from the suffix, falling back to the first bytes."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES or head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix == ".parquet" or head.startswith(b"PAR1"):
        return "parquet"
    if suffix in {".ndjson", ".jsonl"}:
        return "ndjson"
    if suffix == ".json":
        return "json"
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFileError(
            f"{path.name} is an old Excel 97-2003 workbook (.xls). Open it in Excel and save it as "
            ".xlsx or CSV, then load that file."
        )
    if suffix in TEXT_SUFFIXES or suffix == "":
        return "csv"
    stripped = head.lstrip()
    if stripped[:1] in (b"[", b"{"):
        return "json"
    raise UnreadableFileError(f"{path.name}: the format {suffix!r} is not supported. Supported: {SUPPORTED}.")


def detect_line_ending(text: str) -> str:
    if "\r\n" in text:
        return "CRLF"
    if "\r" in text and "\n" not in text:
        return "CR"
    return "LF"


def detect_delimiter(text: str, suffix: str) -> str:
    """Sniff the delimiter from the first lines; tab for .tsv, else the most consistent candidate."""
    if suffix in {".tsv", ".tab"}:
        return "\t"
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    counts = {d: [line.count(d) for line in lines[:20]] for d in ",;\t|"}
    best = max(counts, key=lambda d: (min(counts[d]) > 0, min(counts[d]), -len(set(counts[d]))))
    return best if min(counts[best]) > 0 else ","


@dataclass(frozen=True)
class TextDialect:
    """How a text export is read: encoding, delimiter, line ending, and pandas' options for it."""

    encoding: str
    delimiter: str
    line_ending: str
    options: dict[str, Any]


def text_dialect(path: Path, text_columns: Collection[str] = ()) -> TextDialect:
    """The encoding and delimiter of a text export, from its first bytes, and the reading options they imply."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    head_text = sample.decode(encoding, errors="ignore")
    delimiter = detect_delimiter(head_text, path.suffix.lower())
    options: dict[str, Any] = {
        "sep": delimiter,
        "keep_default_na": False,
        "na_values": [""],
        "skipinitialspace": True,
        "dtype": dict.fromkeys(text_columns, str) or None,
        "index_col": False,  # a delimiter ending every row is not a column (pandas would index by the first cells)
    }
    return TextDialect(encoding, delimiter, detect_line_ending(head_text), options)


@contextmanager
def whole_rows(path: Path, delimiter: str) -> Iterator[None]:
    """Read the rows of ``path`` inside this block with no cell lost: a first row of data with more cells than the
    header has names raises a clear error (pandas would drop the extra cells of every row with a warning; a later row
    that is too long is a parser error already). Pandas' warning that a column's pieces were typed apart is not
    shown: the readers type such columns whole themselves."""
    import pandas as pd  # this module is read at start-up, before the first tool needs pandas

    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        try:
            yield
        except pd.errors.ParserWarning as exc:
            raise UnreadableFileError(
                f"{path.name}: its first row of data has more cells than its header has names, so cells would be "
                f"lost. Give every column a header, or quote the cells that contain {delimiter!r}, and export it again."
            ) from exc


def read_header(path: Path) -> list[str]:
    """Column names of a text file without reading its rows (cheap; used to pick text columns)."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    delimiter = detect_delimiter(text, path.suffix.lower())
    first = next(csv.reader(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:1], delimiter=delimiter), [])
    return [c.strip() for c in first]
