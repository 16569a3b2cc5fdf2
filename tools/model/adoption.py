"""analyze_feature_adoption: which features customers adopt, by ICP tier and segment, which ones separate retained
customers from churned ones (and customers that expanded from those that did not), and the order in which ICP-fit
customers first use them.

Customers are the dataset's accounts with a won outcome. Each one's tier comes from the ICP's own scorer
(:func:`.icp.score_rows`), its segment from a saved segmentation or the ICP's target segments. A feature is adopted
when the usage file shows at least one use. The statistics are :mod:`..analysis.adoption_stats` (rates with Wilson
intervals, Fisher's exact test and Benjamini-Hochberg, Newcombe intervals of differences); expansion is recognised
as in :mod:`..analysis.expansion_history` (a won deal after the first). Nothing that does not hold is reported as a
finding: "no reliable difference" is said instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from icp_assistant.tools.analysis.adoption_schemas import FeatureRate
from icp_assistant.tools.analysis.adoption_stats import (
    ALL,
    Customers,
    churn_differences,
    churn_separator,
    expansion_differences,
    expansion_separator,
    group_rates,
    onboarding,
    short,
    standouts_of,
)
from icp_assistant.tools.analysis.adoption_tables import tables_frame
from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.analysis.segments import open_segmentation
from icp_assistant.tools.analysis.targets import segment_labels
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError
from icp_assistant.tools.ingest.usage import Usage, UsageJoin, join_usage, read_usage
from icp_assistant.tools.store.workspace import Workspace, write_table

from .icp import ICPVersion, score_rows
from .team_schemas import SHOWN, FeatureAdoption

Progress = Callable[[float, str], None]
MIN_CUSTOMERS = 10


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
        examples = ", ".join(repr(short(e, 40)) for e in joined.unknown_examples[:3])
        raise InsufficientDataError(
            f"None of the {joined.accounts_in_file:,} accounts in {usage_name} (column {joined.column!r}, e.g. "
            f"{examples}) is an account of dataset {dataset.name!r}, by id or by company name. Check that the usage "
            "file and the dataset are of the same company, or name the account column with mapping."
        )
    notes = list(usage.notes)
    customers = _customers(dataset, icp, rows, segmentation, workspace, notes)
    report(0.4, "adoption by tier and segment")
    table = group_rates(customers)
    standouts = standouts_of(table)
    report(0.6, "churn separators")
    churn_table, verdict = churn_differences(customers)
    expansion_table, expansion_verdict = expansion_differences(dataset, customers)
    report(0.7, "onboarding order")
    fit_label, steps = onboarding(customers, notes)
    report(0.8, "writing the tables")
    folder = workspace.folder("analyses", dataset.name)
    tables = tables_frame(table, churn_table, expansion_table, steps, fit_label)
    path = write_table(tables, folder / f"feature-adoption-{icp.name}.csv")
    overall = table[table["group"].eq(ALL)].sort_values("rate", ascending=False)
    separators = [churn_separator(r) for _, r in churn_table[churn_table["separates"]].head(5).iterrows()]
    expanders = [expansion_separator(r) for _, r in expansion_table[expansion_table["separates"]].head(3).iterrows()]
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
        overall=[FeatureRate(feature=short(r.feature), adopted=r.adopted) for r in overall.head(SHOWN).itertuples()],
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


def _customers(
    dataset: Dataset,
    icp: ICPVersion,
    rows: pd.DataFrame,
    segmentation: str | None,
    workspace: Workspace,
    notes: list[str],
) -> Customers:
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
    frame["tier"] = score_rows(icp, bands[won], points=False)["tier"]  # customers only: the scorer reads each row alone
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
    return Customers(frame, adopted, first)


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


def _join_text(joined: UsageJoin, usage: Usage) -> str:
    text = (
        f"{usage.file_rows:,} rows, {joined.accounts_in_file:,} accounts in the usage file; "
        f"{joined.matched_accounts:,} matched the dataset by {'account id' if joined.key == 'id' else 'company name'} "
        f"(column {short(joined.column, 40)!r})"
    )
    if joined.unknown_accounts:
        examples = ", ".join(repr(short(e, 40)) for e in joined.unknown_examples[:3])
        text += (
            f"; {joined.unknown_accounts:,} accounts ({joined.unknown_rows:,} rows) are not in the dataset and "
            f"were left out, e.g. {examples}"
        )
    return text + "."
