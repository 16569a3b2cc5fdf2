"""A DataFrame as CSV, the same bytes as ``DataFrame.to_csv(index=False)`` writes, rendered column by column in Arrow.

pandas hands every cell to Python's ``csv`` module one row at a time: a million-row list takes 6-10 s. Here each
column's cells become text once (numbers as pandas writes them, ``490.0`` and ``1e+16`` for floats, ``True`` for
booleans, empty for missing), cells holding a comma, quote or line break are quoted as ``csv.QUOTE_MINIMAL`` quotes
them, and each row's cells are joined by Arrow, two batches at a time: under 2 s for the same list. A column of a
type this does not render (dates, categories, Arrow floats, objects other than text) leaves the whole frame to
pandas, so the bytes never differ.
"""

from __future__ import annotations

import csv
import io
import os
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

BATCH_ROWS = 100_000  # rows rendered at a time: a few batches' text, not the whole file's, is in memory
WORKERS = 2
TEXT = ("string", "empty")  # what pandas infers for an object column of text and missing cells


def _quoted_by_csv() -> str:
    """The characters that make ``csv.QUOTE_MINIMAL`` quote a cell as pandas calls it (delimiter, quote and the line
    terminator's characters; whether a lone CR is quoted depends on the Python version), as a regex class."""
    line = io.StringIO()
    writer = csv.writer(line, lineterminator=os.linesep)
    chars = []
    for char in ',"\r\n':
        line.seek(0)
        line.truncate()
        writer.writerow([f"a{char}b", "c"])
        if line.getvalue().startswith('"'):
            chars.append(char)
    return "[" + "".join("\\" + c if c in "\\]^-" else c for c in chars) + "]"


NEEDS_QUOTES = _quoted_by_csv()


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def write(frame: pd.DataFrame, handle: IO[bytes], *, header: bool = True) -> None:
    """Write ``frame`` to the binary ``handle`` as ``frame.to_csv(handle, index=False, header=header)`` would."""
    headers = all(isinstance(c, str) for c in frame.columns)
    if frame.shape[1] < 2 or not headers or not all(_renders(frame.iloc[:, i]) for i in range(frame.shape[1])):
        # one column: csv writes an empty cell as "" there; other headers or an unrendered type: pandas renders them
        frame.to_csv(handle, index=False, header=header, encoding="utf-8")
        return
    if header:
        line = io.StringIO()
        csv.writer(line, lineterminator=os.linesep).writerow(frame.columns)
        handle.write(line.getvalue().encode("utf-8"))
    step = BATCH_ROWS * WORKERS
    with ThreadPoolExecutor(WORKERS) as pool:  # Arrow lets go of the GIL: batches render side by side
        for first in range(0, len(frame), step):  # in order, a few batches' text in memory at a time
            group = range(first, min(first + step, len(frame)), BATCH_ROWS)
            for text in pool.map(lambda start: _rows(frame.iloc[start : start + BATCH_ROWS]), group):
                handle.write(text)


def _rows(batch: pd.DataFrame) -> pa.Buffer:
    """The batch's lines of CSV, each ending with the line terminator pandas writes."""
    cells = [_text(batch.iloc[:, i]) for i in range(batch.shape[1])]
    rows = pc.binary_join_element_wise(*cells, _large(","), null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(rows, _large(""), _large(os.linesep))
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(lines)], pa.int64()), lines)
    return pc.binary_join(whole, _large(""))[0].as_buffer()


def _renders(series: pd.Series) -> bool:
    """Whether :func:`_text` renders this column: numbers, booleans, text, and objects that are all text or missing
    (anything else in an object column pandas str()-s, so it is left to pandas)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        return dtype.kind in "fiub" or (dtype.kind == "O" and pd.api.types.infer_dtype(series, skipna=True) in TEXT)
    return isinstance(dtype, pd.StringDtype | pd.BooleanDtype) or _nullable_integers(dtype)


def _nullable_integers(dtype: Any) -> bool:
    return isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iu"  # Int64, UInt8, int64[pyarrow]


def _text(series: pd.Series) -> pa.Array:
    """The column's cells as pandas writes them, quoted where csv quotes them, missing cells null (a column
    :func:`_renders`). Numbers and booleans never hold a delimiter, quote or line break."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return _quoted(_as_text(pa.array(series.array)))
    if _nullable_integers(dtype):
        return _as_text(pa.array(series.array))
    if isinstance(dtype, pd.BooleanDtype):
        values = series.array
        return pa.array(np.where(values.to_numpy(bool, na_value=False), "True", "False"), pa.large_string(),
                        mask=values.isna())  # fmt: skip
    if dtype.kind == "f":
        values = series.to_numpy()
        codes, bits = pd.factorize(values.view(f"i{values.itemsize}"))  # a float's text is costly: each distinct
        text = pa.array(bits.view(values.dtype).astype(str), pa.large_string())  # one once, by its bits (-0.0 is not
        return text.take(pa.array(codes, mask=np.isnan(values)))  # 0.0); numpy's repr as pandas writes it: 490.0
    if dtype.kind in "iu":
        return _as_text(pa.array(series.to_numpy()))
    if dtype.kind == "b":
        return pa.array(np.where(series.to_numpy(), "True", "False"), pa.large_string())
    return _quoted(pa.array(series.to_numpy(), pa.large_string(), from_pandas=True))  # text and missing cells


def _as_text(values: Any) -> pa.Array:
    text = pc.cast(values, pa.large_string())
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _quoted(cells: pa.Array) -> pa.Array:
    """Cells holding a delimiter, quote or line break in quotes, their quotes doubled (csv.QUOTE_MINIMAL)."""
    needs = pc.match_substring_regex(cells, NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return cells
    quote = _large('"')
    quoted = pc.binary_join_element_wise(quote, pc.replace_substring(cells, '"', '""'), quote, _large(""))
    return pc.if_else(needs, quoted, cells)
