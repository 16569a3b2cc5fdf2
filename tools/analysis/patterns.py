"""find_patterns: what separates a group from the rest, with counts, lift and corrected significance.

Groups: the best customers (default), won vs lost, churned vs retained, or any condition. Won vs lost
is measured on closed deals when a deals file was loaded (each deal carries its account's attributes)
and the test uses the *effective* sample size of deals clustered in accounts. A pattern must be
significant after Benjamini-Hochberg correction, involve at least 5 group members and move the rate
by at least 20% relative (lift >= 1.2): with thousands of rows tiny differences are always
"significant", so effect size decides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError
from icp_assistant.tools.core.stats import (
    ALPHA,
    bh_adjust,
    design_effect,
    mann_whitney_p,
    quantiles,
    rate,
    round_sig,
)
from icp_assistant.tools.store.workspace import write_table

from .attributes import Attribute, add_bands, attributes, is_leaky, numeric_columns
from .best_customers import best_mask
from .conditions import Condition, condition_mask, condition_text
from .contrast import MIN_LIFT, Comparison, pair_tests, select, value_tests
from .schemas import NumericContrast, Pattern, PatternReport

Compare = Literal["best", "won", "churned", "condition"]
MAX_PATTERNS = 8
MAX_UNDER = 4
MAX_NUMERIC = 5


Columns = list[str] | Callable[[pd.DataFrame, np.ndarray], list[str]] | None


def _deal_rows(dataset: Dataset, accounts: pd.DataFrame, columns: Columns = None) -> Comparison | None:
    """Closed deals, each carrying its account's attributes; ``columns``: only these account columns, or the rule
    that picks them from the accounts and each deal's account position (a caller that reads a few attributes need
    not copy every account column onto millions of deals)."""
    deals = dataset.deals
    if deals is None or "outcome" not in deals:
        return None
    closed = deals[deals["outcome"].isin(["won", "lost"]) & deals["account_key"].notna()]
    if closed["outcome"].nunique() < 2:
        return None
    keys = closed["account_key"].astype(int)
    if callable(columns):
        columns = columns(accounts, accounts.index.get_indexer(keys))
    rows = (accounts if columns is None else accounts[columns]).loc[keys].reset_index(drop=True)
    group = pd.Series(closed["outcome"].eq("won").to_numpy(), index=rows.index)
    cluster = pd.Series(keys.to_numpy(), index=rows.index)
    dates = pd.Series(closed["deal_closed"].to_numpy(), index=rows.index) if "deal_closed" in closed else None
    return Comparison(rows, group, "deals", "won deals vs lost deals", cluster, dates)


def comparison_frame(
    dataset: Dataset,
    compare: Compare,
    condition: list[Condition] | None,
    top_share: float,
    columns: Columns = None,
) -> Comparison:
    """The rows to compare and the group; ``columns``: the only account columns a deal-level frame needs."""
    accounts = add_bands(dataset.accounts)
    if compare == "best":
        mask = best_mask(dataset, top_share)
        return Comparison(accounts, mask, "accounts", f"best customers (top {top_share:.0%} by value) vs all accounts")
    if compare == "condition":
        if not condition:
            raise OptionError("compare='condition' needs a condition, e.g. [{'column': 'industry', 'op': '==', "
                              "'value': 'Fintech'}].")  # fmt: skip
        return Comparison(
            accounts,
            condition_mask(accounts, condition, dataset.sources()),
            "accounts",
            f"{condition_text(condition)} vs the rest",
        )
    if compare == "won":
        found = _deal_rows(dataset, accounts, columns)
        if found is not None:
            return found
        return _labelled(accounts, "outcome", {"won": True, "lost": False}, "won vs lost accounts", "won")
    return _labelled(accounts, "churned", {True: True, False: False}, "churned vs retained customers", "churned")


def _labelled(accounts: pd.DataFrame, column: str, mapping: dict, label: str, what: str) -> Comparison:
    if column not in accounts or accounts[column].map(mapping).isna().all():
        hint = (
            "Load a deals file (deals_path) or an accounts file with a status/lifecycle column (won/lost/customer)"
            if what == "won"
            else "Load an accounts file with a churn date or a status such as 'Churned' / 'Former customer'"
        )
        raise InsufficientDataError(f"No {what} information in this dataset. {hint}.")
    labels = accounts[column].map(mapping)
    known = labels.notna()
    if labels[known].nunique() < 2:
        raise InsufficientDataError(f"Every labelled account is on one side of '{label}': nothing to compare.")
    return Comparison(accounts[known], labels[known].astype(bool), "accounts", label)


def _statement(row: pd.Series, frame: Comparison, compare: Compare) -> str:
    trait = f"{row.attribute} = {row.value}"
    n = int(row.in_group)
    if compare in ("won", "churned"):
        outcome = "win" if compare == "won" else "churn"
        noun = "deals" if frame.unit == "deals" else "accounts"
        without = "" if pd.isna(row.rate_without) else f" vs {row.rate_without:.0%} without it"
        return (
            f"{noun.capitalize()} with {trait} {outcome} {row.rate_with:.0%} of the time (n={int(row.with_value)})"
            f"{without}; lift {row.lift:.2f}"
        )
    group = "best customers" if compare == "best" else "the group"
    return (
        f"{row.support:.0%} of {group} have {trait} vs {row.base_rate:.0%} of all accounts (lift {row.lift:.1f}, n={n})"
    )


def _pattern(row: pd.Series, frame: Comparison, compare: Compare, deff: float) -> Pattern:
    return Pattern(
        attribute=row.attribute,
        value=row.value,
        statement=_statement(row, frame, compare),
        in_group=int(row.in_group),
        group_size=int(row.group_size),
        with_value=int(row.with_value),
        support=round(float(row.support), 4),
        base_rate=round(float(row.base_rate), 4),
        lift=round(float(row.lift), 3),
        group_rate=rate(row.in_group / deff, row.with_value / deff),
        group_rate_without=round_sig(float(row.rate_without)) if pd.notna(row.rate_without) else None,
        q_value=round_sig(float(row.q_value)) or 0.0,
    )


def _numeric(frame: Comparison, columns: list[str]) -> tuple[list[NumericContrast], list[float]]:
    out, pvalues = [], []
    rows = frame.rows
    for column in columns:
        inside, outside = rows.loc[frame.members.to_numpy(), column], rows.loc[~frame.members.to_numpy(), column]
        if frame.cluster is not None:  # one value per account: deals would overstate the evidence
            inside = inside.groupby(frame.cluster[frame.members.to_numpy()].to_numpy()).first()
            outside = outside.groupby(frame.cluster[~frame.members.to_numpy()].to_numpy()).first()
        p = mann_whitney_p(inside, outside)
        gq, rq = quantiles(inside), quantiles(outside)
        pvalues.append(p)
        out.append(
            NumericContrast(
                column=column,
                group_median=round_sig(gq[1], 4) if gq else None,
                group_iqr=(round_sig(gq[0], 4) or 0.0, round_sig(gq[2], 4) or 0.0) if gq else None,
                rest_median=round_sig(rq[1], 4) if rq else None,
                rest_iqr=(round_sig(rq[0], 4) or 0.0, round_sig(rq[2], 4) or 0.0) if rq else None,
                q_value=1.0,
                significant=False,
            )
        )
    return out, pvalues


def find_patterns(
    dataset: Dataset,
    output_dir: Path,
    *,
    compare: Compare = "best",
    condition: list[Condition] | None = None,
    top_share: float = 0.2,
    include_leaky: bool = False,
    chart: bool = False,
) -> PatternReport:
    """What separates the group from the rest, or the verdict that nothing reliable does."""
    frame = comparison_frame(dataset, compare, condition, top_share)
    if frame.members.sum() < 3 or (~frame.members).sum() < 3:
        raise InsufficientDataError(
            f"The comparison '{frame.label}' has {int(frame.members.sum())} rows in the group and "
            f"{int((~frame.members).sum())} outside; at least 3 on each side are needed. Load more accounts (or a "
            "deals file), or compare another way (compare='best', 'won', 'churned' or a condition)."
        )
    deff = design_effect(frame.members, frame.cluster) if frame.cluster is not None else 1.0
    exclude = {c.column for c in condition or []}
    attrs = attributes(dataset, frame.rows, exclude=exclude, include_leaky=include_leaky)
    singles = value_tests(frame, attrs, deff).sort_values("p_value", kind="stable")
    over = singles[(singles["lift"] > 1) & (singles["value"] != "Other")].sort_values("lift", ascending=False)
    pairs = pair_tests(frame, over.head(12), {a.column: a for a in attrs}, deff)
    numeric, numeric_p = _numeric(frame, numeric_columns(dataset, frame.rows, include_leaky))
    table = pd.concat([singles, pairs], ignore_index=True)
    qvalues = bh_adjust(list(table["p_value"]) + numeric_p)
    table["q_value"] = qvalues[: len(table)]
    for item, q in zip(numeric, qvalues[len(table) :], strict=True):
        item.q_value, item.significant = round_sig(float(q)) or 0.0, bool(q < ALPHA)
    return _report(dataset, frame, compare, table, numeric, deff, attrs, output_dir, chart)


def _verdict(frame: Comparison, patterns: list[Pattern], deff: float) -> str:
    n = len(frame.rows)
    effective = f", about {n / deff:,.0f} independent after clustering in accounts" if deff > 1.05 else ""
    if patterns:
        return (
            f"{len(patterns)} trait(s) separate {frame.label} beyond chance (n={n:,} {frame.unit}{effective}). "
            f"Strongest: {patterns[0].statement}."
        )
    return (
        f"No reliable pattern: no attribute separates {frame.label} beyond chance at this sample size "
        f"(n={n:,} {frame.unit}{effective}; a trait must be significant after correction and change the rate "
        f"by at least {MIN_LIFT - 1:.0%}). Do not describe an ICP from these attributes."
    )


def _report(
    dataset: Dataset,
    frame: Comparison,
    compare: Compare,
    table: pd.DataFrame,
    numeric: list[NumericContrast],
    deff: float,
    attrs: list[Attribute],
    output_dir: Path,
    chart: bool,
) -> PatternReport:
    over, under = select(table, True), select(table, False)
    patterns = [_pattern(row, frame, compare, deff) for _, row in over.head(MAX_PATTERNS).iterrows()]
    less = [_pattern(row, frame, compare, deff) for _, row in under.head(MAX_UNDER).iterrows()]
    path = write_table(table.sort_values("q_value", kind="stable"), output_dir / f"patterns_{compare}.csv")
    used = {a.column for a in attrs}
    unused = [c for c in dataset.kinds if c in frame.rows and c not in used and not c.endswith(("_low", "_high"))]
    excluded = (sorted(c for c in unused if is_leaky(c)) + sorted(c for c in unused if not is_leaky(c)))[:15]
    chart_path = _chart(patterns, frame, output_dir / f"patterns_{compare}.png") if chart else None
    group = int(frame.members.sum())
    return PatternReport(
        dataset=dataset.name,
        comparison=frame.label,
        unit=frame.unit,
        group=rate(group, len(frame.rows)),
        effective_n=round(len(frame.rows) / deff, 1) if frame.cluster is not None else None,
        reliable=bool(patterns),
        verdict=_verdict(frame, patterns, deff),
        patterns=patterns,
        less_common=less,
        numeric=sorted(numeric, key=lambda c: c.q_value)[:MAX_NUMERIC],
        tested=len(table),
        excluded=excluded,
        truncated=len(over) > MAX_PATTERNS or len(under) > MAX_UNDER or len(numeric) > MAX_NUMERIC,
        table_path=str(path),
        chart_path=str(chart_path) if chart_path else None,
    )


def _chart(patterns: list[Pattern], frame: Comparison, path: Path) -> Path:
    from icp_assistant.tools.core.charts import LiftBar, lift_bars

    bars = [
        LiftBar(
            label=f"{p.attribute} = {p.value}",
            lift=p.lift,
            low=None,
            high=None,
            n=p.in_group,
            significant=True,
        )
        for p in patterns
    ]
    return lift_bars(
        bars, path, title=f"What separates {frame.label}", subtitle="lift = share in group / share overall"
    )
