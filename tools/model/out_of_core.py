"""Scoring and market sizing for files larger than memory: the ICP's own SQL on an embedded DuckDB, or on Spark.

The file is read in batches into a Parquet file of cleaned rows (:mod:`.stream`). The batches also carry what the
SQL does not compute: the row number, the file's id / name / domain columns, the nearest ICP segment, the gate
text and the readiness signals of each row. The engine then runs the exported scoring SELECT
(:func:`.export.icp_sql`; Spark gets its Spark SQL transpilation) over that file. DuckDB does the rest out of core:
file-wide readiness ranks, the fit x readiness cell, duplicates, the sort, the counts, and the files.

The list and the market size are the ones :func:`.bulk.score_prospects` and :func:`.market.size_market` give in
memory: the same rows, scores, tiers, reasons, segments, readiness and next steps (tests compare them).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from icp_assistant.tools.analysis.readiness import ACTIONS, READY, RELATIVE, signal_scores
from icp_assistant.tools.analysis.targets import segment_labels
from icp_assistant.tools.core.errors import OptionError
from icp_assistant.tools.core.fields import Kinds
from icp_assistant.tools.ingest.batches import parquet_stream
from icp_assistant.tools.store import csv_text
from icp_assistant.tools.store.datasets import LoadOptions
from icp_assistant.tools.store.workspace import Workspace, atomic_write, slugify, spreadsheet_safe

from . import stream
from .bulk import (
    KEEP,
    TOP,
    UNSCORED,
    ProspectList,
    identity,
    list_summary,
    sheet_columns,
    sheet_notes,
    with_workbook,
)
from .export import icp_sql, spark_sql, sql_identifier, sql_string
from .icp import ICPVersion, columns_read, score_rows
from .market import Scored
from .stream import Batch, row_hash, stage
from .workbook import XLSX_ROW_CAP, write_workbook

if TYPE_CHECKING:
    import duckdb

MEMORY_LIMIT = "300MB"  # DuckDB's own budget; it spills sorts and windows to disk beyond it
CSV_BATCH = 100_000
Progress = Callable[[float, str], None]


@contextlib.contextmanager
def connect(scratch: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An embedded DuckDB within MEMORY_LIMIT: its tables in a file in ``scratch``, sorts and windows spilling there
    (all removed afterwards)."""
    import duckdb

    scratch.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(scratch / "work.duckdb"))
    try:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET threads = 2")
        con.execute("SET temp_directory = ?", [str(scratch)])
        yield con
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)


def score_view(con: duckdb.DuckDBPyConnection, icp: ICPVersion, staged: Path, spark: str | None) -> None:
    """The view ``scored``: every staged row with icp_score, icp_tier and icp_reasons from the ICP's own SQL, run by
    DuckDB, or by Spark (its Spark SQL) when ``spark`` names a master or a Spark Connect URL."""
    con.execute(f"CREATE VIEW staged AS SELECT * FROM read_parquet({sql_string(str(staged))})")
    if not spark:
        con.execute(f"CREATE VIEW scored AS {icp_sql(icp, 'staged')}")
        return
    scores = staged.with_name(staged.stem + "-spark-scores")
    spark_scores(icp, staged, scores, spark)
    con.execute(
        "CREATE VIEW scored AS SELECT s.*, x.icp_score, x.icp_tier, x.icp_reasons FROM staged AS s "
        f"JOIN read_parquet({sql_string(str(scores / '*.parquet'))}) AS x USING (_row)"
    )


def spark_session(url: str) -> Any:
    """A Spark session on ``url``: a master (local[2], spark://host:7077, yarn) or Spark Connect (sc://host:15002)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise OptionError(
            "Scoring on Spark needs pyspark: pip install 'icp-assistant[spark]' (and Java 17+ for a local master)."
        ) from exc
    builder = SparkSession.builder.appName("icp-assistant")
    if url.startswith("sc://"):
        return builder.remote(url).getOrCreate()
    return (
        builder.master(url)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
        .getOrCreate()
    )


def spark_scores(icp: ICPVersion, staged: Path, target: Path, url: str) -> None:
    """Run the ICP's Spark SQL over the staged rows on Spark; write (_row, icp_score, icp_tier, icp_reasons) as
    Parquet under ``target``. The executors read and write these paths: local mode, or a folder they share."""
    session = spark_session(url)
    view = f"icp_staged_{abs(hash(str(staged))) % 10**8}"
    session.read.parquet(str(staged)).createOrReplaceTempView(view)
    scored = session.sql(spark_sql(icp_sql(icp, view)))
    scored.select("_row", "icp_score", "icp_tier", "icp_reasons").write.mode("overwrite").parquet(str(target))
    session.catalog.dropTempView(view)


# ---- the prospect list ----


class _ListShape:
    """What each batch contributes to the staged file of a prospect list; ``shown``: the list's id / name / domain
    and carried columns under the file's headers (staged as _id_0, _id_1...)."""

    def __init__(self, icp: ICPVersion, carry: list[str]) -> None:
        self.icp, self.carry = icp, carry
        self.shown: list[str] = []

    def __call__(self, batch: Batch) -> pd.DataFrame:
        rows = batch.rows
        shown = identity(batch.header, rows, batch.kinds, self.carry)
        out = {"_row": shown.pop("row").astype("int64")}
        self.shown = list(shown.columns)
        out |= {f"_id_{i}": shown[c] for i, c in enumerate(shown.columns)}
        for column in dict.fromkeys([*KEEP, *columns_read(self.icp)]):
            if column in rows:
                out[column] = rows[column]
        for column in KEEP:
            for end in ("_low", "_high"):
                if f"{column}{end}" in rows:
                    out[f"_{column}{end}"] = rows[f"{column}{end}"]
        scored = score_rows(self.icp, rows)
        out["_gate"] = scored["gate"]
        out["_check"] = scored["score"].astype("int64")  # the Python scorer's score: the SQL's must equal it
        if self.icp.segments:
            out["_segment"] = segment_labels(self.icp.segments, rows)
        out |= {f"_sig_{c}": s for c, s in signal_scores(rows, relative=False).items()}
        out |= {f"_rel_{c}": pd.to_numeric(rows[c], errors="coerce") for c in RELATIVE if c in rows}
        out["_hash"] = pd.Series(row_hash(_comparable(rows, batch.kinds)), index=rows.index)
        return pd.DataFrame(out, index=rows.index)


def _comparable(rows: pd.DataFrame, kinds: Kinds) -> pd.DataFrame:
    """The cleaned account columns, the same set in every batch: a number's range ends are present even in a batch
    without ranges (a plain number is its own range, as cleaning writes it when other rows hold ranges), the bands
    added for scoring are left out, in one column order."""
    out = rows.drop(columns=[c for c in ("revenue_band", "age_band") if c in rows and c not in kinds])
    for column, kind in kinds.items():
        if kind in ("number", "money") and not column.endswith(("_low", "_high")):
            for end in ("_low", "_high"):
                if f"{column}{end}" not in out:
                    out[f"{column}{end}"] = out[column]
    return out[sorted(out.columns)]


def _readiness_sql(columns: list[str], rows: int) -> str:
    """Mean of the signals a row has, rounded half to even (as pandas rounds): absolute signals as staged, relative
    ones as the file-wide percentile rank (ties at their average rank)."""
    signals = [sql_identifier(c) for c in columns if c.startswith("_sig_")]
    if rows >= 10:
        for column in (c for c in columns if c.startswith("_rel_")):
            x = sql_identifier(column)
            signals.append(
                f"CASE WHEN {x} IS NULL THEN NULL ELSE ((RANK() OVER (ORDER BY {x}) + "
                f"(COUNT(*) OVER (PARTITION BY {x}) - 1) / 2.0) / COUNT({x}) OVER ()) * 100 END"
            )
    if not signals:
        return "CAST(NULL AS DOUBLE)"
    total = " + ".join(f"COALESCE({s}, 0)" for s in signals)
    present = " + ".join(f"CAST({s} IS NOT NULL AS INTEGER)" for s in signals)
    return f"ROUND_EVEN(({total}) / NULLIF({present}, 0), 0)"


def _action_sql() -> str:
    ready = f"CASE WHEN readiness IS NULL THEN tier = 'green' ELSE readiness >= {READY} END"
    cases = " ".join(
        f"WHEN tier = {sql_string(tier)} AND ({ready}) = {str(acts).upper()} THEN {sql_string(action)}"
        for (tier, acts), action in ACTIONS.items()
    )
    return f"CASE {cases} END"


def _whole(con: duckdb.DuckDBPyConnection, columns: list[str]) -> set[str]:
    """The double columns holding only whole numbers (written as integers, as the in-memory list writes them)."""
    if not columns:
        return set()
    quoted = [sql_identifier(c) for c in columns]
    checks = ", ".join(f"BOOL_AND({q} = TRUNC({q}) AND ABS({q}) < 9007199254740992), COUNT({q})" for q in quoted)
    found = con.execute(f"SELECT {checks} FROM staged").fetchone()
    assert found is not None
    return {c for i, c in enumerate(columns) if found[2 * i] and found[2 * i + 1]}


def _list_select(con: duckdb.DuckDBPyConnection, shown: list[str], rows: int) -> str:
    types = {name: kind for name, kind, *_ in con.execute("DESCRIBE staged").fetchall()}
    columns = list(types)
    listed = [c for c in columns if not c.startswith("_") or c.startswith("_id_")]
    whole = _whole(con, [c for c in listed if types[c] == "DOUBLE"])
    taken = {name.casefold() for name in shown}

    def value(column: str) -> str:
        return f"CAST({sql_identifier(column)} AS BIGINT)" if column in whole else sql_identifier(column)

    parts = ['_row AS "row"']
    parts += [f"{value(f'_id_{i}')} AS {sql_identifier(name)}" for i, name in enumerate(shown)]
    parts += [f"{value(c)} AS {sql_identifier(c)}" for c in KEEP if c in columns and c.casefold() not in taken]
    parts += [
        "CASE WHEN icp_tier = 'unscored' THEN NULL ELSE icp_score END AS score",
        "icp_tier AS tier",
        "_gate AS gate",
        "COALESCE(icp_reasons, '') AS reasons",
    ]
    if "_segment" in columns:
        parts.append("_segment AS segment")
    parts += [
        "CAST(readiness AS BIGINT) AS readiness",
        "tier || ' / ' || CASE WHEN readiness IS NULL THEN 'readiness unknown' WHEN readiness >= "
        f"{READY} THEN 'ready' ELSE 'not ready' END AS cell",
        f"{_action_sql()} AS action",
        "CASE WHEN MIN(_row) OVER (PARTITION BY _hash) < _row THEN MIN(_row) OVER (PARTITION BY _hash) END "
        "AS duplicate_of",
    ]
    ranges = [c for c in columns if c.startswith("_") and c.endswith(("_low", "_high")) and not c.startswith("_id_")]
    inner = f"SELECT *, icp_tier AS tier, {_readiness_sql(columns, rows)} AS readiness FROM scored"
    keys = [f"{sql_identifier(c)} AS {sql_identifier(c)}" for c in ranges]
    return f"SELECT {', '.join(parts + keys)}, icp_score AS _rank, _check FROM ({inner}) AS r"


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    con.execute(sql)


def _check(con: duckdb.DuckDBPyConnection) -> None:
    """The engine's scores are the Python scorer's, row by row (a mismatch is a defect, never a result)."""
    found = con.execute('SELECT COUNT(*), MIN("row") FROM listing WHERE _rank <> _check').fetchone()
    if found and found[0]:
        raise AssertionError(f"the SQL scored {found[0]:,} rows differently from the Python scorer (first: row "
                             f"{found[1]}); please report it with the ICP's export")  # fmt: skip


def score_list(
    icp: ICPVersion,
    path: Path,
    workspace: Workspace,
    options: LoadOptions,
    folder: Path,
    *,
    spark: str | None = None,
    carry: list[str] | None = None,
    xlsx_cap: int = XLSX_ROW_CAP,
    progress: Progress | None = None,
) -> ProspectList:
    """:func:`.bulk.score_prospects` for a file of any size: the same list, built in constant memory."""
    report = progress or (lambda _f, _m: None)
    scratch = workspace.scratch(folder.name)
    shape = _ListShape(icp, carry or [])
    staged = stage(path, scratch / "rows.parquet", options, shape, lambda f, m: report(f * 0.6, m))
    shown = shape.shown
    with connect(scratch / "duckdb") as con:
        report(0.65, "scoring" + (" on Spark" if spark else " with DuckDB"))
        score_view(con, icp, staged.path, spark)
        con.execute(f"CREATE TABLE listing AS {_list_select(con, shown, staged.rows)}")
        _check(con)
        parquet_path = folder / "prospects_scored.parquet"
        columns = [d[0] for d in con.execute("DESCRIBE listing").fetchall()]
        public = [c for c in columns if not c.startswith("_")]
        select = ", ".join(sql_identifier(c) for c in public)
        report(0.8, "writing the list")
        sql = f'COPY (SELECT {select} FROM listing ORDER BY _rank DESC, "row") TO {{}} (FORMAT parquet)'
        atomic_write(parquet_path, lambda tmp: _run(con, sql.format(sql_string(str(tmp)))))
        tallies = _tallies(con)
        top = _frame(
            con.sql(f'SELECT * FROM listing ORDER BY _rank DESC, "row" LIMIT {int(xlsx_cap)}').to_arrow_table()
        )
    shutil.rmtree(scratch, ignore_errors=True)
    csv_path = write_csv(parquet_path, folder / "prospects_scored.csv")
    engine = "Spark" if spark else "DuckDB"
    how = (f"Scored out of core ({engine}, the ICP's SQL): the file was read {stream.BATCH_ROWS:,} rows at a time, "
           "every column by the rules found on its first rows.")  # fmt: skip
    notes = [how, *([] if icp.scorecard.scored else [UNSCORED]), *staged.notes][:5]
    summary = list_summary(icp, top.head(TOP), tallies, staged.rows, notes, staged.header, csv_path, parquet_path)
    report(0.9, "writing the workbook")
    rows = top.rename(columns={c: c[1:] for c in top.columns if c.startswith("_") and c.endswith(("_low", "_high"))})
    listing_ = top[[c for c in top.columns if not c.startswith("_")]]
    book = write_workbook(
        folder / "prospects_scored.xlsx", listing_, sheet_columns(staged.header, listing_, rows, staged.kinds),
        sheet_notes(icp, path, summary), cap=xlsx_cap, full_list=(csv_path, parquet_path), total=staged.rows,
    )  # fmt: skip
    return with_workbook(summary, book)


def _tallies(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    def pairs(sql: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in con.execute(sql).fetchall()}

    tiers = pairs("SELECT tier, COUNT(*) FROM listing GROUP BY tier ORDER BY COUNT(*) DESC, tier")
    found = con.execute("SELECT COUNT(*) FILTER (WHERE gate <> ''), COUNT(duplicate_of) FROM listing").fetchone()
    assert found is not None
    segments: dict[str, int] = {}
    columns = {d[0] for d in con.execute("DESCRIBE listing").fetchall()}
    if "segment" in columns:
        segments = pairs(
            "SELECT CASE WHEN segment = '' THEN '(none)' ELSE segment END AS s, COUNT(*) FROM listing "
            'GROUP BY s ORDER BY COUNT(*) DESC, MIN("row") LIMIT 8'
        )
    return {
        "tiers": tiers, "gated": found[0], "duplicates": found[1],
        "grid": pairs("SELECT cell, COUNT(*) FROM listing GROUP BY cell ORDER BY COUNT(*) DESC, MIN(\"row\")"),
        "segments": segments,
    }  # fmt: skip


def _frame(table: Any) -> pd.DataFrame:
    """Arrow rows as pandas with integers that stay integers where some are empty (as the in-memory list has them)."""
    import pyarrow as pa

    types = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=types.get)


def write_csv(parquet: Path, target: Path) -> Path:
    """The Parquet list as CSV, a batch at a time, every text cell made spreadsheet-safe (as :func:`write_table`)."""
    import pyarrow as pa

    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            for i, batch in enumerate(parquet_stream(parquet).iter_batches(batch_size=CSV_BATCH)):
                csv_text.write(spreadsheet_safe(_frame(batch)), handle, header=i == 0)
                pa.default_memory_pool().release_unused()  # the batch's text goes back, not kept for the next

    return atomic_write(target, write)


# ---- the market ----


@dataclass(frozen=True)
class _MarketShape:
    """What each batch contributes to the staged file of a market universe."""

    icp: ICPVersion

    def __call__(self, batch: Batch) -> pd.DataFrame:
        rows = batch.rows
        out = {"_row": pd.Series(rows.index + 1, index=rows.index, dtype="int64"),
               "_hash": pd.Series(row_hash(batch.raw), index=rows.index)}  # fmt: skip
        for column in dict.fromkeys(["name", "size_band", *columns_read(self.icp)]):
            if column in rows:
                out[column] = rows[column]
        return pd.DataFrame(out, index=rows.index)


def scored_universe(
    icp: ICPVersion,
    path: Path,
    workspace: Workspace,
    options: LoadOptions,
    per_band: dict[str, float],
    overall: float,
    spark: str | None,
) -> Scored:
    """:func:`.market.size_market`'s scored universe out of core: exact duplicate rows of the file counted once (as
    loading drops them), each account's contract value from its size band, the SAM ranked by score."""
    from .market import Slice

    folder = workspace.folder("markets", f"{slugify(path.stem)}-{icp.name}")
    scratch = workspace.scratch(folder.name)
    staged = stage(path, scratch / "rows.parquet", options, _MarketShape(icp))
    ranked = scratch / "sam.parquet"
    with connect(scratch / "duckdb") as con:
        score_view(con, icp, staged.path, spark)
        band = "size_band" if "size_band" in staged.kinds else "CAST(NULL AS VARCHAR)"
        con.execute(
            f"CREATE TABLE universe AS SELECT _row, {'name' if 'name' in staged.kinds else 'NULL'} AS name, "
            f"icp_score AS score, icp_tier AS tier, {band} AS size_band, "
            f"CAST({_band_values(per_band, overall, band)} AS DOUBLE) AS value FROM scored "
            "QUALIFY _row = MIN(_row) OVER (PARTITION BY _hash)"
        )
        totals = con.execute(
            "SELECT COUNT(*), FSUM(value), COUNT(*) FILTER (WHERE tier IN ('green', 'yellow')), "
            "FSUM(value) FILTER (WHERE tier IN ('green', 'yellow')), "
            "MEDIAN(value) FILTER (WHERE tier IN ('green', 'yellow')) FROM universe"
        ).fetchone()
        assert totals is not None
        by_tier = con.execute("SELECT tier, COUNT(*), FSUM(value) FROM universe GROUP BY tier ORDER BY tier").fetchall()
        by_size = con.execute(
            "SELECT COALESCE(size_band, '(unknown)') AS b, COUNT(*), FSUM(value) FROM universe GROUP BY b ORDER BY b"
        ).fetchall()
        con.execute(
            f"COPY (SELECT name, score, tier, size_band, value, SUM(value) OVER (ORDER BY score DESC, _row ROWS "
            "UNBOUNDED PRECEDING) AS _cumulative FROM universe WHERE tier IN ('green', 'yellow') "
            f"ORDER BY score DESC, _row) TO {sql_string(str(ranked))} (FORMAT parquet)"
        )
    keep = [
        c
        for c in ("name", "score", "tier", "size_band", "value")
        if c not in ("name", "size_band") or c in staged.kinds
    ]

    def som(value: float) -> tuple[int, Path]:
        import duckdb

        chosen = scratch / "som.parquet"
        with duckdb.connect() as con:
            first = con.execute(f"SELECT value FROM read_parquet({sql_string(str(ranked))}) LIMIT 1").fetchone()
            limit = max(value, first[0] if first else 0)
            con.execute(
                f"COPY (SELECT {', '.join(keep)} FROM read_parquet({sql_string(str(ranked))}) WHERE _cumulative <= "
                f"{limit!r}) TO {sql_string(str(chosen))} (FORMAT parquet)"
            )
            count = con.execute(f"SELECT COUNT(*) FROM read_parquet({sql_string(str(chosen))})").fetchone()
        path = write_csv(chosen, folder / "som_accounts.csv")
        shutil.rmtree(scratch, ignore_errors=True)
        return int(count[0]) if count else 0, path

    accounts, tam, sam_accounts, sam, median = totals
    return Scored(
        accounts=int(accounts), tam=float(tam or 0), sam_accounts=int(sam_accounts), sam=float(sam or 0),
        sam_median=None if median is None else float(median),
        by_tier=[Slice(name=str(t), accounts=int(n), value=round(float(v), 2)) for t, n, v in by_tier],
        by_size=[Slice(name=str(b), accounts=int(n), value=round(float(v), 2)) for b, n, v in by_size],
        som=som,
    )  # fmt: skip


def _band_values(values: dict[str, float], overall: float, band: str) -> str:
    cases = " ".join(f"WHEN {sql_string(b)} THEN {v!r}" for b, v in values.items())
    return f"CASE {band} {cases} ELSE {overall!r} END" if cases else repr(overall)
