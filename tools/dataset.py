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
from .cleaning import CleanTable, clean_table
from .deals import DealJoin, aggregate_deals, join_deals
from .derive import Derivation, derive_account_fields
from .errors import ColumnError, InsufficientDataError, listing
from .fields import FIELD_BY_NAME, fields_for
from .geo import country_code
from .mapping import HeaderMapping, map_headers
from .outcomes import outcomes_from_accounts
from .quality import duplicate_keys, leakage_suspects, near_empty
from .readers import RawTable, read_header, read_table
from .workspace import Workspace, check_name, read_json, slugify, write_json

CACHE_VERSION = 1
KIND = "datasets"
Progress = Callable[[float, str], None]
TEXT_KINDS = {"id"}  # read as text so leading zeros survive; other text columns are inferred as text anyway
DERIVED_KINDS = {
    "size_band": "category",
    "employee_band": "category",
    "company_age": "number",
    "region": "category",
    "contract_value": "money",
}
OUTCOME_KINDS = {
    "outcome": "category",
    "churned": "bool",
    "deals_won": "number",
    "deals_lost": "number",
    "deals_open": "number",
    "win_rate": "percent",
    "won_value": "money",
    "median_cycle_days": "number",
    "first_won": "date",
    "last_won": "date",
    "last_close": "date",
}


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

    def columns_of_kind(self, *kinds: str) -> list[str]:
        return [c for c, k in self.kinds.items() if k in kinds and c in self.accounts]


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


def _clean_notes(report: C.FieldProfile | None, table: CleanTable, column: str) -> list[str]:
    r = table.reports.get(column)
    if r is None:
        return []
    notes = []
    if r.placeholders:
        notes.append(f"{r.placeholders:,} placeholders -> missing")
    if r.unparsed:
        notes.append(f"{r.unparsed:,} unreadable (e.g. {', '.join(repr(x) for x in r.unparsed_examples[:2])})")
    if r.sentinel_zeros:
        treated = "treated as missing" if r.sentinel_treated_as_missing else "kept"
        notes.append(f"sentinel zeros: {r.sentinel_zero_share:.0%} of values are 0 ({treated})")
    if r.ranges:
        notes.append(f"{r.ranges:,} ranges (midpoint used; low/high kept)")
    if r.unit_scale != 1:
        notes.append(f"x{r.unit_scale:,.0f} from the unit in the header ({r.source!r})")
    if r.recoded:
        notes.append(f"{r.recoded:,} spellings unified")
    if r.out_of_range:
        notes.append(f"{r.out_of_range:,} out of range -> missing")
    return notes


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
    built = _Card(name, table, kinds, accounts, derivation, deals_table, deals_clean, join, source, duplicates)
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


@dataclass
class _Card:
    """Assembles the dataset card from the pieces of a load."""

    name: str
    table: pd.DataFrame
    kinds: dict[str, str]
    accounts: CleanTable
    derivation: Derivation
    deals: pd.DataFrame | None
    deals_clean: CleanTable | None
    join: DealJoin | None
    outcome_source: str
    duplicates: int

    def card(self, files: list[C.SourceFile]) -> C.DatasetCard:
        warnings = self.warnings()
        base_unmapped = [c for c in self.accounts.reports if c not in FIELD_BY_NAME and c in self.table]
        return C.DatasetCard(
            name=self.name,
            rows=len(self.table),
            files=files,
            fields=self.field_profiles(),
            unmapped=[
                C.UnmappedColumn(column=c, kind=self.kinds[c], fill_rate=round(float(self.table[c].notna().mean()), 3))
                for c in base_unmapped[: C.MAX_UNMAPPED]
            ],
            unmapped_total=len(base_unmapped),
            outcomes=self.outcome_summary(),
            deals=self.deal_summary(),
            cleaning=self.cleaning_counts(),
            warnings=warnings[: C.MAX_WARNINGS],
            warnings_total=len(warnings),
            supports=self.supports(),
            cached=False,
            data_path="",
        )

    def field_profiles(self) -> list[C.FieldProfile]:
        out = []
        canonical = [f.name for f in fields_for("accounts") if f.name in self.table]
        derived = [f for f in DERIVED_KINDS if f in self.table and f not in canonical]
        for column in canonical + derived:
            match = self.accounts.reports.get(column)
            source = match.source if match else None
            notes = _clean_notes(None, self.accounts, column)
            if column == "contract_value" and source is None:
                notes.append("derived: mrr x 12")
            out.append(C.profile(column, self.table[column], self.kinds.get(column, "category"), source, notes))
        return out

    def outcome_summary(self) -> C.OutcomeSummary:
        outcome = self.table["outcome"] if "outcome" in self.table else pd.Series(dtype="object")
        counts = outcome.value_counts()
        churned = self.table.get("churned")
        has_churn = churned is not None and churned.notna().any()
        value_fields = [
            c
            for c in (
                "contract_value",
                "lifetime_value",
                "won_value",
                "expansion_value",
                "nps",
                "csat",
                "tenure_months",
            )
            if c in self.table and self.table[c].notna().any()
        ]
        return C.OutcomeSummary(
            source=self.outcome_source,
            won=int(counts.get("won", 0)),
            lost=int(counts.get("lost", 0)),
            open=int(counts.get("open", 0)),
            unknown=int(outcome.isna().sum()) if len(outcome) else len(self.table),
            churned=int(churned.fillna(False).sum()) if has_churn and churned is not None else None,
            value_fields=value_fields,
        )

    def deal_summary(self) -> C.DealSummary | None:
        if self.join is None or self.deals is None:
            return None
        date_range = None
        if "deal_closed" in self.deals and self.deals["deal_closed"].notna().any():
            closed = self.deals["deal_closed"].dropna()
            date_range = (str(closed.min().date()), str(closed.max().date()))
        return C.DealSummary(
            deals=self.join.deals,
            joined_by=self.join.key,
            matched=self.join.matched,
            without_account=self.join.without_account,
            unknown_account=self.join.unknown_account,
            unknown_examples=self.join.unknown_examples,
            outcomes=self.join.outcome_counts,
            stage_map=dict(list(self.join.stage_map.items())[:15]),
            date_range=date_range,
        )

    def cleaning_counts(self) -> dict[str, int]:
        reports = list(self.accounts.reports.values())
        if self.deals_clean is not None:
            reports += list(self.deals_clean.reports.values())
        return {
            "duplicate_rows_removed": self.duplicates,
            "placeholders_to_missing": sum(r.placeholders for r in reports),
            "unreadable_values": sum(r.unparsed for r in reports),
            "sentinel_zeros_to_missing": sum(r.sentinel_zeros for r in reports if r.sentinel_treated_as_missing),
            "spellings_unified": sum(r.recoded for r in reports),
        }

    def warnings(self) -> list[str]:
        out: list[str] = []
        if self.duplicates:
            out.append(f"{self.duplicates:,} exact duplicate account rows were removed.")
        dup = duplicate_keys(self.table)
        if dup:
            column, count, examples = dup
            out.append(f"{count:,} {column} values appear on more than one row (e.g. {', '.join(examples)}).")
        out += self.deal_warnings()
        won = self.table["outcome"].map({"won": True, "lost": False}) if "outcome" in self.table else None
        columns = [c for c in self.accounts.reports if c in self.table]
        leaks = leakage_suspects(self.table, won, columns)
        if leaks:
            listed = "; ".join(f"{c} ({why})" for c, why in list(leaks.items())[:6])
            out.append(f"Possible leakage, excluded from fit models unless you insist: {listed}.")
        empty = near_empty(self.table, columns)
        if empty:
            listed = ", ".join(f"{c} ({r:.0%})" for c, r in empty[:6])
            out.append(f"Near-empty columns (under 10% filled): {listed}.")
        if self.derivation.unknown_countries:
            out.append(f"Countries not recognised: {listing(self.derivation.unknown_countries, 5)}.")
        out += [f"Note: {n}" for n in self.derivation.notes if "looks like" in n]
        return out

    def deal_warnings(self) -> list[str]:
        if self.join is None:
            return []
        out = []
        if self.join.unknown_account:
            out.append(
                f"{self.join.unknown_account:,} deals name an account not in the accounts file "
                f"(e.g. {', '.join(self.join.unknown_examples[:3])}); they are kept but not joined."
            )
        if self.join.without_account:
            out.append(f"{self.join.without_account:,} deals have no account; they are kept but not joined.")
        if not self.join.outcome_counts.get("won") or not self.join.outcome_counts.get("lost"):
            out.append("Deals have no won or no lost stage: check the stage map and pass deals_mapping if needed.")
        return out

    def supports(self) -> list[str]:
        o = self.outcome_summary()
        out = []
        deal_counts = self.join.outcome_counts if self.join else {}
        if o.won >= 10 and o.lost >= 10:
            out.append(f"won/lost present ({o.won:,} won, {o.lost:,} lost accounts): a fit model can be learned")
        elif deal_counts.get("won", 0) >= 10 and deal_counts.get("lost", 0) >= 10:
            out.append(
                f"won/lost deals present ({deal_counts['won']:,} won, {deal_counts['lost']:,} lost): "
                "win rates "
                "can be compared across accounts and segments, and a fit model can be learned on deals"
            )
        elif o.won and not o.lost:
            out.append("only customers (no lost accounts): patterns compare customers with the whole list")
        else:
            out.append("no usable outcome: patterns can only compare groups against the whole list")
        if o.churned is not None:
            out.append(f"churn known ({o.churned:,} churned): red flags from churned vs retained customers")
        if o.value_fields:
            out.append(f"customer value from {', '.join(o.value_fields)}: best customers can be ranked by value")
        if "median_cycle_days" in self.table and self.table["median_cycle_days"].notna().any():
            out.append("sales cycle days known: segments can be ranked by velocity")
        if self.deals is not None and "deal_closed" in self.deals:
            out.append("deal close dates: validation can use a time split and drift can be checked by quarter")
        if len(self.table) < 30:
            out.append(f"small sample ({len(self.table)} accounts): every rate will have a wide interval")
        return out


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
