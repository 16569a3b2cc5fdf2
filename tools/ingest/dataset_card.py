"""Assemble the dataset card from the pieces of a load: field profiles, outcomes, deals, warnings."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from icp_assistant.tools.core import card as C
from icp_assistant.tools.core.errors import listing
from icp_assistant.tools.core.fields import DERIVED_KINDS, FIELD_BY_NAME, Kinds, fields_for
from icp_assistant.tools.core.schemas import (
    DatasetCard,
    DealSummary,
    FieldProfile,
    OutcomeSummary,
    SourceFile,
    UnmappedColumn,
)

from .cleaning import CleanTable
from .deals import DealJoin
from .derive import Derivation
from .encodings import encoding_warning
from .quality import duplicate_keys, leakage_suspects, near_empty

T = TypeVar("T")


def clean_notes(table: CleanTable, column: str) -> list[str]:
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


# Currency marks in money cells and headers: "$1.2M", "US$ 500", "€5 Mio", "12,000 EUR", "Rev (USD)".
_CURRENCY_MARK = re.compile(
    r"(?P<prefix>us|au|ca|nz|hk|r|c|a|s)?\$|(?P<sign>[€£¥₹])|(?<![a-z])(?P<code>usd|eur|gbp|jpy|chf|cad|aud|nzd|brl|inr"
    r"|sek|nok|dkk|pln|mxn|zar|sgd|hkd|euros?|dollars?)(?![a-z])"
)
_DOLLARS = {"": "USD", "us": "USD", "au": "AUD", "a": "AUD", "ca": "CAD", "c": "CAD", "nz": "NZD", "hk": "HKD",
            "s": "SGD", "r": "BRL"}  # fmt: skip
_SIGNS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_WORDS = {"euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD"}
DOMINANT = 0.95  # share of the marked cells one currency must hold to be the column's currency
SAMPLE = 20_000  # distinct cells read per column


def _currency_in(text: str) -> str | None:
    match = _CURRENCY_MARK.search(text.lower())
    if match is None:
        return None
    if match["sign"]:
        return _SIGNS[match["sign"]]
    if match["code"]:
        return _WORDS.get(match["code"], match["code"].upper())
    return _DOLLARS[match["prefix"] or ""]


def _column_currency(header: str, cells: pd.Series) -> str | None:
    """The header's currency, else the one most marked cells carry; "mixed" when no currency holds 95% of them."""
    if (named := _currency_in(header)) is not None:
        return named
    values = cells.dropna().astype(str).unique()[:SAMPLE]
    counts = Counter(c for c in map(_currency_in, values) if c is not None)
    if not counts:
        return None
    code, hits = counts.most_common(1)[0]
    return code if hits >= DOMINANT * sum(counts.values()) else "mixed"


def money_currency(columns: list[tuple[str, pd.Series]]) -> str | None:
    """ISO code of the money columns (header, raw cells) when they name exactly one currency; None when none of
    them says, or when they disagree (amounts are read as numbers, never converted)."""
    found = {c for header, cells in columns if (c := _column_currency(header, cells)) is not None}
    return found.pop() if len(found) == 1 and "mixed" not in found else None


def _won(outcome: pd.Series) -> pd.Series:
    """1 for a won account, 0 for a lost one, missing for the rest (compared whole, not looked up cell by cell)."""
    flags = np.where(outcome.eq("won").to_numpy(dtype=bool), 1.0, np.nan)
    return pd.Series(np.where(outcome.eq("lost").to_numpy(dtype=bool), 0.0, flags), index=outcome.index)


def profiled_columns(table: pd.DataFrame) -> list[str]:
    """The columns the card profiles: the account fields found, then the derived fields."""
    canonical = [f.name for f in fields_for("accounts") if f.name in table]
    return canonical + [f for f in DERIVED_KINDS if f in table and f not in canonical]


def field_profiles(table: pd.DataFrame, kinds: Kinds, accounts: CleanTable) -> list[FieldProfile]:
    """The card's profile of each of the :func:`profiled_columns` of ``table``, with what cleaning did to it."""
    out = []
    for column in profiled_columns(table):
        match = accounts.reports.get(column)
        source = match.source if match else None
        notes = clean_notes(accounts, column)
        if column == "contract_value" and source is None:
            notes.append("derived: mrr x 12")
        out.append(C.profile(column, table[column], kinds.get(column, "category"), source, notes))
    return out


def _beside(work: Callable[..., T], *args: object) -> Future[T]:
    """``work(*args)`` on a thread of its own while the load goes on (Arrow counts let go of the GIL)."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="card")
    done = pool.submit(work, *args)
    pool.shutdown(wait=False)  # the thread ends with its one task
    return done


def profiling(table: pd.DataFrame, kinds: Kinds, accounts: CleanTable) -> Future[list[FieldProfile]]:
    """:func:`field_profiles` worked out beside the load. It reads its own view of the profiled columns, so columns
    added to ``table`` meanwhile do not disturb it, and a copy of ``kinds``: they must already be the card's kinds of
    those columns."""
    return _beside(field_profiles, table[profiled_columns(table)], dict(kinds), accounts)


def key_repeats(table: pd.DataFrame) -> Future[tuple[str, int, list[str]] | None]:
    """:func:`.quality.duplicate_keys` of the cleaned accounts worked out beside the load, on its own view of the key
    columns (ids, domains and names are final once cleaned)."""
    return _beside(duplicate_keys, table[[c for c in ("account_id", "domain", "name") if c in table]])


@dataclass
class CardBuilder:
    """Assembles the dataset card from the pieces of a load."""

    name: str
    table: pd.DataFrame
    kinds: Kinds
    accounts: CleanTable
    derivation: Derivation
    deals: pd.DataFrame | None
    deals_clean: CleanTable | None
    join: DealJoin | None
    outcome_source: str
    duplicates: int
    proposal: str | None = None
    unfit: list[str] = field(default_factory=list)
    currency: str | None = None
    profiles: Future[list[FieldProfile]] | None = None  # the field profiles, worked out beforehand (see profiling)
    repeats: Future[tuple[str, int, list[str]] | None] | None = None  # accounts sharing a key (see key_repeats)

    def card(self, files: list[SourceFile]) -> DatasetCard:
        guessed = (encoding_warning(Path(f.path).name, f.encoding) for f in files)
        warnings = [w for w in guessed if w] + self.warnings()
        profiles = self.profiles
        fields = profiles.result() if profiles is not None else field_profiles(self.table, self.kinds, self.accounts)
        base_unmapped = [c for c in self.accounts.reports if c not in FIELD_BY_NAME and c in self.table]
        outcomes = self.outcome_summary()
        return DatasetCard(
            name=self.name,
            rows=len(self.table),
            files=files,
            fields=fields,
            unmapped=[
                UnmappedColumn(column=c, kind=self.kinds[c], fill_rate=round(float(self.table[c].notna().mean()), 3))
                for c in base_unmapped[: C.MAX_UNMAPPED]
            ],
            unmapped_total=len(base_unmapped),
            outcomes=outcomes,
            deals=self.deal_summary(),
            cleaning=self.cleaning_counts(),
            warnings=warnings[: C.MAX_WARNINGS],
            warnings_total=len(warnings),
            supports=self.supports(outcomes),
            currency=self.currency,
            cached=False,
            data_path="",
        )

    def outcome_summary(self) -> OutcomeSummary:
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
        return OutcomeSummary(
            source=self.outcome_source,
            won=int(counts.get("won", 0)),
            lost=int(counts.get("lost", 0)),
            open=int(counts.get("open", 0)),
            unknown=int(outcome.isna().sum()) if len(outcome) else len(self.table),
            churned=int(churned.fillna(False).sum()) if has_churn and churned is not None else None,
            value_fields=value_fields,
        )

    def deal_summary(self) -> DealSummary | None:
        if self.join is None or self.deals is None:
            return None
        date_range = None
        if "deal_closed" in self.deals and self.deals["deal_closed"].notna().any():
            closed = self.deals["deal_closed"].dropna()
            date_range = (str(closed.min().date()), str(closed.max().date()))
        return DealSummary(
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
        out: list[str] = list(self.unfit)
        if self.duplicates:
            out.append(f"{self.duplicates:,} exact duplicate account rows were removed.")
        dup = self.repeats.result() if self.repeats is not None else duplicate_keys(self.table)
        if dup:
            column, count, examples = dup
            out.append(f"{count:,} {column} values appear on more than one row (e.g. {', '.join(examples)}).")
        out += self.deal_warnings()
        won = _won(self.table["outcome"]) if "outcome" in self.table else None
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

    def outcome_supports(self, o: OutcomeSummary) -> list[str]:
        """What the outcomes allow: a fit model, customers against the list, or nothing yet (and a proposal)."""
        out: list[str] = []
        deal_counts = self.join.outcome_counts if self.join else {}
        if o.won >= 10 and o.lost >= 10:
            out.append(f"won/lost present ({o.won:,} won, {o.lost:,} lost accounts): a fit model can be learned")
        elif deal_counts.get("won", 0) >= 10 and deal_counts.get("lost", 0) >= 10:
            out.append(
                f"won/lost deals present ({deal_counts['won']:,} won, {deal_counts['lost']:,} lost): "
                "win rates "
                "can be compared across accounts and segments, and a fit model can be learned on deals"
            )
        elif o.won >= 10 and not o.lost:
            out.append("only customers (no lost accounts): patterns compare customers with the whole list")
        elif o.won or o.lost:
            out.append(
                f"too few outcomes to learn from ({o.won:,} won, {o.lost:,} lost; at least 10 of each are needed): "
                "rates will be shown with wide intervals"
            )
        else:
            out.append("no usable outcome: patterns can only compare groups against the whole list")
        if self.proposal and not (o.won >= 10 and o.lost >= 10):
            out.append(self.proposal)
        return out

    def supports(self, o: OutcomeSummary) -> list[str]:
        out = self.outcome_supports(o)
        retained = o.won - (o.churned or 0)
        if o.churned is not None and o.churned >= 5 and retained >= 5:
            out.append(
                f"churn known ({o.churned:,} churned, {retained:,} retained): red flags from churned vs retained"
            )
        if o.value_fields:
            out.append(f"customer value from {', '.join(o.value_fields)}: best customers can be ranked by value")
        if "median_cycle_days" in self.table and self.table["median_cycle_days"].notna().any():
            out.append("sales cycle days known: segments can be ranked by velocity")
        if self.deals is not None and "deal_closed" in self.deals:
            out.append("deal close dates: validation can use a time split and drift can be checked by quarter")
        if len(self.table) < 30:
            out.append(f"small sample ({len(self.table)} accounts): every rate will have a wide interval")
        return out
