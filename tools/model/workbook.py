"""The target-list workbook: a scored list a sales team can open in Excel as it is, written as a stream.

Sheet one ("Target accounts") holds the rows: human headers, the header row frozen, a filter over the data,
column widths sized from a sample of the content, number formats by style (money in the file's currency, whole
numbers with thousands separators, scores "0", rates "0%", dates yyyy-mm-dd), tier cells filled in the tier
colours of the charts. A number the file gave as a range ("201-500") shows as that range rather than its
midpoint, and a column of whole numbers shows whole numbers. A column empty in every row shown is left out (the
CSV keeps it) and the summary sheet says so. Sheet two ("Summary") says what made the list and how to read it.

The sheet holds at most ``cap`` rows (25,000 by default, well under Excel's 1,048,576): the first rows of the
frame, which the caller sorts best first. Rows are prepared ``CHUNK`` at a time and streamed to disk by openpyxl's
write-only mode, so the writer's memory stays flat however long the list. Every text cell and header goes through
the workspace's spreadsheet-safe conversion (:func:`~.workspace.worksheet_text`, then
:func:`~.workspace.spreadsheet_safe`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from icp_assistant.tools.core.charts.palette import FAINT, TIER_COLOURS
from icp_assistant.tools.core.charts.palette import money as compact_money
from icp_assistant.tools.store.workspace import atomic_write, spreadsheet_safe, worksheet_text

from .schemas import XLSX_ROW_CAP

if TYPE_CHECKING:  # openpyxl is imported when a workbook is written: the server starts without it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

EXCEL_MAX_ROWS = 1_048_576
SAMPLE = 2_000  # rows read to size the columns (the top of the list: what a reader sees first)
CHUNK = 10_000  # rows prepared at a time
MIN_WIDTH, MAX_WIDTH = 6, 60
EXACT = 10**15  # integers from here on lose digits as an Excel number: written as text
CellStyle = Literal["text", "id", "integer", "number", "money", "score", "rate", "date", "year", "tier"]
FORMATS: dict[str, str] = {
    "id": "0", "integer": "#,##0", "score": "0", "rate": "0%", "date": "yyyy-mm-dd", "year": "0",
}  # fmt: skip
NUMERIC = frozenset({"id", "integer", "number", "money", "score", "rate", "year"})
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$"}
LABEL_WIDTH, TEXT_WIDTH = 36, 90  # the summary sheet's two columns
ALIGN = {"id": "left", "score": "center"}
PLAIN = frozenset({"integer", "floating", "mixed-integer-float", "decimal", "boolean", "datetime", "date", "empty"})
WIDE = {"date": 10, "rate": 5, "score": 4, "year": 4, "tier": 8}  # display width of a value of a fixed-width style


@dataclass(frozen=True)
class SheetColumn:
    """One column of the sheet: the frame column it shows, its header, its style (which number format), and for a
    number the file may give as a range, the range ends per row (aligned with the frame's index)."""

    key: str
    header: str
    style: CellStyle = "text"
    low: pd.Series | None = field(default=None, compare=False)
    high: pd.Series | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Note:
    """One line of the summary sheet; without a value it is a section heading."""

    label: str
    value: object = None


@dataclass(frozen=True)
class WrittenWorkbook:
    """What the list sheet holds: ``rows`` of the frame's ``total``, without the ``dropped`` (empty) columns;
    ``ranges`` cells show a range the file gave instead of its midpoint."""

    path: Path
    rows: int
    total: int
    dropped: list[str] = field(default_factory=list)
    ranges: int = 0

    @property
    def capped(self) -> bool:
        return self.rows < self.total


def currency_format(currency: str | None) -> str:
    """Excel number format for money: the currency sign when the export states one, else thousands separators."""
    if currency is None:
        return "#,##0"
    sign = CURRENCY_SIGNS.get(currency, f"{currency} ")
    return f'"{sign}"#,##0'


def write_workbook(
    path: Path,
    frame: pd.DataFrame,
    columns: Sequence[SheetColumn],
    notes: Sequence[Note],
    *,
    currency: str | None = None,
    cap: int = XLSX_ROW_CAP,
    full_list: Sequence[Path] = (),
    sheet: str = "Target accounts",
    total: int | None = None,
) -> WrittenWorkbook:
    """Write the first ``cap`` rows of ``frame`` as the list sheet and ``notes`` (plus what this sheet leaves out)
    as the summary sheet, atomically. ``full_list`` names the files that hold every row (said when capped);
    ``total``: the rows of the whole list when ``frame`` holds only its top."""
    if not 1 <= cap < EXCEL_MAX_ROWS:
        raise ValueError(
            f"cap {cap} is outside 1-{EXCEL_MAX_ROWS - 1:,} (an Excel sheet holds {EXCEL_MAX_ROWS:,} rows with its "
            "header): pass a cap in that range."
        )
    shown = frame.iloc[:cap]
    columns = _unique(columns)
    kept = [c for c in columns if not _all_empty(shown[c.key])]
    dropped = [c.header for c in columns if c not in kept]
    ranges = sum(_range_count(shown, c) for c in kept)
    written = WrittenWorkbook(path, len(shown), len(frame) if total is None else total, dropped, ranges)
    lines = [*notes, *_sheet_notes(written, full_list)]
    atomic_write(path, lambda tmp: _save(tmp, shown, kept, lines, currency, sheet))
    return written


def _unique(columns: Sequence[SheetColumn]) -> list[SheetColumn]:
    """Headers made distinct ("Industry", "Industry (2)"): a carried column may carry a label the list also uses."""
    seen: dict[str, int] = {}
    out = []
    for column in columns:
        seen[column.header] = seen.get(column.header, 0) + 1
        count = seen[column.header]
        out.append(column if count == 1 else dataclasses.replace(column, header=f"{column.header} ({count})"))
    return out


def _save(tmp: Path, shown: pd.DataFrame, columns: list[SheetColumn], notes: list[Note], currency: str | None,
          sheet: str) -> None:  # fmt: skip
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _list_sheet(book.create_sheet(sheet), shown, columns, currency)
    _summary_sheet(book.create_sheet("Summary"), notes)
    book.save(tmp)


# -- values --------------------------------------------------------------------------------------------------------


def _values(shown: pd.DataFrame, column: SheetColumn, currency: str | None) -> pd.Series:
    """The column as Python values for the sheet: whole numbers as int, ranges as their text, None for a gap."""
    series = shown[column.key]
    if column.style == "date" and _is_dates(series):
        dates = pd.to_datetime(series, errors="coerce")
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)
        return dates.astype(object).where(dates.notna(), None)
    if column.style not in NUMERIC or not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.astype(object).where(series.notna(), None)
    out = pd.Series([_number(v) for v in series.tolist()], index=shown.index, dtype=object)
    ranged = _ranges(shown, column, currency)
    return out if ranged is None else out.where(ranged.isna(), ranged)


def _number(value: Any) -> int | float | str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if (isinstance(value, float) and value.is_integer()) or isinstance(value, int):
        whole = int(value)
        return str(whole) if abs(whole) >= EXACT else whole
    return float(value)


def _is_range(shown: pd.DataFrame, column: SheetColumn) -> pd.Series | None:
    """True where the file gave the number as a range (its ends differ, or it is open-ended: "10,001+")."""
    if column.low is None or column.high is None:
        return None
    low, high = column.low.reindex(shown.index), column.high.reindex(shown.index)
    return low.notna() & (high.isna() | (low != high))


def _ranges(shown: pd.DataFrame, column: SheetColumn, currency: str | None) -> pd.Series | None:
    """The range text ("201–500", "$10M–$50M", "10,001+") of the rows the file gave as a range; None elsewhere."""
    is_range = _is_range(shown, column)
    if is_range is None or not is_range.any() or column.low is None or column.high is None:
        return None
    sign = CURRENCY_SIGNS.get(currency or "", f"{currency} " if currency else "")
    say = (lambda x: compact_money(x, sign)) if column.style == "money" else (lambda x: f"{x:,.0f}")
    low, high = column.low.reindex(shown.index).tolist(), column.high.reindex(shown.index).tolist()
    ends = zip(is_range.tolist(), low, high, strict=True)
    text = [None if not ranged else f"{say(lo)}+" if pd.isna(hi) else f"{say(lo)}–{say(hi)}" for ranged, lo, hi in ends]
    return pd.Series(text, index=shown.index, dtype=object)


def _range_count(shown: pd.DataFrame, column: SheetColumn) -> int:
    is_range = _is_range(shown, column)
    return 0 if is_range is None else int(is_range.sum())


def _all_empty(series: pd.Series) -> bool:
    return bool((series.isna() | series.astype(object).isin([""])).all())


def _prepared(part: pd.DataFrame, columns: list[SheetColumn], currency: str | None) -> list[list[Any]]:
    """One chunk of rows as the sheet's values, column by column, every text cell made spreadsheet-safe."""
    return [_safe_cells(_values(part, c, currency)).tolist() for c in columns]


def _safe_cells(values: pd.Series) -> pd.Series:
    """The workspace's spreadsheet safety on a column holding text; numbers and dates pass untouched (the frame-wide
    conversion would turn a column of whole numbers and gaps into floats)."""
    if pd.api.types.infer_dtype(values, skipna=True) in PLAIN:
        return values
    safe = spreadsheet_safe(worksheet_text(values.to_frame("cells")))["cells"].astype(object)
    return safe.where(safe.notna(), None)


def _safe_headers(headers: list[str]) -> list[str]:
    return [str(h) for h in spreadsheet_safe(worksheet_text(pd.DataFrame(columns=headers, dtype=object))).columns]


def _number_format(column: SheetColumn, shown: pd.DataFrame, currency: str | None) -> str | None:
    series = shown[column.key]
    if column.style not in NUMERIC:
        return FORMATS.get(column.style) if column.style != "date" or _is_dates(series) else None
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return "@" if column.style == "id" else None  # an id kept as text ("00123") stays text
    if column.style == "money":
        return currency_format(currency)
    if column.style == "number":
        is_range = _is_range(shown, column)
        values = (series if is_range is None else series[~is_range]).dropna().astype(float)
        return "#,##0" if bool((values == values.round()).all()) else "#,##0.00"
    return FORMATS.get(column.style)


def _is_dates(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series)


# -- the list sheet ------------------------------------------------------------------------------------------------


def _list_sheet(ws: WriteOnlyWorksheet, shown: pd.DataFrame, columns: list[SheetColumn], currency: str | None) -> None:
    from openpyxl.utils import get_column_letter

    formats = [_number_format(c, shown, currency) for c in columns]
    starts = range(0, max(len(shown), 1), CHUNK)
    chunks = (_prepared(shown.iloc[i : i + CHUNK], columns, currency) for i in starts)
    first = next(chunks)
    headers = _safe_headers([c.header for c in columns])
    for i, width in enumerate(_widths(first, headers, columns, formats), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ref = f"A1:{get_column_letter(max(len(columns), 1))}{len(shown) + 1}"
    # Written before the first row, so set first: the size (a streaming sheet does not know it; readers such as
    # openpyxl's read-only mode rely on it), the frozen header, the column widths and the print setup.
    ws.calculate_dimension = lambda: ref
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"  # printed: the header on every page, landscape, as wide as the page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.append([_header_cell(ws, h) for h in headers])
    makers = [_maker(ws, c.style, fmt) for c, fmt in zip(columns, formats, strict=True)]
    for data in itertools.chain([first], chunks):
        for row in zip(*data, strict=True):
            ws.append([v if make is None or v is None else make(v) for make, v in zip(makers, row, strict=True)])
    ws.auto_filter.ref = ref


def _header_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True)
    cell.fill = PatternFill(fill_type="solid", fgColor=FAINT.lstrip("#"))
    cell.alignment = Alignment(vertical="center")
    return cell


def _maker(ws: WriteOnlyWorksheet, style: str, number_format: str | None) -> Callable[[Any], Any] | None:
    """How a value becomes a styled cell; one reused cell per style (the writer serialises a cell as it is sent)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    if style == "tier":
        fills = {tier: _tier_cell(ws, colour) for tier, colour in TIER_COLOURS.items()}
        return lambda v: _filled(fills.get(v), v)
    if number_format is None:
        return None
    cell = WriteOnlyCell(ws)
    cell.number_format = number_format
    cell.alignment = Alignment(horizontal=ALIGN.get(style, "right"))  # a range shown as text lines up with numbers
    return lambda v: _filled(cell, v)


def _filled(cell: WriteOnlyCell | None, value: Any) -> Any:
    if cell is None:
        return value
    cell.value = value
    return cell


def _tier_cell(ws: WriteOnlyWorksheet, colour: str) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = WriteOnlyCell(ws)
    cell.fill = PatternFill(fill_type="solid", fgColor=colour.lstrip("#"))
    cell.font = Font(bold=True, color=_ink_on(colour))
    cell.alignment = Alignment(horizontal="center")
    return cell


def _ink_on(colour: str) -> str:
    """Black or white text, whichever contrasts more with the fill (WCAG relative luminance)."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "FFFFFF"


def _widths(
    first: list[list[Any]], headers: list[str], columns: list[SheetColumn], formats: list[str | None]
) -> list[float]:
    """Width per column from the header and a sample of the values as displayed, capped."""
    widths = []
    for values, header, column, number_format in zip(first, headers, columns, formats, strict=True):
        shown = [_shown_width(v, column.style, number_format) for v in values[:SAMPLE] if v is not None]
        content = max([len(header) + 3, *shown])  # + room for the filter button
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, content + 1))))
    return widths


def _shown_width(value: Any, style: str, number_format: str | None) -> int:
    if isinstance(value, str):
        return len(value)
    if style in WIDE:
        return WIDE[style]
    if number_format is None or not isinstance(value, int | float):
        return len(str(value))
    sign = number_format.split('"')[1] if number_format.startswith('"') else ""
    digits = f"{value:,.0f}" if "," in number_format else f"{value:.0f}"
    return len(sign) + len(digits) + (3 if number_format.endswith(".00") else 0)


# -- the summary sheet ---------------------------------------------------------------------------------------------


def _sheet_notes(written: WrittenWorkbook, full_list: Sequence[Path]) -> list[Note]:
    files = " and ".join(str(p) for p in full_list) or "the CSV written beside it"
    if written.capped:
        rows = (
            f"The top {written.rows:,} of {written.total:,} rows by score (this sheet stops at {written.rows:,} rows "
            f"to stay quick to open). Every row is in {files}."
        )
    else:
        rows = f"All {written.total:,} rows, best first. The same list is in {files}."
    lines = [Note("This sheet"), Note("Rows shown", rows)]
    if written.dropped:
        left_out = ", ".join(written.dropped)
        lines.append(
            Note("Columns left out", f"{left_out}: empty in every row shown (they stay in the CSV and Parquet).")
        )
    if written.ranges:
        lines.append(
            Note("Ranges", f"{written.ranges:,} numbers the file gave as a range (e.g. employees 201–500) show that "
                           "range; the CSV and Parquet hold its midpoint, which is what the score used.")
        )  # fmt: skip
    return lines


def _summary_sheet(ws: WriteOnlyWorksheet, notes: Sequence[Note]) -> None:
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = LABEL_WIDTH, TEXT_WIDTH
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    labels = _safe_cells(pd.Series([n.label for n in notes], dtype=object)).tolist()
    values = _safe_cells(pd.Series([_plain(n.value) for n in notes], dtype=object)).tolist()
    size = len(notes) + sum(1 for n in notes[1:] if n.value is None)  # a blank row before each later heading
    ws.calculate_dimension = lambda: f"A1:B{size}"
    row = 0
    for label, value, note in zip(labels, values, notes, strict=True):
        if note.value is None:
            row += 2 if row else 1
            if row > 1:
                ws.append([])
            ws.append([_heading(ws, label)])
            continue
        row += 1
        lines = max(math.ceil(len(str(value)) / (TEXT_WIDTH * 1.25)), math.ceil(len(str(label)) / (LABEL_WIDTH * 1.25)))
        if lines > 1:  # wrapped text: a spreadsheet does not always grow the row by itself
            ws.row_dimensions[row].height = 15 * lines
        ws.append([_summary_label(ws, label), _summary_value(ws, value)])


def _heading(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True, size=12)
    return cell


def _plain(value: object) -> object:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _summary_label(ws: WriteOnlyWorksheet, label: str) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    cell = WriteOnlyCell(ws, value=label)
    cell.alignment = Alignment(vertical="top", wrap_text=True)
    return cell


def _summary_value(ws: WriteOnlyWorksheet, value: object) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, int | float):
        cell.number_format = "#,##0"
        cell.alignment = Alignment(horizontal="left", vertical="top")
    else:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell
