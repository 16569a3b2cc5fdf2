"""analyze_feature_adoption: which features customers adopt, by ICP tier and segment, which ones separate retained
customers from churned ones (and customers that expanded from those that did not), and the order in which ICP-fit
customers first use them.

Customers are the dataset's accounts with a won outcome. Each one's tier comes from the ICP's own scorer
(:func:`.icp.score_rows`), its segment from a saved segmentation or the ICP's target segments. A feature is adopted
when the usage file shows at least one use. Every rate carries n and a Wilson interval; a group is compared with the
other customers by Fisher's exact test (chi-square on large tables), corrected across every group and feature
with Benjamini-Hochberg; retained vs churned (and expanded vs not) differences carry a Newcombe interval and the
same correction. Expansion is recognised as in :mod:`..analysis.expansion_history` (a won deal after the first).
Nothing that does not hold is reported as a finding: "no reliable difference" is said instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.analysis.expansion_history import expanded_customers
from icp_assistant.tools.analysis.segments import open_segmentation
from icp_assistant.tools.analysis.targets import segment_labels
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError
from icp_assistant.tools.core.stats import ALPHA, MIN_N, Rate, bh_adjust, rate, two_by_two_p
from icp_assistant.tools.ingest.usage import Usage, UsageJoin, join_usage, read_usage
from icp_assistant.tools.store.workspace import Workspace, write_table

from .icp import ICPVersion, score_rows

Progress = Callable[[float, str], None]
MIN_CUSTOMERS = 10
MIN_SIDE = 5  # churned and retained customers needed to compare them
MIN_FIT = 10  # green-tier customers needed for the onboarding order (else green + yellow)
MIN_LIFT = 1.25  # a group standing out must differ from all customers by at least this factor (or 1 / it)
SHOWN = 10
LONGEST = 60  # characters of a feature or group name in the summary (the CSV has them whole)


class FeatureRate(BaseModel):
    feature: str
    adopted: Rate = Field(description="Customers who used the feature at least once")


class Standout(BaseModel):
    """A tier or segment whose customers adopt a feature reliably more (or less) than the other customers."""

    group: str
    feature: str
    adopted: Rate
    others: Rate = Field(description="The other customers")
    lift: float = Field(description="Adoption in the group / adoption of all customers")
    q_value: float = Field(description="Benjamini-Hochberg adjusted p-value across every group and feature")


class ChurnSeparator(BaseModel):
    feature: str
    retained: Rate
    churned: Rate
    difference: float = Field(description="Retained minus churned adoption, -1 to 1")
    low: float = Field(description="Newcombe 95% interval of the difference, lower bound")
    high: float = Field(description="Newcombe 95% interval of the difference, upper bound")
    q_value: float = Field(description="Benjamini-Hochberg adjusted p-value across the features")


class ExpansionSeparator(BaseModel):
    feature: str
    expanded: Rate = Field(description="Adoption among customers that expanded")
    not_expanded: Rate = Field(description="Adoption among customers that did not")
    difference: float = Field(description="Expanded minus not expanded adoption, -1 to 1")
    low: float = Field(description="Newcombe 95% interval of the difference, lower bound")
    high: float = Field(description="Newcombe 95% interval of the difference, upper bound")
    q_value: float = Field(description="Benjamini-Hochberg adjusted p-value across the features")


class OnboardingStep(BaseModel):
    order: int
    feature: str
    adopted: Rate = Field(description="ICP-fit customers who used it")
    median_days: float | None = Field(description="Median days from becoming a customer to first use")
    dated: int = Field(description="Adopters with a known first-use date (the median's n)")


class FeatureAdoption(BaseModel):
    """Feature adoption by ICP tier and segment, churn separators and the onboarding order, compactly."""

    dataset: str
    icp: str
    version: int
    usage_file: str
    shape: str = Field(description="How the usage file was read: long, events (one row per use) or wide")
    join: str = Field(description="How usage rows matched the dataset's accounts, unmatched ones named")
    customers: int = Field(description="Customers (won accounts) the rates are over")
    features_total: int
    overall: list[FeatureRate] = Field(description=f"Adoption among all customers (top {SHOWN} by rate)")
    standouts: list[Standout] = Field(description="Tiers and segments adopting a feature reliably more or less")
    standouts_total: int
    churn_verdict: str
    churn_separators: list[ChurnSeparator] = Field(description="Features separating retained from churned")
    expansion_verdict: str
    expansion_separators: list[ExpansionSeparator] = Field(
        description="Features separating customers that expanded from those that did not"
    )
    onboarding_group: str = Field(description="Which customers the onboarding order is for")
    onboarding: list[OnboardingStep] = Field(description="Features in order of median days to first use")
    csv_path: str = Field(
        description="Every table in full: per feature overall, per tier, per segment, churn, "
        "onboarding (spreadsheet-safe CSV)"
    )
    notes: list[str]


@dataclass
class _Customers:
    """The customers and what is known of each: tier, segment, churn, start date, adoption matrix."""

    frame: pd.DataFrame  # tier, segment, churned, start; index = account key
    adopted: pd.DataFrame  # bool, customers x features
    first_used: pd.DataFrame  # datetime, customers x features


def analyze_feature_adoption(
    dataset: Dataset,
    icp: ICPVersion,
    path: Path,
    workspace: Workspace,
    *,
    sheet: str | int | None = None,
    max_bytes: int | None = None,
    segmentation: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    progress: Progress | None = None,
) -> FeatureAdoption:
    """Read the usage file at ``path`` (any shape :func:`..ingest.usage.read_usage` knows; ``mapping`` names
    columns the headers do not) and analyse it."""
    report = progress or (lambda _f, _m: None)
    report(0.05, f"reading {path.name}")
    usage = read_usage(path, sheet=sheet, max_bytes=max_bytes, mapping=mapping)
    return adoption_of(dataset, icp, usage, workspace, path.name, segmentation=segmentation, progress=report)


def adoption_of(
    dataset: Dataset,
    icp: ICPVersion,
    usage: Usage,
    workspace: Workspace,
    usage_name: str,
    *,
    segmentation: str | None = None,
    progress: Progress | None = None,
) -> FeatureAdoption:
    """Adoption of the features in ``usage`` by the dataset's customers (see the module docstring)."""
    report = progress or (lambda _f, _m: None)
    report(0.1, "joining usage to accounts")
    rows, joined = join_usage(dataset.accounts, usage)
    if not joined.matched_accounts:
        examples = ", ".join(repr(_short(e, 40)) for e in joined.unknown_examples[:3])
        raise InsufficientDataError(
            f"None of the {joined.accounts_in_file:,} accounts in {usage_name} (column {joined.column!r}, e.g. "
            f"{examples}) is an account of dataset {dataset.name!r}, by id or by company name. Check that the usage "
            "file and the dataset are of the same company, or name the account column with mapping."
        )
    notes = list(usage.notes)
    customers = _customers(dataset, icp, rows, segmentation, workspace, notes)
    report(0.4, "adoption by tier and segment")
    table = _group_rates(customers)
    standouts = _standouts(table)
    report(0.6, "churn separators")
    churn_table, verdict = _churn(customers)
    expansion_table, expansion_verdict = _expansion(dataset, customers)
    report(0.7, "onboarding order")
    fit_label, steps = _onboarding(customers, notes)
    report(0.8, "writing the tables")
    folder = workspace.folder("analyses", dataset.name)
    tables = _csv(table, churn_table, expansion_table, steps, fit_label)
    path = write_table(tables, folder / f"feature-adoption-{icp.name}.csv")
    overall = table[table["group"].eq(ALL)].sort_values("rate", ascending=False)
    separators = [_separator(r) for _, r in churn_table[churn_table["separates"]].head(5).iterrows()]
    expanders = [_expander(r) for _, r in expansion_table[expansion_table["separates"]].head(3).iterrows()]
    if not standouts and not separators:
        notes.append(
            "No reliable pattern: no tier or segment adopts a feature differently beyond chance, and no "
            "feature separates retained from churned customers."
        )
    return FeatureAdoption(
        dataset=dataset.name,
        icp=icp.name,
        version=icp.version,
        usage_file=usage_name,
        shape=usage.shape,
        join=_join_text(joined, usage),
        customers=len(customers.frame),
        features_total=customers.adopted.shape[1],
        overall=[FeatureRate(feature=_short(r.feature), adopted=r.adopted) for r in overall.head(SHOWN).itertuples()],
        standouts=standouts[:6],
        standouts_total=len(standouts),
        churn_verdict=verdict,
        churn_separators=separators,
        expansion_verdict=expansion_verdict,
        expansion_separators=expanders,
        onboarding_group=fit_label,
        onboarding=steps[:8],
        csv_path=str(path),
        notes=notes[:6],
    )


ALL = "All customers"


def _customers(
    dataset: Dataset,
    icp: ICPVersion,
    rows: pd.DataFrame,
    segmentation: str | None,
    workspace: Workspace,
    notes: list[str],
) -> _Customers:
    accounts = dataset.accounts
    if "outcome" not in accounts or accounts["outcome"].eq("won").sum() < MIN_CUSTOMERS:
        raise InsufficientDataError(
            f"Dataset {dataset.name!r} has fewer than {MIN_CUSTOMERS} customers (accounts with a won deal or a "
            "customer status): adoption needs customers. Load the accounts with their deals (deals_path) or a "
            "lifecycle / status column."
        )
    won = accounts["outcome"].eq("won")
    bands = add_bands(accounts)
    frame = pd.DataFrame(index=accounts.index[won])
    frame["tier"] = score_rows(icp, bands)["tier"][won]
    frame["segment"] = _segments(dataset, icp, bands, segmentation, workspace, notes)[won]
    frame["churned"] = accounts["churned"][won] if "churned" in accounts else pd.NA
    start = accounts["customer_since"] if "customer_since" in accounts else pd.Series(pd.NaT, index=accounts.index)
    if "first_won" in accounts:
        start = start.fillna(accounts["first_won"])
    frame["start"] = start[won]
    used = rows[rows["account_key"].isin(frame.index) & rows["uses"].gt(0)]
    adopted = used.groupby(["account_key", "feature"]).size().unstack(fill_value=0).gt(0)
    first = used.groupby(["account_key", "feature"])["first_used"].min().unstack().astype("datetime64[ns]")
    tracked = frame.index.isin(rows["account_key"].dropna().unique())  # in the file, used or not
    if tracked.mean() < 0.5:
        notes.append(
            f"Only {int(tracked.sum()):,} of {len(frame):,} customers appear in the usage file: rates are "
            "over those customers (the file seems to cover only part of them)."
        )
        frame = frame[tracked]
    elif not tracked.all():
        notes.append(
            f"{int((~tracked).sum()):,} of {len(frame):,} customers have no usage row: counted as adopting no feature."
        )
    features = sorted(rows.loc[rows["account_key"].isin(frame.index), "feature"].unique())  # adopted or not
    if not features:
        raise InsufficientDataError(
            f"No row of the usage file belongs to a customer of dataset {dataset.name!r}: its accounts are leads, "
            "prospects or lost accounts only. Check that the usage file and the dataset are of the same company."
        )
    adopted = adopted.reindex(index=frame.index, columns=features, fill_value=False).astype(bool)
    first = first.reindex(index=frame.index, columns=adopted.columns)
    return _Customers(frame, adopted, first)


def _segments(
    dataset: Dataset,
    icp: ICPVersion,
    bands: pd.DataFrame,
    segmentation: str | None,
    workspace: Workspace,
    notes: list[str],
) -> pd.Series:
    if segmentation is not None:
        result, membership = open_segmentation(workspace, segmentation)
        if result.dataset != dataset.name:
            raise OptionError(
                f"Segmentation {segmentation!r} segments dataset {result.dataset!r}, not {dataset.name!r}. Pass a "
                f"segmentation of {dataset.name!r} (segment_accounts), or none to use the ICP's segments."
            )
        names = {s.id: s.name for s in result.segments}
        return membership.map(names).reindex(bands.index).fillna("")
    if icp.segments:
        return segment_labels(icp.segments, bands)
    notes.append("No segments: pass segmentation= (from segment_accounts) or build the ICP after segmenting.")
    return pd.Series("", index=bands.index)


def _group_rates(customers: _Customers) -> pd.DataFrame:
    """One row per (group, feature): adoption with its interval, the other customers' adoption, lift and the test."""
    frame, adopted = customers.frame, customers.adopted
    groups: list[tuple[str, str, pd.Series]] = [("all", ALL, pd.Series(True, index=frame.index))]
    for tier in ("green", "yellow", "red"):
        if frame["tier"].eq(tier).any():
            groups.append(("tier", f"{tier.capitalize()} tier", frame["tier"].eq(tier)))
    for name in sorted(s for s in frame["segment"].dropna().unique() if s):
        groups.append(("segment", f"Segment: {name}", frame["segment"].eq(name)))
    totals = adopted.sum()
    records = []
    for kind, label, mask in groups:
        inside = adopted[mask.to_numpy()]
        hits, n = inside.sum(), len(inside)
        for feature in adopted.columns:
            h, other_h, other_n = int(hits[feature]), int(totals[feature] - hits[feature]), len(adopted) - n
            overall = totals[feature] / len(adopted)
            records.append(
                {
                    "kind": kind,
                    "group": label,
                    "feature": feature,
                    "adopted": rate(h, n),
                    "rate": h / n if n else None,
                    "others": rate(other_h, other_n),
                    "lift": (h / n) / overall if n and overall else None,
                    "p": two_by_two_p(h, n - h, other_h, other_n - other_h) if kind != "all" and other_n else None,
                }
            )
    table = pd.DataFrame.from_records(records)
    tested = table["p"].notna()
    table["q"] = np.nan
    if tested.any():
        table.loc[tested, "q"] = bh_adjust(table.loc[tested, "p"].to_numpy(dtype=float))
    return table


def _standouts(table: pd.DataFrame) -> list[Standout]:
    reliable = table[
        table["q"].lt(ALPHA) & table["lift"].notna() & ((table["lift"] >= MIN_LIFT) | (table["lift"] <= 1 / MIN_LIFT))
    ]
    reliable = reliable.assign(strength=(reliable["lift"].map(math.log).abs())).sort_values("strength", ascending=False)
    return [
        Standout(
            group=_short(r.group),
            feature=_short(r.feature),
            adopted=r.adopted,
            others=r.others,
            lift=round(r.lift, 2),
            q_value=float(f"{r.q:.2g}"),
        )
        for r in reliable.itertuples()
    ]


def _newcombe(a: Rate, b: Rate) -> tuple[float, float, float]:
    """Difference a - b with the Newcombe (hybrid Wilson score) 95% interval."""
    pa, pb = a.rate or 0.0, b.rate or 0.0
    la, ha, lb, hb = a.low or 0.0, a.high or 0.0, b.low or 0.0, b.high or 0.0
    diff = pa - pb
    return diff, diff - math.hypot(pa - la, hb - pb), diff + math.hypot(ha - pa, pb - lb)


COMPARED = ["feature", "side", "other", "diff", "low", "high", "p", "q", "separates"]


def _differences(adopted: pd.DataFrame, side: np.ndarray, other: np.ndarray) -> pd.DataFrame:
    """Per feature, adoption on each side, the difference with its Newcombe interval, and the BH-corrected test."""
    records = []
    for feature in adopted.columns:
        used = adopted[feature].to_numpy()
        a, b = rate(int(used[side].sum()), int(side.sum())), rate(int(used[other].sum()), int(other.sum()))
        diff, low, high = _newcombe(a, b)
        p = two_by_two_p(a.hits, a.n - a.hits, b.hits, b.n - b.hits)
        records.append({"feature": feature, "side": a, "other": b, "diff": diff, "low": low, "high": high, "p": p})
    table = pd.DataFrame.from_records(records)
    table["q"] = bh_adjust(table["p"].to_numpy(dtype=float))
    table["separates"] = table["q"].lt(ALPHA) & ((table["low"] > 0) | (table["high"] < 0))
    return table.sort_values("diff", key=lambda d: -d.abs()).reset_index(drop=True)


def _compared(
    adopted: pd.DataFrame, side: np.ndarray, other: np.ndarray, names: tuple[str, str], missing: str
) -> tuple[pd.DataFrame, str]:
    """The per-feature differences between two groups of customers, and the verdict in words."""
    counts = f"{int(side.sum()):,} {names[0]} and {int(other.sum()):,} {names[1]}"
    if side.sum() < MIN_SIDE or other.sum() < MIN_SIDE:
        return pd.DataFrame(columns=COMPARED), f"Not enough to compare ({counts}; {MIN_SIDE} of each needed){missing}."
    table = _differences(adopted, side, other)
    found = table[table["separates"]]
    if found.empty:
        return table, f"No reliable difference: no feature's adoption separates the {counts} beyond chance."
    named = ", ".join(found["feature"].head(5).map(_short))
    return table, (
        f"{len(found)} of {len(table)} features separate the {counts}: {named}; the others show no reliable "
        "difference. An association, not proof that the feature causes it."
    )


def _churn(customers: _Customers) -> tuple[pd.DataFrame, str]:
    churned = customers.frame["churned"]
    known = churned.notna().to_numpy()
    lost = churned.fillna(False).astype(bool).to_numpy() & known
    names = ("retained customers", "churned customers")
    return _compared(customers.adopted, known & ~lost, lost, names, ": load churn dates or a churned status")


def _expansion(dataset: Dataset, customers: _Customers) -> tuple[pd.DataFrame, str]:
    is_customer = pd.Series(True, index=customers.frame.index).reindex(dataset.accounts.index, fill_value=False)
    found = expanded_customers(dataset, is_customer)
    if found is None:
        return pd.DataFrame(columns=COMPARED), "No expansion history in the data (no won deals after a first one)."
    expanded = found[0].reindex(customers.frame.index)
    known = expanded.notna().to_numpy()
    grew = expanded.fillna(False).astype(bool).to_numpy() & known
    names = ("customers that expanded", "customers that did not")
    return _compared(customers.adopted, grew, known & ~grew, names, "")


def _separator(r: pd.Series) -> ChurnSeparator:
    return ChurnSeparator(
        feature=_short(r["feature"]),
        retained=r["side"],
        churned=r["other"],
        difference=round(r["diff"], 4),
        low=round(r["low"], 4),
        high=round(r["high"], 4),
        q_value=float(f"{r['q']:.2g}"),
    )


def _expander(r: pd.Series) -> ExpansionSeparator:
    return ExpansionSeparator(
        feature=_short(r["feature"]),
        expanded=r["side"],
        not_expanded=r["other"],
        difference=round(r["diff"], 4),
        low=round(r["low"], 4),
        high=round(r["high"], 4),
        q_value=float(f"{r['q']:.2g}"),
    )


def _onboarding(customers: _Customers, notes: list[str]) -> tuple[str, list[OnboardingStep]]:
    frame = customers.frame
    fit = frame["tier"].eq("green")
    label = "Green-tier customers"
    if fit.sum() < MIN_FIT:
        fit = frame["tier"].isin(["green", "yellow"])
        label = "Green- and yellow-tier customers (fewer than 10 green)"
    if fit.sum() == 0:
        return "No ICP-fit customers (none scores green or yellow)", []
    adopted, first = customers.adopted[fit.to_numpy()], customers.first_used[fit.to_numpy()]
    start = frame.loc[fit, "start"]
    days = first.sub(start, axis=0).apply(lambda c: c.dt.days)
    early = int((days < 0).sum().sum())
    if early:
        notes.append(
            f"{early:,} first uses of ICP-fit customers fall before their customer date (trials): counted as day 0."
        )
    days = days.clip(lower=0)
    steps = []
    for feature in adopted.columns:
        known = days[feature].dropna()
        median = float(known.median()) if len(known) else None
        steps.append((feature, rate(int(adopted[feature].sum()), len(adopted)), median, len(known)))
    if not any(s[3] for s in steps):
        notes.append("The usage file has no dates: no onboarding order (add a first-use date or event timestamps).")
        return f"{label}: no first-use dates", []
    ordered = sorted(steps, key=lambda s: (s[2] is None or s[3] < MIN_SIDE, s[2] if s[2] is not None else 0))
    size = f"n={int(fit.sum()):,}" + ("; small sample" if fit.sum() < MIN_N else "")
    return f"{label} ({size})", [
        OnboardingStep(order=i, feature=_short(f), adopted=a, median_days=m, dated=d)
        for i, (f, a, m, d) in enumerate(ordered, start=1)
    ]


def _join_text(joined: UsageJoin, usage: Usage) -> str:
    text = (
        f"{usage.file_rows:,} rows, {joined.accounts_in_file:,} accounts in the usage file; "
        f"{joined.matched_accounts:,} matched the dataset by {'account id' if joined.key == 'id' else 'company name'} "
        f"(column {_short(joined.column, 40)!r})"
    )
    if joined.unknown_accounts:
        examples = ", ".join(repr(_short(e, 40)) for e in joined.unknown_examples[:3])
        text += (
            f"; {joined.unknown_accounts:,} accounts ({joined.unknown_rows:,} rows) are not in the dataset and "
            f"were left out, e.g. {examples}"
        )
    return text + "."


HEADERS = {
    "table": "Table",
    "group": "Group",
    "feature": "Feature",
    "n": "Customers",
    "hits": "Adopters",
    "rate": "Adoption rate",
    "low": "95% low",
    "high": "95% high",
    "small": "Small sample",
    "lift": "Lift vs all customers",
    "other_n": "Compared customers",
    "other_rate": "Compared adoption rate",
    "diff": "Difference",
    "diff_low": "Difference 95% low",
    "diff_high": "Difference 95% high",
    "q": "q-value (Benjamini-Hochberg)",
    "days": "Median days to first use",
    "dated": "Adopters with a date",
    "verdict": "Verdict",
}


def _csv(
    table: pd.DataFrame, churn: pd.DataFrame, expansion: pd.DataFrame, steps: list[OnboardingStep], fit_label: str
) -> pd.DataFrame:
    def rates(r: Rate) -> dict[str, object]:
        return {
            "n": r.n,
            "hits": r.hits,
            "rate": r.rate,
            "low": r.low,
            "high": r.high,
            "small": "yes" if r.small_sample else "no",
        }

    records: list[dict[str, object]] = []
    for r in table.itertuples():
        verdict = (
            ""
            if r.kind == "all"
            else (
                "differs"
                if r.q < ALPHA and r.lift and abs(math.log(r.lift)) >= math.log(MIN_LIFT)
                else "no reliable difference"
            )
        )
        records.append(
            {
                "table": "Adoption by group",
                "group": r.group,
                "feature": r.feature,
                **rates(r.adopted),
                "lift": None if r.lift is None else round(r.lift, 3),
                "other_n": r.others.n or None,
                "other_rate": r.others.rate,
                "q": None if pd.isna(r.q) else r.q,
                "verdict": verdict,
            }
        )
    for name, group, compared in (
        ("Retained vs churned", "Retained customers", churn),
        ("Expanded vs not", "Customers that expanded", expansion),
    ):
        for r in compared.itertuples():
            records.append(
                {
                    "table": name,
                    "group": group,
                    "feature": r.feature,
                    **rates(r.side),
                    "other_n": r.other.n,
                    "other_rate": r.other.rate,
                    "diff": round(r.diff, 4),
                    "diff_low": round(r.low, 4),
                    "diff_high": round(r.high, 4),
                    "q": r.q,
                    "verdict": "separates" if r.separates else "no reliable difference",
                }
            )
    for s in steps:
        records.append(
            {
                "table": "Onboarding order",
                "group": fit_label,
                "feature": s.feature,
                **rates(s.adopted),
                "days": s.median_days,
                "dated": s.dated,
                "verdict": f"step {s.order}",
            }
        )
    return pd.DataFrame.from_records(records, columns=list(HEADERS)).rename(columns=HEADERS)


def _short(text: str, longest: int = LONGEST) -> str:
    return text if len(text) <= longest else text[: longest - 1] + "…"
