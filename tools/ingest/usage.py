"""A product-usage export read in any common shape and normalised to one row per account and feature.

Three shapes are read, found from the headers (mapped to the ``usage`` fields of ``core/data/fields.toml``):

- **long**: account, feature, a usage count or a used flag (yes/no, 1/0, true/false), optionally a date
  (first use) and a last-use date; several rows of one account and feature are added up;
- **event log**: account, feature and a timestamp per use, no count column: each row is one use;
- **wide**: one row per account and no feature column: every other column holding counts, flags or dates
  (a date is the first use) is a feature.

The result (:class:`Usage`) has one row per account reference and feature: ``account`` (the reference as the file
wrote it), ``feature``, ``uses`` (0 = not used), ``first_used`` and ``last_used``. :func:`join_usage` attaches each
row to an account of a dataset, by id or by normalised company name as deals are joined; rows whose account is not
in the dataset are counted and named, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from icp_assistant.tools.core.company_keys import normalize_names
from icp_assistant.tools.core.errors import ColumnError, listing
from icp_assistant.tools.core.values.cells import is_placeholder, parse_bool
from icp_assistant.tools.core.values.dates import parse_date_series
from icp_assistant.tools.core.values.number_series import parse_number_series

from .dialects import read_header
from .mapping import map_headers
from .readers import check_file, read_table

Shape = Literal["long", "events", "wide"]
MIN_READABLE = 0.8  # share of filled cells that must read as counts / flags / dates
KEY_FIELDS = ("account_id", "name", "domain")  # account columns of a wide file that are not features


@dataclass
class Usage:
    """A usage export, one row per account reference and feature."""

    rows: pd.DataFrame  # account (str), feature (str), uses (float), first_used, last_used (datetime64)
    shape: Shape
    file_rows: int
    account_columns: list[str]  # the file's account column(s): id first, then name
    feature_columns: list[str]  # wide: the feature columns; else the feature column
    notes: list[str] = field(default_factory=list)


@dataclass
class UsageJoin:
    """How usage rows were joined to a dataset's accounts."""

    key: Literal["id", "name"]
    column: str
    accounts_in_file: int
    matched_accounts: int
    unknown_accounts: int
    unknown_rows: int
    unknown_examples: list[str]


def read_usage(
    path: Path,
    *,
    sheet: str | int | None = None,
    max_bytes: int | None = None,
    mapping: Mapping[str, str | None] | None = None,
) -> Usage:
    """Read a usage export (CSV, TSV, XLSX, Parquet, JSON; any encoding the readers know) into :class:`Usage`."""
    check_file(path, max_bytes)
    raw = read_table(path, sheet=sheet, max_bytes=max_bytes, text_columns=_id_columns(path, mapping))
    frame = raw.frame
    found = map_headers(list(frame.columns), "usage", mapping)
    columns = {name: match.column for name, match in found.matches.items()}
    accounts = [columns[f] for f in ("usage_account_id", "usage_account") if f in columns]
    if not accounts:
        raise ColumnError(
            f"{path.name}: no account column. Columns are: {listing(frame.columns, 40)}. Name the column that says "
            "which account used the product, e.g. mapping={'usage_account': 'Customer'} (or 'usage_account_id')."
        )
    if "usage_feature" in columns:
        return _long(frame, columns, accounts, path.name)
    return _wide(frame, accounts, path.name)


def _per_distinct(values: pd.Series, read: Callable[[object], object]) -> pd.Series:
    """``read`` applied once per distinct value (a million rows of a few thousand values cost a few thousand calls).
    Text is factorized as it is: a Python string per row (3.6 million usage rows: 0.3 GB) is never made."""
    codes, uniques = pd.factorize(values if pd.api.types.is_string_dtype(values.dtype) else values.astype("object"))
    table = np.array([read(v) for v in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype="object")


def _text(value: object) -> str | None:
    text = None if is_placeholder(value) else str(value).strip()
    return text or None


def _id_columns(path: Path, mapping: Mapping[str, str | None] | None) -> list[str]:
    """The account columns of a text file, read as text (ids keep their leading zeros and never become floats)."""
    if path.suffix.lower() not in {".csv", ".tsv", ".txt", ".tab", ""}:
        return []
    found = map_headers(read_header(path), "usage", mapping)
    return [m.column for f, m in found.matches.items() if f in ("usage_account_id", "usage_account")]


def _account_refs(frame: pd.DataFrame, column: str) -> pd.Series:
    return _per_distinct(frame[column], _text)


NOT_USED = frozenset({"no", "not", "none", "never"})  # "No internet service", "Not used": the feature is not in use


def _flag(value: object) -> bool | None:
    flag = parse_bool(value)
    if flag is None and isinstance(value, str) and value.strip():
        return False if value.strip().split()[0].lower() in NOT_USED else None
    return flag


def uses_of(values: pd.Series) -> pd.Series:
    """Counts as numbers, flags as 1 / 0 (yes/no, true/false, x...; "No internet service" is 0), missing where the
    cell is empty or unreadable."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    numbers = parse_number_series(values.astype("object"))["value"]
    flagged = _per_distinct(values, _flag).map({True: 1.0, False: 0.0}).astype("float64")
    return numbers.where(numbers.notna(), flagged)


def _readable(values: pd.Series, parsed: pd.Series) -> float:
    filled = _per_distinct(values, _text).notna()
    return float(parsed[filled].notna().mean()) if filled.any() else 0.0


def _long(frame: pd.DataFrame, columns: dict[str, str], accounts: list[str], name: str) -> Usage:
    feature = columns["usage_feature"]
    long = pd.DataFrame({"account": _account_refs(frame, accounts[0]), "feature": _account_refs(frame, feature)})
    if len(accounts) > 1:  # an id column with gaps: fall back to the name column row by row
        long["account"] = long["account"].fillna(_account_refs(frame, accounts[1]))
    notes = []
    shape: Shape = "events"
    if "usage_count" in columns:
        shape = "long"
        count = columns["usage_count"]
        long["uses"] = uses_of(frame[count])
        if _readable(frame[count], long["uses"]) < MIN_READABLE:
            examples = listing(frame[count].dropna().astype(str).drop_duplicates().head(3).map(repr))
            raise ColumnError(
                f"{name}: column {count!r} should hold usage counts or used flags (numbers, yes/no, true/false) but "
                f"holds {examples}. Pass mapping={{'usage_count': None}} to count rows as uses instead, or name "
                "the right column."
            )
    else:
        long["uses"] = 1.0
        notes.append("No count column: each row is counted as one use (an event log).")
    long["first_used"] = _date(frame, columns.get("usage_date"))
    long["last_used"] = _date(frame, columns.get("usage_last")).fillna(long["first_used"])
    missing = long["account"].isna() | long["feature"].isna()
    if missing.any():
        notes.append(f"{int(missing.sum()):,} rows without an account or a feature were skipped.")
    rows = _per_account_feature(long[~missing])
    return Usage(rows, shape, len(frame), accounts, [feature], notes)


def _date(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return parse_date_series(frame[column])


def _per_account_feature(long: pd.DataFrame) -> pd.DataFrame:
    grouped = long.groupby(["account", "feature"], sort=False)
    rows = pd.DataFrame(
        {
            "uses": grouped["uses"].sum(min_count=1),
            "first_used": grouped["first_used"].min(),
            "last_used": grouped["last_used"].max(),
        }
    )
    return rows.reset_index()


def _wide(frame: pd.DataFrame, accounts: list[str], name: str) -> Usage:
    keys = set(accounts) | {m.column for f, m in map_headers(list(frame.columns)).matches.items() if f in KEY_FIELDS}
    refs = _account_refs(frame, accounts[0])
    if len(accounts) > 1:
        refs = refs.fillna(_account_refs(frame, accounts[1]))
    parts, features, skipped = [], [], []
    for column in [c for c in frame.columns if c not in keys]:
        read = _feature_column(frame[column])
        if read is None:
            skipped.append(column)
            continue
        uses, first = read
        features.append(column)
        parts.append(pd.DataFrame({"account": refs, "feature": column, "uses": uses, "first_used": first}))
    if not features:
        raise ColumnError(
            f"{name}: no feature column. A usage file needs a feature column (long or event-log shape: account, "
            "feature, count or flag, date) or one column per feature holding counts, used flags or first-use dates "
            f"(wide shape). Columns are: {listing(frame.columns, 40)}."
        )
    long = pd.concat(parts, ignore_index=True)
    long = long[long["account"].notna()]
    long["last_used"] = long["first_used"]
    notes = [f"Wide file: {len(features)} feature columns, one row per account."]
    if skipped:
        notes.append(f"Columns not read as features (neither counts, flags nor dates): {listing(skipped, 8)}.")
    return Usage(_per_account_feature(long), "wide", len(frame), accounts, features, notes)


def _feature_column(values: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """(uses, first-use date) of a wide feature column: counts or flags, or first-use dates (a date = used)."""
    uses = uses_of(values)
    if _readable(values, uses) >= MIN_READABLE:
        return uses, pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    dates = parse_date_series(values)
    if _readable(values, dates) >= MIN_READABLE:
        return dates.notna().astype("float64"), dates
    return None


def join_usage(accounts: pd.DataFrame, usage: Usage) -> tuple[pd.DataFrame, UsageJoin]:
    """``usage.rows`` with ``account_key`` (the accounts' index label, missing when the account is not in the
    dataset): by id when most of the file's references are account ids (as deals are joined), else by normalised
    company name."""
    codes, distinct = pd.factorize(usage.rows["account"].astype(str))
    refs = pd.Series(distinct, dtype="object")
    key: Literal["id", "name"] = "id"
    matched = _by_id(accounts, refs)
    if matched is None or matched.notna().mean() <= 0.5:
        by_name = _by_name(accounts, refs)
        if matched is None or by_name.notna().mean() > matched.notna().mean():
            key, matched = "name", by_name
    rows = usage.rows.assign(account_key=matched.to_numpy()[codes])
    unknown = rows["account_key"].isna()
    info = UsageJoin(
        key=key,
        column=usage.account_columns[0],
        accounts_in_file=len(distinct),
        matched_accounts=int(rows.loc[~unknown, "account_key"].nunique()),
        unknown_accounts=int(rows.loc[unknown, "account"].nunique()),
        unknown_rows=int(unknown.sum()),
        unknown_examples=[str(v) for v in rows.loc[unknown, "account"].drop_duplicates().head(5)],
    )
    return rows, info


def _by_id(accounts: pd.DataFrame, refs: pd.Series) -> pd.Series | None:
    """Each distinct reference's account (index label) by account id; None when the dataset has no ids."""
    if "account_id" not in accounts:
        return None
    ids = pd.Series(accounts.index, index=accounts["account_id"].astype(str).str.strip())
    return refs.str.strip().map(ids[~ids.index.duplicated()])


def _by_name(accounts: pd.DataFrame, refs: pd.Series) -> pd.Series:
    """Each distinct reference's account by normalised company name ("ACME Corp." = "Acme Corporation")."""
    if "name" not in accounts:
        raise ColumnError(
            "The usage file's accounts are not the dataset's account ids, and the dataset has no company name column "
            "to join them by name. Load the accounts with their id or name column."
        )
    names = pd.Series(accounts.index, index=normalize_names(accounts["name"]))
    names = names[~names.index.duplicated() & (names.index != "")]
    return normalize_names(refs).map(names)
