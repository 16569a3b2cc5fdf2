"""load_accounts: read an accounts export (and optionally deals), clean, derive, join, describe, cache.

The result is a :class:`Dataset` saved in the workspace under a short name, and its
:class:`~.card.DatasetCard`. Loading the same files with the same options again returns the cached
dataset without parsing (keyed by path, size and modification time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from . import card as C
from .cleaning import clean_table
from .dataset_card import DERIVED_KINDS, OUTCOME_KINDS, CardBuilder
from .deals import DealJoin, aggregate_deals, join_deals
from .derive import derive_account_fields
from .errors import ColumnError, InsufficientDataError, listing
from .fields import FIELD_BY_NAME
from .geo import country_code
from .mapping import HeaderMapping, map_headers
from .outcomes import outcomes_from_accounts
from .readers import RawTable, read_header, read_table
from .workspace import Workspace, check_name, read_json, slugify, write_json

CACHE_VERSION = 1
KIND = "datasets"
Progress = Callable[[float, str], None]
TEXT_KINDS = {"id"}  # read as text so leading zeros survive; other text columns are inferred as text anyway


@dataclass
class Dataset:
    """A loaded dataset: cleaned accounts (one row per account), deals, column kinds and its card."""

    name: str
    accounts: pd.DataFrame
    deals: pd.DataFrame | None
    kinds: dict[str, str]
    card: C.DatasetCard

    def sources(self) -> dict[str, str]:
        """Header in the source file -> column in the dataset, for mapped fields."""
        return {f.source: f.field for f in self.card.fields if f.source and f.source != f.field}


def _fingerprint(paths: list[Path | None], options: dict[str, object]) -> str:
    parts: list[object] = [CACHE_VERSION, options]
    for path in paths:
        if path is not None:
            stat = path.stat()
            parts.append([str(path.resolve()), stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:16]


def _read_mapped(
    path: Path,
    table: str,
    sheet: str | int | None,
    overrides: Mapping[str, str | None] | None,
    max_bytes: int | None,
) -> tuple[RawTable, HeaderMapping]:
    text_columns: list[str] = []
    if path.suffix.lower() in {".csv", ".tsv", ".txt", ".tab", ""} and path.exists() and path.stat().st_size:
        header = read_header(path)
        pre = map_headers(header, table, overrides)  # type: ignore[arg-type]
        text_columns = [m.column for f, m in pre.matches.items() if FIELD_BY_NAME[f].kind in TEXT_KINDS]
    raw = read_table(path, sheet=sheet, max_bytes=max_bytes, text_columns=text_columns)
    mapping = map_headers(list(raw.frame.columns), table, overrides)  # type: ignore[arg-type]
    if table == "accounts" and not (overrides and "country" in overrides):
        mapping = _sniff_country(raw.frame, mapping)
    return raw, mapping


def _sniff_country(frame: pd.DataFrame, mapping: HeaderMapping) -> HeaderMapping:
    """A 'region', 'city' or unmapped column whose values are country names is the country."""
    if "country" in mapping.matches:
        return mapping
    candidates = [m.column for f, m in mapping.matches.items() if f in ("region", "city")] + mapping.unmapped
    for column in candidates:
        values = frame[column].dropna()
        if values.empty or pd.api.types.is_numeric_dtype(values):
            continue
        uniques = values.astype(str).unique()[:200]
        if len(uniques) >= 2 and sum(country_code(v) is not None for v in uniques) / len(uniques) >= 0.8:
            matches = {f: m for f, m in mapping.matches.items() if m.column != column}
            matches["country"] = type(next(iter(mapping.matches.values())))("country", column, "exact")
            unmapped = [c for c in mapping.unmapped if c != column]
            return HeaderMapping(matches, unmapped)
    return mapping


def _attach_outcomes(
    accounts: pd.DataFrame, deals: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None, DealJoin | None, str]:
    if deals is None:
        outcome, churned, source = outcomes_from_accounts(accounts)
        accounts["outcome"] = outcome
        if churned.notna().any():
            accounts["churned"] = churned
        return accounts, None, None, source
    deals, join = join_deals(accounts, deals)
    aggregates = aggregate_deals(deals, accounts.index)
    _, churned, _ = outcomes_from_accounts(accounts)
    for column in aggregates:
        accounts[column] = aggregates[column]
    if churned.notna().any():
        accounts["churned"] = churned.where(accounts["outcome"].eq("won"))
    return accounts, deals, join, f"deals ({join.deals:,} deals joined by {join.key})"


@dataclass
class LoadOptions:
    deals_path: Path | None = None
    name: str | None = None
    sheet: str | int | None = None
    deals_sheet: str | int | None = None
    mapping: Mapping[str, str | None] | None = None
    deals_mapping: Mapping[str, str | None] | None = None
    revenue_unit: float | None = None
    max_bytes: int | None = None
    use_cache: bool = True

    def cache_key(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "deals_sheet": self.deals_sheet,
            "mapping": dict(self.mapping or {}),
            "deals_mapping": dict(self.deals_mapping or {}),
            "revenue_unit": self.revenue_unit,
        }


def _pick_name(workspace: Workspace, path: Path, options: LoadOptions, fingerprint: str) -> str:
    if options.name:
        return check_name(options.name, "Dataset name")
    base = slugify(path.stem)
    name, n = base, 1
    while name in workspace.names(KIND):
        meta = read_json(workspace.root / KIND / name / "meta.json")
        if meta.get("accounts_path") == str(path.resolve()) or meta.get("fingerprint") == fingerprint:
            return name
        n += 1
        name = f"{base}-{n}"
    return name


def _cached(workspace: Workspace, name: str, fingerprint: str) -> C.DatasetCard | None:
    folder = workspace.root / KIND / name
    if not (folder / "meta.json").exists() or not (folder / "card.json").exists():
        return None
    if read_json(folder / "meta.json").get("fingerprint") != fingerprint:
        return None
    card = C.DatasetCard.model_validate(read_json(folder / "card.json"))
    return card.model_copy(update={"cached": True})


def load_accounts(
    accounts_path: Path,
    workspace: Workspace,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
) -> C.DatasetCard:
    """Load, clean, join and describe an accounts export; save it in the workspace; return its card."""
    options = options or LoadOptions()
    report = progress or (lambda _fraction, _message: None)
    fingerprint = _fingerprint([accounts_path, options.deals_path], options.cache_key())
    name = _pick_name(workspace, accounts_path, options, fingerprint)
    if options.use_cache and (card := _cached(workspace, name, fingerprint)) is not None:
        return card
    report(0.05, f"reading {accounts_path.name}")
    raw, mapping = _read_mapped(accounts_path, "accounts", options.sheet, options.mapping, options.max_bytes)
    deals_raw = deals_mapping = None
    if options.deals_path is not None:
        report(0.3, f"reading {options.deals_path.name}")
        deals_raw, deals_mapping = _read_mapped(
            options.deals_path, "deals", options.deals_sheet, options.deals_mapping, options.max_bytes
        )
        _require_deal_account(deals_mapping, deals_raw)
    report(0.5, "cleaning and deriving fields")
    dataset = _build(name, raw, mapping, deals_raw, deals_mapping, accounts_path, options)
    report(0.9, "saving to the workspace")
    _save(workspace, dataset, fingerprint, accounts_path, options)
    return dataset.card


def _require_deal_account(mapping: HeaderMapping, raw: RawTable) -> None:
    if "deal_account" not in mapping.matches:
        raise ColumnError(
            "The deals file has no column naming the account of each deal. Columns are: "
            f"{listing(raw.frame.columns)}. Pass deals_mapping={{'deal_account': '<column>'}}."
        )


def _build(
    name: str,
    raw: RawTable,
    mapping: HeaderMapping,
    deals_raw: RawTable | None,
    deals_mapping: HeaderMapping | None,
    path: Path,
    options: LoadOptions,
) -> Dataset:
    frame = raw.frame
    repeated = pd.util.hash_pandas_object(frame, index=False).duplicated().to_numpy()  # one hash per row: fast
    duplicates = int(repeated.sum())
    if duplicates:
        frame = frame[~repeated].reset_index(drop=True)
    reserved = set(DERIVED_KINDS) | set(OUTCOME_KINDS)
    accounts = clean_table(frame, mapping, reserved)
    table = accounts.frame
    scaled = "annual_revenue" in accounts.reports and accounts.reports["annual_revenue"].unit_scale != 1
    if options.revenue_unit and "annual_revenue" in table:
        table["annual_revenue"] = table["annual_revenue"] * options.revenue_unit
    derivation = derive_account_fields(table, scaled or options.revenue_unit is not None)
    deals_clean = clean_table(deals_raw.frame, deals_mapping) if deals_raw and deals_mapping else None
    table, deals_table, join, source = _attach_outcomes(table, deals_clean.frame if deals_clean else None)
    kinds = {**accounts.kinds, **{f: DERIVED_KINDS[f] for f in derivation.fields}}
    kinds.update({c: k for c, k in OUTCOME_KINDS.items() if c in table})
    files = [_source("accounts", path, raw)]
    if deals_raw is not None and options.deals_path is not None:
        files.append(_source("deals", options.deals_path, deals_raw))
    built = CardBuilder(name, table, kinds, accounts, derivation, deals_table, deals_clean, join, source, duplicates)
    card = built.card(files)
    return Dataset(name, table, deals_table, kinds, card)


def _source(role: Literal["accounts", "deals"], path: Path, raw: RawTable) -> C.SourceFile:
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(raw.delimiter or "", raw.delimiter)
    return C.SourceFile(
        role=role,
        path=str(path),
        format=raw.format,
        encoding=raw.encoding,
        delimiter=delimiter,
        sheet=raw.sheet,
        rows=len(raw.frame),
        columns=raw.frame.shape[1],
    )


def _save(workspace: Workspace, dataset: Dataset, fingerprint: str, path: Path, options: LoadOptions) -> None:
    folder = workspace.folder(KIND, dataset.name)
    dataset.card.data_path = str(folder)
    _write_parquet(folder / "accounts.parquet", dataset.accounts)
    if dataset.deals is not None:
        _write_parquet(folder / "deals.parquet", dataset.deals)
    elif (folder / "deals.parquet").exists():
        (folder / "deals.parquet").unlink()
    write_json(folder / "card.json", dataset.card.model_dump(mode="json"))
    meta = {
        "name": dataset.name,
        "fingerprint": fingerprint,
        "accounts_path": str(path.resolve()),
        "deals_path": str(options.deals_path.resolve()) if options.deals_path else None,
        "options": options.cache_key(),
        "kinds": dataset.kinds,
        "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    write_json(folder / "meta.json", meta)


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    from .workspace import atomic_write

    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def open_dataset(workspace: Workspace, name: str) -> Dataset:
    """A dataset saved by :func:`load_accounts`, by name."""
    folder = workspace.existing(KIND, name)
    meta = read_json(folder / "meta.json")
    accounts = pd.read_parquet(folder / "accounts.parquet")
    deals = pd.read_parquet(folder / "deals.parquet") if (folder / "deals.parquet").exists() else None
    card = C.DatasetCard.model_validate(read_json(folder / "card.json"))
    if accounts.empty:
        raise InsufficientDataError(f"Dataset {name!r} has no rows. Load the file again with load_accounts.")
    return Dataset(name, accounts, deals, dict(meta["kinds"]), card)
