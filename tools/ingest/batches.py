"""A CSV or Parquet file read in batches, each read as :func:`.readers.read_table` reads a whole file, and the rows
of a file estimated without reading it (for files larger than memory, :mod:`..model.stream`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from icp_assistant.tools.core.errors import EmptyFileError, OptionError, UnreadableFileError

from .dialects import SAMPLE_BYTES, FileFormat, detect_format, text_dialect, whole_rows
from .readers import check_file, decoded, drop_footer, unique_columns

if TYPE_CHECKING:
    import pyarrow.parquet as pq


def parquet_stream(path: Path) -> pq.ParquetFile:
    """A Parquet file to read in batches in constant memory: pages are read as they are needed, so no row group is
    buffered whole (a million-row group stays on disk), and nothing read is kept (pre-buffering caches every row
    group it reads until the file is closed: 700 MB over a 10M-row list)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)


def _raw_batches(path: Path, fmt: FileFormat, rows: int, text_columns: Collection[str]) -> Iterator[pd.DataFrame]:
    if fmt == "parquet":
        for batch in parquet_stream(path).iter_batches(batch_size=rows, use_threads=False):
            yield decoded(batch.to_pandas())
        return
    dialect = text_dialect(path, text_columns)
    # A stream cannot go back to re-read in cp1252: bytes the detected encoding cannot decode become U+FFFD.
    options = {**dialect.options, "encoding": dialect.encoding, "encoding_errors": "replace"}
    # A column the first rows hold as text stays text in every batch: a later batch of "2.500" alone would
    # otherwise arrive as the number 2.5 before the column's decimal comma could be applied.
    with whole_rows(path, dialect.delimiter):  # the first row decides whether a row may be longer than the header
        first = pd.read_csv(path, nrows=rows, **options)
    text = {c: str for c in first.columns if not pd.api.types.is_numeric_dtype(first[c])}
    options["dtype"] = {**text, **(options.get("dtype") or {})}
    with pd.read_csv(path, chunksize=rows, **options) as chunks:
        yield from chunks


def read_batches(path: Path, rows: int, text_columns: Collection[str] = ()) -> Iterator[pd.DataFrame]:
    """A CSV or Parquet file ``rows`` rows at a time, each batch read as :func:`read_table` reads the whole file
    (same headers, encoding, delimiter, text columns; a report footer dropped from the last batch). The batches are
    numbered from 0 in their index, continuing across batches."""
    check_file(path)
    with path.open("rb") as handle:
        fmt = detect_format(path, handle.read(8))
    if fmt not in ("csv", "parquet"):
        raise OptionError(
            f"{path.name} is {fmt.upper()}: files read in batches must be CSV or Parquet. Save it as CSV, or score it "
            "in memory (engine='memory')."
        )
    start, held = 0, None
    try:
        for batch in _raw_batches(path, fmt, rows, text_columns):
            batch.columns = unique_columns([str(c).strip() for c in batch.columns])
            if held is not None:
                yield held
            batch.index = pd.RangeIndex(start, start + len(batch))
            start += len(batch)
            held = batch
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise UnreadableFileError(
            f"{path.name} could not be read in batches after row {start:,}: {exc}. Check that it is one table "
            "(not a report with merged cells)."
        ) from exc
    if held is None or held.empty:
        raise EmptyFileError(f"{path.name} has no data rows. Export again with the records included.")
    yield drop_footer(held)[0]


def row_estimate(path: Path) -> int:
    """Data rows in a file without reading it: exact for Parquet, from the first bytes' line length for text, the
    row limit of a sheet for Excel, 0 when the file cannot tell."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    try:
        fmt = detect_format(path, head[:8])
    except (OptionError, UnreadableFileError):
        return 0
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # pyarrow raises ArrowInvalid, OSError...: the in-memory reader names the problem
            return 0
    if fmt == "csv":
        lines = max(head.count(b"\n"), 1)
        return int(path.stat().st_size / (len(head) / lines))
    return 0
