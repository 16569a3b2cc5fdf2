"""From the files as read to a cleaned, joined dataset and its card: the accounts' exact repeats dropped, both files
cleaned (the deals on a second thread), the account fields derived and profiled, the deals joined and aggregated, the
outcome attached (the one the user named, else the deals' or the accounts' own), and the card's parts gathered before
the raw cells are let go. Nothing here touches the workspace: :mod:`.datasets` reads the files and saves the result."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from icp_assistant.tools.core.fields import DERIVED_KINDS, OUTCOME_KINDS, Kinds
from icp_assistant.tools.core.memory import give_back
from icp_assistant.tools.core.schemas import DatasetCard, SourceFile
from icp_assistant.tools.ingest.cleaning import WORKERS, CleanTable, clean_table
from icp_assistant.tools.ingest.dataset_card import CardBuilder, key_repeats, money_currency, profiling
from icp_assistant.tools.ingest.deals import DealJoin, aggregate_deals, join_deals
from icp_assistant.tools.ingest.derive import derive_account_fields
from icp_assistant.tools.ingest.mapping import HeaderMapping
from icp_assistant.tools.ingest.outcomes import (
    OutcomeSpec,
    apply_outcome,
    outcome_named,
    outcomes_from_accounts,
    propose_outcome,
)
from icp_assistant.tools.ingest.quality import first_copies
from icp_assistant.tools.ingest.readers import RawTable

from .load_options import LoadOptions


@dataclass
class ReadFiles:
    """The files as read. Their raw cells are dropped (``raw = None``) once cleaned and described, before the
    deals are joined and the dataset saved: at a million accounts with their deals they hold 0.6 GB."""

    raw: RawTable | None
    mapping: HeaderMapping
    deals_raw: RawTable | None
    deals_mapping: HeaderMapping | None


@dataclass
class BuiltDataset:
    """A cleaned, joined dataset and how to describe it (its card is worked out while its tables are written)."""

    name: str
    accounts: pd.DataFrame
    deals: pd.DataFrame | None
    kinds: Kinds
    card: Callable[[], DatasetCard]


def build_dataset(name: str, read: ReadFiles, path: Path, options: LoadOptions) -> BuiltDataset:
    """The dataset ``name`` from the files in ``read`` (``path``: the accounts file's), its card still to be worked
    out. ``read`` is this call's alone: its raw cells are let go as soon as everything read from them is taken."""
    raw, mapping, deals_raw, deals_mapping = read.raw, read.mapping, read.deals_raw, read.deals_mapping
    assert raw is not None  # each ReadFiles is built once and given to one build
    read.raw = read.deals_raw = None
    frame = raw.frame
    reserved = set(DERIVED_KINDS) | set(OUTCOME_KINDS)
    with ThreadPoolExecutor(1) as pool:  # the deals are cleaned beside the accounts (Arrow lets go of the GIL)
        cleaning_deals = (
            pool.submit(clean_table, deals_raw.frame, deals_mapping, workers=1) if deals_raw and deals_mapping else None
        )
        repeated = first_copies(frame) != np.arange(len(frame))  # rows repeating an earlier one exactly
        duplicates = int(repeated.sum())
        keep = ~repeated if duplicates and not options.keep_duplicates else None
        # the repeats are dropped without copying the file; a column at a time while the deals take the other core
        accounts = clean_table(frame, mapping, reserved, keep=keep, workers=1 if cleaning_deals else WORKERS)
        table = accounts.frame
        repeats = key_repeats(table)  # ids, domains and names are final: their repeats are found beside the rest
        scaled = "annual_revenue" in accounts.reports and accounts.reports["annual_revenue"].unit_scale != 1
        if options.revenue_unit and "annual_revenue" in table:
            table["annual_revenue"] = table["annual_revenue"] * options.revenue_unit
        derivation = derive_account_fields(table, scaled or options.revenue_unit is not None)
        deals_clean = cleaning_deals.result() if cleaning_deals is not None else None
    outcome_cells = _outcome_cells(frame, keep, options.outcome)
    named = _named_outcome(options.outcome, outcome_cells, mapping, deals_raw, deals_mapping, deals_clean)
    # everything read from the raw cells, before they are let go
    files = [_source("accounts", path, raw)]
    if deals_raw is not None and options.deals_path is not None:
        files.append(_source("deals", options.deals_path, deals_raw))
    money = _money_cells(frame, accounts, keep)
    if deals_raw is not None and deals_clean is not None:
        money += _money_cells(deals_raw.frame, deals_clean)
    proposal = None
    if options.outcome is None:
        proposal = propose_outcome(_kept(frame, keep, outcome_named(frame.columns)), set())
    del raw, deals_raw, frame
    give_back()  # the raw cells' memory goes back before the tables are saved
    kinds = {**accounts.kinds, **{f: DERIVED_KINDS[f] for f in derivation.fields}}
    if named is not None and named.column in kinds:
        kinds[named.column] = "named_outcome"  # the outcome itself: never an attribute or a pattern
    profiles = profiling(table, kinds, accounts)  # the account fields are final: profiled while deals are joined
    named_deals = named.values if named is not None and named.on == "deals" else None
    table, deals_table, join, source = _attach_outcomes(table, deals_clean.frame if deals_clean else None, named_deals)
    if named is not None:
        if named.on == "accounts":
            table["outcome"] = named.values.to_numpy()
            table = table.drop(columns=[c for c in ("churned",) if c in table and named.column != c])
        source = named.words
    kinds.update({c: k for c, k in OUTCOME_KINDS.items() if c in table})
    built = CardBuilder(name, table, kinds, accounts, derivation, deals_table, deals_clean, join, source, duplicates)
    built.profiles, built.repeats = profiles, repeats
    built.unfit = mapping.notes + (deals_mapping.notes if deals_mapping is not None else [])
    built.currency = money_currency(money)
    if proposal is not None:
        built.proposal = proposal
    return BuiltDataset(name, table, deals_table, kinds, lambda: built.card(files))


def _attach_outcomes(
    accounts: pd.DataFrame, deals: pd.DataFrame | None, named_deals: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None, DealJoin | None, str]:
    if deals is None:
        outcome, churned, source = outcomes_from_accounts(accounts)
        accounts["outcome"] = outcome
        if churned.notna().any():
            accounts["churned"] = churned
        return accounts, None, None, source
    deals, join = join_deals(accounts, deals, named_deals)
    aggregates = aggregate_deals(deals, accounts.index)
    _, churned, _ = outcomes_from_accounts(accounts)
    for column in aggregates:
        accounts[column] = aggregates[column]
    if churned.notna().any():
        accounts["churned"] = churned.where(accounts["outcome"].eq("won"))
    return accounts, deals, join, f"deals ({join.deals:,} deals joined by {join.key})"


def _kept(frame: pd.DataFrame, keep: np.ndarray | None, columns: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """``columns`` of the file (None: all) at the ``keep`` rows, numbered from 0 as the cleaned table is."""
    part = frame if columns is None else frame[columns]
    return part if keep is None else part[keep].reset_index(drop=True)


def _outcome_cells(frame: pd.DataFrame, keep: np.ndarray | None, spec: OutcomeSpec | None) -> pd.DataFrame:
    """The accounts file's cells a named outcome is read from: the columns it can name, at the kept rows. When it
    names none, the file as it is: its rows are never read (the outcome is in the deals file, or the error lists the
    file's columns)."""
    if spec is None:
        return frame
    wanted = spec.column.strip().casefold()
    found = [c for c in frame.columns if c == spec.column or str(c).strip().casefold() == wanted]
    return _kept(frame, keep, found) if found else frame


def _money_cells(raw: pd.DataFrame, table: CleanTable, keep: np.ndarray | None = None) -> list[tuple[str, pd.Series]]:
    """(header, raw cells at the ``keep`` rows) of every money column, as the file wrote them."""
    sources = [table.reports[c].source for c, kind in table.kinds.items() if kind == "money" and c in table.reports]
    present = [s for s in sources if s in raw]
    kept = _kept(raw, keep, present)
    return [(str(s), kept[s]) for s in present]


@dataclass
class NamedOutcome:
    on: Literal["accounts", "deals"]
    values: pd.Series  # 'won' / 'lost' / None per row of that file
    column: str  # its name in the cleaned table
    words: str


def _cleaned_name(column: str, mapping: HeaderMapping) -> str:
    return next((field for field, match in mapping.matches.items() if match.column == column), column)


def _named_outcome(
    spec: OutcomeSpec | None,
    accounts: pd.DataFrame,
    mapping: HeaderMapping,
    deals_raw: RawTable | None,
    deals_mapping: HeaderMapping | None,
    deals_clean: CleanTable | None,
) -> NamedOutcome | None:
    """The outcome the user named, read from the raw cells of the file holding the column (no type guessing)."""
    if spec is None:
        return None
    in_deals = deals_raw is not None and spec.column not in accounts and spec.column in deals_raw.frame
    if in_deals and deals_raw is not None and deals_mapping is not None and deals_clean is not None:
        values, column, words = apply_outcome(deals_raw.frame, spec)
        values.index = deals_clean.frame.index
        return NamedOutcome("deals", values, _cleaned_name(column, deals_mapping), words + " (per deal)")
    values, column, words = apply_outcome(accounts, spec)
    return NamedOutcome("accounts", values, _cleaned_name(column, mapping), words)


def _source(role: Literal["accounts", "deals"], path: Path, raw: RawTable) -> SourceFile:
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(raw.delimiter or "", raw.delimiter)
    return SourceFile(
        role=role,
        path=str(path),
        format=raw.format,
        encoding=raw.encoding,
        delimiter=delimiter,
        sheet=raw.sheet,
        rows=len(raw.frame),
        columns=raw.frame.shape[1],
    )
