"""find_expansion: white space among ICP-fit customers, and the traits of customers that expanded.

White space: each customer (an account with a won deal, or marked customer) whose ICP tier counts as fit
(tiers from the ICP's own scorer, :func:`.icp.score_rows`, as in a prospect list) is compared with the customers
of its segment that have a known, positive value. What the peers reach is their 75th percentile (their median is
shown beside it); a fit customer below it has a gap of (peers' 75th percentile - its value), in the value's units.
A segment with fewer than ``min_peers`` such customers is called small and gives no gap. Every fit customer is
written to a CSV; the result lists the largest gaps and the totals per segment.

Expansion history (:mod:`..analysis.expansion_history`): who expanded, and the traits of those that did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import add_bands, resolve_column
from icp_assistant.tools.analysis.expansion_history import ExpansionHistory, expansion_history
from icp_assistant.tools.analysis.segments import open_segmentation
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, NotFoundError, OptionError, listing
from icp_assistant.tools.core.labels import field_label
from icp_assistant.tools.store.workspace import Collection, Workspace, slugify, write_table

from .bulk import reasons
from .icp import ICPVersion, score_rows
from .team_schemas import ExpansionReport, FitTier, PeerGroup, WhiteSpace

DEFAULT_VALUES = ("contract_value", "mrr", "won_value", "lifetime_value")
VALUE_KINDS = ("number", "money")
PRODUCTS = "products"
REACH = 0.75  # the peers' quantile an account could reach
MAX_SEGMENTS, MAX_TOP = 8, 10
RESULT_CHARS = 7_600  # the result a model reads stays under ~1,900 tokens (the server's budget is 2,000)
ANALYSES: Collection = "analyses"  # served to the client like every analysis file


@dataclass(frozen=True)
class Value:
    """The value compared: per account, its words and unit, and why it was chosen."""

    values: pd.Series
    label: str
    unit: str
    note: str


def _products(dataset: Dataset) -> pd.Series | None:
    deals = dataset.deals
    if deals is None or "deal_product" not in deals:
        return None
    won = deals[deals["outcome"].eq("won") & deals["account_key"].notna() & deals["deal_product"].notna()]
    counts = won.groupby("account_key")["deal_product"].nunique()
    return counts.reindex(dataset.accounts.index).astype(float)


def _value_columns(dataset: Dataset) -> list[str]:
    accounts = dataset.accounts
    found = [
        c
        for c, k in dataset.kinds.items()
        if k in VALUE_KINDS and c in accounts and not c.endswith(("_low", "_high")) and accounts[c].notna().any()
    ]
    return found + ([PRODUCTS] if _products(dataset) is not None else [])


def _header_unit(unit: str) -> str:
    """' (USD)', ' (seats)'; nothing for money whose currency the export does not state (the result says so)."""
    return "" if unit.startswith("money") else f" ({unit})"


def _unit(dataset: Dataset, column: str) -> str:
    if column == PRODUCTS:
        return "products"
    if dataset.kinds.get(column) == "money":
        return dataset.card.currency or "money (currency not stated in the export)"
    lowered = column.lower()
    if "seat" in lowered or "licen" in lowered or "user" in lowered:
        return "seats"
    return field_label(column).lower()


def choose_value(dataset: Dataset, value: str | None) -> Value:
    """The value named by the caller, or the best one the data has (contract value, MRR, won value, lifetime)."""
    available = _value_columns(dataset)
    if value is None:
        column = next((c for c in DEFAULT_VALUES if c in available), None)
        if column is None:
            raise InsufficientDataError(
                "No value to compare customers on: no contract value, MRR, lifetime value or won deals. Load a deals "
                f"file (deals_path) or pass value= one of: {listing(available)}."
            )
        note = f"{field_label(column)}: the first of contract value, MRR, won revenue, lifetime value the data has"
        if column == "won_value":
            note += " (won revenue = the sum of the account's won deal amounts, follow-on deals included)"
        return Value(_series(dataset, column), field_label(column), _unit(dataset, column), note + ".")
    column = _resolve_value(dataset, value, available)
    return Value(_series(dataset, column), _value_label(column), _unit(dataset, column), "Named by you.")


def _resolve_value(dataset: Dataset, value: str, available: list[str]) -> str:
    if value.strip().lower() == PRODUCTS:
        if PRODUCTS not in available:
            raise ColumnError(
                f"value='{value}' needs won deals with a product column. Value columns here: {listing(available)}."
            )
        return PRODUCTS
    try:
        column = resolve_column(dataset.accounts, value, dataset.sources())
    except ColumnError:
        column = ""
    if column not in available:
        raise ColumnError(
            f"No value column {value!r} in dataset {dataset.name!r}. Value columns (numbers and money) are: "
            f"{listing(available)}. Pass one of them as value=."
        )
    return column


def _value_label(column: str) -> str:
    return "Products bought (distinct won products)" if column == PRODUCTS else field_label(column)


def _series(dataset: Dataset, column: str) -> pd.Series:
    if column == PRODUCTS:
        found = _products(dataset)
        assert found is not None
        return found
    return pd.to_numeric(dataset.accounts[column], errors="coerce").astype(float)


def customers(dataset: Dataset) -> pd.Series:
    """True for accounts that are customers: a won deal, or a customer status."""
    accounts = dataset.accounts
    if "outcome" not in accounts or not accounts["outcome"].eq("won").any():
        raise InsufficientDataError(
            f"Dataset {dataset.name!r} has no customers (no won deals, no customer status). Load a deals file "
            "(deals_path) or an accounts file with a lifecycle / status column."
        )
    return accounts["outcome"].eq("won").fillna(False).astype(bool)


@dataclass(frozen=True)
class Groups:
    labels: pd.Series
    comparison: str


def comparison_groups(
    dataset: Dataset, workspace: Workspace, icp: ICPVersion, segmentation: str | None, rows: pd.DataFrame
) -> Groups:
    """Segment name per account: the named segmentation, else the ICP's, else industry x company size."""
    chosen = segmentation if segmentation is not None else icp.segmentation
    if chosen is not None:
        try:
            return _saved_groups(dataset, workspace, chosen, icp, named=segmentation is not None)
        except NotFoundError:
            if segmentation is not None:
                raise
    columns = [c for c in ("industry", "size_band") if c in rows and rows[c].notna().any()]
    if not columns:
        return Groups(pd.Series("All customers", index=rows.index), "All customers together (no industry or size).")
    parts = [rows[c].astype("object").where(rows[c].notna(), "(unknown)").astype(str) for c in columns]
    labels = parts[0] if len(parts) == 1 else parts[0] + " · " + parts[1]
    said = " x ".join(field_label(c) for c in columns)
    return Groups(labels, f"Same {said} (no segmentation named and the ICP has none).")


def _saved_groups(dataset: Dataset, workspace: Workspace, name: str, icp: ICPVersion, named: bool) -> Groups:
    saved, membership = open_segmentation(workspace, name)
    if saved.dataset != dataset.name:
        raise OptionError(
            f"Segmentation {name!r} was made on dataset {saved.dataset!r}, not {dataset.name!r}: its segments do not "
            f"cover these accounts. Segment {dataset.name!r} with segment_accounts, or leave segmentation out."
        )
    names = {s.id: s.name for s in saved.segments}
    ids = membership.reindex(dataset.accounts.index)
    labels = ids.map(lambda i: names.get(int(i), f"Segment {int(i)}") if pd.notna(i) else "(not segmented)")
    targets = [s.name for s in icp.segments if s.target]
    whose = "named" if named else "the ICP's"
    said = f"Segments of {whose} segmentation {name!r}"
    if targets and not named:
        said += f" (target segments: {listing(targets, 4)})"
    return Groups(labels.astype(str), said + ".")


def find_expansion(
    dataset: Dataset,
    icp: ICPVersion,
    workspace: Workspace,
    *,
    segmentation: str | None = None,
    value: str | None = None,
    min_peers: int = 10,
    tiers: Sequence[FitTier] = ("green",),
) -> ExpansionReport:
    """White space of the fit customers against their segment's peers, and the traits of customers that expanded."""
    if not tiers:
        raise OptionError("tier is empty: name the ICP tiers that count as fit, e.g. ['green'] or ['green', 'yellow'].")
    rows = add_bands(dataset.accounts)
    chosen = choose_value(dataset, value)
    is_customer = customers(dataset)
    scored = score_rows(icp, rows)
    groups = comparison_groups(dataset, workspace, icp, segmentation, rows)
    table, peers = white_space(chosen.values, is_customer, groups.labels, scored, set(tiers), min_peers)
    folder = workspace.folder(ANALYSES, slugify(f"{dataset.name}-expansion-{icp.name}-v{icp.version}"))
    listing_ = _listing(table, rows, scored, icp, chosen)
    csv_path = write_table(listing_, folder / "white_space.csv")
    segments_path = write_table(_segment_table(peers, chosen), folder / "white_space_segments.csv")
    history = expansion_history(dataset, rows, is_customer, folder)
    fit = table[table["fit"]]
    gaps = fit[fit["gap"].gt(0)]
    report = ExpansionReport(
        dataset=dataset.name,
        icp=icp.name,
        version=icp.version,
        value=chosen.label,
        unit=chosen.unit,
        value_note=chosen.note,
        comparison=groups.comparison,
        statistic=_statistic(min_peers),
        fit_tiers=list(tiers),
        customers=int(is_customer.sum()),
        fit_customers=len(fit),
        fit_with_value=int(fit["value"].notna().sum()),
        accounts_with_gap=len(gaps),
        white_space_total=_money(float(gaps["gap"].sum())),
        segments=_peer_groups(peers)[:MAX_SEGMENTS],
        segments_total=len(peers),
        top=_top(gaps, rows)[:MAX_TOP],
        truncated=len(peers) > MAX_SEGMENTS or len(gaps) > MAX_TOP,
        csv_path=str(csv_path),
        segments_path=str(segments_path),
        history=history,
        notes=_unscored(icp, tiers) + _notes(table, peers, min_peers, history),
    )
    return within_budget(report)


def white_space(
    values: pd.Series,
    is_customer: pd.Series,
    labels: pd.Series,
    scored: pd.DataFrame,
    tiers: set[str],
    min_peers: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per customer: segment, value, fit, the peers' count / median / 75th percentile and the gap; and per segment."""
    score = scored["score"].astype("Int64").where(scored["tier"].ne("unscored"))  # as the prospect list shows it
    table = pd.DataFrame(
        {"segment": labels, "value": values.where(values.gt(0)), "tier": scored["tier"], "score": score}
    )[is_customer.to_numpy()]
    table["fit"] = table["tier"].isin(tiers)
    known = table[table["value"].notna()]
    grouped = known.groupby("segment")["value"]
    peers = pd.DataFrame({"peers": grouped.size(), "median": grouped.median(), "reachable": grouped.quantile(REACH)})
    peers["small"] = peers["peers"] < min_peers
    table = table.join(peers, on="segment")
    table["peers"] = table["peers"].fillna(0).astype(int)
    table["small"] = table["small"].fillna(True).astype(bool)
    open_gap = table["fit"] & ~table["small"] & table["value"].notna()
    table["gap"] = (table["reachable"] - table["value"]).where(open_gap).clip(lower=0)
    fit = table[table["fit"] & table["value"].notna()]
    peers["fit_customers"] = fit.groupby("segment").size().reindex(peers.index).fillna(0).astype(int)
    peers["below"] = fit[fit["gap"].gt(0)].groupby("segment").size().reindex(peers.index).fillna(0).astype(int)
    peers["white_space"] = fit.groupby("segment")["gap"].sum().reindex(peers.index).fillna(0.0)
    return table, peers.sort_values(["white_space", "fit_customers", "peers"], ascending=False)


def _statistic(min_peers: int) -> str:
    return (
        f"Reachable = the {REACH * 100:.0f}th percentile of the segment's customers with a known, positive value (the "
        f"median is shown beside it); gap = reachable - the account's value; segments with fewer than {min_peers} such "
        "customers are small and give no gap."
    )


def _money(value: float) -> float:
    return float(round(value, 2))


def _peer_groups(peers: pd.DataFrame) -> list[PeerGroup]:
    return [
        PeerGroup(
            segment=str(row.Index),
            peers=int(row.peers),
            median=_money(float(row.median)),
            reachable=_money(float(row.reachable)),
            small=bool(row.small),
            fit_customers=int(row.fit_customers),
            below=int(row.below),
            white_space=_money(float(row.white_space)),
        )
        for row in peers.itertuples()
    ]


def _name(rows: pd.DataFrame, key: object) -> str:
    if "name" in rows and pd.notna(rows.at[key, "name"]):
        return str(rows.at[key, "name"])
    if "account_id" in rows and pd.notna(rows.at[key, "account_id"]):
        return str(rows.at[key, "account_id"])
    return f"row {key}"


def _top(gaps: pd.DataFrame, rows: pd.DataFrame) -> list[WhiteSpace]:
    ordered = gaps.sort_values("gap", ascending=False, kind="stable").head(MAX_TOP)
    return [
        WhiteSpace(
            name=_name(rows, key),
            segment=str(row.segment),
            peers=int(row.peers),
            tier=str(row.tier),
            score=None if pd.isna(row.score) else int(row.score),
            value=_money(float(row.value)),
            reachable=_money(float(row.reachable)),
            gap=_money(float(row.gap)),
        )
        for key, row in ordered.iterrows()
    ]


def _status(table: pd.DataFrame) -> pd.Series:
    status = np.select(
        [~table["fit"], table["value"].isna(), table["small"], table["gap"].gt(0)],
        ["not fit (tier not counted)", "value unknown", "small comparison group: no gap", "below reachable"],
        "at or above reachable",
    )
    return pd.Series(status, index=table.index)


def _listing(
    table: pd.DataFrame, rows: pd.DataFrame, scored: pd.DataFrame, icp: ICPVersion, chosen: Value
) -> pd.DataFrame:
    """Every customer with its fit, value, peers and gap, under human headers, largest gap first."""
    fit = table[table["fit"]].sort_values("gap", ascending=False, na_position="last", kind="stable")
    out = pd.DataFrame(index=fit.index)
    for column in ("account_id", "name", "domain"):
        if column in rows:
            out[field_label(column)] = rows.loc[fit.index, column]
    unit = _header_unit(chosen.unit)
    out["Segment"] = fit["segment"]
    out["Tier"] = fit["tier"]
    out["ICP score"] = fit["score"].astype("Int64")
    out["Why"] = reasons(icp, scored.loc[fit.index])
    out[chosen.label + unit] = fit["value"]
    out["Peers"] = fit["peers"]
    out["Peers' median" + unit] = fit["median"]
    out[f"Peers' {REACH * 100:.0f}th percentile (reachable){unit}"] = fit["reachable"]
    out["Gap to reachable" + unit] = fit["gap"]
    out["Status"] = _status(fit)
    return out.reset_index(drop=True)


def _segment_table(peers: pd.DataFrame, chosen: Value) -> pd.DataFrame:
    unit = _header_unit(chosen.unit)
    return pd.DataFrame(
        {
            "Segment": peers.index.astype(str),
            "Peers (customers with a value)": peers["peers"].to_numpy(),
            "Small (no gap given)": np.where(peers["small"], "yes", "no"),
            "Peers' median" + unit: peers["median"].to_numpy(),
            f"Peers' {REACH * 100:.0f}th percentile (reachable){unit}": peers["reachable"].to_numpy(),
            "Fit customers with a value": peers["fit_customers"].to_numpy(),
            "Fit customers below reachable": peers["below"].to_numpy(),
            "White space" + unit: peers["white_space"].to_numpy(),
        }
    )


def _unscored(icp: ICPVersion, tiers: Sequence[str]) -> list[str]:
    """What an ICP without criteria means here: nobody is fit or unfit."""
    if icp.scorecard.scored:
        return []
    said = (
        f"ICP {icp.name!r} has no criteria (no attribute predicted the outcome in its data), so every customer is "
        "'unscored': fit cannot be told."
    )
    if "unscored" in tiers:
        return [said + " The white space below covers every customer, fit or not."]
    return [said + " No customer counts as fit: pass tier=['unscored'] for every customer's white space."]


def _notes(table: pd.DataFrame, peers: pd.DataFrame, min_peers: int, history: ExpansionHistory | None) -> list[str]:
    notes = []
    fit = table[table["fit"]]
    small = fit[fit["small"] & fit["value"].notna()]
    if len(small):
        groups = int(peers["small"].sum())
        notes.append(
            f"{len(small)} fit customer(s) sit in {groups} segment(s) with fewer than {min_peers} peers: too few to "
            "say what is reachable, so no gap is given (lower min_peers to include them)."
        )
    unknown = int(fit["value"].isna().sum())
    if unknown:
        notes.append(f"{unknown} fit customer(s) have no known value and are left out of the white space.")
    if not len(fit) and table["tier"].ne("unscored").any():
        notes.append("No customer falls in the fit tiers: widen tier (e.g. ['green', 'yellow']) to see white space.")
    if history is None:
        notes.append("No expansion history (no won deals with close dates, no expansion value): only white space.")
    notes.append("White space is a comparison with peers, not a forecast: a gap says what similar customers spend.")
    return notes


def within_budget(report: ExpansionReport) -> ExpansionReport:
    """The report with fewer top accounts, segments and traits until its JSON fits the budget (the CSVs keep all)."""
    fitted = report
    while len(fitted.model_dump_json(exclude_none=True)) > RESULT_CHARS:
        top, segments = fitted.top, fitted.segments
        history = fitted.history
        if len(top) > 3:
            fitted = fitted.model_copy(update={"top": top[:-1], "truncated": True})
        elif len(segments) > 3:
            fitted = fitted.model_copy(update={"segments": segments[:-1], "truncated": True})
        elif history is not None and len(history.traits) + len(history.fewer) > 2:
            trimmed = history.model_copy(update={"traits": history.traits[:2], "fewer": []})
            fitted = fitted.model_copy(update={"history": trimmed, "truncated": True})
        else:
            return fitted
    return fitted
