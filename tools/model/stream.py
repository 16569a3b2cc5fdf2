"""Files too big to hold in memory, read in batches into one Parquet file of cleaned rows.

Every batch goes through the loader's own steps: the reader, the header mapping, the cleaning, the derived fields
and the bands. Every decision the loader makes per column from the data is made once, on the first batch, and
applied unchanged to the rest: which column is which field, the decimal mark, the day order, zeros meaning "not
filled in", the percent scale, the revenue unit and the kinds of unmapped columns. A file read in batches is read
as one file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.core.fields import DERIVED_KINDS, OUTCOME_KINDS, Kinds
from icp_assistant.tools.ingest.batches import read_batches, row_estimate
from icp_assistant.tools.ingest.cleaning import CleanRules, clean_table
from icp_assistant.tools.ingest.derive import derive_account_fields
from icp_assistant.tools.ingest.mapping import HeaderMapping
from icp_assistant.tools.store.datasets import LoadOptions, map_frame, text_columns_of
from icp_assistant.tools.store.workspace import atomic_write

BATCH_ROWS = 50_000
Progress = Callable[[float, str], None]


@dataclass
class Batch:
    """Rows of the file, as read and as cleaned; both indexed by row position in the file (0 = first data row)."""

    raw: pd.DataFrame
    rows: pd.DataFrame  # cleaned, derived, with the revenue and age bands
    kinds: Kinds
    header: dict[str, str]  # dataset column -> header in the file


@dataclass
class Learned:
    """The decisions made on the first batch."""

    mapping: HeaderMapping
    rules: CleanRules
    revenue_scale: float
    notes: list[str] = field(default_factory=list)


def clean_batches(path: Path, options: LoadOptions, batch_rows: int | None = None) -> Iterator[tuple[Batch, Learned]]:
    """The file's rows ``batch_rows`` (default BATCH_ROWS) at a time, cleaned as :func:`.dataset.load_accounts` cleans
    the whole file."""
    text = text_columns_of(path, "accounts", options.mapping)
    learned: Learned | None = None
    reserved = set(DERIVED_KINDS) | set(OUTCOME_KINDS)
    for raw in read_batches(path, batch_rows or BATCH_ROWS, text):
        mapping = learned.mapping if learned else map_frame(raw, "accounts", options.mapping)
        table = clean_table(raw, mapping, reserved, learned.rules if learned else CleanRules.empty())
        frame = table.frame
        scaled = "annual_revenue" in table.reports and table.reports["annual_revenue"].unit_scale != 1
        if options.revenue_unit and "annual_revenue" in frame:
            frame["annual_revenue"] = frame["annual_revenue"] * options.revenue_unit
        known = learned.revenue_scale if learned else None
        derivation = derive_account_fields(frame, scaled or options.revenue_unit is not None, known)
        if learned is None:
            units = [n for n in derivation.notes if n.startswith("annual_revenue looks like")]
            learned = Learned(mapping, table.rules, derivation.revenue_scale, [*mapping.notes, *units])
        else:
            learned.rules.learn(table)  # spellings of category values first seen in this batch
        kinds = {**table.kinds, **{f: DERIVED_KINDS[f] for f in derivation.fields}}
        header = {r.column: r.source for r in table.reports.values()}
        yield Batch(raw, add_bands(frame), kinds, header), learned


@dataclass
class Staged:
    """A Parquet file of rows shaped by the caller, one per row of the file, in the file's order."""

    path: Path
    rows: int
    header: dict[str, str]
    kinds: Kinds
    notes: list[str]


def stage(
    path: Path,
    target: Path,
    options: LoadOptions,
    shape: Callable[[Batch], pd.DataFrame],
    progress: Progress | None = None,
    batch_rows: int | None = None,
) -> Staged:
    """Write ``shape(batch)`` of every batch of ``path`` to the Parquet file ``target`` (constant memory). Column
    types are fixed by the first batch: numbers as doubles, flags as booleans, dates as timestamps, the rest text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    report = progress or (lambda _f, _m: None)
    total = max(row_estimate(path), 1)
    rows, first = 0, None

    def write(tmp: Path) -> None:
        nonlocal rows, first
        writer: pq.ParquetWriter | None = None
        schema: pa.Schema | None = None
        try:
            for batch, learned in clean_batches(path, options, batch_rows):
                frame = shape(batch)
                if schema is None:
                    schema = _schema(frame)
                    writer = pq.ParquetWriter(tmp, schema)
                    first = (batch, learned)
                assert writer is not None
                writer.write_table(pa.Table.from_pandas(_conform(frame, schema), schema=schema, preserve_index=False))
                rows += len(frame)
                report(min(rows / total, 1.0), f"read and cleaned {rows:,} rows")
        finally:
            if writer is not None:
                writer.close()

    atomic_write(target, write)
    assert first is not None
    batch, learned = first
    return Staged(target, rows, batch.header, batch.kinds, learned.notes)


def _schema(frame: pd.DataFrame) -> object:
    import pyarrow as pa

    fields = []
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            arrow_type = pa.bool_()
        elif pd.api.types.is_integer_dtype(dtype) and column.startswith("_"):
            arrow_type = pa.int64()  # the engine's own keys (row numbers, hashes)
        elif pd.api.types.is_numeric_dtype(dtype):
            arrow_type = pa.float64()
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            arrow_type = pa.timestamp("ns")
        else:
            arrow_type = pa.string()
        fields.append(pa.field(str(column), arrow_type))
    return pa.schema(fields)


def _conform(frame: pd.DataFrame, schema: object) -> pd.DataFrame:
    """Each column converted to the type the first batch fixed (a later batch may hold a column all empty)."""
    import pyarrow as pa

    out = {}
    for item in schema:  # type: ignore[attr-defined]
        series = frame[item.name] if item.name in frame else pd.Series(None, index=frame.index, dtype=object)
        if pa.types.is_boolean(item.type):
            out[item.name] = series.astype("boolean")
        elif pa.types.is_int64(item.type):
            out[item.name] = series.astype("int64")
        elif pa.types.is_floating(item.type):
            out[item.name] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif pa.types.is_timestamp(item.type):
            out[item.name] = pd.to_datetime(series, errors="coerce")
        elif series.dtype == "str":
            out[item.name] = series  # Arrow text already
        else:
            text = series.astype(object).where(series.notna(), None)
            out[item.name] = text.map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return pd.DataFrame(out, index=frame.index)


def row_hash(frame: pd.DataFrame) -> np.ndarray:
    """One 63-bit hash per row, the same for equal rows in any batch whatever type a batch gave a column: every cell
    hashed as text, numbers as the text a file writes them with (2001 whether a batch read 2001, 2001.0 or "2001")."""
    typed = pd.DataFrame({c: _as_text(frame[c]) for c in frame.columns}, index=frame.index)
    hashed = pd.util.hash_pandas_object(typed, index=False).to_numpy()
    return (hashed >> np.uint64(1)).astype(np.int64)


def _as_text(series: pd.Series) -> pd.Series:
    """The column as text (missing cells missing), written in Arrow: whole numbers as integers, other numbers as
    Arrow writes a double, dates to the nanosecond, text as it is; anything else (flags, mixed cells) as Python's
    ``str``. A column keeps its type in every batch but numbers, which a batch may read as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if series.dtype == "str":
        return series
    if isinstance(series.dtype, pd.StringDtype) or (
        series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")
    ):
        return series.astype("str")
    if pd.api.types.is_datetime64_dtype(series):
        stamps = pc.cast(pa.array(series.to_numpy(dtype="datetime64[ns]")), pa.string())
        return pd.Series(pd.arrays.ArrowStringArray(stamps), index=series.index).astype("str")
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(numbers) & (numbers == np.trunc(numbers)) & (np.abs(numbers) < 2**53)
        integers = pc.cast(pa.array(np.where(whole, numbers, 0).astype(np.int64)), pa.string())
        text = pc.if_else(pa.array(whole), integers, pc.cast(pa.array(numbers), pa.string()))
        text = pc.if_else(pa.array(np.isnan(numbers)), pa.scalar(None, pa.string()), text)
        return pd.Series(pd.arrays.ArrowStringArray(text), index=series.index).astype("str")
    cells = series.astype(object).where(series.notna(), None).map(lambda v: v if v is None else str(v))
    return cells.astype("str")
