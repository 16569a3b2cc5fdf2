"""score_prospects: a prospect file scored in bulk into a prioritised target account list.

The file is loaded like any export (same formats, header mapping and cleaning) but keeps every row:
each row is scored under its row number in the file (1 = first data row), with the file's own id /
name / domain columns under their original headers and any ``carry`` columns; rows repeating an
earlier row are flagged in ``duplicate_of``, never removed. The list is sorted by score and written
whole to CSV (spreadsheet-safe, by the workspace's writer) and Parquet (typed values as they are), and as a
workbook a sales team can use (:mod:`.workbook`: formatted, tier colours, a summary sheet; the top
``XLSX_ROW_CAP`` rows by score). The result is a compact summary; the full list is in the files.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.analysis.readiness import READY, grid_actions, readiness
from icp_assistant.tools.analysis.targets import segment_labels
from icp_assistant.tools.core.errors import OptionError, listing
from icp_assistant.tools.core.fields import Kinds
from icp_assistant.tools.core.labels import field_label
from icp_assistant.tools.core.schemas import DatasetCard
from icp_assistant.tools.ingest.quality import first_copies
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace, slugify, write_table

from .engines import AUTO, Compute
from .icp import ICPVersion, score_rows
from .schemas import ProspectList, TopProspect
from .workbook import XLSX_ROW_CAP, CellStyle, Note, SheetColumn, WrittenWorkbook, write_workbook

TOP = 10
UNSCORED = "No attribute predicts the outcome in this data: prospects are left unscored, not called red."
IDENTITY = ("account_id", "name", "domain")
KEEP = ("industry", "employee_count", "annual_revenue", "country", "region", "size_band")
Progress = Callable[[float, str], None]
# The list's own columns as the workbook heads them (a user's file may have a column "cell" meaning a phone).
LIST_HEADERS = {
    "row": "Row in file", "gate": "Capped by", "segment": "Nearest ICP segment", "readiness": "Readiness",
    "cell": "Fit × readiness", "action": "Next step", "duplicate_of": "Duplicate of row",
}  # fmt: skip
LIST_STYLES: dict[str, CellStyle] = {
    "row": "integer", "score": "score", "tier": "tier", "readiness": "score", "duplicate_of": "integer",
}  # fmt: skip
ENGINE_COLUMNS = frozenset((*KEEP, *LIST_HEADERS, *LIST_STYLES, "reasons"))  # the rest keep the file's headers
STYLE_OF_KIND: dict[str, CellStyle] = {
    "id": "id", "number": "number", "money": "money", "percent": "rate", "year": "year", "date": "date",
}  # fmt: skip


def reasons(icp: ICPVersion, scored: pd.DataFrame) -> pd.Series:
    """Per row, the (up to) three criteria with the largest points in the scorecard that it meets, with their
    points: "Industry is Fintech (+27); Tech stack includes Salesforce (+16)". Columnar: each row's three (criterion,
    points) pairs become one integer code, and each distinct code's text is written once."""
    labels = {c.id: (c.label, c.points) for c in icp.scorecard.criteria if c.id in scored}
    ordered = sorted(labels, key=lambda k: -abs(labels[k][1]))
    if not ordered or not len(scored):
        return pd.Series(np.full(len(scored), "", dtype=object), index=scored.index, dtype=object)
    # per slot (a row's first, second and third criterion met, strongest first): where it is in ``ordered`` and its
    # whole points; one criterion column read at a time (never a rows x criteria matrix: a million rows and a
    # hundred criteria would be 0.7 GB)
    found = np.zeros(len(scored), dtype=np.int8)
    where = np.zeros((3, len(scored)), dtype=np.int64)
    value = np.zeros((3, len(scored)), dtype=np.int64)
    for position, criterion in enumerate(ordered):
        points = scored[criterion].to_numpy(dtype=float)
        rows = np.flatnonzero((points != 0) & (found < 3))
        slot = found[rows]
        where[slot, rows] = position
        value[slot, rows] = np.trunc(points[rows])
        found[rows] += 1
    slots = [(found > slot, where[slot], value[slot]) for slot in range(3)]
    low = min(int(v[h].min()) for h, _, v in slots if h.any())
    span = max(int(v[h].max()) for h, _, v in slots if h.any()) - low + 1
    width = len(ordered) * span + 1  # 0 = no reason in this slot
    code = np.zeros(len(scored), dtype=np.int64)
    for has, where, value in slots:
        code = code * width + np.where(has, 1 + where * span + (value - low), 0)
    distinct, inverse = np.unique(code, return_inverse=True)
    texts = np.array([_reason_text(int(c), ordered, labels, width, span, low) for c in distinct], dtype=object)
    return pd.Series(texts[inverse], index=scored.index, dtype=object)


def _reason_text(code: int, ordered: list[str], labels: dict[str, tuple[str, int]], width: int, span: int,
                 low: int) -> str:  # fmt: skip
    parts = []
    for _ in range(3):
        code, slot = divmod(code, width)
        if slot:
            where, value = divmod(slot - 1, span)
            parts.append(f"{labels[ordered[where]][0]} ({value + low:+d})")
    return "; ".join(reversed(parts))


def _grid(listing: pd.DataFrame) -> dict[str, int]:
    return {str(cell): int(count) for cell, count in listing["cell"].value_counts().items()}


def _segments(listing: pd.DataFrame) -> dict[str, int]:
    if "segment" not in listing:
        return {}
    counts = listing["segment"].replace("", "(none)").value_counts()
    return {str(k): int(v) for k, v in counts.head(8).items()}


def _is_identity(column: str, kinds: Kinds) -> bool:
    return column in IDENTITY or kinds.get(column) == "id" or bool(re.search(r"(^|[\s_])id$", column, re.IGNORECASE))


def headers(card: DatasetCard) -> dict[str, str]:
    """Dataset column -> its header in the file (derived columns under their own name)."""
    return {f.field: f.source or f.field for f in card.fields}


def identity(header: dict[str, str], rows: pd.DataFrame, kinds: Kinds, carry: list[str]) -> pd.DataFrame:
    """The row number, the input's id / name / domain columns under their own headers, and the carried columns."""
    by_header = {source: field for field, source in header.items()}
    unknown = [c for c in carry if c not in by_header and c not in rows]
    if unknown:
        known = [header.get(c, c) for c in rows.columns if not c.endswith(("_low", "_high"))]
        raise OptionError(f"carry: no column {unknown} in the file. Its columns are: {listing(known, 60)}.")
    out = pd.DataFrame({"row": rows.index + 1}, index=rows.index)
    shown = [c for c in IDENTITY if c in rows] + [c for c in rows if c not in IDENTITY and _is_identity(c, kinds)]
    for column in shown + [by_header.get(c, c) for c in carry]:
        out[header.get(column, column)] = rows[column]
    return out


def _duplicates(rows: pd.DataFrame) -> pd.Series:
    """For each row repeating an earlier one exactly, the row number of the first; else empty."""
    first = first_copies(rows)
    number = np.asarray(rows.index + 1, dtype="int64")
    return pd.Series(pd.arrays.IntegerArray(number[first], first == np.arange(len(rows))), index=rows.index)


def score_prospects(
    icp: ICPVersion,
    path: Path,
    workspace: Workspace,
    options: LoadOptions,
    progress: Progress | None = None,
    carry: list[str] | None = None,
    xlsx_cap: int = XLSX_ROW_CAP,
    compute: Compute = AUTO,
) -> ProspectList:
    """Score every row of a prospect file (duplicates flagged, never removed) into a target list. ``compute``:
    "memory", "duckdb" (out of core: the ICP's SQL on an embedded DuckDB), "spark" (its Spark SQL on the Spark
    master or Spark Connect URL), or "auto": in memory unless the file is big (:meth:`.engines.Compute.choose`).
    Every engine gives the same list."""
    report = progress or (lambda _f, _m: None)
    chosen = compute.choose(path, options.max_bytes)
    if chosen != "memory":
        from .out_of_core import score_list

        folder = workspace.folder("prospect-lists", f"{slugify(path.stem)}-{icp.name}-v{icp.version}")
        spark = compute.spark if chosen == "spark" else None
        return score_list(icp, path, workspace, options, folder, spark=spark, carry=carry, xlsx_cap=xlsx_cap,
                          progress=report)  # fmt: skip
    options = dataclasses.replace(options, keep_duplicates=True)
    card = load_accounts(path, workspace, options, progress=lambda f, m: report(f * 0.5, m))
    data = open_dataset(workspace, card.name)
    report(0.6, "scoring")
    rows = add_bands(data.accounts)
    scored = score_rows(icp, rows)
    listing_ = identity(headers(card), data.accounts, data.kinds, carry or [])
    listing_ = listing_.join(rows[[c for c in KEEP if c in rows]])
    listing_ = listing_.join(scored[["score", "tier", "gate"]])
    listing_["score"] = listing_["score"].astype("Int64").where(listing_["tier"].ne("unscored"))
    listing_["reasons"] = reasons(icp, scored)
    if icp.segments:
        listing_["segment"] = segment_labels(icp.segments, rows)
    listing_["readiness"] = readiness(rows)
    listing_["cell"], listing_["action"] = grid_actions(listing_["tier"], listing_["readiness"])
    listing_["duplicate_of"] = _duplicates(data.accounts)
    ordered = listing_.assign(_rank=scored["score"]).sort_values(["_rank", "row"], ascending=[False, True])
    listing_ = _whole_numbers(ordered.drop(columns="_rank"))
    report(0.8, "writing the list and its workbook")
    folder = workspace.folder("prospect-lists", f"{card.name}-{icp.name}-v{icp.version}")
    csv_path, parquet_path = folder / "prospects_scored.csv", folder / "prospects_scored.parquet"
    header = headers(card)
    summary = list_summary(icp, listing_.head(TOP), counts(listing_), card.rows, _notes_of(icp, card.warnings),
                           header, csv_path, parquet_path)  # fmt: skip
    # every row, written mostly by Arrow without the GIL, beside the workbook (openpyxl: Python); the writer gets a
    # frame of its own over the same columns, so neither thread sees the other's lazy re-blocking of a shared frame
    with ThreadPoolExecutor(1) as pool:
        full_list = pool.submit(_write_full_list, listing_.copy(deep=False), csv_path, parquet_path)
        book = write_workbook(
            folder / "prospects_scored.xlsx", listing_, sheet_columns(header, listing_, rows, data.kinds),
            sheet_notes(icp, path, summary), currency=card.currency, cap=xlsx_cap, full_list=(csv_path, parquet_path),
        )  # fmt: skip
        full_list.result()
    return with_workbook(summary, book)


def _write_full_list(listing_: pd.DataFrame, csv_path: Path, parquet_path: Path) -> None:
    write_table(listing_, csv_path)
    write_table(listing_, parquet_path)


def _whole_numbers(listing_: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers become integer columns (no "350.0" in the CSV)."""
    for column in listing_.columns:
        series = listing_[column]
        if pd.api.types.is_float_dtype(series) and series.notna().any():
            values = series.dropna()
            if bool((values == np.trunc(values)).all()) and bool(values.abs().lt(2**53).all()):
                listing_[column] = series.astype("Int64")
    return listing_


def sheet_columns(
    header: dict[str, str], listing_: pd.DataFrame, rows: pd.DataFrame, kinds: Kinds
) -> list[SheetColumn]:
    """Each list column for the workbook: the file's own headers for its id / name / domain and carried columns,
    labels for the rest; the number format from the column's kind; range ends where the file gave ranges."""
    by_header = {source: column for column, source in header.items()}
    columns = []
    for column in listing_.columns:
        own = column not in ENGINE_COLUMNS
        name = by_header.get(column, column) if own else column
        style = LIST_STYLES.get(column) or STYLE_OF_KIND.get(kinds.get(name, ""), "text")
        title = column if own else LIST_HEADERS.get(column) or field_label(column)
        low, high = rows.get(f"{name}_low"), rows.get(f"{name}_high")
        columns.append(SheetColumn(column, title, style, low, high))
    return columns


def sheet_notes(icp: ICPVersion, path: Path, summary: ProspectList) -> list[Note]:
    """The summary sheet: what scored the list, when, the counts, and how to read it."""
    built = icp.created_at[:10]
    notes = [
        Note("Target account list"),
        Note("ICP", f"{icp.name}, version {icp.version} (built {built} from dataset {icp.dataset})"),
        Note("Scored on", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        Note("Prospect file", path.name),
        Note("Rows read", summary.rows_in),
        Note("Rows in the list", summary.rows_out),
        Note("Duplicates (kept, flagged)", summary.duplicates),
        Note("Capped by a must-have or disqualifier", summary.gated),
        Note("Accounts per tier"),
        *[Note(tier.capitalize(), count) for tier, count in summary.tiers.items()],
        Note("Accounts per fit × readiness cell"),
        *[Note(cell, count) for cell, count in summary.grid.items()],
    ]
    if summary.segments:
        notes += [Note("Accounts per nearest ICP segment (top 8)"), *[Note(k, v) for k, v in summary.segments.items()]]
    return notes + _how_to_read(icp)


def _how_to_read(icp: ICPVersion) -> list[Note]:
    green, yellow = icp.thresholds.green, icp.thresholds.yellow
    if icp.scorecard.scored:
        score = (
            f"0–100: a base of {icp.scorecard.base} plus the points of each ICP criterion the account meets, learned "
            f"from {icp.comparison}. Green from {green}, yellow from {yellow}, red below {yellow}."
        )
    else:
        score = "No attribute predicted the outcome in this data: prospects are left unscored (grey), not called red."
    return [
        Note("How to read the list"),
        Note("ICP score", f"{score} A must-have not met or a disqualifier caps the score below {yellow}."),
        Note("Tier", f"Green: best fit, most like the accounts on the good side of {icp.comparison}. Yellow: good "
                     "fit. Red: poor fit. Unscored (grey): no fit model."),
        Note("Why", "The three criteria that moved the score most, with their points (negative: a red flag)."),
        Note("Readiness", f"0–100 from intent signals in the file (intent score, buying stage, funding, headcount "
                          f"growth, engagement); {READY} or more is ready. Empty without such signals."),
        Note("Next step", "The recommended action for the account's fit × readiness cell."),
        Note("Duplicate of row", "This row repeats that earlier row of the file exactly; it is kept, not merged."),
    ]  # fmt: skip


def with_workbook(summary: ProspectList, book: WrittenWorkbook) -> ProspectList:
    note = None
    if book.capped:
        note = (
            f"The XLSX holds the top {book.rows:,} of {book.total:,} rows by score; the CSV and Parquet hold every row."
        )
    return summary.model_copy(update={"xlsx_path": str(book.path), "xlsx_rows": book.rows, "xlsx_note": note})


def counts(listing_: pd.DataFrame) -> dict[str, object]:
    """The list's counts for its summary: per tier, capped, duplicates, per grid cell, per nearest segment."""
    return {
        "tiers": listing_["tier"].value_counts().to_dict(),
        "gated": int(listing_["gate"].ne("").sum()),
        "duplicates": int(listing_["duplicate_of"].notna().sum()),
        "grid": _grid(listing_),
        "segments": _segments(listing_),
    }


def _notes_of(icp: ICPVersion, warnings: list[str]) -> list[str]:
    notes = warnings[:5]
    if not icp.scorecard.scored:
        notes = [UNSCORED, *notes]
    return notes[:5]


def list_summary(
    icp: ICPVersion,
    head: pd.DataFrame,
    tallies: dict[str, Any],
    rows_in: int,
    notes: list[str],
    header: dict[str, str],
    csv_path: Path,
    parquet_path: Path,
) -> ProspectList:
    """The compact result: ``head`` is the top of the list (sorted), ``tallies`` its :func:`counts`."""
    name_column = header.get("name") if header.get("name") in head else None
    top = [
        TopProspect(
            name=str(row[name_column]) if name_column else f"row {row['row']}", row=int(row["row"]),
            score=None if pd.isna(row["score"]) else int(row["score"]),
            tier=str(row["tier"]), reasons=str(row["reasons"]), action=str(row["action"]),
            segment=(str(row["segment"]) or None) if "segment" in head else None,
        )
        for _, row in head.head(TOP).iterrows()
    ]  # fmt: skip
    tiers = tallies["tiers"]
    rows = int(sum(tiers.values()))
    return ProspectList(
        icp=icp.name, version=icp.version, rows=rows, rows_in=rows_in, rows_out=rows,
        duplicates=int(tallies["duplicates"]),
        tiers={t: int(tiers.get(t, 0)) for t in ("green", "yellow", "red", "unscored")
               if t != "unscored" or icp.scorecard.scored is False},
        gated=int(tallies["gated"]), grid=tallies["grid"], segments=tallies["segments"], top=top,
        csv_path=str(csv_path), parquet_path=str(parquet_path), xlsx_path="", xlsx_rows=0, data_notes=notes,
    )  # fmt: skip
